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
