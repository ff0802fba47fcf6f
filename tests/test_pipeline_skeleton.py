"""The walking skeleton end to end: a small inbox in the real FIS OKO layouts (dirt
included) → archive → Great Expectations → DuckDB → dbt → marts.msoko_indicators → workbook.

Hand computation (VPR-4 mathematics 2021, scale from ingest/defaults/scales.csv: max 20,
mark 3 from 6, mark 4 from 10, mark 5 from 15; 4 criteria of max 5 from reference/tasks.csv;
"above 75% of the maximum" means > 15):

  sch000001 (М1), per-school file, Cyrillic layout — participants (absent 40005 excluded):
      19, 5, 8 (one «Х»), 16, 12, 6          n=6  sum=66  mean 11.00
      mark 2: 5                              1/6 = 16.67 %
      > 15:   19, 16                         2/6 = 33.33 %
  sch000002 (М1), per-school file in the 2020 Latin layout, no login column (folder names
      the school): 10, 15, 20, 3 and one row with a criterion of 6 > max 5 → set aside.
      n=4 < 5 → every school-level value suppressed.
  sch000003 (М2), multi-school export at the window root: 14, 2, 18, 7, 9 (n=5, sum 50,
      mean 10.00; mark 2: 2 → 20 %; > 15: 18 → 20 %) plus one row of sch999999, a school
      missing from the registry → that row set aside, the rest loads.
  М1: n=10, sum 114, mean 11.40; mark 2: 5, 3 → 20 %; > 15: 19, 16, 20 → 30 %.
  Region: n=15, sum 164, mean 164/15 = 10.93; mark 2: 3/15 = 20 %; > 15: 4/15 = 26.67 %.
  2021-2022 (department's scales.csv adds the 2022 scale): sch000001 writes 10, 10, 10, 10,
      12 → mean 10.40, prev_value 11.00.
  Broken: a text file under a FIS OKO xlsx name → rejected (not a spreadsheet).
"""
from __future__ import annotations

import json

import duckdb
import pytest
from openpyxl import load_workbook

from msoko.demo.layouts import (fis_oko_file_name, write_scales_csv, write_school_registry_csv,
                                write_tasks_csv, write_vpr_export)
from tests.conftest import contract_tables, pointed_at, query, run_pipeline

pytestmark = pytest.mark.slow

MATHS = "математика"


def pupil(login, code, criteria, journal=4, total=None, variant="1", region="М1"):
    return {"login": login, "region": region, "code": code, "journal_mark": journal,
            "gender": "м", "class_letter": "а", "variant": variant,
            "total": total if total is not None else sum(c for c in criteria if isinstance(c, int)),
            "criteria": criteria}


