"""A run killed while its worker processes copy into the archive or read files (a batch of
PARALLEL_FROM files or more, as a region's run) loses nothing and leaves nothing half done:
every version in the archive holds exactly the bytes its name says, nothing is published,
and the next run completes with the tables a run that was never killed builds.

The kill is test_faults.py's (SIGKILL to the whole process group: `msoko run`, its fork
server and the workers die together, as on a power cut); that file's inbox is a handful of
files, read in one process.
"""
from __future__ import annotations

import hashlib
import signal

import pytest

from ingest.workers import PARALLEL_FROM
from msoko.demo.layouts import (fis_oko_file_name, write_school_registry_csv, write_scales_csv,
                                write_tasks_csv, write_vpr_export)
from tests.conftest import contract_tables
from tests.test_faults import run_subprocess
from tests.test_pipeline_skeleton import MATHS, pupil

pytestmark = pytest.mark.slow
SCHOOLS = PARALLEL_FROM + 10
# A worker's 30th copy kills the run: both workers are inside their first chunk of 64, so
# the archive is left unfinished whatever the timing.
KILLS = ["archiving:30", "reading:150"]


def _inbox(inbox):
    ref = inbox / "reference"
    ref.mkdir(parents=True)
    logins = [f"sch{100000 + i}" for i in range(SCHOOLS)]
    write_school_registry_csv(ref / "schools.csv", [
        {"login": login, "name": f"Школа {i}", "municipality": f"М{i % 3 + 1}", "oge_code": "",
         "ege_code": "", "kind": "СОШ", "settlement": "город", "pupils": 100}
        for i, login in enumerate(logins)])
    write_scales_csv(ref / "scales.csv", [
        {"year": 2021, "procedure": "vpr", "grade": 4, "subject": MATHS, "max_score": 20,
         "min_3": 6, "min_4": 10, "min_5": 15, "source": "test"}])
    write_tasks_csv(ref / "tasks.csv", [
        {"year": 2021, "procedure": "vpr", "grade": 4, "subject": MATHS, "column_no": k,
         "task_label": str(k), "max_points": 5, "level": "базовый", "section": "s", "skill": "k"}
        for k in range(1, 5)])
    name = fis_oko_file_name(MATHS, 4, 2021)
    for i, login in enumerate(logins):           # distinct bytes: one new version each
        folder = inbox / "2020-2021" / "vpr-spring" / login
        folder.mkdir(parents=True)
        write_vpr_export(folder / name, [
            pupil(login, f"{i}01", [i % 6, 3, 2, 1]),
            pupil(login, f"{i}02", [5, (i * 7) % 6, 4, 4]),
            pupil(login, f"{i}03", [1, 1, "Х", (i * 3) % 6]),
        ], n_criteria=4)


@pytest.fixture(scope="module")
def parallel_crashes(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel_faults")
    inbox = root / "inbox"
    _inbox(inbox)
    killed_home, clean_home = root / "killed", root / "clean"
    killed, archived_when_killed, published_when_killed = {}, {}, {}
    for point in KILLS:
        killed[point] = run_subprocess(inbox, killed_home, fault=point)
        archived_when_killed[point] = len(_versions(killed_home / "archive"))
        published_when_killed[point] = sorted(p.name for p in (killed_home / "published").glob("*"))
    return {"killed": killed, "archived_when_killed": archived_when_killed,
            "published_when_killed": published_when_killed, "home": killed_home,
            "recovery": run_subprocess(inbox, killed_home),
            "clean": run_subprocess(inbox, clean_home), "clean_home": clean_home}


def _versions(archive):
    return [p for p in archive.glob("??/*") if not p.name.startswith(".")]


@pytest.mark.parametrize("point", KILLS)
def test_a_run_killed_on_the_workers_dies_whole_and_publishes_nothing(parallel_crashes, point):
    done = parallel_crashes["killed"][point]
    assert done.returncode == -signal.SIGKILL, (done.stdout + done.stderr)[-3000:]
    assert parallel_crashes["published_when_killed"][point] == []   # no copy for analysts yet


def test_the_archive_never_holds_a_partial_version(parallel_crashes):
    # the kill came while the workers were still copying, and the next run finished the copy
    assert 0 < parallel_crashes["archived_when_killed"]["archiving:30"] < SCHOOLS
    versions = _versions(parallel_crashes["home"] / "archive")
    assert len(versions) == SCHOOLS + 3              # and the three reference files
    for path in versions:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name


def test_the_next_run_equals_a_run_never_killed(parallel_crashes):
    recovery, clean = parallel_crashes["recovery"], parallel_crashes["clean"]
    assert recovery.returncode == 0, (recovery.stdout + recovery.stderr)[-3000:]
    assert clean.returncode == 0, (clean.stdout + clean.stderr)[-3000:]
    a = contract_tables(parallel_crashes["home"] / "published" / "msoko.duckdb")
    b = contract_tables(parallel_crashes["clean_home"] / "published" / "msoko.duckdb")
    assert set(a) == set(b) and {"raw.pupil_results", "marts.msoko_indicators"} <= set(a)
    for name in b:
        assert a[name] == b[name], name
    pupils = a["raw.pupil_results"]
    assert len(pupils) == 3 * SCHOOLS
