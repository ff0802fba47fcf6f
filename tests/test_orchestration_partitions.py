"""Partitions in practice, on the skeleton's inbox (tests/test_pipeline_skeleton.py, hand
computations there): one full run, then per-school reruns — the window's partition with the
school folders in the run tag msoko/schools, as the inbox sensor starts them.

Window partitions after the full run: _unplaced, 2020-2021/vpr-spring, 2021-2022/vpr-spring.

- A partition rerun is idempotent: ingesting sch000001 twice leaves every raw row as the
  full run wrote it.
- sch000002 corrects its file (the row with criterion 6 > max 5 now reads 5,5,5,5 = 20):
  participants 10, 15, 20, 3, 20 → n=5, sum 68, mean 13.60; mark 2 (<6): 3 → 1/5 = 20 %;
  above 15: 20, 20 → 2/5 = 40 %. Only sch000002's raw rows change.
- sch000001 resubmits a broken file at the same path: rejected, and its published results
  stay (n=6, sum 66, mean 11.00). М1 = sch000001 66/6 + sch000002 68/5 → 134/11 = 12.18;
  mark 2: 5 and 3 → 2/11 = 18.18 %; above 15: 19, 16, 20, 20 → 4/11 = 36.36 %.
- sch000003's folder holds only a letter saved as .xlsx: rejected; the rest of the window
  (and sch000003's rows in the municipal export at the window root) is published.
- The school runs rebuild the school-partitioned models (dbt_project/macros/
  school_partitioned.sql) for their schools only, and the tables equal a whole rebuild.
  sch000002 corrects pupil 40014 from 1, 1, 1, 0 to 2, 2, 1, 0 in a run that stops after
  ingestion; the next run, sch000001's, applies it: n=5, sum 70, mean 14.00. Then pupil
  40015 from 5, 5, 5, 5 to 4, 4, 4, 4 in a run killed inside dbt: the next run applies what
  the killed one did not: n=5, sum 66, mean 13.20.
- A school's run leaves out the dbt nodes no result table feeds (seeds, reference views and
  their tests) once a whole build has passed; a changed registry makes the next build
  whole again (orchestration/dbt_assets.py, ingest/school_changes.py).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys

import pytest
from dagster import AssetKey, DagsterInstance

from msoko.demo.layouts import fis_oko_file_name, write_school_registry_csv, write_vpr_export
from msoko.runlock import LAUNCHER, LAUNCHER_TAG, reclaim_dead_runs
from ingest.raw_schema import SCHEMAS
from orchestration.partitions import schools_tag
from tests.conftest import pointed_at, query, run_pipeline
from tests.test_pipeline_skeleton import MATHS, build_inbox, indicator, pupil

pytestmark = pytest.mark.slow

WINDOW = "2020-2021/vpr-spring"
SCH1, SCH2 = f"{WINDOW}/sch000001", f"{WINDOW}/sch000002"
# The archive step and every raw table (one multi-asset: it cannot be subset).
INGEST = [AssetKey(["inbox", "archived_files"])] + [AssetKey(["raw", t]) for t in SCHEMAS]
RESULT_TABLES = ("files", "pupil_results", "criterion_scores", "rejected_rows", "row_warnings")
LAUNCHED = {LAUNCHER_TAG: LAUNCHER}


def raw_rows(home, exclude_partition=None):
    return {t: query(home, f"select * from raw.{t} where partition_key is distinct from ? "
                           "order by all", [exclude_partition])
            for t in RESULT_TABLES}


def run_schools(*schools, ingest_only=False, tags=None):
    """A run of the window's partition for these school folders only."""
    from orchestration.definitions import defs
    job = defs.resolve_job_def("msoko__full_run")
    with DagsterInstance.get() as instance:
        return job.execute_in_process(instance=instance, partition_key=WINDOW,
                                      tags={**schools_tag(schools), **(tags or {})},
                                      asset_selection=INGEST if ingest_only else None,
                                      raise_on_error=False)


