"""The yearly workbook, the school reports and the contract-table files, opened and checked
against the warehouse they were built from.

One pipeline run over the skeleton's inbox (tests/test_pipeline_skeleton.py: VPR-4
mathematics 2021, sch000001 and sch000002 in М1, sch000003 in М2; the hand computation of
its indicators is in that module's docstring), with one change: the registry names
sch000003 «=HYPERLINK(...)», text that must stay text. The first run has none of the marts
other steps build (objectivity, ШНОР, VPR-vs-journal, solvability, load report): its workbook
must skip those sheets with a note. Then the test writes those tables by hand, following
INDICATORS.md §D's columns, and materializes the export assets again through Dagster.

Hand computation used below (scale: mark 3 from 6, 4 from 10, 5 from 15):
  sch000001 scores 19, 5, 8, 16, 12, 6  → marks 5, 2, 3, 5, 4, 3
  sch000002 scores 10, 15, 20, 3        → marks 4, 5, 5, 2   (n = 4: suppressed)
  sch000003 scores 14, 2, 18, 7, 9      → marks 4, 2, 5, 3, 3
  region (15): «2» 3 = 20 %, «3» 4 = 26.67 %, «4» 3 = 20 %, «5» 5 = 33.33 %
  М1 (10):    «2» 2 = 20 %, «3» 2 = 20 %,   «4» 2 = 20 %, «5» 4 = 40 %
  sch000001:  «2» 1/6, «3» 2/6, «4» 1/6, «5» 2/6
  region histogram: score 6 → one pupil (mark 3), score 5 → one pupil (mark 2)
"""
from __future__ import annotations

import csv
import re
import shutil
import zipfile
from datetime import datetime, timezone

import duckdb
import pytest
from openpyxl import load_workbook

from msoko.demo.layouts import write_school_registry_csv
from tests.conftest import pointed_at, query, run_pipeline
from tests.test_pipeline_skeleton import build_inbox

pytestmark = pytest.mark.slow

YEAR = "2020-2021"
EVIL_NAME = '=HYPERLINK("http://example.org";"Школа В")'
SCHOOLS = [
    {"login": "sch000001", "name": "МБОУ «Школа А»", "municipality": "М1", "oge_code": "100001",
     "ege_code": "200001", "kind": "СОШ", "settlement": "город", "pupils": 300},
    {"login": "sch000002", "name": "МБОУ «Школа Б»", "municipality": "М1", "oge_code": "100002",
     "ege_code": "", "kind": "ООШ", "settlement": "село", "pupils": 80},
    {"login": "sch000003", "name": EVIL_NAME, "municipality": "М2", "oge_code": "100003",
     "ege_code": "200003", "kind": "гимназия", "settlement": "город", "pupils": 500},
]

