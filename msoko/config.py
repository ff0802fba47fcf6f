"""Where msoko reads and writes: the two environment variables and the paths derived from them.

MSOKO_INBOX  — the inbox folder schools' files land in (INPUTS.md §1).
MSOKO_HOME   — everything msoko writes: the warehouse, the archive of original bytes,
               the published copy for analysts, exports, Dagster's instance.
Both default to folders inside the repository (ignored by git).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# Every home's warehouse has this name: dbt names the database after it (`warehouse`).
WAREHOUSE_FILE = "warehouse.duckdb"


@dataclass(frozen=True)
class Paths:
    inbox: Path
    home: Path

    @property
    def warehouse(self) -> Path:
        return self.home / WAREHOUSE_FILE

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def paths_from_env() -> Paths:
    """Read the configuration at call time (never at import), so tests can point it elsewhere."""
    inbox = Path(os.environ.get("MSOKO_INBOX") or REPO_ROOT / "data" / "inbox")
    home = Path(os.environ.get("MSOKO_HOME") or REPO_ROOT / "data" / "home")
    return Paths(inbox=inbox.resolve(), home=home.resolve())