def write_school_2(inbox, pupil_14, pupil_15):
    """sch000002's maths-4 file in the FIS OKO latin layout, numbers as text, without
    logins; pupils 40011–40013 score 10, 15 and 20, pupils 40014 and 40015 as given."""
    write_vpr_export(inbox / WINDOW / "sch000002" / fis_oko_file_name(MATHS, 4, 2021), [
        pupil("sch000002", "40011", [3, 3, 2, 2]),
        pupil("sch000002", "40012", [5, 5, 3, 2]),
        pupil("sch000002", "40013", [5, 5, 5, 5]),
        pupil("sch000002", "40014", pupil_14),
        pupil("sch000002", "40015", pupil_15),
    ], n_criteria=4, layout="latin", include_login=False, numbers_as_text=True)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    with pointed_at(tmp_path_factory.mktemp("partitions")) as (inbox, home):
        build_inbox(inbox)
        assert run_pipeline() == 0
        yield inbox, home


def test_broken_school_file_does_not_stop_the_window(pipeline):
    _, home = pipeline
    status = dict(query(home, "select split_part(path, '/', 3), status from audit.files "
                              "where academic_year = '2020-2021' and path like '%/sch%/%'"))
    assert status == {"sch000001": "accepted", "sch000002": "accepted", "sch000003": "rejected"}
    assert indicator(home, "1.3.1", "school", school="sch000001", municipality="М1")[0] == 11.0
    assert indicator(home, "1.3.1", "municipality", municipality="М2")[0] == 10.0
    keys = dict(query(home, "select path, partition_key from raw.files"))
    assert {k for p, k in keys.items() if "sch000003" in p} == {f"{WINDOW}/sch000003"}
    assert keys[next(p for p in keys if "Экспорт" in p)] == f"{WINDOW}/_window"


def test_partition_rerun_is_idempotent(pipeline):
    _, home = pipeline
    before = raw_rows(home)
    for _ in range(2):
        result = run_schools("sch000001", ingest_only=True)
        assert result.success
        assert raw_rows(home) == before


def test_corrected_school_replaces_only_its_rows(pipeline):
    inbox, home = pipeline
    others_before = raw_rows(home, exclude_partition=SCH2)
    write_school_2(inbox, [1, 1, 1, 0], [5, 5, 5, 5])
    assert run_schools("sch000002", ingest_only=True).success
    assert raw_rows(home, exclude_partition=SCH2) == others_before
    assert query(home, "select count(*), sum(primary_score) from raw.pupil_results "
                       "where partition_key = ?", [SCH2]) == [(5, 68)]
    assert query(home, "select count(*) from raw.rejected_rows where partition_key = ?", [SCH2]) == [(0,)]


def test_broken_resubmission_keeps_published_results(pipeline):
    inbox, home = pipeline
    path = inbox / WINDOW / "sch000001" / fis_oko_file_name(MATHS, 4, 2021)
    path.write_text("исправленный файл потерялся, это письмо")
    # One run over both schools, with the marts downstream.
    result = run_schools("sch000001", "sch000002")
    assert result.success
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["files_readable"]
    assert not check.passed
    assert check.metadata["by_partition"].data == {SCH1: 1}
    assert check.metadata["previous_versions_kept"].value == 1
    assert indicator(home, "1.3.1", "school", school="sch000001", municipality="М1")[:3] == (11.0, 66.0, 6.0)
    assert indicator(home, "1.3.1", "school", school="sch000002", municipality="М1")[:4] == (13.6, 68.0, 5.0, False)
    assert indicator(home, "1.3.2", "school", school="sch000002", municipality="М1")[0] == 20.0
    assert indicator(home, "1.3.3", "school", school="sch000002", municipality="М1")[0] == 40.0
    assert indicator(home, "1.3.1", "municipality", municipality="М1")[:3] == (12.18, 134.0, 11.0)
    assert indicator(home, "1.3.2", "municipality", municipality="М1")[0] == 18.18
    assert indicator(home, "1.3.3", "municipality", municipality="М1")[0] == 36.36
    # The previous version stays accepted beside the rejected new bytes at the same path.
    statuses = sorted(query(home, "select status from audit.files where path = ?",
                            [f"{SCH1}/{path.name}"]))
    assert statuses == [("accepted",), ("rejected",)]


