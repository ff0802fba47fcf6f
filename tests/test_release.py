"""Publication by release (exports/release.py) when runs overlap: the daemon may run a
schedule's full run and the sensor's school run at once; their warehouse copies are taken in
turn (writer pool) but the steps after them are not ordered. The later copy must stay
published whichever run finishes last, and pruning must not delete a release being written.
"""
from __future__ import annotations

import os
import time

from exports.release import activate, mark_snapshot, staged


def stage(home, run_id: str, marked: bool = True):
    release = staged(home, run_id)
    (release / "published" / "msoko.duckdb").write_text(run_id)
    if marked:
        mark_snapshot(home, run_id)
    return release


def published(home) -> str:
    return (home / "published" / "msoko.duckdb").read_text()


def test_a_release_with_an_older_copy_never_replaces_a_newer_one(tmp_path):
    stage(tmp_path, "schedule-run")          # copied first (took the writer pool first)
    stage(tmp_path, "sensor-run")            # copied after it
    assert activate(tmp_path, "sensor-run") is True
    # the schedule's run finishes its workbooks later and reaches its release step last
    assert activate(tmp_path, "schedule-run") is False
    assert published(tmp_path) == "sensor-run"
    assert os.readlink(tmp_path / "current") == "releases/sensor-run"


def test_in_order_releases_are_published_in_turn(tmp_path):
    stage(tmp_path, "first")
    assert activate(tmp_path, "first") and published(tmp_path) == "first"
    stage(tmp_path, "second")
    assert activate(tmp_path, "second") and published(tmp_path) == "second"


def test_pruning_keeps_three_and_spares_a_release_still_being_written(tmp_path):
    writing = stage(tmp_path, "still-writing", marked=False)     # a long run, staged first
    dead = stage(tmp_path, "killed-yesterday", marked=False)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(dead, (two_days_ago, two_days_ago))
    for n in range(5):                                            # quick runs meanwhile
        stage(tmp_path, f"run{n}")
        assert activate(tmp_path, f"run{n}")
        time.sleep(0.01)                                          # distinct .done times
    kept = sorted(p.name for p in (tmp_path / "releases").iterdir())
    assert kept == ["run2", "run3", "run4", "still-writing"]
    assert writing.is_dir() and published(tmp_path) == "run4"
