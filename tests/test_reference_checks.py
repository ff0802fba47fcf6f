"""Two faults made visible, over one `msoko run` of a small inbox in the real layouts:

1. The reference suites (expectations/reference.py) as Dagster asset checks on their raw
   tables, with the failing values in metadata.
   reference/schools.csv: row 2 sch000001 (М1), row 3 sch000002 (М1), row 4 «школа 3» (М2),
   which is not a FIS OKO login → registry_bad_login, the row is left out.
   reference/scales.csv: row 2, VPR-4 mathematics 2022, min_3 6 but min_4 5 («4» below «3»)
   → scale_marks_not_increasing on min_4 = 5, the row is left out. The project's default
   scales (ingest/defaults/scales.csv) all pass.
   reference/tasks.csv (2021 VPR-4 mathematics, 4 tasks of max 5, «базовый») and
   reference/regional.csv (one row of regional figures) are clean: their checks pass.
2. A formula saved without its cached value: sch000002's VPR file (real FIS OKO layout) has
   pupil 40012's «балл за 1» as an openpyxl formula =2+3 (no cached value). Header in row
   1, pupil 40012 in row 3; «балл за 1» is the 10th column (9 columns before the criteria:
   логин школы … всего баллов), so the cell is J3. The file is rejected with a message
   naming J3; sch000001's file loads its 5 rows.
"""
from __future__ import annotations

import openpyxl
import pytest
from dagster import AssetCheckSeverity, AssetKey, DagsterEventType, DagsterInstance
from openpyxl.utils import get_column_letter

from expectations.gx_runner import RuleOutcome
from expectations.reference import scale_rules
from msoko.demo.layouts import (fis_oko_file_name, write_csv, write_scales_csv,
                                write_school_registry_csv, write_tasks_csv, write_vpr_export)
from tests.conftest import pointed_at, query, run_pipeline
from tests.test_pipeline_skeleton import MATHS, pupil

WINDOW = "2020-2021/vpr-spring"
FORMULA_MESSAGE = ("Файл не прочитан: В ячейке J3 (лист «Лист1») формула без вычисленного "
                   "значения: файл сохранён программой, которая не пересчитывает формулы. "
                   "Откройте файл в Excel или LibreOffice, сохраните и отправьте заново.")


