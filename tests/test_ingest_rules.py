"""Validation rules over a whole batch (Great Expectations, one run per format), run on the
dirty inbox of tests/fixtures/ingest/dirty_inbox.py through the ingest functions directly:
structural failures reject the file, row failures set the row aside, cleanable dirt is
cleaned and counted, and per file rows read = rows loaded + rows set aside."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from expectations.exam_results import exam_result_rules
from expectations.pupil_results import pupil_result_rules
from ingest import cells
from ingest.batch import archive_inbox, parse_inbox, validate_batch
from ingest.inbox import file_sha256
from tests.fixtures.ingest import dirty_inbox as D

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("dirty")
    inbox = D.build(root / "inbox")
    archived = archive_inbox(inbox, root / "archive")
    return inbox, root / "archive", validate_batch(parse_inbox(archived))


def files(batch) -> dict[str, dict]:
    return {r["path"]: r for r in batch[2].tables["files"].to_pylist()}


def rejected(batch) -> list[dict]:
    return batch[2].tables["rejected_rows"].to_pylist()


MATHS1 = f"{D.VPR}/sch100001/{D.MATHS_NAME}"
COPY1 = f"{D.VPR}/sch100001/копия/{D.MATHS_NAME}"
UPLOAD2 = f"{D.VPR}/sch100002/{D.RUSSIAN_NAME}"
EXPORT = f"{D.VPR}/{D.WORLD_NAME}"
RESUB3 = f"{D.VPR}/sch100003/{D.WORLD_NAME}"
UNKNOWN = f"{D.VPR}/sch999998/{D.MATHS_NAME}"
OGE = f"{D.YEAR}/oge/Протокол ОГЭ 2024.csv"
DKR = f"{D.YEAR}/dkr-autumn/sch100001/ДКР 7 математика.xlsx"


def test_every_file_is_archived_by_content_hash_before_reading(batch):
    inbox, archive, _ = batch
    for path in inbox.rglob("*"):
        if path.is_file() and path.name != "manifest.csv":
            sha = file_sha256(path)
            assert (archive / sha[:2] / sha).read_bytes() == path.read_bytes()


def test_rows_read_equal_rows_loaded_plus_set_aside_per_file(batch):
    got = {p: (f["parse_status"], f["rows_read"], f["rows_loaded"], f["rows_set_aside"])
           for p, f in files(batch).items()}
    # see the docstring of tests/fixtures/ingest/dirty_inbox.py for the hand count
    assert got[MATHS1] == ("parsed", 9, 4, 5)
    assert got[COPY1] == ("duplicate", 0, 0, 0)
    assert got[UPLOAD2] == ("parsed", 3, 2, 1)
    assert got[EXPORT] == ("parsed", 5, 4, 1)
    assert got[RESUB3] == ("parsed", 2, 2, 0)
    assert got[OGE] == ("parsed", 4, 2, 2)
    assert got[DKR] == ("parsed", 3, 3, 0)
    for path, (status, read, loaded, aside) in got.items():
        if status != "rejected":
            assert read == loaded + aside, path
    # and the loaded rows are exactly the ones in raw.pupil_results / raw.exam_results
    tables = batch[2].tables
    loaded = tables["pupil_results"].num_rows + tables["exam_results"].num_rows
    assert loaded == sum(f["rows_loaded"] for f in files(batch).values()) == 17
    assert tables["rejected_rows"].num_rows == sum(f["rows_set_aside"] for f in files(batch).values()) == 9


def test_each_row_rule_sets_its_row_aside_with_file_row_column_value(batch):
    got = {(r["path"], r["row_number"]): (r["rule"], r["column_name"], r["value"]) for r in rejected(batch)}
    assert got == {
        (MATHS1, 8): ("criterion_above_max", "балл за 1", "6"),
        (MATHS1, 9): ("score_above_scale_max", "первичный балл", "20"),
        (MATHS1, 10): ("duplicate_pupil_code", "код обучающегося", "40007"),
        (MATHS1, 11): ("duplicate_pupil_code", "код обучающегося", "40007"),
        (MATHS1, 12): ("bad_criterion_value", "балл за 1", "пять"),
        (UPLOAD2, 3): ("criterion_above_max", "2 (2б)", "3"),
        (EXPORT, 6): ("unknown_school", "логин школы", "sch999999"),
        (OGE, 4): ("unknown_school", "код ОО", "9999"),
        (OGE, 5): ("impossible_mark", "отметка", "7"),
    }
    message = next(r["message"] for r in rejected(batch) if r["row_number"] == 8)
    assert message.startswith(f"Файл «{MATHS1}», лист «Лист1», строка 8, столбец «балл за 1», значение «6»:")


def test_structural_failures_reject_the_file(batch):
    got = {p: (f["reject_code"], f["message"]) for p, f in files(batch).items() if f["parse_status"] == "rejected"}
    assert {p: code for p, (code, _) in got.items()} == {
        UNKNOWN: "unknown_school",
        f"{D.VPR}/sch100003/результаты.xlsx": "no_metadata",
        f"{D.VPR}/sch100003/{D.MATHS_NAME}": "empty_file",
        f"{D.VPR}/sch100002/..\\evil «=1+1» \ufffd.xlsx": "not_spreadsheet",
    }
    assert "sch999998" in got[UNKNOWN][1] and "реестре" in got[UNKNOWN][1]
    # a rejected file leaves no rows anywhere, not even among set-aside rows
    assert not any(r["path"] == UNKNOWN for r in rejected(batch))


def test_unknown_school_in_a_multi_school_file_sets_only_its_rows_aside(batch):
    loaded = {(r["school_login"], r["pupil_code"]) for r in batch[2].tables["pupil_results"].to_pylist()
              if r["sha256"] == files(batch)[EXPORT]["sha256"]}
    assert loaded == {("sch100001", "40001"), ("sch100001", "40002"),
                      ("sch100003", "40101"), ("sch100003", "40102")}


def test_exact_copy_is_read_once(batch):
    copy = files(batch)[COPY1]
    assert copy["sha256"] == files(batch)[MATHS1]["sha256"]
    assert "Точная копия файла" in copy["message"] and MATHS1 in copy["message"]


def test_cleanable_dirt_is_cleaned_and_counted(batch):
    counted = {(r["path"], r["kind"]): r["cells"] for r in batch[2].tables["cleaned_cells"].to_pylist()}
    # sch100001: 6 headers with stray spaces (stray_spaces pads columns 2, 4, 6, … of 13),
    # journal «4\xa0» trimmed, «Х» of pupil 40002
    assert counted[(MATHS1, cells.CLEAN_HEADER_SPACES)] == 6
    assert counted[(MATHS1, cells.CLEAN_SPACES)] == 1
    assert counted[(MATHS1, cells.CLEAN_NOT_DONE)] == 1
    # upload form: three «edu100002» logins, one «Х»
    assert counted[(UPLOAD2, cells.CLEAN_EDU_LOGIN)] == 3
    # protocol: annual mark «3\xa0»
    assert counted[(OGE, cells.CLEAN_SPACES)] == 1
    pupil = next(r for r in batch[2].tables["pupil_results"].to_pylist()
                 if r["pupil_code"] == "40001" and r["subject"] == D.MATHS)
    assert pupil["journal_mark"] == 4
    assert files(batch)[MATHS1]["cleaned_cells"] == 8


def test_dirt_that_cannot_be_cleaned_is_a_warning_on_a_loaded_row(batch):
    warnings = {(w["path"], w["row_number"], w["rule"], w["value"])
                for w in batch[2].tables["row_warnings"].to_pylist()}
    assert warnings == {(MATHS1, 5, "journal_mark_unclear", "ж"), (MATHS1, 6, "total_mismatch", "15")}


def test_name_columns_are_dropped_and_recorded(batch):
    assert files(batch)[OGE]["dropped_name_columns"] == "ФИО"
    raw_text = repr([t.to_pylist() for t in batch[2].tables.values()])
    assert "Иванов" not in raw_text and "Петров" not in raw_text


def test_exam_task_strings_arrive_as_per_task_points(batch):
    sha = files(batch)[OGE]["sha256"]
    tasks = [(c["column_no"], c["max_points"], c["points"], c["not_done"])
             for c in batch[2].tables["criterion_scores"].to_pylist() if c["sha256"] == sha and c["row_number"] == 2]
    # «++-0» then «2(2)1(3)»
    assert tasks == [(1, 1, 1, False), (2, 1, 1, False), (3, 1, 0, False), (4, 1, 0, True),
                     (5, 2, 2, False), (6, 3, 1, False)]


def test_per_school_counts_split_multi_school_files(batch):
    split = {(r["path"], r["school_login"]): (r["rows_read"], r["rows_loaded"], r["rows_set_aside"])
             for r in batch[2].tables["file_schools"].to_pylist()}
    assert split[(EXPORT, "sch100001")] == (2, 2, 0)
    assert split[(EXPORT, "sch100003")] == (2, 2, 0)
    assert split[(EXPORT, "sch999999")] == (1, 0, 1)
    assert split[(OGE, None)] == (1, 0, 1)
    assert split[(UNKNOWN, "sch999998")] == (1, 0, 0)


def test_per_school_counts_of_a_one_school_file(batch):
    """A school's own file (the common case, counted without a row-by-row pass): the hand
    count of tests/fixtures/ingest/dirty_inbox.py. Warnings count loaded rows only: rows 5
    (journal «ж») and 6 (total mismatch) of sch100001's file; row 4's «4\xa0» is a cleaned
    cell, not a warning, and sch100002's loaded rows carry none."""
    rows = {(r["path"], r["school_login"]): (r["rows_read"], r["rows_loaded"],
                                             r["rows_set_aside"], r["warnings"])
            for r in batch[2].tables["file_schools"].to_pylist()}
    assert rows[(MATHS1, "sch100001")] == (9, 4, 5, 2)
    assert rows[(UPLOAD2, "sch100002")] == (3, 2, 1, 0)


