"""The dirty inbox of tests/fixtures/ingest/dirty_inbox.py through the real pipeline
(`msoko run`: Dagster → Great Expectations → DuckDB → dbt): the contract tables audit.files
and audit.rejected_rows, the load report per window × school (table and sheet), regional
figures, and a rerun over the same inbox that changes nothing."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from exports.load_report import (read_school_load_report, school_load_reports,
                                 write_school_load_report)
from tests.conftest import pointed_at, query, run_pipeline
from tests.fixtures.ingest import dirty_inbox as D

pytestmark = pytest.mark.slow

MATHS1 = f"{D.VPR}/sch100001/{D.MATHS_NAME}"
EXPORT = f"{D.VPR}/{D.WORLD_NAME}"
OGE = f"{D.YEAR}/oge/Протокол ОГЭ 2024.csv"


@pytest.fixture(scope="module")
def dirty_run(tmp_path_factory):
    with pointed_at(tmp_path_factory.mktemp("ingest_pipeline")) as (inbox, home):
        D.build(inbox)
        assert run_pipeline() == 0
        yield inbox, home


def test_audit_files_statuses_and_accounting(dirty_run):
    _, home = dirty_run
    got = {p: rest for p, *rest in query(home, """
        select path, status, rows_read, rows_loaded, rows_set_aside from audit.files""")}
    assert got[MATHS1] == ["accepted", 9, 4, 5]
    assert got[f"{D.VPR}/sch100001/копия/{D.MATHS_NAME}"] == ["superseded", 0, 0, 0]
    assert got[EXPORT] == ["accepted", 5, 4, 1]     # still current for sch100001
    assert got[OGE] == ["accepted", 4, 2, 2]
    assert sorted(p for p, (status, *_) in got.items() if status == "rejected") == sorted([
        f"{D.VPR}/sch100002/..\\evil «=1+1» \ufffd.xlsx",
        f"{D.VPR}/sch100003/{D.MATHS_NAME}",
        f"{D.VPR}/sch100003/результаты.xlsx",
        f"{D.VPR}/sch999998/{D.MATHS_NAME}",
    ])
    assert query(home, """select count(*) from audit.files
                          where status <> 'rejected' and rows_read <> rows_loaded + rows_set_aside""") == [(0,)]
    assert query(home, "select count(*) from audit.rejected_rows") == [(9,)]
    # the warehouse says which version is current and when it arrived
    assert query(home, f"""select status, received_at < (select received_at from audit.files
                                                         where path = '{D.VPR}/sch100003/{D.WORLD_NAME}')
                           from audit.load_report_files
                           where path = '{EXPORT}' and school_login = 'sch100003'""") == [("superseded", True)]


def test_superseded_rows_count_nowhere(dirty_run):
    _, home = dirty_run
    # sch100003 окружающий мир: the later per-school file (4+4, 3+3) replaces the export's (1+1, 2+2)
    assert query(home, """select pupil_code, primary_score from intermediate.int_pupil_papers
                          where school_login = 'sch100003' order by 1""") == [("40101", 8), ("40102", 6)]


def test_load_report_per_window_and_school(dirty_run):
    _, home = dirty_run
    rows = {(w, s): rest for w, s, *rest in query(home, """
        select "window", school_login, files_received, files_accepted, files_rejected,
               files_superseded, rows_read, rows_loaded, rows_set_aside, rows_superseded,
               rows_in_rejected_files, set_aside_reasons, dropped_name_columns
        from audit.load_report""")}
    # sch100001 in vpr-spring: its maths file (9 read, 4 loaded, 5 set aside), the exact copy
    # (superseded, 0 rows) and its 2 rows of the municipal export
    assert rows[("vpr-spring", "sch100001")][:9] == [3, 2, 0, 1, 11, 6, 5, 0, 0]
    assert rows[("vpr-spring", "sch100001")][9] == (
        "код обучающегося повторяется — 2; балл за задание больше максимального — 1; "
        "балл за задание не число — 1; первичный балл больше максимального по шкале — 1")
    # sch100003: the export's 2 rows superseded by its own file's 2; two rejected files
    assert rows[("vpr-spring", "sch100003")][:9] == [4, 1, 2, 1, 4, 2, 0, 2, 0]
    assert rows[("vpr-spring", "sch999998")][:9] == [1, 0, 1, 0, 1, 0, 0, 0, 1]
    assert rows[("oge", "sch100001")][9:] == ["невозможная отметка — 1", "ФИО"]
    assert rows[("oge", None)][9] == "школа не найдена в реестре — 1"
    assert query(home, """select personal_data_note from audit.load_report
                          where "window" = 'oge' and school_login = 'sch100004'""") == [
        ("Столбцы с персональными данными удалены при загрузке и не хранятся: ФИО.",)]


def test_load_report_sheet_a_school_can_be_sent(dirty_run, tmp_path):
    _, home = dirty_run
    path = write_school_load_report(tmp_path / "sch100001.xlsx", home / "warehouse.duckdb",
                                    D.YEAR, "vpr-spring", "sch100001")
    ws = load_workbook(path)["Загрузка sch100001"]
    cells = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert "Отчёт о загрузке результатов" in cells
    assert "Школа: МБОУ «Школа 1» (sch100001)" in cells
    assert "Строки, которые нужно исправить и прислать снова" in cells
    lines = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, r in enumerate(lines) if r[0] == "Строки, которые нужно исправить и прислать снова")
    end = next(i for i, r in enumerate(lines) if (r[0] or "").startswith("Предупреждения"))
    set_aside = [r for r in lines[start:end] if r[0] == MATHS1]
    warnings = [(r[2], r[4]) for r in lines[end:] if r[0] == MATHS1]
    assert warnings == [(5, "ж"), (6, "15")]
    assert [(r[2], r[3], r[4]) for r in set_aside] == [
        (8, "балл за 1", "6"), (9, "первичный балл", "20"), (10, "код обучающегося", "40007"),
        (11, "код обучающегося", "40007"), (12, "балл за 1", "пять")]
    assert any(r[0] == MATHS1 and r[2] == "принят" and r[3:6] == [9, 4, 5] for r in lines)


def test_load_report_from_the_command_line(dirty_run, capsys):
    from msoko.cli import main
    _, home = dirty_run
    assert main(["load-report", D.YEAR, "vpr-spring", "sch100001"]) == 0
    path = home / "exports" / "load_reports" / D.YEAR / "vpr-spring_sch100001.xlsx"
    assert str(path) in capsys.readouterr().out
    ws = load_workbook(path)["Загрузка sch100001"]
    assert "Школа: МБОУ «Школа 1» (sch100001)" in {c.value for row in ws.iter_rows() for c in row}
    # A school that sent nothing in the window: a message, no file.
    assert main(["load-report", D.YEAR, "vpr-spring", "sch100099"]) == 1
    assert "Школа sch100099 не присылала файлов" in capsys.readouterr().err
    assert not (home / "exports" / "load_reports" / D.YEAR / "vpr-spring_sch100099.xlsx").exists()
    # A path where a name belongs is refused before anything is written.
    assert main(["load-report", D.YEAR, "../..", "sch100001"]) == 2
    assert "как имена папок" in capsys.readouterr().err


def test_text_from_files_never_becomes_a_formula(dirty_run, tmp_path):
    _, home = dirty_run
    # sch100003's registry name is «=HYPERLINK("http://x")»; the odd file name holds «=1+1»
    for login, window in (("sch100003", "vpr-spring"), ("sch100002", "vpr-spring")):
        path = write_school_load_report(tmp_path / f"{login}.xlsx", home / "warehouse.duckdb",
                                        D.YEAR, window, login)
        ws = load_workbook(path)[f"Загрузка {login}"]
        values = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert all(c.data_type == "s" for c in values)
    assert 'Школа: =HYPERLINK("http://x") (sch100003)' in {
        c.value for row in load_workbook(tmp_path / "sch100003.xlsx").active.iter_rows() for c in row}


def test_every_school_window_has_a_report(dirty_run):
    import duckdb
    _, home = dirty_run
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        reports = school_load_reports(con, D.YEAR)
        unattributed = read_school_load_report(con, D.YEAR, "oge", None)
    finally:
        con.close()
    assert len(reports) == query(home, "select count(*) from audit.load_report")[0][0] == 9
    assert [r["value"] for r in unattributed.set_aside] == ["9999"]


def test_regional_figures_reach_staging(dirty_run):
    _, home = dirty_run
    assert query(home, """select year, procedure, grade, subject, participants, mean_score, sd_score,
                                 pct_2, pct_3, pct_4, pct_5 from staging.stg_regional_figures""") == [
        (2024, "vpr", 4, "математика", 25031, 11.4, 3.9, 8.1, 35.2, 40.0, 16.7)]


def test_rerun_over_the_same_inbox_changes_nothing(dirty_run):
    _, home = dirty_run
    tables = ["raw.files", "raw.pupil_results", "raw.exam_results", "raw.criterion_scores",
              "raw.rejected_rows", "raw.file_schools", "raw.cleaned_cells", "audit.files",
              "audit.rejected_rows", "audit.load_report", "audit.load_report_files"]
    before = {t: query(home, f"select * from {t} order by all") for t in tables}
    archive = sorted(p.name for p in (home / "archive").rglob("*") if p.is_file())
    assert run_pipeline() == 0
    assert {t: query(home, f"select * from {t} order by all") for t in tables} == before
    assert sorted(p.name for p in (home / "archive").rglob("*") if p.is_file()) == archive
