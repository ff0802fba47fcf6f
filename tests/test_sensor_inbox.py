"""The inbox sensor, tick by tick, with build_sensor_context on an ephemeral instance.

Inbox: the skeleton's layout (tests/test_pipeline_skeleton.py build_inbox): reference/ with
3 files; 2020-2021/vpr-spring/ with school folders sch000001, sch000002, sch000003 and one
multi-school export at the window root; 2021-2022/vpr-spring/sch000001.
So the window partitions are _unplaced (always), 2020-2021/vpr-spring, 2021-2022/vpr-spring,
and the submission folders 2020-2021/vpr-spring/{_window, sch000001, sch000002, sch000003},
2021-2022/vpr-spring/sch000001.
"""
from __future__ import annotations

import json
import os

import pytest
from dagster import DagsterInstance, build_sensor_context

from orchestration.partitions import (SCHOOLS_TAG, WINDOWS, Scope, inbox_partition_keys,
                                      inbox_submissions, scan_partitions, submission_of,
                                      window_of)
from orchestration.sensors import REFERENCE, _inbox_by_submission, inbox_sensor
from ingest.inbox import scan_inbox, walk_files
from tests.test_pipeline_skeleton import build_inbox

WINDOW = "2020-2021/vpr-spring"
SCH1 = f"{WINDOW}/sch000001"
ALL_KEYS = ["_unplaced", WINDOW, "2021-2022/vpr-spring"]
SUBMISSIONS = [f"{WINDOW}/_window", SCH1, f"{WINDOW}/sch000002", f"{WINDOW}/sch000003",
               "2021-2022/vpr-spring/sch000001"]


class Ticker:
    """Runs sensor ticks the way the daemon does: the cursor carries over and the dynamic
    partitions the sensor asks for are added to the instance."""

    def __init__(self, instance):
        self.instance, self.cursor = instance, None

    def tick(self):
        context = build_sensor_context(instance=self.instance, cursor=self.cursor)
        result = inbox_sensor(context)
        self.cursor = result.cursor
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        return result


@pytest.fixture
def inbox_and_ticker(msoko_env):
    inbox, _ = msoko_env
    build_inbox(inbox)
    with DagsterInstance.ephemeral() as instance:
        yield inbox, Ticker(instance)


def _sch1_file(inbox):
    return next((inbox / SCH1).iterdir())


def _runs(result):
    """(partition, school folders named in the tag) of each run a tick asks for."""
    return [(r.partition_key, json.loads(r.tags[SCHOOLS_TAG])) for r in result.run_requests]


def test_partition_keys_and_scan_agree_with_ingest(msoko_env):
    inbox, _ = msoko_env
    build_inbox(inbox)
    assert inbox_partition_keys(inbox) == ALL_KEYS
    assert inbox_submissions(inbox) == SUBMISSIONS
    files, refs = scan_inbox(inbox)
    mine, my_refs = scan_partitions(inbox, Scope(tuple(ALL_KEYS)))
    assert sorted(mine, key=lambda f: f.rel_path) == sorted(files, key=lambda f: f.rel_path)
    assert sorted(my_refs, key=lambda f: f.rel_path) == sorted(refs, key=lambda f: f.rel_path)
    one, refs_again = scan_partitions(inbox, Scope((WINDOW,), frozenset({"sch000001"})))
    assert [f.rel_path for f in one] == [f"{SCH1}/{_sch1_file(inbox).name}"]
    assert len(refs_again) == 3                     # schools.csv, scales.csv, tasks.csv
    window, _ = scan_partitions(inbox, Scope((WINDOW,)))
    assert sorted({submission_of(f.rel_path.split("/")) for f in window}) == SUBMISSIONS[:4]
    root, _ = scan_partitions(inbox, Scope((WINDOW,), frozenset({"_window"})))
    assert [f.rel_path.count("/") for f in root] == [2]     # the export at the window root
    assert submission_of(("2020-2021", "vpr-spring", "x.xlsx")) == f"{WINDOW}/_window"
    assert submission_of(("stray.xlsx",)) == "_unplaced"
    assert submission_of(("reference", "schools.csv")) is None
    assert window_of(SCH1) == WINDOW and window_of("_unplaced") == "_unplaced"


def test_the_sensor_groups_the_inbox_as_the_ingest_names_it(msoko_env, tmp_path):
    """The sensor walks the inbox with strings (orchestration/sensors.py), the ingest with
    Paths: the same files, the same submission keys, including folders no login can name
    (bytes that are not UTF-8, «...») and a link it must not follow."""
    inbox, _ = msoko_env
    build_inbox(inbox)
    window = inbox / "2020-2021" / "vpr-spring"
    odd = window / os.fsdecode(b"sch\xff\xfe")
    odd.mkdir()
    (odd / "file.xlsx").write_bytes(b"not a spreadsheet")
    (window / "...").mkdir()
    (window / "..." / "x.csv").write_text("a;b\n")
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(b"secret")
    (window / "sch000001" / "link.xlsx").symlink_to(outside)
    groups = _inbox_by_submission(inbox)
    expected: dict[str, list] = {}
    for path in walk_files(inbox):
        parts = path.relative_to(inbox).parts
        stat = path.stat()
        expected.setdefault(submission_of(parts) or REFERENCE, []).append(
            ("/".join(parts), str(path), stat.st_size, stat.st_mtime_ns))
    assert dict(groups) == expected
    assert f"{WINDOW}/sch\ufffd\ufffd" in groups and f"{WINDOW}/_" in groups
    assert not any(rel.endswith("link.xlsx") for files in groups.values() for rel, *_ in files)


