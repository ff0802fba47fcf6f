"""The read-only copy of the warehouse analysts query, replaced whole (msoko/atomic.py), so
an analyst holding the published warehouse only ever sees a complete copy."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import duckdb

from msoko.atomic import atomic_target

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def publish_warehouse(source: Path, target: Path) -> Path:
    """Publish a read-only copy of the DuckDB warehouse for analysts.

    A read-only connection to the source is held during the copy: it only takes a shared
    lock, so it never waits on (or blocks) another reader, and no writer can change the file
    half-way through. If the source still has a write-ahead log, a byte copy would miss it,
    so the database is copied logically instead. The new file replaces the old one by
    rename: an analyst's open session keeps reading the old file (its inode lives on until
    the session closes) and the next session opens the new one — never a half-written file.
    """
    wal = source.with_name(source.name + ".wal")
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_quoted(source)}' AS warehouse_source (READ_ONLY)")
        with atomic_target(target) as tmp:
            if wal.exists() and wal.stat().st_size > 0:
                con.execute(f"ATTACH '{_quoted(tmp)}' AS published_copy")
                try:
                    con.execute("COPY FROM DATABASE warehouse_source TO published_copy")
                finally:
                    con.execute("DETACH published_copy")
            else:
                shutil.copyfile(source, tmp)
            os.chmod(tmp, READ_ONLY)
            # A log left beside the old copy (someone opened it for writing) belongs to the
            # old file and must not be replayed onto the new one.
            stale_wal = target.with_name(target.name + ".wal")
            if stale_wal.exists():
                stale_wal.unlink()
    finally:
        con.close()
    return target


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
