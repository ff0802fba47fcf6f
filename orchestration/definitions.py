"""The msoko code location: inbox → raw → staging → intermediate → marts/audit → exports."""
from __future__ import annotations

import os

from dagster import Definitions, define_asset_job

from msoko.config import paths_from_env
from orchestration.dbt_assets import build_dbt_assets, dbt_resource
from orchestration.export_assets import EXPORT_ASSETS
from orchestration.ingest_assets import archived_files, raw_tables
from orchestration.resources import MsokoPaths

# dbt reads the warehouse path from the environment (dbt_project/profiles.yml).
os.environ.setdefault("MSOKO_WAREHOUSE", str(paths_from_env().warehouse))

ALL_ASSETS = [archived_files, raw_tables, build_dbt_assets(), *EXPORT_ASSETS]

msoko_full_run = define_asset_job("msoko__full_run", selection="*",
                                  description="Every asset over the whole inbox in one run.")

defs = Definitions(
    assets=ALL_ASSETS,
    jobs=[msoko_full_run],
    resources={"msoko_paths": MsokoPaths(), "dbt": dbt_resource()},
)