def test_first_ticks_wait_then_request_every_partition(inbox_and_ticker):
    inbox, ticker = inbox_and_ticker
    first = ticker.tick()
    # First sight of 6 folders (reference + the 5 with results): none is read yet.
    assert not first.run_requests
    assert "папок: 6" in first.skip_reason.skip_message
    second = ticker.tick()
    # Sizes unchanged: a reference change is among them, so one run over all partitions.
    assert len(second.run_requests) == 1
    tags = second.run_requests[0].tags
    assert tags["dagster/asset_partition_range_start"] == "_unplaced"
    assert tags["dagster/asset_partition_range_end"] == "2021-2022/vpr-spring"
    assert SCHOOLS_TAG not in tags                  # every folder of every window
    assert ticker.instance.get_dynamic_partitions(WINDOWS.name) == ALL_KEYS
    assert set(json.loads(ticker.cursor)["seen"]) == {"reference"} | set(SUBMISSIONS)
    third = ticker.tick()
    assert not third.run_requests and "Новых" in third.skip_reason.skip_message


def test_corrected_file_runs_its_folder_only(inbox_and_ticker):
    inbox, ticker = inbox_and_ticker
    ticker.tick(), ticker.tick()
    path = _sch1_file(inbox)
    original = path.read_bytes()
    # Half-copied: the first half of the corrected bytes, then the rest on the next tick.
    corrected = original + b"\x00" * 64            # new bytes, new hash
    path.write_bytes(corrected[: len(corrected) // 2])
    assert not ticker.tick().run_requests           # new size: waits
    path.write_bytes(corrected)
    assert not ticker.tick().run_requests           # still growing: waits
    result = ticker.tick()                          # same size twice: read it
    assert _runs(result) == [(WINDOW, ["sch000001"])]
    first_key = result.run_requests[0].run_key
    # The same bytes touched again: no run.
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    ticker.tick()
    assert not ticker.tick().run_requests
    # Back to the original bytes (the school changed its mind): a new run key, a new run,
    # even though these bytes were seen before.
    path.write_bytes(original)
    ticker.tick()
    again = ticker.tick()
    assert _runs(again) == [(WINDOW, ["sch000001"])]
    assert again.run_requests[0].run_key != first_key
    path.write_bytes(corrected)
    ticker.tick()
    third = ticker.tick()
    assert _runs(third) == [(WINDOW, ["sch000001"])]
    assert third.run_requests[0].run_key not in {first_key, again.run_requests[0].run_key}


def test_new_school_and_deleted_file(inbox_and_ticker):
    inbox, ticker = inbox_and_ticker
    ticker.tick(), ticker.tick()
    new_school = inbox / "2020-2021" / "vpr-spring" / "sch000004"
    new_school.mkdir()
    (new_school / _sch1_file(inbox).name).write_bytes(_sch1_file(inbox).read_bytes())
    _sch1_file(inbox).unlink()
    # A deletion is certain at once; the new file waits one tick for a stable size.
    assert _runs(ticker.tick()) == [(WINDOW, ["sch000001"])]
    assert _runs(ticker.tick()) == [(WINDOW, ["sch000004"])]
    # A new school folder in a known window adds no partition.
    assert ticker.instance.get_dynamic_partitions(WINDOWS.name) == ALL_KEYS


def test_folders_changed_together_share_one_run(inbox_and_ticker):
    inbox, ticker = inbox_and_ticker
    ticker.tick(), ticker.tick()
    for school in ("sch000001", "sch000002"):
        path = next((inbox / WINDOW / school).iterdir())
        path.write_bytes(path.read_bytes() + b"\x00")
    new_window = inbox / "2021-2022" / "oge" / "sch000001"
    new_window.mkdir(parents=True)
    (new_window / "ОГЭ.xlsx").write_bytes(_sch1_file(inbox).read_bytes())
    ticker.tick()
    # One run per window, the window's changed folders in its tag; a new window is
    # registered as a partition.
    assert _runs(ticker.tick()) == [(WINDOW, ["sch000001", "sch000002"]),
                                    ("2021-2022/oge", ["sch000001"])]
    assert ticker.instance.get_dynamic_partitions(WINDOWS.name) == ALL_KEYS + ["2021-2022/oge"]


def test_many_folders_of_a_window_run_it_whole(inbox_and_ticker, monkeypatch):
    inbox, ticker = inbox_and_ticker
    ticker.tick(), ticker.tick()
    monkeypatch.setattr("orchestration.sensors.MAX_SCHOOLS_IN_TAG", 1)
    for school in ("sch000001", "sch000002"):
        path = next((inbox / WINDOW / school).iterdir())
        path.write_bytes(path.read_bytes() + b"\x00")
    ticker.tick()
    [request] = ticker.tick().run_requests
    # More changed folders than a tag should carry: the window is read whole.
    assert request.partition_key == WINDOW and SCHOOLS_TAG not in request.tags


def test_tick_interval_from_the_environment():
    from orchestration.sensors import tick_seconds
    assert tick_seconds({}) == 60
    assert tick_seconds({"MSOKO_SENSOR_SECONDS": " 30 "}) == 30
    assert tick_seconds({"MSOKO_SENSOR_SECONDS": "2"}) == 10          # a floor, not an error
    with pytest.raises(ValueError, match="целое число секунд, получено «полминуты»"):
        tick_seconds({"MSOKO_SENSOR_SECONDS": "полминуты"})
