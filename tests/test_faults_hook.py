"""The fault-injection hook (msoko/faults.py) is inert unless MSOKO_FAULT names the stage,
and then kills the process exactly at the n-th time the stage is reached."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from msoko.config import REPO_ROOT

SCRIPT = ("from msoko import faults\n"
          "for n in (1, 2, 3):\n"
          "    faults.reached('dbt')\n"
          "    print(n, flush=True)\n")


def run(fault: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MSOKO_FAULT"}
    if fault:
        env["MSOKO_FAULT"] = fault
    return subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60, start_new_session=True)


def test_inert_without_the_variable_or_for_another_stage():
    for fault in (None, "reading", "workbook:1"):
        done = run(fault)
        assert (done.returncode, done.stdout) == (0, "1\n2\n3\n")


def test_kills_at_the_nth_time_the_stage_is_reached():
    assert (run("dbt").returncode, run("dbt").stdout) == (-signal.SIGKILL, "")
    done = run("dbt:3")
    assert (done.returncode, done.stdout) == (-signal.SIGKILL, "1\n2\n")
