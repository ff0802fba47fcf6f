"""Crash safety, idempotency and resubmission: runs of `msoko run` killed with SIGKILL at
chosen stages (msoko/faults.py) leave the published warehouse and the last workbooks byte for
byte as they were, and the next run gives the same tables as a run that never crashed.

The story (one module fixture, every run shared by the tests below):
  home A: run over inbox v1 (the skeleton inbox) → published copy P1, workbooks W1.
  inbox v2 = v1 + a corrected resubmission of sch000001's VPR-4 mathematics 2021 in
      sch000001/исправление/ with a later mtime: pupil 40002 now has 3, 3, 1, 0 (7 points)
      instead of 2, 2, 1, 0 (5 points).
  home A: four runs over v2, each killed — while reading files (after the 2nd file), inside
      the raw-table transaction, during dbt (after 3 dbt events), and after the 2nd yearly
      workbook was written but before any was published; then one run that completes.
  home B: one clean run over a copy of v2 (same bytes, same mtimes).
(A second run over the same inbox changing nothing is tests/test_pipeline_skeleton.py's
test_rerun_changes_nothing, over every contract table.)

Hand computation for v2 (v1 in tests/test_pipeline_skeleton.py): sch000001 participants
19, 7, 8, 16, 12, 6 → sum 68, mean 11.33, no mark 2 (7 ≥ 6) → 0 %; М1: sum 116 over 10 →
11.60; region 166/15 = 11.07. sch000002 (suppressed) and sch000003 (10.00) do not change.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from msoko.config import REPO_ROOT
from msoko.demo.layouts import fis_oko_file_name, write_vpr_export
from tests.conftest import contract_tables, pointed_at, run_pipeline
from tests.test_pipeline_skeleton import MATHS, build_inbox, pupil

pytestmark = pytest.mark.slow

KILL_POINTS = ["reading:2", "loading", "dbt:3", "workbook:2"]
RUN_TIMEOUT = 900   # a hung run (e.g. waiting for a pool slot a dead run holds) fails the test


def run_subprocess(inbox: Path, home: Path, fault: str | None = None) -> subprocess.CompletedProcess:
    """`msoko run` in its own process group, as cron or the sensor starts it."""
    env = {**os.environ, "MSOKO_INBOX": str(inbox), "MSOKO_HOME": str(home)}
    env.pop("MSOKO_FAULT", None)
    if fault:
        env["MSOKO_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "msoko.cli", "run"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          start_new_session=True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_state(home: Path) -> dict[str, str]:
    """What officials and analysts can see: every visible file under published/ and
    exports/ with its hash."""
    return {str(p.relative_to(home)): digest(p)
            for folder in ("published", "exports") if (home / folder).exists()
            for p in sorted((home / folder).rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def warm_dbt_processes_of(home: Path) -> list[str]:
    """Command lines of live warm dbt processes (orchestration/dbt_warm.py) started for this
    home's runs: their argv names the run's id."""
    from dagster import DagsterInstance
    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        run_ids = {run.run_id for run in instance.get_runs()}
    found = []
    for proc in Path("/proc").iterdir():
        try:
            words = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:                 # not a process, or gone meanwhile
            continue
        if "orchestration.dbt_warm" in words and run_ids & set(words):
            found.append(" ".join(words))
    return found


def add_resubmission(inbox: Path) -> Path:
    folder = inbox / "2020-2021" / "vpr-spring" / "sch000001"
    original = folder / fis_oko_file_name(MATHS, 4, 2021)
    corrected = folder / "исправление" / original.name
    corrected.parent.mkdir()
    write_vpr_export(corrected, [
        pupil("sch000001", "40001", [5, 5, 5, 4], journal="4\u00a0"),
        pupil("sch000001", "40002", [3, 3, 1, 0], journal="ж"),      # was 2, 2, 1, 0
        pupil("sch000001", "40003", [3, 3, "Х", 2]),
        pupil("sch000001", "40004", [4, 4, 4, 4], total=17),
        pupil("sch000001", "40005", [None] * 4, variant="отсутствовал"),
        pupil("sch000001", "40006", [3, 3, 3, 3]),
        pupil("sch000001", "40007", [1, 2, 2, 1]),
    ], n_criteria=4, title_rows=[["Результаты ВПР"], []], header_spaces=True)
    later = original.stat().st_mtime + 3600
    os.utime(corrected, (later, later))
    return corrected


@pytest.fixture(scope="module")
def crash_story(tmp_path_factory):
    root_a, root_b = tmp_path_factory.mktemp("crash_a"), tmp_path_factory.mktemp("crash_b")
    with pointed_at(root_a) as (inbox, home_a):
        build_inbox(inbox)
        assert run_pipeline() == 0
    story = {"inbox": inbox, "a": home_a, "b": root_b / "home",
             "v1_state": published_state(home_a),
             "v1_tables": contract_tables(home_a / "published" / "msoko.duckdb"),
             "killed": {}}
    add_resubmission(inbox)
    for point in KILL_POINTS:
        done = run_subprocess(inbox, home_a, fault=point)
        story["killed"][point] = (done.returncode, published_state(home_a), done.stdout + done.stderr,
                                  warm_dbt_processes_of(home_a))
    story["recovery"] = run_subprocess(inbox, home_a)
    with pointed_at(root_b) as (inbox_b, home_b):
        inbox_b.rmdir()
        shutil.copytree(inbox, inbox_b)        # copy2 keeps the mtimes: the same inbox
        story["b_first"] = run_pipeline()
        story["b_first_tables"] = contract_tables(home_b / "published" / "msoko.duckdb")
    return story


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_run_publishes_nothing(crash_story, point):
    returncode, state, output, warm_left = crash_story["killed"][point]
    assert returncode == -signal.SIGKILL, output[-3000:]
    # the run's warm dbt process (in its process group) died with it, serving dbt or not
    assert warm_left == []
    # published/msoko.duckdb, both yearly workbooks, the school reports and the CSV/Parquet
    # tables, byte for byte as after run v1
    assert {"published/msoko.duckdb", "exports/msoko_2020-2021.xlsx",
            "exports/msoko_2021-2022.xlsx"} <= set(crash_story["v1_state"])
    assert state == crash_story["v1_state"]


def test_next_run_recovers_and_equals_a_clean_run(crash_story):
    recovery = crash_story["recovery"]
    assert recovery.returncode == 0, recovery.stdout[-3000:] + recovery.stderr[-3000:]
    # The run killed during dbt held the warehouse pool slot; the next run reclaims it
    # instead of waiting for it for ever.
    assert "был прерван" in recovery.stdout
    assert crash_story["b_first"] == 0
    a = contract_tables(crash_story["a"] / "published" / "msoko.duckdb")
    b = crash_story["b_first_tables"]
    assert set(a) == set(b) and {"marts.msoko_indicators", "audit.files", "raw.pupil_results"} <= set(a)
    for name in b:
        assert a[name] == b[name], name
    # the published copy is the warehouse the run built
    assert contract_tables(crash_story["a"] / "warehouse.duckdb") == a


def _school_values(tables, login):
    return sorted(r for r in tables["marts.msoko_indicators"] if login in r)


def test_resubmission_replaces_only_its_schools_rows(crash_story):
    v1, v2 = crash_story["v1_tables"], crash_story["b_first_tables"]
    con = duckdb.connect(str(crash_story["b"] / "published" / "msoko.duckdb"), read_only=True)
    try:
        mean = con.execute("""
            select school_login, municipality, level, value from marts.msoko_indicators
            where indicator_code = '1.3.1' and academic_year = '2020-2021'
            order by level, municipality, school_login""").fetchall()
        share2 = con.execute("""
            select value from marts.msoko_indicators where indicator_code = '1.3.2'
              and academic_year = '2020-2021' and school_login = 'sch000001'""").fetchone()[0]
        statuses = dict(con.execute("""select path, status from audit.files
                                       where school_login = 'sch000001'
                                         and academic_year = '2020-2021'""").fetchall())
    finally:
        con.close()
    assert ("sch000001", "М1", "school", 11.33) in mean
    assert (None, "М1", "municipality", 11.6) in mean
    assert (None, None, "region", 11.07) in mean
    assert share2 == 0.0
    assert sorted(statuses.values()) == ["accepted", "superseded"]
    assert statuses[next(p for p in statuses if "исправление" in p)] == "accepted"
    # the other schools' indicators are exactly the ones of run v1
    for login in ("sch000002", "sch000003"):
        assert _school_values(v2, login) == _school_values(v1, login)
    assert _school_values(v2, "sch000001") != _school_values(v1, "sch000001")
