"""A school corrects one file: from the corrected file landing in the inbox to the
republished yearly workbook.

The clock starts when the file is written and stops when the workbook under
MSOKO_HOME/exports has been replaced. The inbox sensor's tick asks for one run of the
changed school's window partition, naming the school's folder in its tags, and exactly that
runs (only that folder is read again; the marts and the exports are rebuilt).
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


def resubmit_by_sensor_partition(inbox: Path, home: Path) -> Resubmission:
    """The corrected file picked up by the inbox sensor and re-run as its school's partition
    (marts downstream rebuilt, workbook republished), in a child process like `msoko run`.
    The clock starts at the sensor tick that asks for the run (ticks are a minute apart; the
    file must look the same on two ticks, so half-copied files wait)."""
    import json

    from benchmarks.bench_region import _json_line, _require, timed

    t = timed([sys.executable, "-m", "benchmarks.resubmit", str(inbox), str(home)],
              env={"MSOKO_INBOX": str(inbox), "MSOKO_HOME": str(home)})
    _require("resubmit (sensor + partition)", t)
    out = _json_line(t.stdout)
    return Resubmission("inbox sensor + one school's partition run", out["pipeline_s"],
                        t.peak_rss_mb, json.dumps(out, ensure_ascii=False))


def _partition_child(inbox: Path, home: Path) -> dict:
    """Runs in the child process: the sensor's evaluation and the job it starts."""
    from dagster import DagsterInstance

    from msoko.cli import QUIET_DAGSTER
    from msoko.config import paths_from_env
    from msoko.instance import prepare_environment
    from orchestration.partitions import WINDOWS
    from orchestration.sensors import evaluate_inbox

    prepare_environment(paths_from_env())
    from orchestration.definitions import defs
    job = defs.resolve_job_def("msoko__full_run")
    with DagsterInstance.get() as instance:
        known = list(instance.get_dynamic_partitions(WINDOWS.name))
        # The sensor's state before the correction: every file seen twice and acted on
        # (the full run already covered them), so only the corrected file is new.
        cursor = evaluate_inbox(inbox, None, known).cursor
        cursor = evaluate_inbox(inbox, cursor, known).cursor
        before = _workbook_mtimes(home)
        path = write_corrected_file(inbox)
        try:
            cursor = evaluate_inbox(inbox, cursor, known).cursor      # first sight: pending
            started = time.perf_counter()
            tick = evaluate_inbox(inbox, cursor, known)                 # same size/time: run
            requests = tick.run_requests or []
            if tick.dynamic_partitions_requests:
                for req in tick.dynamic_partitions_requests:
                    instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
            keys = [r.partition_key for r in requests]
            for request in requests:
                # The tags name the changed school folders: only they are read again.
                result = job.execute_in_process(instance=instance, partition_key=request.partition_key,
                                                tags=request.tags, run_config=QUIET_DAGSTER,
                                                raise_on_error=False)
                if not result.success:
                    raise SystemExit(f"partition run {request.partition_key} failed")
            elapsed = time.perf_counter() - started
        finally:
            path.unlink(missing_ok=True)
        after = _workbook_mtimes(home)
    return {"pipeline_s": round(elapsed, 2), "partitions": keys,
            "schools": [r.tags.get("msoko/schools") for r in requests],
            "republished": any(after.get(p, 0) > m for p, m in before.items())}


def resubmit(inbox: Path, home: Path) -> Resubmission:
    return resubmit_by_sensor_partition(inbox, home)


if __name__ == "__main__":
    import json
    print(json.dumps(_partition_child(Path(sys.argv[1]), Path(sys.argv[2])), ensure_ascii=False))
