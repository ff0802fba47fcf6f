"""The code location as the UI and the daemon load it: `dagster definitions validate`,
the flow the asset groups spell, and one writer at a time on the DuckDB file."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from dagster import AssetKey, DagsterInstance

from msoko.config import REPO_ROOT, paths_from_env
from msoko.instance import prepare_environment


@pytest.mark.slow
def test_dagster_definitions_validate(msoko_env):
    prepare_environment(paths_from_env())     # DAGSTER_HOME with the repo's dagster.yaml
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "dagster"),
                           "definitions", "validate", "-m", "orchestration.definitions"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful" in done.stdout + done.stderr


def test_flow_schedules_sensor_and_writer_pool(msoko_env):
    from orchestration.definitions import defs
    graph = defs.resolve_asset_graph()
    groups = {key.path[0]: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    # inbox → raw → staging → intermediate → marts/audit → exports, one group per layer.
    assert {"inbox", "raw", "staging", "marts", "audit", "exports"} <= set(groups)
    assert all(groups[layer] == layer for layer in ("inbox", "raw", "staging", "marts", "exports"))
    # An indicator's lineage reaches the school files: marts ← … ← raw/pupil_results ← inbox.
    seen, todo = set(), [AssetKey(["marts", "msoko_indicators"])]
    while todo:
        key = todo.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    assert {AssetKey(["raw", "pupil_results"]), AssetKey(["inbox", "archived_files"])} <= seen
    # Every asset that opens the warehouse takes the one writer slot. The archive step does
    # not open it; the workbook, reports and CSV/Parquet read the staged copy, and the release
    # step only renames a link.
    readers_of_published_copy = {AssetKey(["exports", n])
                                 for n in ("yearly_workbooks", "school_reports", "contract_tables", "release")}
    writers = {d.node_def.name: d.node_def.pools for d in defs.assets
               if d.keys != {AssetKey(["inbox", "archived_files"])}
               and not d.keys <= readers_of_published_copy}
    assert all(pools == {"duckdb_writer"} for pools in writers.values()), writers
    assert {s.name for s in defs.schedules} >= {"msoko__after_vpr_spring", "msoko__after_oge"}
    assert [s.name for s in defs.sensors] == ["msoko__inbox"]


def test_instance_admits_one_writer(msoko_env):
    prepare_environment(paths_from_env())
    with DagsterInstance.get() as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert pools.pool_granularity.value == "op"


def test_dbt_resource_knows_its_executables_version_without_asking_it():
    # MsokoDbtCliResource takes dbt's version from the package metadata instead of running
    # `dbt --version` before every build: that is right only while the executable it runs
    # is this environment's own dbt-core.
    from orchestration.dbt_assets import DBT_EXECUTABLE, dbt_resource
    resource = dbt_resource()
    said = subprocess.run([str(DBT_EXECUTABLE), "--version"], capture_output=True, text=True,
                          timeout=120).stdout
    assert f"installed: {resource._cli_version}" in said, said


def test_a_fresh_home_reuses_the_projects_parse_state(tmp_path):
    # msoko-dbt leaves the warehouse's path out of dbt's partial-parse check, so the state
    # parsed once for the project (copied into each home's target, as dagster-dbt does)
    # spares every fresh home a full parse. The database name dbt derives from the file's
    # name stays in the check: a warehouse under another name is parsed afresh.
    import shutil

    from msoko.config import DBT_PROJECT_DIR, WAREHOUSE_FILE
    from orchestration.dbt_assets import DBT_EXECUTABLE, TARGET_PATH, ensure_manifest
    ensure_manifest()

    def parse(warehouse, target):
        target.mkdir(parents=True)
        shutil.copy(TARGET_PATH / "partial_parse.msgpack", target)
        return subprocess.run(
            [str(DBT_EXECUTABLE), "parse", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
            env={**os.environ, "MSOKO_WAREHOUSE": str(warehouse)}, cwd=DBT_PROJECT_DIR,
            capture_output=True, text=True, timeout=300, check=True).stdout

    home = parse(tmp_path / "home" / WAREHOUSE_FILE, tmp_path / "home" / "dbt_target")
    assert "Registered adapter" in home and "partial parsing" not in home, home
    renamed = parse(tmp_path / "other" / "analytics.duckdb", tmp_path / "other" / "dbt_target")
    assert "Unable to do partial parsing because profile has changed" in renamed, renamed


def test_no_later_step_waits_for_a_node_a_school_build_leaves_out(msoko_env):
    # A school's dbt build leaves out the seeds, reference views and their tests
    # (orchestration/dbt_assets.py). Dagster skips a step whose upstream output was not
    # produced, so an export reading one of them would silently not publish after a
    # school's correction.
    import json

    from orchestration.dbt_assets import MANIFEST, reference_only_nodes
    from orchestration.definitions import defs
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    left_out = set(reference_only_nodes(manifest))
    assert {"school_kinds", "stg_schools"} <= left_out and "msoko_indicators" not in left_out
    graph = defs.resolve_asset_graph()
    # dbt's assets are named [schema, node]; the other steps' are inbox/, raw/, exports/.
    others = [key for key in graph.get_all_asset_keys()
              if graph.get(key).is_materializable and key.path[0] in {"inbox", "raw", "exports"}]
    assert len(others) > 10
    waits_for = {parent for key in others for parent in graph.get(key).parent_keys}
    assert not {key for key in waits_for if key.path[-1] in left_out}, waits_for
