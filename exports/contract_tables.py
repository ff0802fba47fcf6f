"""CSV and Parquet of every contract table (INDICATORS.md §D) for other tools, written by
DuckDB's COPY and swapped in atomically: $MSOKO_HOME/exports/tables/<schema>.<table>.csv|parquet.

CSV is UTF-8 with a header, comma-separated, for tools (R, pandas, a BI loader); officials
read the workbook, where text can never turn into a formula. Parquet keeps the types."""
from __future__ import annotations

from pathlib import Path

import duckdb

from exports.warehouse_reads import CONTRACT_TABLES, existing_tables
from msoko.atomic import atomic_target

FORMATS = {"csv": "(FORMAT csv, HEADER true, DELIMITER ',')",
           "parquet": "(FORMAT parquet, COMPRESSION zstd)"}


def write_contract_tables(warehouse: Path, out_dir: Path) -> tuple[list[Path], list[str]]:
    """Returns the files written and the contract tables the warehouse does not have yet."""
    con = duckdb.connect(str(warehouse), read_only=True)
    written, missing = [], []
    try:
        present = existing_tables(con)
        for table in CONTRACT_TABLES:
            if table not in present:
                missing.append(table)
                continue
            for ext, options in FORMATS.items():
                target = out_dir / f"{table}.{ext}"
                with atomic_target(target) as tmp:
                    # Ordered output: the same warehouse gives byte-identical files.
                    con.execute(f"COPY (select * from {table} order by all) "
                                f"TO '{_quoted(tmp)}' {options}")
                written.append(target)
    finally:
        con.close()
    return written, missing


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