def build_inbox(inbox):
    ref = inbox / "reference"
    ref.mkdir(parents=True)
    write_school_registry_csv(ref / "schools.csv", [
        {"login": "sch000001", "name": "МБОУ «Школа А»", "municipality": "М1", "oge_code": "100001",
         "ege_code": "200001", "kind": "СОШ", "settlement": "город", "pupils": 300},
        {"login": "sch000002", "name": "МБОУ «Школа Б»", "municipality": "М1", "oge_code": "100002",
         "ege_code": "", "kind": "ООШ", "settlement": "село", "pupils": 80},
        {"login": "sch000003", "name": "МОУ «Школа В»", "municipality": "М2", "oge_code": "100003",
         "ege_code": "200003", "kind": "гимназия", "settlement": "город", "pupils": 500},
    ])
    write_scales_csv(ref / "scales.csv", [
        {"year": 2022, "procedure": "vpr", "grade": 4, "subject": MATHS, "max_score": 20,
         "min_3": 6, "min_4": 10, "min_5": 15, "source": "test"},
    ])
    write_tasks_csv(ref / "tasks.csv", [
        {"year": y, "procedure": "vpr", "grade": 4, "subject": MATHS, "column_no": k,
         "task_label": str(k), "max_points": 5, "level": "базовый", "section": "s", "skill": "k"}
        for y in (2021, 2022) for k in range(1, 5)
    ])
    name = fis_oko_file_name(MATHS, 4, 2021)
    window = inbox / "2020-2021" / "vpr-spring"
    (window / "sch000001").mkdir(parents=True)
    write_vpr_export(window / "sch000001" / name, [
        pupil("sch000001", "40001", [5, 5, 5, 4], journal="4\u00a0"),
        pupil("sch000001", "40002", [2, 2, 1, 0], journal="ж"),
        pupil("sch000001", "40003", [3, 3, "Х", 2]),
        pupil("sch000001", "40004", [4, 4, 4, 4], total=17),          # total disagrees: warning
        pupil("sch000001", "40005", [None] * 4, variant="отсутствовал"),
        pupil("sch000001", "40006", [3, 3, 3, 3]),
        pupil("sch000001", "40007", [1, 2, 2, 1]),
    ], n_criteria=4, title_rows=[["Результаты ВПР"], []], header_spaces=True)
    (window / "sch000002").mkdir()
    write_vpr_export(window / "sch000002" / name, [
        pupil("sch000002", "40011", [3, 3, 2, 2]),
        pupil("sch000002", "40012", [5, 5, 3, 2]),
        pupil("sch000002", "40013", [5, 5, 5, 5]),
        pupil("sch000002", "40014", [1, 1, 1, 0]),
        pupil("sch000002", "40015", [6, 5, 5, 5]),                     # 6 > max 5: set aside
    ], n_criteria=4, layout="latin", include_login=False, numbers_as_text=True)
    write_vpr_export(window / f"Экспорт М2 {name}", [
        pupil("sch000003", "40021", [4, 4, 3, 3], region="М2"),
        pupil("sch000003", "40022", [1, 1, 0, 0], region="М2"),
        pupil("sch000003", "40023", [5, 5, 4, 4], region="М2"),
        pupil("sch000003", "40024", [2, 2, 2, 1], region="М2"),
        pupil("sch000003", "40025", [3, 2, 2, 2], region="М2"),
        pupil("sch999999", "40026", [3, 2, 2, 2], region="М2"),     # unknown school: set aside
    ], n_criteria=4)
    (window / "sch000003").mkdir()
    (window / "sch000003" / name).write_text("это не таблица, а письмо директора")
    later = inbox / "2021-2022" / "vpr-spring" / "sch000001"
    later.mkdir(parents=True)
    write_vpr_export(later / fis_oko_file_name(MATHS, 4, 2022), [
        pupil("sch000001", f"4010{i}", c) for i, c in
        enumerate([[3, 3, 2, 2], [2, 3, 3, 2], [5, 5, 0, 0], [1, 2, 3, 4], [3, 3, 3, 3]])
    ], n_criteria=4)


def indicator(home, code, level, year="2020-2021", school=None, municipality=None):
    rows = query(home, """
        select value, numerator, denominator, suppressed, prev_value
        from marts.msoko_indicators
        where academic_year = ? and indicator_code = ? and level = ? and grade = 4
          and subject = 'математика'
          and school_login is not distinct from ? and municipality is not distinct from ?""",
                 [year, code, level, school, municipality])
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(scope="module")
def skeleton_run(tmp_path_factory):
    """One pipeline run shared by the tests of this module (a run costs ≈15 s)."""
    with pointed_at(tmp_path_factory.mktemp("skeleton")) as (inbox, home):
        build_inbox(inbox)
        assert run_pipeline() == 0
        yield inbox, home


def test_indicators_at_three_levels(skeleton_run):
    _, home = skeleton_run
    # school sch000001: mean 66/6, 1 of 6 with mark 2, 2 of 6 above 15
    assert indicator(home, "1.3.1", "school", school="sch000001", municipality="М1")[:4] == (11.0, 66.0, 6.0, False)
    assert indicator(home, "1.3.2", "school", school="sch000001", municipality="М1")[0] == 16.67
    assert indicator(home, "1.3.3", "school", school="sch000001", municipality="М1")[0] == 33.33
    # sch000002 has 4 participants: suppressed, not zero
    assert indicator(home, "1.3.1", "school", school="sch000002", municipality="М1") == (None, None, None, True, None)
    # municipalities and region
    assert indicator(home, "1.3.1", "municipality", municipality="М1")[:3] == (11.4, 114.0, 10.0)
    assert indicator(home, "1.3.2", "municipality", municipality="М1")[0] == 20.0
    assert indicator(home, "1.3.3", "municipality", municipality="М1")[0] == 30.0
    assert indicator(home, "1.3.1", "municipality", municipality="М2")[0] == 10.0
    assert indicator(home, "1.3.1", "region")[:3] == (10.93, 164.0, 15.0)
    assert indicator(home, "1.3.2", "region")[0] == 20.0
    assert indicator(home, "1.3.3", "region")[0] == 26.67
    # the next year carries the previous value
    assert indicator(home, "1.3.1", "school", year="2021-2022", school="sch000001",
                     municipality="М1")[::4] == (10.4, 11.0)


