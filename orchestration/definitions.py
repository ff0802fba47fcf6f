"""The msoko code location: inbox → raw → staging → intermediate → marts/audit → exports.

One job, msoko__full_run, over every asset. `msoko run` and the calendar schedules run it
over all submission partitions in one run; the inbox sensor runs it for the partition of
a school that sent or corrected files (the marts downstream are unpartitioned and rebuilt).
"""
from __future__ import annotations

import os

from dagster import Definitions, define_asset_job, in_process_executor

from msoko.config import paths_from_env
from orchestration.calendar import FULL_RUN_JOB, window_schedules
from orchestration.dbt_assets import build_dbt_assets, dbt_resource
from orchestration.export_assets import EXPORT_ASSETS
from orchestration.ingest_assets import archived_files, raw_tables
from orchestration.resources import MsokoPaths
from orchestration.sensors import inbox_sensor

# dbt reads the warehouse path from the environment (dbt_project/profiles.yml).
os.environ.setdefault("MSOKO_WAREHOUSE", str(paths_from_env().warehouse))

ALL_ASSETS = [archived_files, raw_tables, build_dbt_assets(), *EXPORT_ASSETS]

# In one process, as `msoko run` executes it: the steps form a chain, so a process per step
# (the default for daemon-launched runs) only added a Python start and a load of the
# definitions to each step — ≈25 s a step under load, while holding the writer pool.
msoko_full_run = define_asset_job(
    FULL_RUN_JOB, selection="*", executor_def=in_process_executor,
    description="Все активы: файлы выбранных разделов (школ) → сырые таблицы → витрины → "
                "выгрузки. Полный запуск — все разделы одним запуском.")

defs = Definitions(
    assets=ALL_ASSETS,
    jobs=[msoko_full_run],
    schedules=window_schedules(),
    sensors=[inbox_sensor],
    resources={"msoko_paths": MsokoPaths(), "dbt": dbt_resource()},
)
