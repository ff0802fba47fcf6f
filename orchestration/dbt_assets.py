"""The dbt project as Dagster assets: staging → intermediate → marts and audit tables.

Asset keys read like the warehouse: [schema, table] (marts/msoko_indicators, audit/files),
and dbt sources map onto the raw/* assets ingestion materializes, so the lineage runs from
the inbox to every mart. dbt tests appear as asset checks.
"""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
import fcntl
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
import yaml
from packaging import version

from ingest import school_changes
from ingest.load import PARTITIONED, connect_for_writing
from msoko import faults
from msoko.config import DBT_PROJECT_DIR, REPO_ROOT, WAREHOUSE_FILE
from orchestration import dbt_warm
from orchestration.ingest_assets import WAREHOUSE_POOL
from orchestration.progress import reporter
from orchestration.resources import MsokoPaths

# The project's own target holds the manifest the asset definitions are built from.
TARGET_PATH = DBT_PROJECT_DIR / "target"
MANIFEST = TARGET_PATH / "manifest.json"
PARSE_LOCK = DBT_PROJECT_DIR / ".parse.lock"

msoko_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR,
                               target_path=TARGET_PATH)


def _project_sources() -> list[Path]:
    """What the manifest is parsed from: the project's files, and how msoko parses it
    (this module's environment for `dbt parse`, the launcher)."""
    return [p for p in DBT_PROJECT_DIR.rglob("*")
            if p.is_file() and p.suffix in {".sql", ".yml", ".csv", ".py"}
            and "target" not in p.parts and "logs" not in p.parts] + [
        Path(__file__), Path(__file__).with_name("dbt_launcher.py")]


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file.
    Runs `dbt parse` offline; needed before the definitions can be built."""
    newest = max((p.stat().st_mtime for p in _project_sources()), default=0)
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= newest:
        return MANIFEST
    # Several processes may load the definitions at once (the UI's code server, a run, the
    # test workers): one parses, the others wait and then find the manifest fresh.
    with PARSE_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if MANIFEST.exists() and MANIFEST.stat().st_mtime >= newest:
            return MANIFEST
        # Parsed for a file named as every home's warehouse (`dbt parse` opens no file):
        # the parse state dagster-dbt copies into a fresh home is then reused there
        # (orchestration/dbt_launcher.py).
        env = {**os.environ, "MSOKO_WAREHOUSE": str(TARGET_PATH / "parse" / WAREHOUSE_FILE)}
        subprocess.run([str(DBT_EXECUTABLE), "parse", "--quiet",
                        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                        "--target-path", str(TARGET_PATH)], check=True, env=env,
                       cwd=DBT_PROJECT_DIR)
    return MANIFEST


def note_project_change(warehouse: Path) -> tuple[int, int | None]:
    """Log a change of every school when this dbt project (or its engine) is not the one
    that built the warehouse last: the school-partitioned models then rebuild whole, so a
    model's new logic reaches every school's rows (ingest/school_changes.py).
    Returns the last change logged and how many schools changed since the last complete
    build (None: a whole build is due)."""
    con = connect_for_writing(warehouse)
    try:
        school_changes.note_project(con, school_changes.project_fingerprint(
            REPO_ROOT, _project_sources()))
        return school_changes.last_change(con), school_changes.schools_changed_since_complete(con)
    finally:
        con.close()


def school_build_threads() -> int | None:
    """dbt's threads for a build over a few schools' changes: 2, unless MSOKO_DBT_THREADS
    sets them for every build. One thread suits a whole build, whose heavy models each use
    every core (dbt_project/profiles.yml); a school's build is ≈120 small nodes, mostly
    dbt's own Python per node, which a second thread overlaps with the other's queries:
    a region's school build 14.5–15.1 s with one thread, 12.9–13.4 s with two, 13.6–14.1 s
    with four (interleaved, standalone)."""
    return None if os.environ.get("MSOKO_DBT_THREADS") else 2


def file_log_args() -> list[str]:
    """dbt's own log file (dbt_target/dbt.log) keeps warnings and errors, not its debug lines:
    these are every query and macro call, ≈5,000 JSON lines for a school's build that dbt
    serialises while holding the GIL its two threads share (a school's build in a region:
    the dbt step 12.05 s with them, 11.27 s without, mean of three interleaved). What the
    run's event log shows (dbt's info lines) is unchanged. DBT_LOG_LEVEL_FILE=debug in the
    environment brings the debug lines back, e.g. to see the SQL of a slow build."""
    return [] if os.environ.get("DBT_LOG_LEVEL_FILE") else ["--log-level-file", "warn"]


def _school_partitioned_max_schools() -> int:
    """Beyond this many changed schools the school-partitioned models rebuild whole."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(project["vars"]["school_partitioned_max_schools"])