def test_gx_outcomes_name_the_failing_rules(batch):
    outcomes = batch[2].outcomes
    failed = {o.rule.code for o in outcomes["pupil_results"] if not o.success}
    assert failed == {"criterion_above_max", "score_above_scale_max", "duplicate_pupil_code",
                      "bad_criterion_value", "unknown_school"}
    assert not any(o.error for kind in outcomes.values() for o in kind)


def test_every_suite_rule_has_a_russian_title_for_the_load_report():
    with open(REPO / "dbt_project" / "seeds" / "ingest_rules.csv", encoding="utf-8") as fh:
        titles = {r["rule"] for r in csv.DictReader(fh)}
    codes = {r.code for r in pupil_result_rules(set()) + exam_result_rules()}
    assert codes <= titles


def test_reference_suites_leave_bad_rows_out_and_say_why(tmp_path):
    from ingest.inbox import scan_inbox
    from ingest.reference import load_reference, validate_reference
    from msoko.demo import layouts as L

    ref = tmp_path / "reference"
    L.write_school_registry_csv(ref / "schools.csv", [
        {"login": "sch1", "name": "А", "municipality": "М1", "oge_code": "77"},   # row 2
        {"login": "школа 2", "name": "Б", "municipality": "М1"},                  # row 3: not a login
        {"login": "sch3", "name": "В", "municipality": ""},                       # row 4: no municipality
        {"login": "sch4", "name": "Г", "municipality": "М2", "oge_code": "77"},   # row 5: sch1's code
        {"login": "edu5", "name": "Д", "municipality": "М2", "oge_code": "78"},   # row 6: fine
    ])
    L.write_scales_csv(ref / "scales.csv", [
        {"year": 2030, "procedure": "vpr", "grade": 4, "subject": "математика", "max_score": 20,
         "min_3": 6, "min_4": 10, "min_5": 15},
        {"year": 2030, "procedure": "vpr", "grade": 5, "subject": "математика", "max_score": 20,
         "min_3": 8, "min_4": 7, "min_5": 15}])                                   # row 3: «4» below «3»
    L.write_tasks_csv(ref / "tasks.csv", [
        {"year": 2030, "procedure": "vpr", "grade": 4, "subject": "математика", "column_no": 1,
         "task_label": "1", "max_points": 2, "level": "сложный"}])                # row 2: unknown level
    _, refs = scan_inbox(tmp_path)
    tables = load_reference(refs, {r.sha256: r.path for r in refs})
    outcomes = validate_reference(tables)
    # both rows with OGE code 77 fail: the code cannot say which school a protocol row is
    assert [s["login"] for s in tables.schools] == ["sch5"]
    assert {(s["year"], s["grade"]) for s in tables.scales if s["year"] == 2030} == {(2030, 4)}
    assert tables.tasks == []
    problems = [p["message"] for p in tables.problems]
    assert "Файл «reference/schools.csv», строка 3, столбец «логин», значение «школа 2»: " \
           "Логин «школа 2» не похож на логин ФИС ОКО (sch или edu и цифры). Строка справочника не учтена." in problems
    assert any("строка 4, столбец «муниципалитет»" in m for m in problems)
    assert sum("Код ОГЭ 77 указан у нескольких школ" in m for m in problems) == 2
    assert any("reference/scales.csv», строка 3, столбец «min_4», значение «7»" in m for m in problems)
    assert any("«сложный»" in m for m in problems)
    assert set(outcomes) == {"reference_schools", "reference_scales", "reference_tasks",
                             "reference_regional_figures"}


