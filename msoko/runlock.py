"""One `msoko run` at a time per MSOKO_HOME, and nothing left behind by a run that died.

Two runs started together (by hand, by cron, by the sensor while a scheduled run is going)
must both happen, one after the other: the second waits on an exclusive lock in
$MSOKO_HOME/dagster/ instead of failing on DuckDB's file lock or being dropped. The kernel
releases the lock when a run dies, however it dies (SIGKILL, OOM killer).

A run killed while it held the Dagster pool slot "duckdb_writer" would keep that slot for
ever, and every later run would wait on it for ever (seen in the fault tests). So once the
lock is ours, any run this command started that is still "in progress" is dead: it is marked
failed and its pool slots and pending steps are freed.
"""
from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from msoko.config import Paths

LAUNCHER_TAG = "msoko/launcher"
LAUNCHER = "cli"
LOCK_NAME = "msoko-run.lock"


@contextmanager
def exclusive_run(paths: Paths, say: Callable[[str], None] = print) -> Iterator[tuple]:
    """Hold the run lock, then open the Dagster instance (two processes creating a fresh
    instance's tables at once collide, seen in the concurrency test). Yields the instance
    and the tags the run must carry so that a later run can reclaim it."""
    from dagster import DagsterInstance

    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    with open(paths.dagster_home / LOCK_NAME, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("msoko: идёт другой запуск; этот запуск поставлен в очередь и начнётся, "
                "когда тот закончится")
            fcntl.flock(lock, fcntl.LOCK_EX)
        with DagsterInstance.get() as instance:
            for run_id in reclaim_dead_runs(instance):
                say(f"msoko: запуск {run_id} был прерван (процесс завершился аварийно); "
                    "он отмечен как неудачный, его блокировки сняты")
            yield instance, {LAUNCHER_TAG: LAUNCHER}


def reclaim_dead_runs(instance) -> list[str]:
    """Runs of this command still marked in progress while we hold the lock are dead."""
    from dagster import DagsterRunStatus, RunsFilter
    from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

    dead = instance.get_runs(RunsFilter(statuses=list(IN_PROGRESS_RUN_STATUSES),
                                        tags={LAUNCHER_TAG: LAUNCHER}))
    for run in dead:
        if run.status != DagsterRunStatus.FAILURE:
            instance.report_run_failed(run, "Процесс запуска завершился аварийно "
                                            "(обнаружено следующим запуском msoko run).")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [run.run_id for run in dead]