def note_complete_build(warehouse: Path, through: int) -> None:
    con = connect_for_writing(warehouse)
    try:
        school_changes.record_complete_build(con, through)
    finally:
        con.close()


def reference_only_nodes(manifest: Mapping[str, Any]) -> list[str]:
    """The seeds, models and tests no result table feeds (≈40 of ≈160 nodes: the seeds, the
    reference views and their tests): while only schools' results changed, they would be
    rebuilt and retested over the same rows. Tests of result models that also read a seed
    (relationships) are not among them."""
    results = [uid for uid, source in manifest["sources"].items()
               if source["source_name"] == "raw" and source["name"] in PARTITIONED]
    fed, todo = set(), list(results)
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in fed:
                fed.add(child)
                todo.append(child)
    return sorted(node["name"] for uid, node in manifest["nodes"].items()
                  if node["resource_type"] in ("model", "seed", "snapshot", "test")
                  and uid not in fed)


def _selects_everything(context: AssetExecutionContext) -> bool:
    assets_def = context.assets_def
    return (context.selected_asset_keys == assets_def.keys
            and context.selected_asset_check_keys == assets_def.check_keys)


def build_target(paths) -> Path:
    """Where `dbt build` writes for this MSOKO_HOME. One target per home: dbt keeps its
    partial-parse state there, and the state records the warehouse path, so runs of one home
    reuse it (no re-parse, ≈5–7 s saved) while runs of different homes (tests, a second
    department on one machine) never write into each other's files."""
    return paths.home / "dbt_target"


class MsokoDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props["config"].get("schema") or "main"
        name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
        return AssetKey([schema, name])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["config"].get("schema") or "dbt"


WARM_LINE = "dbt выполнен в процессе, запущенном заранее: его импорт пришёлся на загрузку"


def build_dbt_assets():
    # Parsed once: dagster-dbt takes the parsed manifest as well as its path.
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    leave_out = reference_only_nodes(manifest)
    max_schools = _school_partitioned_max_schools()

    @dbt_assets(manifest=manifest, project=msoko_dbt_project, name=dbt_warm.DBT_STEP,
                dagster_dbt_translator=MsokoDbtTranslator(), pool=WAREHOUSE_POOL)
    def msoko_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource,
                         msoko_paths: MsokoPaths):
        paths = msoko_paths.paths()
        os.environ["MSOKO_WAREHOUSE"] = str(paths.warehouse)
        through, schools = note_project_change(paths.warehouse)
        complete = _selects_everything(context)
        args = ["build", *file_log_args()]
        if complete and schools is not None:
            # Cautious: a test is left out only when all it reads is left out.
            # (one --exclude value: dagster-dbt passes the word after the flag on)
            args += ["--exclude", " ".join(leave_out), "--indirect-selection", "cautious"]
            threads = school_build_threads()
            if threads and schools <= max_schools:
                args += ["--threads", str(threads)]
            reporter(context, "dbt")(f"изменились только результаты школ ({schools}): "
                                     f"{len(leave_out)} узлов справочников и их проверок не "
                                     "пересобираются")
        warm = dbt_warm.environment_for(context.run_id)
        os.environ.update(warm)               # msoko-dbt finds the run's warm process
        try:
            events = dbt.cli(args, context=context, target_path=build_target(paths)).stream()
            yield from faults.each(events, "dbt")     # inert unless MSOKO_FAULT=dbt
        finally:
            for name in warm:
                os.environ.pop(name, None)
            if dbt_warm.finish(context.run_id):
                reporter(context, "dbt")(WARM_LINE)
        if complete:
            # Every node is current with the changes up to `through` (those left out had
            # no change to apply): later school-only builds may leave them out again.
            note_complete_build(paths.warehouse, through)

    return msoko_dbt_models


# The venv's dbt (through msoko-dbt: orchestration/dbt_launcher.py), so runs work without
# the venv on PATH (make, cron, tests).
DBT_EXECUTABLE = Path(sys.executable).with_name("msoko-dbt")


class MsokoDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs it pays before every `dbt build` and msoko
    has no use for (≈6 s a run, measured: a run over a few files takes ≈45 s):
    - `dbt --version` in a subprocess (≈3.5 s), to learn the version of the dbt executable.
      Ours is the environment's own dbt-core (DBT_EXECUTABLE), whose version the package
      metadata gives.
    - a dbt adapter opened inside Dagster's process (≈2.5 s). dagster-dbt uses it only to
      fetch row counts and column metadata, which msoko does not ask for; without it
      dagster-dbt behaves as with dbt Fusion, which has no adapter either.
    Both are dagster-dbt internals (pinned in constraints.txt); every pipeline test runs
    through them."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return MsokoDbtCliResource(project_dir=msoko_dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                               dbt_executable=str(DBT_EXECUTABLE))
