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


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory):
    """The one run over the demo inbox plus fuzzed and hostile files that test_fuzz and
    test_privacy query. Defined here, not imported into both modules: pytest takes an
    imported fixture for a second definition of its own, and the ≈80-second run ran twice."""
    from tests.test_fuzz import run_over_hostile_inbox
    return run_over_hostile_inbox(tmp_path_factory.mktemp("hostile"))


def run_pipeline() -> int:
    from msoko.cli import main
    return main(["run"])


# Every table officials or analysts read (the contract) plus the raw layer they come from.
CONTRACT_SCHEMAS = ("raw", "marts", "audit")


def contract_tables(db: Path) -> dict[str, list[tuple]]:
    """Every base table of the contract schemas with all its rows, in a stable order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute("""select table_schema || '.' || table_name from information_schema.tables
                               where table_schema in ? and table_type = 'BASE TABLE'
                               order by 1""", [list(CONTRACT_SCHEMAS)]).fetchall()
        return {n: con.execute(f"select * from {n} order by all").fetchall() for (n,) in names}
    finally:
        con.close()


def query(home: Path, sql: str, params=None):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# Running on several workers (`make test` uses pytest-xdist)
#
# Most modules share one pipeline run among their tests (a module-scoped fixture), so a
# module must stay on one worker; test_fuzz and test_privacy share the session-scoped hostile
# run, so they go together. The costliest groups are handed out first, so the workers finish
# close together rather than one starting the fault tests when the other is done.
# (A scheduler of our own rather than `--dist loadgroup`: xdist 3.8 marks groups by editing
# a pytest-internal node id that pytest 9 no longer reads.)
SHARED_GROUPS = {"test_privacy": "test_fuzz"}
COSTLIEST_FIRST = ["test_faults", "test_fuzz", "test_concurrency", "test_concurrency_daemon",
                   "test_faults_parallel", "test_objectivity_demo", "test_exports", "test_ingest_pipeline",
                   "test_indicators", "test_objectivity", "test_reference_checks",
                   "test_published_warehouse", "test_orchestration_partitions",
                   "test_pipeline_skeleton"]


def _group(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    return SHARED_GROUPS.get(module, module)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(COSTLIEST_FIRST)}
    items.sort(key=lambda item: rank.get(_group(item.nodeid), len(rank)))  # stable in a group


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):
        """One work unit per group of modules, in the collection order set above."""

        def __init__(self, config, log=None):
            super().__init__(config, log)
            config.option.loadscopereorder = False     # keep the costliest-first order

        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid)

    return ModuleGroups(config, log)
