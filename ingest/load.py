"""Write the raw tables into the warehouse in one transaction.

Every raw table is replaced whole from the batch (CREATE OR REPLACE inside BEGIN/COMMIT),
so a rerun over the same inbox gives the same tables and a run killed half-way leaves the
previous raw tables intact: DuckDB rolls back an uncommitted transaction.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from msoko import faults

RAW_SCHEMA = "raw"


def load_raw_tables(warehouse: Path, tables: dict[str, pa.Table]) -> dict[str, int]:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    counts = {}
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        for name, tbl in tables.items():
            con.register("incoming", tbl)
            con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{name} AS SELECT * FROM incoming")
            con.unregister("incoming")
            counts[name] = tbl.num_rows
        faults.reached("loading")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return counts
