"""Ingestion's own steps on an inbox, without Dagster or dbt: wall time, CPU time and memory
of each, in one process — where a run's time and peak memory go, apart from orchestration.

    python -m benchmarks.ingest_steps <inbox> <scratch home> [--profile STEP]

Steps: archive (hash and copy), parse (read and normalise every file), validate (Great
Expectations over the batch, raw tables built), partition (rows tagged with their
partition), load (one transaction into DuckDB). Prints one line per step: wall and CPU
seconds, resident memory after the step and the process's peak so far, and the load
average (on a shared machine wall time is CPU time stretched by the load). --profile
prints cProfile's top functions for that step.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inbox", type=Path)
    ap.add_argument("home", type=Path, help="scratch folder (emptied first)")
    ap.add_argument("--profile", default="")
    args = ap.parse_args(argv)
    shutil.rmtree(args.home, ignore_errors=True)
    args.home.mkdir(parents=True)

    started = time.perf_counter()
    import great_expectations  # noqa: F401  (its ≈3 s import is not a step's)

    from ingest.batch import archive_inbox, parse_inbox, validate_batch
    from ingest.load import load_partitions
    from ingest.partitioned import tables_by_partition
    from orchestration.partitions import inbox_submissions, submission_of
    print(f"imports {time.perf_counter() - started:.1f} s, {_rss_mb():.0f} MB", flush=True)

    def step(name, fn, *a):
        prof = cProfile.Profile() if name == args.profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        out = fn(*a)
        if prof:
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        print(f"{name:<9} {time.perf_counter() - wall:7.1f} s wall {time.process_time() - cpu:7.1f} s cpu  "
              f"now {_rss_mb():6.0f} MB  peak {_peak_mb():6.0f} MB  load {os.getloadavg()[0]:.1f}",
              flush=True)
        return out

    keys = inbox_submissions(args.inbox)
    archived = step("archive", archive_inbox, args.inbox, args.home / "archive")
    parsed = step("parse", parse_inbox, archived)
    validated = step("validate", validate_batch, parsed)
    tables = step("partition", tables_by_partition, validated, keys,
                  lambda item: submission_of(item.rel_path.split("/")))
    step("load", load_partitions, args.home / "warehouse.duckdb", keys, tables)
    print(f"files={len(parsed.files)} submissions={len(keys)} "
          f"pupil_rows={tables['pupil_results'].num_rows} "
          f"criterion_scores={tables['criterion_scores'].num_rows} peak_rss_mb={_peak_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