def test_files_and_rows_are_accounted_for(skeleton_run):
    _, home = skeleton_run
    files = {p.split("/")[-2] + "/" + p.split("/")[-1][:6]: (status, read, loaded, aside)
             for p, status, read, loaded, aside in query(home, """
        select path, status, rows_read, rows_loaded, rows_set_aside from audit.files
        where academic_year = '2020-2021'""")}
    assert files["sch000001/Провед"] == ("accepted", 7, 7, 0)
    assert files["sch000002/Провед"] == ("accepted", 5, 4, 1)
    assert files["vpr-spring/Экспор"] == ("accepted", 6, 5, 1)
    assert files["sch000003/Провед"][0] == "rejected"
    rejected = dict(query(home, "select rule, message from audit.rejected_rows"))
    assert set(rejected) == {"criterion_above_max", "unknown_school"}
    assert "строка" in rejected["criterion_above_max"] and "«6»" in rejected["criterion_above_max"]
    assert "sch999999" in rejected["unknown_school"]
    warnings = {r for (r,) in query(home, "select rule from audit.row_warnings")}
    assert {"journal_mark_unclear", "total_mismatch"} <= warnings


def test_workbook_and_published_copy(skeleton_run):
    _, home = skeleton_run
    book = home / "exports" / "msoko_2020-2021.xlsx"
    wb = load_workbook(book, read_only=True)
    assert {"Титул", "Показатели (М1)", "Загрузка", "Отложенные строки"} <= set(wb.sheetnames)
    rows = list(wb["Показатели (М1)"].iter_rows(values_only=True))
    header = rows[2]
    assert header[:3] == ("№", "Критерий/показатель", "Единица измерения")
    row = next(r for r in rows[3:] if r[0] == "1.3.1")
    assert row[header.index("М1")] == 11.4
    assert row[header.index("МБОУ «Школа А»")] == 11.0
    assert row[header.index("МБОУ «Школа Б»")] == "менее 5 участников"
    assert row[header.index("Регион")] == pytest.approx(10.93)
    assert (home / "published" / "msoko.duckdb").exists()


def test_dbt_ran_in_the_process_started_while_loading(skeleton_run):
    """orchestration/dbt_warm.py: the ingest step started a warm dbt process for the run,
    the dbt step's command ran there, and it was reaped (no process left behind)."""
    from dagster import DagsterInstance

    from orchestration import dbt_warm
    from orchestration.dbt_assets import WARM_LINE
    _, home = skeleton_run
    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        (run,) = instance.get_runs(limit=1)
        lines = [entry.user_message for entry in instance.all_logs(run.run_id)]
    assert f"[dbt] {WARM_LINE}" in lines
    assert run.run_id not in dbt_warm._started


def test_dbt_file_log_holds_no_debug_lines(skeleton_run, monkeypatch):
    """orchestration/dbt_assets.py file_log_args: dbt.log keeps warnings and errors only
    (its debug lines cost the build ≈0.8 s at region size); the environment overrides it."""
    from orchestration.dbt_assets import file_log_args
    _, home = skeleton_run
    log = home / "dbt_target" / "dbt.log"
    levels = {json.loads(line)["info"]["level"]
              for line in log.read_text(encoding="utf-8").splitlines()}
    assert levels <= {"warn", "error"}, levels
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert file_log_args() == ["--log-level-file", "warn"]
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert file_log_args() == []


def test_rerun_changes_nothing(skeleton_run):
    _, home = skeleton_run
    # Every contract table (raw, marts, audit) row for row, not only the indicators.
    before = contract_tables(home / "warehouse.duckdb")
    assert {"marts.msoko_indicators", "audit.files", "raw.pupil_results"} <= set(before)
    # A table an older version's model built (int_pupil_criteria was split in two) and one
    # a killed dbt run left half-made: the project builds neither, so the rerun drops them
    # rather than leave analysts a table with frozen figures.
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("create table intermediate.int_pupil_criteria as select 1 as points")
    con.execute("create table marts.task_solvability__dbt_tmp as select 1 as points")
    con.close()
    assert run_pipeline() == 0
    assert contract_tables(home / "warehouse.duckdb") == before
    assert contract_tables(home / "published" / "msoko.duckdb") == before
    assert query(home, """select table_schema, table_name from information_schema.tables
                          where table_name in ('int_pupil_criteria', 'task_solvability__dbt_tmp')
                             or table_schema = 'raw' and table_name = 'files'""") == [("raw", "files")]
