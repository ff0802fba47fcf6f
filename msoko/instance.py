"""Prepare the process environment every entry point shares: Dagster's home under
MSOKO_HOME (with the repo's dagster.yaml) and the warehouse path dbt reads."""
from __future__ import annotations

import os
import shutil

from msoko.config import REPO_ROOT, Paths


def prepare_environment(paths: Paths) -> None:
    paths.home.mkdir(parents=True, exist_ok=True)
    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", paths.dagster_home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(paths.dagster_home)
    os.environ["MSOKO_WAREHOUSE"] = str(paths.warehouse)
    os.environ["MSOKO_INBOX"] = str(paths.inbox)
    os.environ["MSOKO_HOME"] = str(paths.home)
