"""Fault injection for the crash-safety tests: inert unless MSOKO_FAULT names a stage.

`reached("dbt")` at a stage boundary makes the process die there exactly as a power cut or
the OOM killer would: SIGKILL, no `finally`, no atexit, no flush. When the process leads its
own process group (the tests start `msoko run` with start_new_session=True) the whole group
dies, so a dbt child process dies with it, as on a real crash of the machine; so does the
group when a worker process of such a run (ingest/workers.py) reaches the stage.

MSOKO_FAULT=<stage>[:<n>] kills on the n-th time the stage is reached (default the first),
so a test can kill after some files were read or some dbt models were built.
Stages (where the one-line hooks sit):
  archiving ingest/archive.py   after a new version was copied (counted per copying process)
  reading   ingest/batch.py     after a file was read and normalised
  loading   ingest/load.py      raw tables replaced inside the open transaction, before COMMIT
  dbt       orchestration/dbt_assets.py  after a dbt event (a model or test finished)
  workbook  exports/workbook.py after a yearly workbook was written, before it is published
"""
from __future__ import annotations

import os
import signal

FAULT_ENV = "MSOKO_FAULT"
_seen: dict[str, int] = {}


def reached(stage: str) -> None:
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != stage:
        return
    _seen[stage] = _seen.get(stage, 0) + 1
    if _seen[stage] < int(nth or 1):
        return
    group = os.getpgid(0)
    # this process leads its group, or its group leads the session (a worker of a run
    # started with start_new_session): the whole run dies together
    if group == os.getpid() or group == os.getsid(0):
        os.killpg(group, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def each(events, stage: str):
    """Pass events through, reaching the stage after each one (a dbt model or test done)."""
    for event in events:
        yield event
        reached(stage)
