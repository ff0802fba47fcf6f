"""`make bench`: a whole region's assessment year, timed against the floor and the naive way.

    python -m benchmarks.bench_region [--schools 1000] [--seed 1] [--fractions 0.1,0.5,1]
                                      [--naive-fraction 0.01]

In one run, on the synthetic region of benchmarks/region.py (generated once, cached):
1. the lean floor (benchmarks/floor.py) and `msoko run` end to end, at each fraction of the
   region (10 %, 50 %, 100 % of the schools: time should grow linearly with the files);
2. the naive way (benchmarks/naive.py) on a sample of the full region, extrapolated;
3. a corrected resubmission of one school's file, from the file landing in the inbox to
   the republished workbook (benchmarks/resubmit.py).
Every step runs in its own process; its wall time and peak RSS (os.wait4) are printed.
The last line is the one to compare:

    bench: files=N rows=N run_s=X floor_s=X run_over_floor=X naive_over_run=X resubmit_s=X peak_rss_mb=X
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import region  # noqa: E402
from benchmarks.resubmit import resubmit  # noqa: E402

TARGETS = {"run_over_floor": ("<=", 3.0), "naive_over_run": (">=", 20.0),
           "resubmit_s": ("<=", 20.0), "peak_rss_mb": ("<=", 2048.0)}
BENCH_LINE = re.compile(r"^bench: (.*)$")


@dataclass
class Timed:
    wall_s: float
    peak_rss_mb: float
    stdout: str
    returncode: int


def timed(cmd: list[str], env: dict | None = None, cwd: Path = REPO) -> Timed:
    """Run one step in a child process; wall time and that child's own peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    return Timed(wall, usage.ru_maxrss / 1024, out, proc.returncode)   # ru_maxrss is KiB on Linux


def _require(step: str, t: Timed) -> None:
    if t.returncode != 0:
        print(t.stdout[-4000:])
        raise SystemExit(f"bench: step {step} failed (exit {t.returncode})")


def _json_line(out: str) -> dict:
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def run_floor(inbox: Path, work: Path) -> tuple[Timed, dict]:
    t = timed([sys.executable, "-m", "benchmarks.floor", str(inbox), str(work / "floor.duckdb")])
    _require("floor", t)
    return t, _json_line(t.stdout)


def msoko_run(inbox: Path, home: Path) -> Timed:
    t = timed([sys.executable, "-m", "msoko.cli", "run"],
              env={"MSOKO_INBOX": str(inbox), "MSOKO_HOME": str(home)})
    _require("msoko run", t)
    return t


STAGE_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d) \[([^\]]+)\]")


def stage_breakdown(out: str, wall_s: float) -> str:
    """Seconds between msoko's timestamped progress lines, by stage: where a run's time
    goes (start-up before the first line and the summary after the last are the rest)."""
    marks = []
    for line in out.splitlines():
        m = STAGE_LINE.match(line)
        if m:
            h, mi, se, stage = m.groups()
            marks.append((int(h) * 3600 + int(mi) * 60 + int(se), stage))
    if not marks:
        return ""
    spans: dict[str, int] = {}
    # A progress line reports a stage's work done: the time before it is that stage's.
    # Nothing reports between the raw-table load and the first publication: that is dbt.
    for (t0, before), (t1, stage) in zip(marks, marks[1:]):
        name = "dbt build" if (before, stage) == ("загрузка", "публикация") else stage
        spans[name] = spans.get(name, 0) + (t1 - t0) % 86400
    named = sum(spans.values())
    parts = [f"{k} {v} s" for k, v in spans.items()]
    return f"up to the first stage and after the last ≈{wall_s - named:.0f} s; " + ", ".join(parts)


def dagster_events(home: Path) -> str:
    """How many events the last run wrote to Dagster's SQLite event log, by kind, and the
    span they took. Each is its own SQLite transaction (≈35 ms quiet, more under load), and
    a run over many partitions writes some per partition and asset: at region size this,
    not reading or SQL, can be most of the run."""
    import sqlite3
    runs = sorted((home / "dagster" / "history" / "runs").glob("*.db"),
                  key=lambda p: p.stat().st_mtime)
    runs = [p for p in runs if p.name != "index.db"]
    if not runs:
        return ""
    con = sqlite3.connect(f"file:{runs[-1]}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "select coalesce(dagster_event_type, 'LOG'), count(*), "
            "(julianday(max(timestamp)) - julianday(min(timestamp))) * 86400 "
            "from event_logs group by 1 order by 2 desc").fetchall()
    finally:
        con.close()
    total = sum(n for _, n, _ in rows)
    counts = {kind: (n, span) for kind, n, span in rows}
    top = ", ".join(f"{kind} {n}" for kind, n, _ in rows[:3])
    # Planned events are written back to back before the first step: their pace is the
    # cost of one event on this machine now.
    n, span = counts.get("ASSET_MATERIALIZATION_PLANNED", (0, 0.0))
    each = f"; ≈{span / n * 1000:.0f} ms an event, ≈{total * span / n:.0f} s in all" if n > 100 else ""
    return f"{total} Dagster events ({top}{each})"


def run_naive(inbox: Path, work: Path, fraction: float) -> tuple[Timed, dict]:
    t = timed([sys.executable, "-m", "benchmarks.naive", str(inbox), str(work / "naive.duckdb"),
               str(fraction)])
    _require("naive", t)
    return t, _json_line(t.stdout)


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){mem}, "
            f"Python {platform.python_version()}, load average {load:.1f} at start")


