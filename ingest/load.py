"""Write ingested partitions into the warehouse's raw tables in one transaction.

Result tables (files, pupil_results, exam_results, criterion_scores, rejected_rows,
row_warnings, file_schools, cleaned_cells) carry a `partition_key` column: the submission
folder (year/window/school, orchestration/partitions.py). Loading deletes exactly the rows
of the submissions it is given — named, or every one under a whole window — and inserts the
new ones, so re-running is idempotent and never touches another school's rows. Reference
tables come whole from inbox/reference/ and are replaced whole on every load.

A broken resubmission does not erase what was published: when a file at some path is
rejected and the previous version at that path was accepted, the previous version's rows
stay (the rejected version is recorded beside it in raw.files). Everything happens in one
transaction: a killed run leaves the previous tables intact (DuckDB rolls back).

In the same transaction the load logs which schools' results it changed
(ingest/school_changes.py), so that dbt rebuilds the per-pupil models for those schools only.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest import school_changes
from ingest.raw_schema import SCHEMAS
from msoko import faults

RAW_SCHEMA = "raw"
PARTITION_COLUMN = "partition_key"
# Every table with rows per received file. file_schools and cleaned_cells were once
# replaced whole, so a school's partition run (the inbox sensor) erased every other
# school's lines from the load report (found by tests/test_concurrency_daemon.py).
PARTITIONED = ("files", "pupil_results", "exam_results", "criterion_scores",
               "rejected_rows", "row_warnings", "file_schools", "cleaned_cells")
LOCK_WAIT_SECONDS = 60


def with_partition(table: pa.Table, key: str) -> pa.Table:
    return table.append_column(PARTITION_COLUMN, pa.array([key] * table.num_rows, pa.string()))


def _empty(name: str) -> pa.Table:
    schema = SCHEMAS[name]
    if name in PARTITIONED:
        schema = schema.append(pa.field(PARTITION_COLUMN, pa.string()))
    return schema.empty_table()


def connect_for_writing(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing. Dagster's pool admits one writer at a time; if a
    process outside Dagster (an analyst opening the writer's file) holds the lock, wait
    for it instead of failing the run at once."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(warehouse))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(1)


def _ensure_tables(con) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    existing = {(t, c) for t, c in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [RAW_SCHEMA]).fetchall()}
    for name in SCHEMAS:
        empty = _empty(name)
        if all((name, col) in existing for col in empty.column_names):
            continue
        # Missing, or from before partitioning: start it empty (the run refills it).
        con.register("empty_incoming", empty)
        con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{name} AS SELECT * FROM empty_incoming")
        con.unregister("empty_incoming")


def _insert(con, name: str, tbl: pa.Table) -> None:
    con.register("incoming", tbl)
    cols = ", ".join(f'"{c}"' for c in tbl.column_names)
    con.execute(f"INSERT INTO {RAW_SCHEMA}.{name} ({cols}) SELECT {cols} FROM incoming")
    con.unregister("incoming")


def _differs(con, name: str) -> bool:
    """Whether reference table `name` holds other rows than `incoming` (≈1,000 rows)."""
    return con.execute(f"""
        select exists (select * from {RAW_SCHEMA}.{name} except all select * from incoming)
            or exists (select * from incoming except all select * from {RAW_SCHEMA}.{name})
    """).fetchone()[0]


def _log_changes(con, replaced_schools: set[str], whole_windows: bool,
                 references_changed: bool) -> None:
    """Tell dbt's school-partitioned models what this load changed (ingest/school_changes.py):
    the schools of the rows replaced, old and new; everything after a whole window (faster
    rebuilt whole) or a reference change (it touches every school's rows)."""
    if references_changed:
        school_changes.record_everything(con, "справочники изменились")
    elif whole_windows:
        school_changes.record_everything(con, "окно загружено целиком")
    else:
        school_changes.record_schools(
            con, replaced_schools | school_changes.logins_of(con, RAW_SCHEMA, "loaded_keys"),
            "файлы школ")
    school_changes.prune_consumed(con)


def load_partitions(warehouse: Path, keys: Iterable[str], tables: dict[str, pa.Table],
                    whole_windows: Iterable[str] = ()) -> dict[str, int]:
    """Replace the rows of submissions `keys`, and of every submission under
    `whole_windows` (a folder gone from the inbox included), with `tables` (result tables
    carrying partition_key; reference tables whole). Returns rows per table after the load,
    within the replaced submissions for result tables."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    keys = set(keys) | set(tables["files"]["partition_key"].to_pylist())
    con = connect_for_writing(warehouse)
    try:
        con.execute("BEGIN TRANSACTION")
        _ensure_tables(con)
        # raw.files has a row for every file any other raw row came from. A submission's
        # window is its key without the last part (_unplaced is its own window).
        windows = sorted(set(whole_windows))
        if windows:
            keys |= {k for (k,) in con.execute(
                f"select distinct partition_key from {RAW_SCHEMA}.files "
                "where list_contains(?, regexp_replace(partition_key, '/[^/]*$', ''))",
                [windows]).fetchall()}
        con.register("loaded_keys", pa.table({"k": pa.array(sorted(keys), pa.string())}))
        school_changes.ensure_change_tables(con)
        replaced_schools = school_changes.logins_of(con, RAW_SCHEMA, "loaded_keys")
        con.register("new_files", tables["files"])
        # Versions kept although their path now holds a rejected file.
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE kept AS
            SELECT old.sha256, old.partition_key
            FROM {RAW_SCHEMA}.files old
            JOIN new_files new ON new.path = old.path AND new.partition_key = old.partition_key
            WHERE old.partition_key IN (SELECT k FROM loaded_keys)
              AND old.parse_status = 'parsed' AND new.parse_status = 'rejected'
              AND old.sha256 NOT IN (SELECT sha256 FROM new_files)""")
        for name in PARTITIONED:
            con.execute(f"""
                DELETE FROM {RAW_SCHEMA}.{name} t
                WHERE t.partition_key IN (SELECT k FROM loaded_keys)
                  AND NOT EXISTS (SELECT 1 FROM kept
                                  WHERE kept.sha256 = t.sha256
                                    AND kept.partition_key = t.partition_key)""")
            _insert(con, name, tables[name])
        references_changed = False
        for name in SCHEMAS:
            if name not in PARTITIONED:
                con.register("incoming", tables[name])
                references_changed = references_changed or _differs(con, name)
                con.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.{name} AS SELECT * FROM incoming")
                con.unregister("incoming")
        _log_changes(con, replaced_schools, bool(windows), references_changed)
        counts = {name: con.execute(
            f"select count(*) from {RAW_SCHEMA}.{name} where partition_key in (select k from loaded_keys)"
        ).fetchone()[0] if name in PARTITIONED else tables[name].num_rows for name in SCHEMAS}
        kept = con.execute("select count(*) from kept").fetchone()[0]
        faults.reached("loading")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    counts["kept_previous_versions"] = kept
    return counts


def load_raw_tables(warehouse: Path, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Replace every raw table whole (no partitions): the library entry point for callers
    outside Dagster. Tables are stored under the single partition key '_all'."""
    keyed = {name: with_partition(tbl, "_all") if name in PARTITIONED else tbl
             for name, tbl in tables.items()}
    counts = load_partitions(warehouse, ["_all"], keyed)
    counts.pop("kept_previous_versions")
    return counts