# INDICATORS.md §D columns, hand-written rows (these marts are built on other branches).
LATER_MARTS = {
    "marts.objectivity_flags": ("""academic_year varchar, "window" varchar, municipality varchar,
        school_login varchar, procedure varchar, grade integer, subject varchar,
        check_code varchar, statistic double, threshold double, n_participants integer,
        flagged boolean, status varchar, details varchar""", [
        (YEAR, "vpr-spring", "М1", "sch000001", "vpr", 4, "математика", "O1", 12.5, 11.9, 6,
         True, "flagged", "нижняя граница школы 12,5 > верхней границы региона 11,9"),
        (YEAR, "vpr-spring", "М1", "sch000002", "vpr", 4, "математика", "O2", None, 0.0, 4,
         False, "insufficient_data", None),
        (YEAR, "vpr-spring", "М2", "sch000003", "vpr", 4, "математика", "O4", 0.2, 0.001, 5,
         False, "ok", None)]),
    "marts.objectivity_index": ("""academic_year varchar, level varchar, municipality varchar,
        schools_total integer, schools_flagged integer, index_value double""", [
        (YEAR, "municipality", "М1", 2, 1, 50.0), (YEAR, "municipality", "М2", 1, 0, 100.0),
        (YEAR, "region", None, 3, 1, 66.67)]),
    "marts.low_results_schools": ("""academic_year varchar, municipality varchar,
        school_login varchar, reason varchar, procedures varchar""", [
        (YEAR, "М2", "sch000003", "не менее 30% ниже минимума в двух работах",
         "ВПР 4 математика; ВПР 4 русский язык")]),
    "marts.stably_objective_schools": ("""academic_year varchar, municipality varchar,
        school_login varchar, years_clean integer""", [(YEAR, "М2", "sch000003", 3)]),
    "marts.vpr_mark_vs_journal": ("""academic_year varchar, "window" varchar, level varchar,
        municipality varchar, school_login varchar, grade integer, subject varchar,
        lowered integer, confirmed integer, raised integer, total integer,
        lowered_pct double, confirmed_pct double, raised_pct double""", [
        (YEAR, "vpr-spring", "region", None, None, 4, "математика", 4, 6, 4, 14, 28.57, 42.86, 28.57),
        (YEAR, "vpr-spring", "municipality", "М1", None, 4, "математика", 3, 3, 3, 9, 33.33, 33.33, 33.33),
        (YEAR, "vpr-spring", "school", "М1", "sch000001", 4, "математика", 2, 1, 2, 5, 40.0, 20.0, 40.0),
        (YEAR, "vpr-spring", "school", "М1", "sch000002", 4, "математика", 1, 2, 1, 4, 25.0, 50.0, 25.0)]),
    "marts.task_solvability": ("""academic_year varchar, "window" varchar, level varchar,
        municipality varchar, school_login varchar, procedure varchar, grade integer,
        subject varchar, column_no integer, task_label varchar, criterion_level varchar,
        section varchar, max_points integer, participants integer, points_earned double,
        solvability_pct double, sufficient boolean""", [
        (YEAR, "vpr-spring", "school", "М1", "sch000001", "vpr", 4, "математика", 1, "1",
         "базовый", "s", 5, 6, 18.0, 60.0, True),
        (YEAR, "vpr-spring", "school", "М1", "sch000001", "vpr", 4, "математика", 2, "2",
         "повышенный", "s", 5, 6, 6.0, 20.0, False),
        (YEAR, "vpr-spring", "school", "М1", "sch000002", "vpr", 4, "математика", 1, "1",
         "базовый", "s", 5, 4, 14.0, 70.0, True)]),
    "marts.objectivity_histograms": ("""academic_year varchar, procedure varchar,
        grade integer, subject varchar, level varchar, municipality varchar,
        school_login varchar, primary_score integer, pupils integer, share double,
        counterfactual_share double""", [
        (YEAR, "vpr", 4, "математика", "region", None, None, s, 0, 0.0, 1 / 21) for s in range(21)]),
    "audit.load_report": ("""academic_year varchar, "window" varchar, municipality varchar,
        school_login varchar, files_received integer, files_rejected integer, issues varchar""", [
        (YEAR, "vpr-spring", "М2", "sch000003", 2, 1, "1 файл отклонён: это не таблица")]),
}


def _create_later_marts(warehouse):
    con = duckdb.connect(str(warehouse))
    try:
        for table, (cols, rows) in LATER_MARTS.items():
            con.execute(f"create or replace table {table} ({cols})")
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"insert into {table} values ({marks})", rows)
    finally:
        con.close()


def _workbook_without_later_marts(warehouse, out_dir):
    """The workbook of a warehouse where the objectivity, journal, solvability and load-report
    tables were never built (an older warehouse, or a failed dbt model): those sheets are
    skipped with a note on the title sheet instead of failing the export."""
    from exports.workbook import RunInfo, write_workbooks
    out_dir.mkdir()
    copy = out_dir / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        for table in LATER_MARTS:
            con.execute(f"drop table if exists {table} cascade")
    finally:
        con.close()
    run = RunInfo(run_id="test", started_at=datetime.now(timezone.utc))
    return next(p for p in write_workbooks(copy, out_dir, run) if p.name == f"msoko_{YEAR}.xlsx")


def _materialize_exports():
    from dagster import DagsterInstance, materialize

    from orchestration.export_assets import EXPORT_ASSETS
    from orchestration.resources import MsokoPaths
    result = materialize(EXPORT_ASSETS, resources={"msoko_paths": MsokoPaths()},
                         instance=DagsterInstance.ephemeral())
    assert result.success