def test_suite_results_become_asset_checks_with_failing_values(batch):
    from orchestration.ingest_assets import _check_result

    validated = batch[2]
    check = _check_result("pupil_results", validated.outcomes["pupil_results"],
                          validated.set_aside["pupil_results"])
    assert check.passed is False and check.metadata["rows_set_aside"].value == 7
    assert check.metadata["by_rule"].value == {"criterion_above_max": 2, "score_above_scale_max": 1,
                                               "duplicate_pupil_code": 2, "bad_criterion_value": 1,
                                               "unknown_school": 1}
    samples = check.metadata["failing_values_sample"].value
    assert f"{MATHS1}:12 «балл за 1»=пять (bad_criterion_value)" in samples


def test_a_name_typed_into_a_cell_is_not_echoed(tmp_path):
    # INPUTS.md §8: names never leave the archive. A teacher typed a pupil's name into a
    # score cell (the row is set aside) and another into the journal-mark cell (the row is
    # loaded with a warning): both values are shown hidden, with their length, while
    # «пять» and «ж» elsewhere in this suite are shown as they are.
    from msoko.demo.layouts import fis_oko_file_name, write_vpr_export
    from tests.test_pipeline_skeleton import MATHS, build_inbox, pupil
    inbox = tmp_path / "inbox"
    build_inbox(inbox)
    path = inbox / "2020-2021" / "vpr-spring" / "sch000001" / "имена" / fis_oko_file_name(MATHS, 4, 2021)
    path.parent.mkdir()
    write_vpr_export(path, [
        pupil("sch000001", "50001", ["Иванов Пётр", 1, 1, 1], total=3),
        pupil("sch000001", "50002", [1, 1, 1, 1], journal="Петрова А."),
        pupil("sch000001", "50003", [1, 1, 1, 1], journal="Отсутствовал"),
        pupil("sch000001", "50004", [1, 1, 1, 1], journal="СИДОРОВ"),
    ], n_criteria=4)
    validated = validate_batch(parse_inbox(archive_inbox(inbox, tmp_path / "archive")))
    rel = path.relative_to(inbox).as_posix()
    aside = [r for r in validated.tables["rejected_rows"].to_pylist() if r["path"] == rel]
    warned = {w["row_number"]: w["value"] for w in validated.tables["row_warnings"].to_pylist()
              if w["path"] == rel and w["rule"] == "journal_mark_unclear"}
    assert [(r["row_number"], r["rule"], r["value"]) for r in aside] == [
        (2, "bad_criterion_value", "[скрыто: текст из 11 симв., возможно ФИО]")]
    assert "Иванов" not in aside[0]["message"] and "строка 2" in aside[0]["message"]
    assert warned == {3: "[скрыто: текст из 10 симв., возможно ФИО]", 4: "Отсутствовал",
                      5: "[скрыто: текст из 7 симв., возможно ФИО]"}
    everything = repr([t.to_pylist() for t in validated.tables.values()])
    assert "Иванов" not in everything and "Петрова" not in everything and "СИДОРОВ" not in everything
