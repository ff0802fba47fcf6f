"""The Dagster instance msoko sets up keeps its event log connections open
(msoko/event_storage.py) and still leaves every event where other processes look for it:
in the run's own `.db` file, which the webserver watches to follow a running run, and
readable by another process while this one still holds its connections. Both tests fail
when the run's database is not checkpointed after each write."""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

from dagster import AssetKey, DagsterInstance, asset, materialize
from dagster._core.events.log import EventLogEntry

from msoko.config import REPO_ROOT, paths_from_env
from msoko.event_storage import PooledSqliteEventLogStorage
from msoko.instance import prepare_environment


@asset
def marks():
    return 5


def test_events_reach_the_run_file_and_other_processes(msoko_env, tmp_path):
    paths = paths_from_env()
    prepare_environment(paths)
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        assert storage._base_dir == str(paths.dagster_home / "history" / "runs")
        first = materialize([marks], instance=instance)
        second = materialize([marks], instance=instance)
        assert first.success and second.success
        # The connections are open now (this instance is not disposed). What the run wrote
        # is in its .db file itself, not only in the WAL beside it: a copy of the file alone
        # holds every event the storage returns.
        run_id = second.run_id
        expected = len(storage.get_records_for_run(run_id).records)
        assert expected > 5        # a run's start, step and end events at least: not 0 == 0
        alone = tmp_path / "alone.db"
        shutil.copyfile(storage.path_for_shard(run_id), alone)
        with sqlite3.connect(alone) as con:
            assert con.execute("select count(*) from event_logs").fetchone()[0] == expected
        # Another process sees both materializations through the shared index.
        code = ("from dagster import AssetKey, DagsterInstance\n"
                "i = DagsterInstance.get()\n"
                "e = i.fetch_materializations(AssetKey('marks'), limit=10).records\n"
                "print(len(e), e[0].run_id)\n")
        done = subprocess.run([sys.executable, "-c", code], env={**os.environ},
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["2", run_id]
        assert instance.get_latest_materialization_event(AssetKey("marks")).run_id == run_id
    # Disposed: the storage closed what it held; a fresh instance reads the same history.
    assert storage._engines == {}
    with DagsterInstance.get() as again:
        assert len(again.get_records_for_run(run_id).records) == expected


def test_a_watcher_sees_each_event_while_the_writer_holds_its_connection(msoko_env):
    """What the webserver does to follow a running run (SqliteEventLogStorage.watch: a file
    watchdog on the run's .db), from a second storage, while the first keeps writing
    through its open connection."""
    prepare_environment(paths_from_env())
    run_id = "0f0e0d0c-0000-4000-8000-000000000001"
    with DagsterInstance.get() as writer, DagsterInstance.get() as follower:
        writer.event_log_storage.store_event(_message(run_id, "first"))
        seen, arrived = [], threading.Event()

        def heard(entry, _cursor):
            seen.append(entry.user_message)
            arrived.set()

        follower.event_log_storage.watch(run_id, None, heard)
        try:
            for text in ("second", "third"):
                arrived.clear()
                writer.event_log_storage.store_event(_message(run_id, text))
                deadline = time.monotonic() + 20
                while text not in seen and time.monotonic() < deadline:
                    arrived.wait(0.2)
                assert text in seen, seen
        finally:
            follower.event_log_storage.end_watch(run_id, heard)


def _message(run_id: str, text: str) -> EventLogEntry:
    """A plain log line of a run, as a step's logger writes it."""
    return EventLogEntry(error_info=None, level=logging.INFO, user_message=text, run_id=run_id,
                         timestamp=time.time(), dagster_event=None)