@pytest.fixture(scope="module")
def exports_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("exports")
    with pointed_at(root) as (inbox, home):
        build_inbox(inbox)
        write_school_registry_csv(inbox / "reference" / "schools.csv", SCHOOLS)
        assert run_pipeline() == 0
        bare = _workbook_without_later_marts(home / "warehouse.duckdb", root / "bare")
        _create_later_marts(home / "warehouse.duckdb")
        _materialize_exports()
        yield home, bare


def rows_of(book, sheet):
    return [tuple(r) for r in load_workbook(book, read_only=True)[sheet].iter_rows(values_only=True)]


def header_row(rows, first):
    return next(i for i, r in enumerate(rows) if r and r[0] == first)


def test_first_run_skips_absent_marts_with_a_note(exports_run):
    _, bare = exports_run
    wb = load_workbook(bare, read_only=True)
    assert wb.sheetnames == ["Титул", "Показатели (М1)", "Показатели (М2)",
                             "Распределение отметок", "Распределение баллов", "Загрузка",
                             "Отложенные строки"]
    notes = [r[1] for r in wb["Титул"].iter_rows(values_only=True) if r[0] == "Не сформировано"]
    # six sheets of later marts, plus «Графики объективности» (needs objectivity_flags)
    assert len(notes) == 7
    assert any("ШНОР" in n and "marts.low_results_schools" in n for n in notes)


def test_sheet_names_and_headers(exports_run):
    home, _ = exports_run
    book = home / "exports" / f"msoko_{YEAR}.xlsx"
    wb = load_workbook(book, read_only=True)
    assert wb.sheetnames == [
        "Титул", "Показатели (М1)", "Показатели (М2)", "Индекс объективности",
        "Признаки необъективности", "Графики объективности", "ШНОР", "ВПР и журнал", "Решаемость заданий",
        "Отчёт о загрузке", "Распределение отметок", "Распределение баллов", "Загрузка",
        "Отложенные строки"]
    annex = rows_of(book, "Показатели (М1)")
    assert annex[2] == ("№", "Критерий/показатель", "Единица измерения", "Работа", "М1",
                        "МБОУ «Школа А»", "МБОУ «Школа Б»", "Регион", "Муниципалитет, прошлый год")
    journal = rows_of(book, "ВПР и журнал")
    assert journal[header_row(journal, "Уровень")][5:12] == (
        "Понизили, чел.", "Понизили, %", "Подтвердили, чел.", "Подтвердили, %",
        "Повысили, чел.", "Повысили, %", "Всего")
    title = {r[0]: r[1] for r in rows_of(book, "Титул") if r and r[0]}
    assert title["Учебный год"] == YEAR and title["Окна оценочных процедур"] == "vpr-spring"
    assert "Не сформировано" not in title
    # every input file of the year is listed with its hash, as audit.files has it
    listed = {(r[1], r[2]) for r in rows_of(book, "Титул") if r and r[0] in ("принят", "отклонён")}
    assert listed == set(query(home, "select path, sha256 from audit.files "
                                     "where academic_year = ? or academic_year is null", [YEAR]))


def test_annex_values_match_the_warehouse(exports_run):
    home, _ = exports_run
    book = home / "exports" / f"msoko_{YEAR}.xlsx"
    wb = load_workbook(book)                       # full mode: number formats are visible
    ws = wb["Показатели (М1)"]
    header = [c.value for c in ws[3]]
    logins = {"МБОУ «Школа А»": "sch000001", "МБОУ «Школа Б»": "sch000002"}
    checked = 0
    for row in ws.iter_rows(min_row=4):
        code = row[0].value
        for name, login in logins.items():
            cell = row[header.index(name)]
            value, unit, suppressed = query(home, """
                select value, unit, suppressed from marts.msoko_indicators
                where academic_year = ? and indicator_code = ? and school_login = ?
                  and grade = 4 and subject = 'математика'""", [YEAR, code, login])[0]
            if suppressed:
                assert cell.value == "менее 5 участников"
            elif unit == "%":
                assert cell.value == pytest.approx(value / 100) and cell.number_format == "0.0%"
            else:
                assert cell.value == pytest.approx(value)
            checked += 1
    # 1.3.1–1.3.3 and 3.1 for two schools. 3.1 of sch000001: marks 5, 3, 5, 4, 3 against journal
    # 4, 4, 4, 4, 4 (the «ж» pupil has no journal mark) → 4 of 5 differ = 80 %.
    assert checked == 8
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "3.1")
    assert row[header.index("МБОУ «Школа А»")].value == pytest.approx(0.8)
    # 1.3.2 of sch000001 is 1 of 6 = 16.67 %, shown with one decimal
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "1.3.2")
    assert row[header.index("МБОУ «Школа А»")].value == pytest.approx(0.1667)
    assert row[header.index("М1")].value == pytest.approx(0.20)
    assert ws.freeze_panes == "E4"


