"""orchestration/dbt_warm.py: a dbt command handed to the run's warm process runs there,
with the launcher's output and exit code; without one the launcher runs dbt itself; an
unused warm process leaves with its run. Real processes and the real dbt CLI. (That a
run's dbt step uses it: tests/test_pipeline_skeleton.py.)"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from orchestration import dbt_warm

REPO = Path(__file__).resolve().parent.parent

# msoko-dbt as dagster-dbt runs it, reporting whether dbt was imported in its own process
LAUNCHER = """
import sys
from orchestration.dbt_launcher import main
sys.argv = ["msoko-dbt", *sys.argv[1:]]
try:
    code = main()
except SystemExit as done:
    code = done.code
print("dbt imported by the launcher:", "dbt.cli.main" in sys.modules)
sys.exit(code)
"""


def launch(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=REPO, text=True,
                          env={**os.environ, **env}, capture_output=True, timeout=120)


def start_and_wait_until_bound(run_id: str) -> None:
    """In a run the ingest step gives the warm process seconds; here the launcher would
    come before the process has bound its socket and run dbt itself. Linux lists abstract
    sockets in /proc/net/unix as @name."""
    dbt_warm.start(run_id)
    deadline = time.monotonic() + 30
    while "@" + dbt_warm.socket_name(run_id) not in Path("/proc/net/unix").read_text():
        assert time.monotonic() < deadline, "the warm process never bound its socket"
        time.sleep(0.02)


@pytest.fixture
def warm_run():
    run_id = f"test-{uuid.uuid4()}"
    start_and_wait_until_bound(run_id)
    yield run_id
    dbt_warm.stop(run_id)


def test_a_command_runs_in_the_warm_process_with_its_output_and_exit_code(warm_run):
    done = launch(["--version"], dbt_warm.environment_for(warm_run))
    assert done.returncode == 0, done.stderr
    assert "installed:" in done.stdout                  # dbt's own output, through our pipe
    assert "dbt imported by the launcher: False" in done.stdout
    assert dbt_warm.finish(warm_run) is True              # it served and left by itself


def test_dbt_exit_code_and_error_come_back_as_from_a_dbt_of_its_own():
    cold = launch(["--no-such-flag"], {dbt_warm.WARM_ENV: "msoko-dbt-warm-nobody"})
    assert cold.returncode == 2                            # click's usage error
    assert "dbt imported by the launcher: True" in cold.stdout
    run_id = f"test-{uuid.uuid4()}"
    start_and_wait_until_bound(run_id)
    try:
        warm = launch(["--no-such-flag"], dbt_warm.environment_for(run_id))
    finally:
        served = dbt_warm.finish(run_id)
    assert served and "dbt imported by the launcher: False" in warm.stdout
    assert (warm.returncode, warm.stderr) == (cold.returncode, cold.stderr)
    assert "Usage: msoko-dbt [OPTIONS]" in warm.stderr and "--no-such-flag" in warm.stderr


def test_an_unused_warm_process_leaves_when_its_run_is_gone():
    run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    warm = subprocess.Popen([sys.executable, "-m", "orchestration.dbt_warm",
                             f"test-{uuid.uuid4()}", str(run.pid)], cwd=REPO)
    run.wait()
    started = time.monotonic()
    assert warm.wait(timeout=60) == dbt_warm.UNUSED
    assert time.monotonic() - started < 30                # not the WAIT_S of an idle run


def test_a_stopped_run_ends_its_warm_process(warm_run):
    process = dbt_warm._started[warm_run]
    dbt_warm.stop(warm_run)
    assert process.poll() is not None and warm_run not in dbt_warm._started
    assert dbt_warm.environment_for(warm_run) == {}      # its dbt step would start dbt cold


def test_preload_builds_the_schemas_dbt_checks_its_configuration_with():
    """What the warm process does while it waits (orchestration/dbt_warm.py preload): the
    JSON schemas dbt builds on first use are built, so the command finds them cached. In a
    fresh interpreter, where nothing has built them yet."""
    probe = """
import importlib
from orchestration import dbt_warm
dbt_warm.preload()
classes = [getattr(importlib.import_module(m), n) for m, n in dbt_warm.SCHEMAS]
cache = classes[0].json_schema.__func__.cache_info      # one lru_cache for every class
built = cache().misses
assert built >= len(classes), cache()
for cls in classes:
    cls.json_schema()
assert cache().misses == built, cache()                 # none built again: all were there
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
