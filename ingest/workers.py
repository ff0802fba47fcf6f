"""A per-file function on every core, results in input order.

Reading a region's 20,000 files (≈60 % of a run's CPU) and copying them into the archive
are the per-file steps left; one process uses one of the machine's cores. Workers start from a fork server (a clean
single-threaded process that has imported the ingest code once), never by forking the
caller: the caller may be a Dagster run with threads of its own.
"""
from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MAX_WORKERS = 4
# Below this many items a batch stays in this process: the workers' start (≈1–2 s) would
# cost more than the second core saves (a school's resubmission, a municipality's files).
PARALLEL_FROM = 200
# What the fork server imports once before it forks workers. One fork server serves every
# pool of a process and keeps the modules it started with, so there is one list: the ingest
# pipeline, whose functions (the archive's copy, a file's parse) the workers run.
PRELOAD = ["ingest.batch"]
_shared: Any = None


def available_cores() -> int:
    return min(len(os.sched_getaffinity(0)), MAX_WORKERS)


def workers_for(items: int) -> int:
    """Processes worth starting for a batch of `items`."""
    return available_cores() if items >= PARALLEL_FROM else 1


def _remember(shared: Any) -> None:
    global _shared
    _shared = shared


def _call(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_shared, item)


def start_early() -> None:
    """Start the fork server now: its imports (≈0.4 s) then overlap the caller's own work
    (the inbox scan) instead of delaying the first pool. Its workers start only with a pool."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()


def ordered_map(fn: Callable[[Any, T], R], shared: Any, items: Iterable[T], workers: int,
                chunksize: int = 16) -> Iterator[R]:
    """fn(shared, item) for every item, in order. `fn` must be a module-level function (it
    is sent by name); `shared` is sent once to each worker. One worker: in this process."""
    if workers <= 1:
        for item in items:
            yield fn(shared, item)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_remember,
                               initargs=(shared,))
    try:
        yield from pool.map(functools.partial(_call, fn), items, chunksize=chunksize)
    finally:
        # Stopped early (an error in the caller's loop): drop what has not started.
        pool.shutdown(wait=True, cancel_futures=True)