def test_later_mart_sheets(exports_run):
    home, _ = exports_run
    book = home / "exports" / f"msoko_{YEAR}.xlsx"
    journal = rows_of(book, "ВПР и журнал")
    by_school = {r[2]: r for r in journal[header_row(journal, "Уровень") + 1:]}
    assert by_school["МБОУ «Школа А»"][5:12] == (2, pytest.approx(0.40), 1, pytest.approx(0.20),
                                                 2, pytest.approx(0.40), 5)
    assert by_school["МБОУ «Школа Б»"][5] == "менее 5 участников"     # total 4 < 5
    assert journal[header_row(journal, "Уровень") + 1][0] == "регион"  # region first
    # Solvability as FIS OKO prints it: a block per paper, tasks across. Школа А: task 1
    # 18 of 30 points = 60 % (sufficient), task 2 6 of 30 = 20 % (below 30 %: red); Школа Б
    # has 4 participants (suppressed) and no task 2.
    solv = rows_of(book, "Решаемость заданий")
    top = header_row(solv, "Уровень")
    assert solv[top - 1][0] == "ВПР, 4 класс, математика"
    assert solv[top][:6] == ("Уровень", "Муниципалитет", "Школа", "Участников", "1", "2")
    assert solv[top + 1][3:6] == ("Уровень сложности", "базовый", "повышенный")
    assert solv[top + 2][3:6] == ("Макс. балл", 5, 5)
    assert [r[1:6] for r in solv[top + 3:top + 5]] == [
        ("М1", "МБОУ «Школа А»", 6, pytest.approx(0.60), pytest.approx(0.20)),
        ("М1", "МБОУ «Школа Б»", 4, "менее 5 участников", None)]
    cells = load_workbook(book)["Решаемость заданий"][top + 4]      # Школа А (1-based rows)
    red = [c.font.color is not None and c.font.color.rgb == "FF9C0006" for c in cells[4:6]]
    assert red == [False, True]
    flags = rows_of(book, "Признаки необъективности")
    flagged = flags[header_row(flags, "Муниципалитет") + 1:]
    assert len(flagged) == 1 and flagged[0][2] == "sch000001"
    assert flagged[0][5] == "O1 — Завышенный средний балл" and "95%" in flagged[0][6]
    index = rows_of(book, "Индекс объективности")
    assert ("регион", "регион", 3, 1, 66.67) in index
    assert any(r[1] == EVIL_NAME for r in index)                      # stably objective
    load = rows_of(book, "Отчёт о загрузке")
    row = load[header_row(load, "Учебный год") + 1]
    assert row[3:5] == ("sch000003", EVIL_NAME) and row[-1] == "1 файл отклонён: это не таблица"


def test_text_from_inputs_never_becomes_a_formula(exports_run):
    home, _ = exports_run
    book = home / "exports" / f"msoko_{YEAR}.xlsx"
    with zipfile.ZipFile(book) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(re.search(r"<f[ >]", z.read(n).decode()) for n in sheets)
    wb = load_workbook(book)
    cells = [c for c in wb["ШНОР"].iter_rows() for c in c if c.value == EVIL_NAME]
    assert cells and all(c.data_type == "s" for c in cells)
    assert EVIL_NAME in [c.value for c in wb["Показатели (М2)"][3]]


