"""A school's run (the inbox sensor after a corrected file: its window's partition, its folder
named in the run tag) replaces that school's rows in EVERY per-file raw table and leaves the
other schools' rows alone — including raw.file_schools and raw.cleaned_cells, behind the load
report (audit.load_report). They used to be replaced whole, so one school's resubmission
erased every other school's lines from the load report (found by
tests/test_concurrency_daemon.py). A run of a whole window replaces every folder of that
window — one removed from the inbox too — and no other window.

The raw_tables asset's own steps (orchestration/ingest_assets.load_submissions), without Dagster.
Hand count of raw.file_schools for the skeleton inbox (tests/test_pipeline_skeleton.py):
the window-root export of М2 has rows of sch000003 and of sch999999 (two lines), sch000001,
sch000002, sch000003's rejected letter and the 2021-2022 file of sch000001 one each. After
sch000001's correction (tests/test_faults.py) its partition has two: the superseded original
and the correction.
"""
from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest

from ingest.partitioned import _runs_match
from ingest.raw_schema import SCHEMAS
from msoko.config import Paths
from orchestration.ingest_assets import load_submissions
from orchestration.partitions import Scope, inbox_partition_keys, submission_of
from tests.test_faults import add_resubmission
from tests.test_pipeline_skeleton import build_inbox

pytestmark = pytest.mark.slow

WINDOW = "2020-2021/vpr-spring"
SCH1 = f"{WINDOW}/sch000001"


def load(inbox, home, scope):
    load_submissions(Paths(inbox=inbox, home=home), scope)


# Every raw table with rows per received file; those with a path are grouped by it (so the
# check does not rely on the partition_key column it is checking), the others by the key.
PER_FILE = ("files", "pupil_results", "exam_results", "criterion_scores", "rejected_rows",
            "row_warnings", "file_schools", "cleaned_cells")


def rows_by_partition(home):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    grouped = {}
    try:
        for name in PER_FILE:
            columns = SCHEMAS[name].names
            key = "path" if "path" in columns else "partition_key"
            cols = ", ".join(f'"{c}"' for c in columns)
            grouped[name] = {}
            for row in con.execute(f"select {key}, {cols} from raw.{name}").fetchall():
                part = submission_of(row[0].split("/")) if key == "path" else row[0]
                grouped[name].setdefault(part, []).append(str(row[1:]))
    finally:
        con.close()
    return {name: {k: sorted(v) for k, v in parts.items()} for name, parts in grouped.items()}


def test_partition_run_keeps_other_schools_rows(msoko_env):
    inbox, home = msoko_env
    build_inbox(inbox)
    load(inbox, home, Scope(tuple(inbox_partition_keys(inbox))))
    before = rows_by_partition(home)
    assert {k: len(v) for k, v in before["file_schools"].items()} == {
        "2020-2021/vpr-spring/_window": 2, SCH1: 1, "2020-2021/vpr-spring/sch000002": 1,
        "2020-2021/vpr-spring/sch000003": 1, "2021-2022/vpr-spring/sch000001": 1}
    assert SCH1 in before["cleaned_cells"]          # «4 » with a no-break space, «Х»

    add_resubmission(inbox)
    load(inbox, home, Scope((WINDOW,), frozenset({"sch000001"})))
    after = rows_by_partition(home)
    for name in PER_FILE:
        others = {k: v for k, v in after[name].items() if k != SCH1}
        assert others == {k: v for k, v in before[name].items() if k != SCH1}, name
    assert len(after["file_schools"][SCH1]) == 2


def test_window_run_drops_a_removed_folder_only(msoko_env):
    inbox, home = msoko_env
    build_inbox(inbox)
    load(inbox, home, Scope(tuple(inbox_partition_keys(inbox))))
    before = rows_by_partition(home)
    assert f"{WINDOW}/sch000003" in before["files"]
    shutil.rmtree(inbox / WINDOW / "sch000003")
    # The 2021-2022 window is not in the run: its rows stay even though they are not read.
    load(inbox, home, Scope((WINDOW,)))
    after = rows_by_partition(home)
    for name in PER_FILE:
        assert after[name] == {k: v for k, v in before[name].items()
                               if k != f"{WINDOW}/sch000003"}, name
    # The window-root export still has sch000003's rows under the root's own key.
    assert len(after["file_schools"][f"{WINDOW}/_window"]) == 2


def test_unplaced_files_are_replaced_whole(msoko_env):
    inbox, home = msoko_env
    build_inbox(inbox)
    stray = inbox / "результаты.xlsx"          # outside <year>/<window>/: rejected, recorded
    stray.write_bytes(b"not a workbook")
    everything = Scope(tuple(inbox_partition_keys(inbox)))
    load(inbox, home, everything)
    assert len(rows_by_partition(home)["files"]["_unplaced"]) == 1
    stray.unlink()
    load(inbox, home, everything)
    assert "_unplaced" not in rows_by_partition(home)["files"]


def logged_changes(home):
    """pipeline_state.school_changes (ingest/school_changes.py) as (schools, everything,
    reason) per load, in order."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("""
            select list(school_login order by school_login) filter (where school_login is not null),
                   bool_or(everything), any_value(reason)
            from pipeline_state.school_changes group by change_id order by change_id""").fetchall()
    finally:
        con.close()


def test_loads_log_the_schools_they_change(msoko_env):
    """What dbt's school-partitioned models rebuild after each load. The first load brings
    the reference tables (every school); a school's load its logins, old rows' and new;
    an unchanged reference adds nothing; a changed one every school again; a whole window
    every school (rebuilt whole faster)."""
    inbox, home = msoko_env
    build_inbox(inbox)
    load(inbox, home, Scope(tuple(inbox_partition_keys(inbox))))
    assert logged_changes(home) == [(None, True, "справочники изменились")]

    add_resubmission(inbox)
    load(inbox, home, Scope((WINDOW,), frozenset({"sch000001"})))
    # The window root's municipal export (sch000003's rows) is another folder: not logged.
    assert logged_changes(home)[1:] == [(["sch000001"], False, "файлы школ")]

    registry = inbox / "reference" / "schools.csv"
    registry.write_text(registry.read_text(encoding="utf-8").replace("Школа Б", "Школа Бета"),
                        encoding="utf-8")
    load(inbox, home, Scope((WINDOW,), frozenset({"sch000002"})))
    assert logged_changes(home)[2:] == [(None, True, "справочники изменились")]

    load(inbox, home, Scope((WINDOW,)))
    assert logged_changes(home)[3:] == [(None, True, "окно загружено целиком")]


def test_file_runs_are_matched_block_by_block():
    """The check that the batch's rows come file by file in the expected order compares a
    block at a time: a run split across blocks, an empty file, one row out of place, one
    row missing or extra."""
    codes, counts = [0, 1, 1, 2, 3], [3, 0, 2, 4, 1]
    rows = np.repeat(np.array(codes, dtype=np.int32), counts)     # 0 0 0 1 1 2 2 2 2 3
    for block in (1, 2, 4, 1 << 20):
        assert _runs_match(rows, codes, counts, block)
        swapped = rows.copy()
        swapped[[2, 3]] = swapped[[3, 2]]
        assert not _runs_match(swapped, codes, counts, block)
        assert not _runs_match(rows[:-1], codes, counts, block)
        assert not _runs_match(np.append(rows, 3).astype(np.int32), codes, counts, block)
    assert _runs_match(np.empty(0, dtype=np.int32), [], [])
