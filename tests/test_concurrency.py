"""Concurrency: two `msoko run` started together on one MSOKO_HOME (cron and a person, or the
sensor while a scheduled run is going) both complete — the second queues behind the first
(msoko/runlock.py), never fails on DuckDB's file lock and is never dropped — while an analyst
holds a read-only connection on the published copy the whole time.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from msoko.config import REPO_ROOT
from msoko.runlock import LAUNCHER, LAUNCHER_TAG
from tests.test_pipeline_skeleton import build_inbox

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 900
INDICATORS = ("select count(*), round(sum(value), 6) from marts.msoko_indicators "
              "where not suppressed")   # rounded: DuckDB may sum in any order


def start_run(inbox, home, log):
    env = {**os.environ, "MSOKO_INBOX": str(inbox), "MSOKO_HOME": str(home)}
    env.pop("MSOKO_FAULT", None)
    return subprocess.Popen([sys.executable, "-m", "msoko.cli", "run"], cwd=REPO_ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def test_two_runs_queue_while_an_analyst_reads(tmp_path, monkeypatch):
    inbox, home = tmp_path / "inbox", tmp_path / "home"
    build_inbox(inbox)
    logs = [tmp_path / "run1.log", tmp_path / "run2.log"]
    runs = [start_run(inbox, home, logs[0])]
    time.sleep(1)
    runs.append(start_run(inbox, home, logs[1]))
    published = home / "published" / "msoko.duckdb"

    # The analyst connects as soon as the first run has published, and stays connected
    # while the queued run works and replaces the copy under them.
    deadline = time.monotonic() + RUN_TIMEOUT
    while not published.exists():
        assert time.monotonic() < deadline and all(r.poll() in (None, 0) for r in runs), \
            [log.read_text()[-3000:] for log in logs]
        time.sleep(0.2)
    analyst = duckdb.connect(str(published), read_only=True)
    try:
        first_view = analyst.execute(INDICATORS).fetchone()
        inode = published.stat().st_ino
        codes = [r.wait(timeout=RUN_TIMEOUT) for r in runs]
        outputs = [log.read_text() for log in logs]
        assert codes == [0, 0], [o[-3000:] for o in outputs]
        # still answering, from the copy it opened
        assert analyst.execute(INDICATORS).fetchone() == first_view
    finally:
        analyst.close()
    assert published.stat().st_ino != inode          # the second run did publish
    assert sum("поставлен в очередь" in o for o in outputs) == 1
    assert not any("Could not set lock" in o or "Conflicting lock" in o for o in outputs)
    fresh = duckdb.connect(str(published), read_only=True)
    try:
        assert fresh.execute(INDICATORS).fetchone() == first_view     # same inbox, same result
    finally:
        fresh.close()

    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with DagsterInstance.get() as instance:
        statuses = [r.status for r in instance.get_runs(RunsFilter(tags={LAUNCHER_TAG: LAUNCHER}))]
    assert statuses == [DagsterRunStatus.SUCCESS] * 2