def test_charts(exports_run):
    home, _ = exports_run
    book = home / "exports" / f"msoko_{YEAR}.xlsx"
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    # marks: one block per municipality (М1, М2); scores: region, М1, М2
    assert len(charts) == 5
    marks = rows_of(book, "Распределение отметок")
    top = next(i for i, r in enumerate(marks) if r[0] == "ВПР, 4 класс, математика — М1")
    block = {r[0]: r[1:6] for r in marks[top + 2: top + 6]}
    assert block["Регион"] == pytest.approx((0.2, 4 / 15, 0.2, 1 / 3, 15))
    assert block["М1"] == pytest.approx((0.2, 0.2, 0.2, 0.4, 10))
    assert block["МБОУ «Школа А»"] == pytest.approx((1 / 6, 2 / 6, 1 / 6, 2 / 6, 6))
    assert block["МБОУ «Школа Б»"][0] == "менее 5 участников"
    scores = rows_of(book, "Распределение баллов")
    top = next(i for i, r in enumerate(scores) if r[0] == "ВПР, 4 класс, математика — регион")
    assert "«3» — от 6" in scores[top + 1][0]
    table = {r[0]: r[1:6] for r in scores[top + 3: top + 24]}
    assert table[5][:4] == (1, None, None, None) and table[6][:4] == (None, 1, None, None)
    assert table[6][4] == pytest.approx(15 / 21)      # expected count from the O4 fit


def test_school_reports(exports_run):
    home, _ = exports_run
    pages = home / "exports" / "schools" / YEAR
    a = (pages / "sch000001.html").read_text(encoding="utf-8")
    # 1.3.1: school 11.00, М1 11.40, region 10.93; 1.3.2: 16.7 % against 20.0 %
    assert "<td class='n'>11,00</td><td class='n'>11,40</td><td class='n'>10,93</td>" in a
    assert "16,7 %" in a and "20,0 %" in a
    assert "Завышенный средний балл" in a and "95%" in a
    b = (pages / "sch000002.html").read_text(encoding="utf-8")
    assert "менее 5 участников" in b and "отложено строк — 1" in b
    assert "Признаков необъективности не выявлено" in b
    c = (pages / "sch000003.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&quot;http://example.org&quot;" in c and EVIL_NAME not in c
    assert "ШНОР" in c and "1 файл отклонён: это не таблица" in c     # from audit.load_report
    # the rejected file names no school; its folder does (audit.files)
    assert "Файл «2020-2021/vpr-spring/sch000003/Проведение работы по математике" in c
    assert "sch000001.html" in (pages / "index.html").read_text(encoding="utf-8")


def test_contract_tables(exports_run):
    home, _ = exports_run
    out = home / "exports" / "tables"
    con = duckdb.connect()
    for table in ["marts.msoko_indicators", "marts.objectivity_flags", "marts.task_solvability",
                  "audit.files", "audit.rejected_rows"]:
        expected = query(home, f"select count(*) from {table}")[0][0]
        assert con.execute(f"select count(*) from '{out / (table + '.parquet')}'").fetchone()[0] == expected
        with open(out / f"{table}.csv", encoding="utf-8", newline="") as f:
            assert sum(1 for _ in csv.reader(f)) == expected + 1
    row = con.execute(f"""select value, suppressed from '{out / "marts.msoko_indicators.parquet"}'
                          where indicator_code = '1.3.1' and level = 'municipality'
                            and municipality = 'М1' and academic_year = '{YEAR}'""").fetchall()
    assert row == [(11.4, False)]


def test_a_subset_of_the_publication_writes_only_what_is_selected(exports_run):
    # The workbooks, reports and tables are one step written side by side
    # (orchestration/export_assets.py), each its own asset: a data engineer who rematerializes
    # the tables alone gets the tables, not a new workbook, and nothing is released.
    from dagster import AssetKey, DagsterInstance, materialize

    from exports.release import RELEASES
    from orchestration.export_assets import EXPORT_ASSETS, PUBLISHED
    from orchestration.resources import MsokoPaths
    home, _ = exports_run
    published_before = sorted(p.name for p in (home / "exports").iterdir())
    tables = AssetKey(["exports", "contract_tables"])
    result = materialize(EXPORT_ASSETS, selection=[PUBLISHED, tables],
                         resources={"msoko_paths": MsokoPaths()},
                         instance=DagsterInstance.ephemeral())
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {PUBLISHED, tables}
    release = home / RELEASES / result.run_id / "exports"
    assert sorted(p.name for p in (release / "tables").glob("marts.msoko_indicators.*")) == [
        "marts.msoko_indicators.csv", "marts.msoko_indicators.parquet"]
    assert not list(release.glob("*.xlsx")) and not (release / "schools").exists()
    assert sorted(p.name for p in (home / "exports").iterdir()) == published_before


def _publish_with(monkeypatch, home, start):
    """The export assets materialized with side_outputs.start replaced; returns the result
    and whether the published exports stayed as they were."""
    from dagster import DagsterInstance, materialize

    from exports import side_outputs
    from orchestration.export_assets import EXPORT_ASSETS
    from orchestration.resources import MsokoPaths
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (home / "exports").iterdir())
    monkeypatch.setattr(side_outputs, "start", start)
    result = materialize(EXPORT_ASSETS, resources={"msoko_paths": MsokoPaths()},
                         instance=DagsterInstance.ephemeral(), raise_on_error=False)
    after = sorted((p.name, p.stat().st_mtime_ns) for p in (home / "exports").iterdir())
    return result, before == after