def _formula_without_cache(path, code: str, header: str) -> str:
    """Put =2+3 into `header`'s cell of pupil `code`, saved by openpyxl (no cached value)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    column = next(c.column for c in ws[1] if c.value == header)
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if code in [c.value for c in r])
    ws.cell(row=row, column=column, value="=2+3")
    wb.save(path)
    return f"{get_column_letter(column)}{row}"


def build_inbox(inbox) -> str:
    ref = inbox / "reference"
    ref.mkdir(parents=True)
    write_school_registry_csv(ref / "schools.csv", [
        {"login": "sch000001", "name": "МБОУ «Школа А»", "municipality": "М1"},
        {"login": "sch000002", "name": "МБОУ «Школа Б»", "municipality": "М1"},
        {"login": "школа 3", "name": "МОУ «Школа В»", "municipality": "М2"},       # row 4
    ])
    write_scales_csv(ref / "scales.csv", [
        {"year": 2022, "procedure": "vpr", "grade": 4, "subject": MATHS, "max_score": 20,
         "min_3": 6, "min_4": 5, "min_5": 15, "source": "test"},                     # row 2
    ])
    write_tasks_csv(ref / "tasks.csv", [
        {"year": 2021, "procedure": "vpr", "grade": 4, "subject": MATHS, "column_no": k,
         "task_label": str(k), "max_points": 5, "level": "базовый", "section": "s", "skill": "k"}
        for k in range(1, 5)])
    write_csv(ref / "regional.csv", ["year", "procedure", "grade", "subject", "participants",
                                     "mean_score", "sd_score", "pct_2", "pct_3", "pct_4", "pct_5"],
              [[2021, "vpr", 4, MATHS, 25031, 11.4, 3.9, 8.1, 35.2, 40, 16.7]])
    name = fis_oko_file_name(MATHS, 4, 2021)
    window = inbox / WINDOW
    write_vpr_export(window / "sch000001" / name, [
        pupil("sch000001", f"4000{i}", c) for i, c in
        enumerate([[3, 3, 2, 2], [2, 3, 3, 2], [5, 5, 0, 0], [1, 2, 3, 4], [3, 3, 3, 3]], start=1)
    ], n_criteria=4)
    second = write_vpr_export(window / "sch000002" / name, [
        pupil("sch000002", f"4001{i}", c) for i, c in
        enumerate([[3, 3, 2, 2], [5, 5, 3, 2], [5, 5, 5, 5], [1, 1, 1, 0], [4, 4, 4, 4]], start=1)
    ], n_criteria=4)
    return _formula_without_cache(second, "40012", "балл за 1")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    with pointed_at(tmp_path_factory.mktemp("refchecks")) as (inbox, home):
        cell = build_inbox(inbox)
        assert run_pipeline() == 0
        with DagsterInstance.get() as instance:
            [last] = instance.get_runs(limit=1)
            checks = {e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data
                      for e in instance.all_logs(last.run_id,
                                                 of_type=DagsterEventType.ASSET_CHECK_EVALUATION)}
        yield {"home": home, "checks": checks, "cell": cell}


@pytest.mark.slow
def test_broken_reference_rows_warn_on_their_raw_tables(run):
    schools, scales = run["checks"]["gx_reference_schools"], run["checks"]["gx_reference_scales"]
    assert schools.asset_key == AssetKey(["raw", "ref_schools"])
    assert scales.asset_key == AssetKey(["raw", "ref_scales"])
    for check in (schools, scales):
        assert check.passed is False
        assert check.severity == AssetCheckSeverity.WARN        # rows left out, suite ran
        assert check.metadata["rows_set_aside"].value == 1
        assert check.metadata["errors"].value == []
    assert schools.metadata["by_rule"].value == {"registry_bad_login": 1}
    assert schools.metadata["failing_values_sample"].value == [
        "reference/schools.csv:4 «логин»=школа 3 (registry_bad_login)"]
    assert "registry_bad_login: failed" in schools.metadata["expectations"].value
    assert scales.metadata["by_rule"].value == {"scale_marks_not_increasing": 1}
    assert scales.metadata["failing_values_sample"].value == [
        "reference/scales.csv:2 «min_4»=5 (scale_marks_not_increasing)"]
    # The rows are left out of the tables and named in raw.reference_problems, as before.
    logins = [r[0] for r in query(run["home"], "select login from raw.ref_schools order by 1")]
    assert logins == ["sch000001", "sch000002"]
    assert query(run["home"], "select count(*) from raw.ref_scales where year = 2022 and grade = 4 "
                              "and subject = ?", [MATHS]) == [(0,)]
    problems = [m for (m,) in query(run["home"], "select message from raw.reference_problems")]
    assert any("строка 4, столбец «логин», значение «школа 3»" in m for m in problems)
    assert any("строка 2, столбец «min_4», значение «5»" in m for m in problems)


@pytest.mark.slow
def test_clean_reference_suites_pass(run):
    for name, table, rules in (("gx_reference_tasks", "ref_tasks", 2),
                               ("gx_reference_regional_figures", "ref_regional_figures", 6)):
        check = run["checks"][name]
        assert check.asset_key == AssetKey(["raw", table])
        assert check.passed is True
        assert check.metadata["rows_set_aside"].value == 0
        assert check.metadata["failing_values_sample"].value == []
        # every rule of the suite ran and held (task_rules: 2; regional_rules: 2 + 4 shares)
        expectations = check.metadata["expectations"].value
        assert len(expectations) == rules and all(e.endswith(": ok") for e in expectations)
    assert query(run["home"], "select count(*) from raw.ref_tasks") == [(4,)]
    assert query(run["home"], "select participants from raw.ref_regional_figures") == [(25031,)]


def test_a_reference_suite_that_cannot_run_is_a_blocking_error():
    from orchestration.ingest_assets import _check_result

    rule = scale_rules()[0]
    check = _check_result("reference_scales", [RuleOutcome(rule, False, [], "column max_score missing")], [])
    assert check.passed is False and check.severity == AssetCheckSeverity.ERROR
    assert check.metadata["errors"].value == ["scale_bad_max: column max_score missing"]


@pytest.mark.slow
def test_formula_without_cached_value_rejects_its_file_only(run):
    home = run["home"]
    assert run["cell"] == "J3"
    status = dict(query(home, "select split_part(path, '/', 3), status from audit.files "
                              "where path like ?", [f"{WINDOW}/%"]))
    assert status == {"sch000001": "accepted", "sch000002": "rejected"}
    assert query(home, "select reject_code, message from audit.files where path like '%sch000002%'") == [
        ("uncached_formula", FORMULA_MESSAGE)]
    # the school is told in its load report; the other school's 5 rows load
    [(rejected, reasons)] = query(home, "select files_rejected, rejected_files_reasons "
                                        "from audit.load_report where school_login = 'sch000002'")
    assert rejected == 1 and FORMULA_MESSAGE in reasons
    assert query(home, "select school_login, count(*) from raw.pupil_results group by 1") == [
        ("sch000001", 5)]
    assert run["checks"]["files_readable"].passed is False