@functools.cache
def school_partitioned_models() -> tuple[str, ...]:
    """Every model materialized school_partitioned, read off the project (all in the
    intermediate schema), so a model that opts in is checked here without a list to keep."""
    from orchestration.dbt_assets import ensure_manifest
    nodes = json.loads(ensure_manifest().read_text(encoding="utf-8"))["nodes"].values()
    models = [(n["name"], n["config"]["schema"]) for n in nodes
              if n["resource_type"] == "model" and n["config"]["materialized"] == "school_partitioned"]
    assert models and all(schema == "intermediate" for _, schema in models), models
    return tuple(sorted(name for name, _ in models))


def school_partitioned_tables(home):
    return {m: query(home, f"select * from intermediate.{m} order by all")
            for m in school_partitioned_models()}


def rebuilt_whole(home, tmp_path):
    """The school-partitioned tables as a whole rebuild makes them, on a copy of the
    warehouse (named as every home's, so dbt's compiled names fit)."""
    from msoko.config import DBT_PROJECT_DIR
    from orchestration.dbt_assets import DBT_EXECUTABLE

    copy = tmp_path / "home"
    copy.mkdir(parents=True)
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    subprocess.run([str(DBT_EXECUTABLE), "run", "--quiet", "--full-refresh",
                    "--select", *school_partitioned_models(),
                    "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                    "--target-path", str(tmp_path / "target")],
                   check=True, cwd=DBT_PROJECT_DIR,
                   env={**os.environ, "MSOKO_WAREHOUSE": str(copy / "warehouse.duckdb")})
    return school_partitioned_tables(copy)


def built_for_changed_schools(home) -> dict[str, bool]:
    """Per school-partitioned model, whether the last dbt build rebuilt only the changed
    schools' rows rather than the whole table."""
    return {model.split(".")[1]: built == "changed schools" for model, built in
            query(home, "select model, built from pipeline_state.consumed_changes")}


def last_dbt_build(home) -> dict:
    return json.loads((home / "dbt_target" / "run_results.json").read_text(encoding="utf-8"))


def dbt_nodes_built(home) -> set[str]:
    """The nodes the home's last dbt build ran."""
    return {r["unique_id"] for r in last_dbt_build(home)["results"]}


def left_out_references(built: set[str]) -> bool:
    """Whether a build left the reference nodes out and kept the result nodes, including a
    test that reads a result mart and a seed."""
    return ("seed.msoko.school_kinds" not in built and "model.msoko.stg_schools" not in built
            and "model.msoko.msoko_indicators" in built and "model.msoko.int_pupil_papers" in built
            and any(u.startswith("test.msoko.relationships_msoko_indicators_indicator_code")
                    for u in built))


def test_school_runs_rebuild_only_their_schools(pipeline, tmp_path):
    inbox, home = pipeline
    # The last run (sch000001 and sch000002, test_broken_resubmission_keeps_published_results)
    assert built_for_changed_schools(home) == dict.fromkeys(school_partitioned_models(), True)
    assert school_partitioned_tables(home) == rebuilt_whole(home, tmp_path / "before")

    # A correction ingested by a run that stops before dbt is applied by the next build.
    write_school_2(inbox, [2, 2, 1, 0], [5, 5, 5, 5])
    assert run_schools("sch000002", ingest_only=True).success
    assert run_schools("sch000001").success
    assert built_for_changed_schools(home) == dict.fromkeys(school_partitioned_models(), True)
    assert left_out_references(dbt_nodes_built(home))
    assert last_dbt_build(home)["args"]["threads"] == 2      # a few schools: two dbt threads
    assert indicator(home, "1.3.1", "school", school="sch000002", municipality="М1")[:3] == (14.0, 70.0, 5.0)
    assert school_partitioned_tables(home) == rebuilt_whole(home, tmp_path / "after")
    applied = query(home, "select model, through from pipeline_state.consumed_changes order by 1")
    # (`through` is the last change applied; every model applied them all.)
    last = query(home, "select max(change_id) from pipeline_state.school_changes")[0][0]
    assert applied == [(f"intermediate.{m}", last) for m in sorted(school_partitioned_models())]


def test_a_school_run_killed_in_dbt_leaves_its_changes_to_the_next(pipeline, tmp_path):
    from msoko.config import REPO_ROOT
    inbox, home = pipeline
    write_school_2(inbox, [2, 2, 1, 0], [4, 4, 4, 4])
    # The school's run in a process of its own, killed (SIGKILL, msoko/faults.py) after dbt's
    # 41st event: after int_pupil_papers and int_pupil_exam_sums, before int_pupil_level_points.
    # Tagged as `msoko run` tags its runs, so that the dead run's writer slot can be reclaimed
    # as the next `msoko run` would (msoko/runlock.py).
    code = ("import sys; from tests.test_orchestration_partitions import LAUNCHED, run_schools; "
            "sys.exit(0 if run_schools('sch000002', tags=LAUNCHED).success else 1)")
    killed = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT,
                            env={**os.environ, "MSOKO_FAULT": "dbt:41"}, start_new_session=True,
                            capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr[-3000:]
    with DagsterInstance.get() as instance:
        assert len(reclaim_dead_runs(instance)) == 1
    last = query(home, "select max(change_id) from pipeline_state.school_changes")[0][0]
    applied = dict(query(home, "select model, through from pipeline_state.consumed_changes"))
    assert applied["intermediate.int_pupil_papers"] == last
    assert applied["intermediate.int_pupil_level_points"] < last

    assert run_schools("sch000001").success
    assert built_for_changed_schools(home) == dict.fromkeys(school_partitioned_models(), True)
    assert indicator(home, "1.3.1", "school", school="sch000002", municipality="М1")[:3] == (13.2, 66.0, 5.0)
    assert school_partitioned_tables(home) == rebuilt_whole(home, tmp_path)


def test_a_changed_registry_makes_the_next_build_whole(pipeline):
    inbox, home = pipeline
    write_school_2(inbox, [2, 2, 1, 0], [4, 4, 4, 4])       # as the killed run left it
    assert run_schools("sch000002").success
    assert left_out_references(dbt_nodes_built(home))
    # The registry renames sch000002 (and nothing else): every school's rows may change.
    write_school_registry_csv(inbox / "reference" / "schools.csv", [
        {"login": "sch000001", "name": "МБОУ «Школа А»", "municipality": "М1", "oge_code": "100001",
         "ege_code": "200001", "kind": "СОШ", "settlement": "город", "pupils": 300},
        {"login": "sch000002", "name": "МБОУ «Школа Б имени Н. Н. Н.»", "municipality": "М1",
         "oge_code": "100002", "ege_code": "", "kind": "ООШ", "settlement": "село", "pupils": 80},
        {"login": "sch000003", "name": "МОУ «Школа В»", "municipality": "М2", "oge_code": "100003",
         "ege_code": "200003", "kind": "гимназия", "settlement": "город", "pupils": 500},
    ])
    assert run_schools("sch000001").success
    built = dbt_nodes_built(home)
    assert {"seed.msoko.school_kinds", "model.msoko.stg_schools"} <= built
    assert last_dbt_build(home)["args"].get("threads") != 2   # whole: the profile's one thread
    assert built_for_changed_schools(home) == dict.fromkeys(school_partitioned_models(), False)
    assert query(home, "select school_name from staging.stg_schools where school_login = 'sch000002'"
                 ) == [("МБОУ «Школа Б имени Н. Н. Н.»",)]
    # That whole build passed: the next school's run leaves the references out again.
    assert run_schools("sch000001").success
    assert left_out_references(dbt_nodes_built(home))
    last = query(home, "select max(change_id) from pipeline_state.school_changes")[0][0]
    assert query(home, "select through from pipeline_state.complete_builds") == [(last,)]
