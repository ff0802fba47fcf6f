"""The naive way, on a sample: openpyxl reads each file, Great Expectations validates each
file on its own, every pupil row is INSERTed one at a time (criterion scores
one INSERT per file) — the design msoko avoids.

    python -m benchmarks.naive <inbox> <warehouse.duckdb> <fraction>

Takes every k-th file (k = 1/fraction) and prints one JSON line: files_sampled,
files_total, setup_s (imports, one-time), sample_s (the per-file work over the sample) and
extrapolated_s = setup_s + sample_s × files_total / files_sampled. The per-file work is the
same rules msoko's batch suite runs (expectations/pupil_results.py), once per file.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

started = time.perf_counter()
import duckdb  # noqa: E402
import great_expectations  # noqa: E402,F401  (counted in setup: the naive way imports it too)
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchmarks.floor import _header, _meta  # noqa: E402
from expectations.gx_runner import run_suite  # noqa: E402
from expectations.pupil_results import pupil_result_rules  # noqa: E402

SETUP_S = time.perf_counter() - started


def _frame(path: Path, meta) -> pd.DataFrame | None:
    wb = openpyxl.load_workbook(path)
    rows = [["" if v is None else v for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    found = _header(rows)
    if found is None:
        return None
    head, cols, crit = found
    records = []
    for r_idx, row in enumerate(rows[head + 1:], start=head + 2):
        if row[cols["code"]] == "":
            continue
        points = [v if isinstance(v, (int, float)) else None for v in (row[c] for c in crit)]
        login = str(row[cols["login"]]) if "login" in cols else path.parent.name
        records.append({
            "sha256": path.name, "row_number": r_idx, "school_login": login.split("|")[0].strip(),
            "pupil_code": str(row[cols["code"]]), "variant": str(row[cols["variant"]]),
            "primary_score": int(sum(p for p in points if p is not None)),
            "bad_cells": 0, "criterion_excess": 0, "scale_max": 100,
            "bad_value": None, "bad_column": None, "excess_value": None, "excess_column": None,
            "points": points,
        })
    return pd.DataFrame(records)


def run(inbox: Path, warehouse: Path, fraction: float) -> dict:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    files = [p for p in sorted(inbox.glob("*/*/*/*.xlsx")) if p.stat().st_size]
    step = max(1, round(1 / fraction))
    sample = files[::step]
    logins = {p.name for p in inbox.glob("*/*/sch*")}
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute("create table pupil_results (file varchar, row_number int, school_login varchar, "
                "pupil_code varchar, variant varchar, primary_score int, procedure varchar, "
                "grade int, subject varchar)")
    con.execute("create table criterion_scores (file varchar, row_number int, column_no int, points double)")
    manifests: dict = {}
    t0 = time.perf_counter()
    for path in sample:
        meta = _meta(path, manifests)
        if meta is None:
            continue
        frame = _frame(path, meta)
        if frame is None or frame.empty:
            continue
        run_suite("pupil_results", frame.drop(columns=["points"]), pupil_result_rules(logins))
        for rec in frame.to_dict("records"):
            con.execute("insert into pupil_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [rec["sha256"], rec["row_number"], rec["school_login"], rec["pupil_code"],
                         rec["variant"], rec["primary_score"], meta[0], meta[1], meta[2]])
        # criterion scores: one INSERT per file from a frame (pandas `to_sql` style); row
        # by row they would dominate everything else (≈1,000 statements a file)
        crit = pd.DataFrame([(r, n, k, p) for r, n, pts in
                             zip(frame["sha256"], frame["row_number"], frame["points"])
                             for k, p in enumerate(pts, 1)],
                            columns=["file", "row_number", "column_no", "points"])
        con.execute("insert into criterion_scores select * from crit")
    sample_s = time.perf_counter() - t0
    con.close()
    return {"files_sampled": len(sample), "files_total": len(files), "setup_s": round(SETUP_S, 2),
            "sample_s": round(sample_s, 2),
            "extrapolated_s": round(SETUP_S + sample_s * len(files) / max(len(sample), 1), 1)}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]))))
