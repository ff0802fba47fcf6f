"""Shared test plumbing: each pipeline test gets its own inbox and MSOKO_HOME, and runs the
real pipeline (real dbt on a real DuckDB file) through the same entry point as `msoko run`."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest


@contextmanager
def pointed_at(root: Path):
    """Point msoko's environment at root/inbox and root/home for the duration."""
    inbox, home = root / "inbox", root / "home"
    inbox.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MSOKO_INBOX", str(inbox))
        mp.setenv("MSOKO_HOME", str(home))
        mp.setenv("MSOKO_WAREHOUSE", str(home / "warehouse.duckdb"))
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        yield inbox, home


@pytest.fixture
def msoko_env(tmp_path):
    with pointed_at(tmp_path) as env:
        yield env


def run_pipeline() -> int:
    from msoko.cli import main
    return main(["run"])


def query(home: Path, sql: str, params=None):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
