"""The CSV/Parquet contract tables and the school reports, written by a process of their own
while the run's process writes the yearly workbooks from the same published copy.

Why a process: the workbook is Python bound to one core for seconds, and the reports are
Python too; as a thread beside it they took turns holding one GIL. On a region's published
copy, workbook + tables + reports 5.92–6.21 s with a thread, 5.54–5.72 s with this process
(its start included), the workbook alone 5.28–5.36 s (three interleaved runs each).

`start()` launches it; `finish()` waits and returns what was written, one entry per output,
or raises with the process's error when it failed (the step fails and nothing is released).
It runs in the run's process group, so a run that is killed takes it along.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from msoko.config import REPO_ROOT

TABLES, REPORTS = "tables", "reports"
# How the process marks a line of its result on stdout (a library may print there too).
RESULT = "msoko-side-output "


def start(copy: Path, exports_dir: Path, run_id: str, started_at: datetime,
          outputs: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "exports.side_outputs", str(copy), str(exports_dir), run_id,
         started_at.isoformat(), *outputs],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8")


def finish(process: subprocess.Popen) -> dict[str, dict]:
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"таблицы и отчёты школ не сформированы (код {process.returncode}):\n"
                           f"{err[-3000:]}")
    entries = [json.loads(line[len(RESULT):]) for line in out.splitlines()
               if line.startswith(RESULT)]
    return {entry["output"]: entry for entry in entries}


def write(copy: Path, exports_dir: Path, run_id: str, started_at: datetime,
          outputs: list[str]) -> list[dict]:
    # Imported here: the run's process only starts this one.
    from exports.contract_tables import write_contract_tables
    from exports.school_report import write_school_reports

    done = []
    if TABLES in outputs:
        written, missing = write_contract_tables(copy, exports_dir / "tables")
        done.append({"output": TABLES, "files": len(written), "missing": missing})
    if REPORTS in outputs:
        out = exports_dir / "schools"
        indexes = write_school_reports(copy, out, run_id, started_at)
        done.append({"output": REPORTS,
                     "indexes": [str(p.relative_to(out)) for p in indexes]})
    return done


def main(argv: list[str]) -> int:
    copy, exports_dir, run_id, started_at, *outputs = argv
    for entry in write(Path(copy), Path(exports_dir), run_id, datetime.fromisoformat(started_at),
                       outputs):
        print(RESULT + json.dumps(entry, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