def bench_line(**v) -> str:
    return ("bench: files={files} rows={rows} run_s={run_s:.1f} floor_s={floor_s:.1f} "
            "run_over_floor={run_over_floor:.2f} naive_over_run={naive_over_run:.1f} "
            "resubmit_s={resubmit_s:.1f} peak_rss_mb={peak_rss_mb:.0f}").format(**v)


def parse_bench_line(text: str) -> dict[str, float]:
    """The figures of the last `bench:` line in text (ints stay ints)."""
    lines = [m.group(1) for m in map(BENCH_LINE.match, text.splitlines()) if m]
    if not lines:
        raise ValueError("no bench line")
    out: dict[str, float] = {}
    for pair in lines[-1].split():
        key, value = pair.split("=", 1)
        out[key] = int(value) if re.fullmatch(r"-?\d+", value) else float(value)
    return out


def verdicts(figures: dict[str, float]) -> list[str]:
    out = []
    for key, (op, limit) in TARGETS.items():
        v = figures[key]
        ok = v <= limit if op == "<=" else v >= limit
        out.append(f"{key}={v:g} {op} {limit:g}: {'ok' if ok else 'MISSED'}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schools", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fractions", default="0.1,0.5,1")
    ap.add_argument("--naive-fraction", type=float, default=0.01)
    ap.add_argument("--out", type=Path, default=region.OUT)
    args = ap.parse_args(argv)
    fractions = sorted(float(f) for f in args.fractions.split(","))
    print(f"machine: {machine()}", flush=True)

    started = time.perf_counter()
    full = region.generate(args.schools, args.seed, args.out)
    print(f"region: {args.schools} schools, seed {args.seed}, {full} "
          f"({time.perf_counter() - started:.1f} s, cached afterwards)", flush=True)
    root = full.parent
    peak = 0.0
    results = {}
    for f in fractions:
        inbox = full if f >= 1 else region.subset(full, f, root / f"subset-{f:g}")
        work = root / f"work-{f:g}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        floor_t, floor = run_floor(inbox, work)
        print(f"[{f:>4.0%}] floor     {floor_t.wall_s:7.1f} s  peak {floor_t.peak_rss_mb:6.0f} MB  "
              f"files={floor['files']} rows={floor['rows']} criterion_scores={floor['criterion_scores']} "
              f"(read {floor['read_s']} s, sql {floor['sql_s']} s)", flush=True)
        run_t = msoko_run(inbox, work / "home")
        (work / "msoko_run.log").write_text(run_t.stdout)
        print(f"[{f:>4.0%}] msoko run {run_t.wall_s:7.1f} s  peak {run_t.peak_rss_mb:6.0f} MB  "
              f"over floor {run_t.wall_s / floor_t.wall_s:.2f}", flush=True)
        print(f"         stages: {stage_breakdown(run_t.stdout, run_t.wall_s)} "
              f"(log: {work / 'msoko_run.log'})", flush=True)
        print(f"         {dagster_events(work / 'home')}; load average {os.getloadavg()[0]:.1f}",
              flush=True)
        peak = max(peak, floor_t.peak_rss_mb, run_t.peak_rss_mb)
        results[f] = (floor_t, floor, run_t, inbox, work)
    if len(fractions) > 1:
        base = fractions[0]
        b_run = results[base][2].wall_s
        print("linearity (time relative to the smallest run, against the file ratio): " + ", ".join(
            f"{f:.0%}: run ×{results[f][2].wall_s / b_run:.1f}, floor ×"
            f"{results[f][0].wall_s / results[base][0].wall_s:.1f}, files ×"
            f"{results[f][1]['files'] / results[base][1]['files']:.1f}" for f in fractions), flush=True)
        # Linear means a constant cost per added file on top of a fixed cost per run.
        for a, b in zip(fractions, fractions[1:]):
            extra = (results[b][1]["files"] - results[a][1]["files"]) / 1000
            print(f"  {a:.0%} → {b:.0%}: per 1,000 more files run +"
                  f"{(results[b][2].wall_s - results[a][2].wall_s) / extra:.1f} s, floor +"
                  f"{(results[b][0].wall_s - results[a][0].wall_s) / extra:.1f} s", flush=True)

    floor_t, floor, run_t, inbox, work = results[fractions[-1]]
    naive_t, naive = run_naive(inbox, work, args.naive_fraction)
    print(f"naive     {naive_t.wall_s:7.1f} s  peak {naive_t.peak_rss_mb:6.0f} MB  "
          f"{naive['files_sampled']} of {naive['files_total']} files, extrapolated "
          f"{naive['extrapolated_s']:.0f} s (setup {naive['setup_s']} s + "
          f"{naive['sample_s'] / max(naive['files_sampled'], 1):.2f} s a file)", flush=True)

    resub = resubmit(inbox, work / "home")
    print(f"resubmit  {resub.pipeline_s:7.1f} s  peak {resub.peak_rss_mb:6.0f} MB  "
          f"({resub.how}; {resub.detail})", flush=True)
    peak = max(peak, naive_t.peak_rss_mb, resub.peak_rss_mb)

    figures = dict(files=floor["files"], rows=floor["rows"], run_s=run_t.wall_s,
                   floor_s=floor_t.wall_s, run_over_floor=run_t.wall_s / floor_t.wall_s,
                   naive_over_run=naive["extrapolated_s"] / run_t.wall_s,
                   resubmit_s=resub.pipeline_s, peak_rss_mb=peak)
    line = bench_line(**figures)
    for v in verdicts(parse_bench_line(line)):
        print(f"target {v}")
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
