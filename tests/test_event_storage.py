"""The Dagster instance msoko sets up keeps its event log connections open
(msoko/event_storage.py) and still leaves every event where other processes look for it:
in the run's own `.db` file, which the webserver watches to follow a running run, and
readable by another process while this one still holds its connections."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

from dagster import AssetKey, DagsterInstance, asset, materialize

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
        assert expected > 5
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
