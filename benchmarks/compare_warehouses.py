"""Compare two warehouses table by table, row for row: a speed change must not change data.

    python -m benchmarks.compare_warehouses BEFORE.duckdb AFTER.duckdb [--schemas raw,marts]

Run the same inbox (the same files, the same modification times) through the code before
and after a change, each into its own MSOKO_HOME, then compare the two warehouse.duckdb
files. Every table of the given schemas is compared as a multiset of rows (row order is
not part of a table's meaning); columns that record when the run happened (archived_at,
loaded_at, run timestamps) are left out. Exit status 1 when anything differs.
"""
from __future__ import annotations

import argparse
import sys

import duckdb

# Columns whose values are the moment of the run, not the data.
RUN_TIME_COLUMNS = {"archived_at", "loaded_at", "run_at", "built_at", "published_at",
                    "generated_at", "run_started_at"}


def tables(con, schemas: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog in ('a') and table_schema in (select unnest(?)) "
            "order by table_schema, table_name, ordinal_position", [schemas]).fetchall():
        out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def compare(before: str, after: str, schemas: list[str]) -> list[str]:
    con = duckdb.connect()
    con.execute(f"attach '{before}' as a (read_only)")
    con.execute(f"attach '{after}' as b (read_only)")
    problems = []
    a_tables = tables(con, schemas)
    b_tables = {f"{s}.{t}": None for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'b' and table_schema in (select unnest(?))", [schemas]).fetchall()}
    for name in sorted(set(b_tables) - set(a_tables)):
        problems.append(f"{name}: only in {after}")
    for name, columns in a_tables.items():
        if name not in b_tables:
            problems.append(f"{name}: only in {before}")
            continue
        b_cols = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'b' "
            "and table_schema || '.' || table_name = ? order by ordinal_position", [name]).fetchall()]
        if b_cols != columns:
            problems.append(f"{name}: columns differ {columns} vs {b_cols}")
            continue
        cols = ", ".join(f'"{c}"' for c in columns if c not in RUN_TIME_COLUMNS)
        n_a = con.execute(f"select count(*) from a.{name}").fetchone()[0]
        n_b = con.execute(f"select count(*) from b.{name}").fetchone()[0]
        diff = con.execute(f"""
            select count(*) from (
                (select {cols} from a.{name} except all select {cols} from b.{name})
                union all
                (select {cols} from b.{name} except all select {cols} from a.{name}))""").fetchone()[0]
        status = "same" if diff == 0 and n_a == n_b else f"DIFFERENT ({diff} rows differ)"
        print(f"{name}: {n_a} vs {n_b} rows, {status}")
        if status != "same":
            problems.append(f"{name}: {status}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--schemas", default="raw,staging,intermediate,marts,audit")
    args = ap.parse_args(argv)
    problems = compare(args.before, args.after, args.schemas.split(","))
    for p in problems:
        print(p)
    print("warehouses: " + ("identical" if not problems else f"{len(problems)} differences"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
