"""A school corrects one file: from the corrected file landing in the inbox to the
republished yearly workbook.

The clock starts when the file is written and stops when the workbook under
MSOKO_HOME/exports has been replaced. Two ways to get there:

- `resubmit_by_full_rerun` — what exists today: `msoko run` over the whole inbox again
  (nothing watches the inbox yet, so the rerun starts at once).
- `resubmit_by_sensor_partition` — the design once orchestration has the inbox sensor and
  per-school partitions: evaluate the sensor, which asks for one run of the changed
  school's partition, and run exactly that. Used automatically when orchestration exposes
  the names it looks for (see its docstring); until then it is not available.
"""
from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import region  # noqa: E402

CORRECTED_SUFFIX = " (исправлено)"


@dataclass
class Resubmission:
    how: str
    pipeline_s: float
    peak_rss_mb: float
    detail: str


def write_corrected_file(inbox: Path, seed: int = 1) -> Path:
    """A corrected VPR-4 mathematics file from the first school, beside its first version
    and newer, so the first version becomes superseded."""
    login = sorted(p.name for p in (inbox / region.ACADEMIC_YEAR / "vpr-spring").glob("sch*"))[0]
    school = next(s for s in region.schools(int(login[5:]) + 1, seed) if s.login == login)
    paper = next(p for p in region.PAPERS if (p.grade, p.subject) == (4, "математика"))
    name = region.L.fis_oko_file_name(paper.subject, paper.grade, region.SPRING)
    path = inbox / region.ACADEMIC_YEAR / "vpr-spring" / login / name.replace(".xlsx", CORRECTED_SUFFIX + ".xlsx")
    with region._fast_layouts():
        region._write_paper_file(path, random.Random(seed * 7 + 1), school, paper)
    now = time.time()
    os.utime(path, (now, now))
    return path


def _workbook_mtimes(home: Path) -> dict[Path, float]:
    return {p: p.stat().st_mtime for p in (home / "exports").glob("msoko_*.xlsx")}


def resubmit_by_full_rerun(inbox: Path, home: Path) -> Resubmission:
    from benchmarks.bench_region import msoko_run

    before = _workbook_mtimes(home)
    started = time.perf_counter()
    path = write_corrected_file(inbox)
    try:
        t = msoko_run(inbox, home)
        elapsed = time.perf_counter() - started
        after = _workbook_mtimes(home)
        republished = any(after.get(p, 0) > m for p, m in before.items()) or (after and not before)
    finally:
        path.unlink(missing_ok=True)     # the cached region stays as generated
    return Resubmission("full rerun of msoko run", elapsed, t.peak_rss_mb,
                        f"workbook republished: {'yes' if republished else 'NO'}")


def sensor_partition_available() -> bool:
    """True once orchestration provides what `resubmit_by_sensor_partition` needs."""
    try:
        from orchestration import definitions
    except Exception:
        return False
    return hasattr(definitions, "inbox_sensor") and hasattr(definitions, "school_partitions")


def resubmit_by_sensor_partition(inbox: Path, home: Path) -> Resubmission:
    """After the orchestration merge: the lead wires this to the real names.

    Contract it expects from orchestration.definitions:
      - `inbox_sensor`: the Dagster sensor watching MSOKO_INBOX; evaluated once here with
        `dagster.build_sensor_context(instance=...)`, it must return one RunRequest for the
        changed school's partition (partition_key = the school's login);
      - `school_partitions`: the per-school partitions definition;
      - `defs`: the Definitions whose job the RunRequest names.
    Timed: writing the corrected file → sensor evaluation → that one partition's run in a
    child process (`dagster job execute`-like, via `msoko` once it offers it) → the
    workbook replaced. Not implemented before the merge: the names do not exist yet.
    """
    raise NotImplementedError(
        "orchestration has no inbox sensor / per-school partitions on this branch yet")


def resubmit(inbox: Path, home: Path) -> Resubmission:
    if sensor_partition_available():
        return resubmit_by_sensor_partition(inbox, home)
    return resubmit_by_full_rerun(inbox, home)