def test_tables_and_reports_failing_in_their_process_fail_the_step(exports_run, monkeypatch):
    """exports/side_outputs.py: the tables and reports are written by a process of their
    own; when it fails, the publication step fails with its error and nothing is released."""
    import subprocess
    import sys

    from orchestration.export_assets import PUBLICATION_STEP
    home, _ = exports_run

    def failing(*args, **kwargs):
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit('нет места на диске')"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    result, unchanged = _publish_with(monkeypatch, home, failing)
    assert not result.success and unchanged
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == PUBLICATION_STEP
    message = failure.step_failure_data.error.cause.message
    assert "таблицы и отчёты школ не сформированы (код 1)" in message
    assert "нет места на диске" in message


def test_the_tables_and_reports_process_says_what_it_wrote_beside_stray_output():
    """exports/side_outputs.py finish: one JSON line per output is read; a line a library
    printed to stdout is not mistaken for one."""
    import subprocess
    import sys

    from exports import side_outputs
    script = ("print('FutureWarning: something'); print('{\"output\": \"reports\"}'); "
              f"print({side_outputs.RESULT!r} + '{{\"output\": \"tables\", \"files\": 4, "
              "\"missing\": []}')")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert side_outputs.finish(process) == {
        "tables": {"output": "tables", "files": 4, "missing": []}}


def test_a_failing_workbook_stops_the_tables_and_reports_process(exports_run, monkeypatch):
    import signal
    import subprocess
    import sys

    from orchestration import export_assets
    home, _ = exports_run
    started = []

    def sleeping(*args, **kwargs):
        started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        return started[-1]

    def broken(*args, **kwargs):
        raise OSError("книга не записана")
    monkeypatch.setattr(export_assets, "write_workbooks", broken)
    result, unchanged = _publish_with(monkeypatch, home, sleeping)
    assert not result.success and unchanged
    assert started[0].poll() == -signal.SIGKILL   # killed, not waited for nor left sleeping


def test_readme_questions_run_on_the_published_copy(exports_run):
    from pathlib import Path
    home, _ = exports_run
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Querying the warehouse")[1].split("\n## ")[0]
    questions = re.findall(r"```sql\n(.*?)```", section, re.S)
    assert len(questions) == 3
    with duckdb.connect(str(home / "published" / "msoko.duckdb"), read_only=True) as con:
        top, change, flagged = (con.execute(q).fetchall() for q in questions)
    # 2021-2022: only sch000001 wrote (5 pupils, none below 6) → share of «2» = 0
    assert top == [("sch000001", 0.0, 5.0)]
    # М1: 11.40 in 2020-2021, 2021-2022 is sch000001 alone: 10.40
    assert change == [("2021-2022", "М1", 4, "математика", 10.4, 11.4, -1.0)]
    assert [(r[2], r[3], r[-1]) for r in flagged] == [("МБОУ «Школа А»", "O1", False)]
