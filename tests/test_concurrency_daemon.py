"""Concurrency through the Dagster daemon: with `msoko ui` open (dagster dev on 127.0.0.1),
a calendar schedule's full run and the inbox sensor's run for one school's corrected file go
at the same time while an analyst holds a read-only connection on the published copy. Both
runs end SUCCESS (none dropped, none failed on DuckDB's file lock), their warehouse writer
steps (pool duckdb_writer, limit 1, op granularity: dagster.yaml) never overlap, the UI
answers throughout, and the tables equal those of one plain `msoko run` over the same inbox.

The story (one test: ≈3 min on a quiet 2-core machine, ≈15 min measured with a load
average of 11; the sensor ticks every 30 s here, MSOKO_SENSOR_SECONDS, instead of a minute):
  inbox = the skeleton inbox (tests/test_pipeline_skeleton.py, 3 window partitions) + sch000001's
      corrected resubmission (tests/test_faults.py add_resubmission: pupil 40002 now has
      7 points instead of 5).
  `msoko ui` starts on a fresh MSOKO_HOME; its daemon ticks the inbox sensor.
  The sensor's cursor is set (as an operator does in the UI) to "every folder of the
      skeleton inbox was processed, and the corrected folder has been seen once with these
      sizes and times": the sensor waits for two equal sightings before it reads a folder,
      and presetting the first sighting saves one tick. The daemon's next tick
      then requests exactly one run: partition 2020-2021/vpr-spring, folder sch000001.
  Three seconds before that tick the schedule msoko__after_vpr_spring is evaluated through
      the UI's "test schedule" mutation (a schedule cannot be made to tick before its cron
      time) and the RunRequest it returns is launched as the UI's "launch run" does, with
      the daemon's schedule tag: one run over all 3 partitions.
  A plain `msoko run` over the same inbox in another MSOKO_HOME is the reference.

Hand computation (tests/test_faults.py): sch000001 participants 19, 7, 8, 16, 12, 6 →
sum 68 over 6 → mean 11.33; no mark 2 (7 ≥ 6) → 0 %; region 166/15 = 11.07.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
import requests

from msoko.config import REPO_ROOT
from orchestration.calendar import FULL_RUN_JOB
from orchestration.partitions import SCHOOLS_TAG, schools_tag
from orchestration.sensors import evaluate_inbox
from tests.conftest import contract_tables
from tests.test_faults import add_resubmission
from tests.test_pipeline_skeleton import build_inbox

pytestmark = pytest.mark.slow

SENSOR = "msoko__inbox"
SCHEDULE = "msoko__after_vpr_spring"
CORRECTED = "2020-2021/vpr-spring/sch000001"
CORRECTED_WINDOW, CORRECTED_SCHOOL = CORRECTED.rsplit("/", 1)
BOOT_TIMEOUT = 240
RUN_TIMEOUT = 1200           # two runs of ≈1 min each on a quiet machine; generous under load
# The sensor's interval for this test (orchestration/sensors.py reads MSOKO_SENSOR_SECONDS).
# Between two ticks the test sets the cursor and launches the schedule's run, which takes
# a few seconds even under load.
TICK_SECONDS = 30
# The schedule's run is launched this long before the sensor tick. Short enough that the two
# runs overlap on a quiet machine: the full run of this inbox takes ≈13 s, and the sensor's
# run starts ≈5 s after its tick. With 10 s the margin was thin: after the publication
# became one step, the full run ended ≈2.5 s before the sensor's run started (twice in
# isolation; the parallel suite's load had hidden it).
SCHEDULE_LEAD = 3
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}
INDICATORS = "select * from marts.msoko_indicators order by all"
LOCK_ERRORS = ("Could not set lock", "Conflicting lock", "database is locked")

TICKS = """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) {
  __typename ... on Sensor { sensorState { ticks(limit: 10) {
    status timestamp runIds skipReason error { message } } } } } }"""
SET_CURSOR = """mutation($s: SensorSelector!, $c: String) { setSensorCursor(sensorSelector: $s,
  cursor: $c) { __typename ... on PythonError { message } } }"""
SCHEDULE_DRY_RUN = """mutation($s: ScheduleSelector!, $t: Float) {
  scheduleDryRun(selectorData: $s, timestamp: $t) { __typename
    ... on DryRunInstigationTick { evaluationResult { skipReason error { message }
      runRequests { runKey runConfigYaml tags { key value } } } }
    ... on PythonError { message } } }"""
RUNS = """{ runsOrError { __typename ... on Runs { results {
  runId status startTime endTime tags { key value } } } } }"""
REPOSITORIES = """{ repositoriesOrError { __typename ... on RepositoryConnection {
  nodes { name location { name } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listeners(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on the port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


class Ui:
    """The webserver `msoko ui` started, spoken to as the browser does (GraphQL)."""

    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.location = self.repository = None

    def ping(self) -> int:
        try:
            return requests.get(f"{self.url}/server_info", timeout=10).status_code
        except requests.RequestException:
            return 0

    def gql(self, query: str, **variables) -> dict:
        response = requests.post(f"{self.url}/graphql",
                                 json={"query": query, "variables": variables}, timeout=120)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def selector(self, kind: str, name: str) -> dict:
        return {"repositoryLocationName": self.location, "repositoryName": self.repository,
                f"{kind}Name": name}

    def sensor_ticks(self) -> list[dict]:
        result = self.gql(TICKS, s=self.selector("sensor", SENSOR))["sensorOrError"]
        assert result["__typename"] == "Sensor", result
        return result["sensorState"]["ticks"]

    def runs(self) -> list[dict]:
        result = self.gql(RUNS)["runsOrError"]
        assert result["__typename"] == "Runs", result
        return [{**r, "tags": {t["key"]: t["value"] for t in r["tags"]}} for r in result["results"]]


class Analyst(threading.Thread):
    """Connects read-only as soon as the first publication appears and stays connected,
    reading, until told to stop; notes every inode the published path points to. Its own
    thread polls every 50 ms, so two releases seconds apart are both seen."""

    def __init__(self, published: Path):
        super().__init__(daemon=True)
        self.published, self.done = published, threading.Event()
        self.inodes: list[int] = []
        self.first_view: list | None = None
        self.failure: BaseException | None = None

    def run(self) -> None:
        con = None
        try:
            while not self.done.is_set():
                if con is None and self.published.exists():
                    con = duckdb.connect(str(self.published), read_only=True)
                    self.first_view = con.execute(INDICATORS).fetchall()
                if con is not None:
                    # the session answers, from the file it opened, whatever was published since
                    assert con.execute(INDICATORS).fetchall() == self.first_view
                    inode = self.published.stat().st_ino
                    if inode not in self.inodes:
                        self.inodes.append(inode)
                time.sleep(0.05)
        except BaseException as exc:        # reported by the test thread
            self.failure = exc
        finally:
            if con is not None:
                con.close()

    def finish(self) -> None:
        self.done.set()
        self.join(timeout=60)


def start_msoko(args: list[str], inbox: Path, home: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "MSOKO_INBOX": str(inbox), "MSOKO_HOME": str(home),
           "MSOKO_SENSOR_SECONDS": str(TICK_SECONDS)}
    for name in ("MSOKO_FAULT", "DAGSTER_HOME", "MSOKO_WAREHOUSE"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "msoko.cli", *args], cwd=REPO_ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def stop_group(proc: subprocess.Popen) -> None:
    """dagster dev and everything it started (webserver, daemon, code server, run workers)
    share its process group: end them all, politely first, then whatever is left."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass


def wait_for(what: str, predicate, timeout: float, log: Path, step: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: timed out\n{log.read_text()[-4000:]}"
        time.sleep(step)


def test_schedule_and_sensor_runs_overlap_with_ui_open(tmp_path):
    inbox, home, ref_home = tmp_path / "inbox", tmp_path / "home", tmp_path / "ref"
    ui_log, ref_log = tmp_path / "ui.log", tmp_path / "ref.log"
    build_inbox(inbox)
    # The sensor's state once it has processed the skeleton inbox (two equal sightings).
    processed = evaluate_inbox(inbox, evaluate_inbox(inbox, None, []).cursor, []).cursor
    port = free_port()
    ui_proc = start_msoko(["ui", "--port", str(port)], inbox, home, ui_log)
    ref_proc = None
    ui = Ui(port)
    analyst = Analyst(home / "published" / "msoko.duckdb")
    analyst.start()
    try:
        wait_for("webserver", lambda: ui.ping() == 200, BOOT_TIMEOUT, ui_log)
        # The UI has no login: it must listen on the loopback interface only.
        assert listeners(port) == {"0100007F"}, listeners(port)
        [repo] = ui.gql(REPOSITORIES)["repositoriesOrError"]["nodes"]
        ui.location, ui.repository = repo["location"]["name"], repo["name"]
        # The daemon's first tick (no cursor: every folder seen once) must be stored before
        # the cursor is set, or it would overwrite it.
        first = wait_for("first sensor tick", ui.sensor_ticks, BOOT_TIMEOUT, ui_log)[0]
        assert not first["runIds"], first

        add_resubmission(inbox)
        seen_once = evaluate_inbox(inbox, processed, [])
        assert seen_once.run_requests == [] and CORRECTED in seen_once.cursor
        assert ui.gql(SET_CURSOR, s=ui.selector("sensor", SENSOR),
                      c=seen_once.cursor)["setSensorCursor"]["__typename"] == "Sensor"
        ref_proc = start_msoko(["run"], inbox, ref_home, ref_log)

        time.sleep(max(0.0, first["timestamp"] + TICK_SECONDS - SCHEDULE_LEAD - time.time()))
        dry = ui.gql(SCHEDULE_DRY_RUN, s=ui.selector("schedule", SCHEDULE), t=time.time())
        evaluation = dry["scheduleDryRun"]["evaluationResult"]
        [request] = evaluation["runRequests"]
        tags = {t["key"]: t["value"] for t in request["tags"]}
        assert tags["msoko/trigger"] == "calendar"
        from dagster_graphql import DagsterGraphQLClient
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        scheduled_id = client.submit_job_execution(
            FULL_RUN_JOB, repository_location_name=ui.location, repository_name=ui.repository,
            run_config={}, tags={**tags, "dagster/schedule_name": SCHEDULE})

        answered_while_both_ran = False
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            runs = ui.runs()
            status = {r["runId"]: r["status"] for r in runs}
            if sum(s in {"STARTED", "STARTING"} for s in status.values()) >= 2:
                answered_while_both_ran |= ui.ping() == 200
            if len(runs) >= 2 and all(s in TERMINAL for s in status.values()):
                break
            assert time.monotonic() < deadline, (status, ui_log.read_text()[-4000:])
            time.sleep(0.5)
        assert ref_proc.wait(timeout=RUN_TIMEOUT) == 0, ref_log.read_text()[-3000:]
    finally:
        analyst.finish()
        stop_group(ui_proc)
        if ref_proc is not None and ref_proc.poll() is None:
            stop_group(ref_proc)

    by_trigger = {r["tags"].get("msoko/trigger"): r for r in runs}
    assert len(runs) == 2 and set(by_trigger) == {"calendar", "inbox"}, runs
    scheduled, sensed = by_trigger["calendar"], by_trigger["inbox"]
    assert scheduled["runId"] == scheduled_id
    assert sensed["tags"]["dagster/partition"] == CORRECTED_WINDOW
    assert sensed["tags"][SCHOOLS_TAG] == schools_tag([CORRECTED_SCHOOL])[SCHOOLS_TAG]
    assert sensed["tags"]["dagster/sensor_name"] == SENSOR
    assert [scheduled["status"], sensed["status"]] == ["SUCCESS", "SUCCESS"], \
        ui_log.read_text()[-4000:]
    # The two runs were going at the same time ...
    assert max(scheduled["startTime"], sensed["startTime"]) < \
        min(scheduled["endTime"], sensed["endTime"])
    assert answered_while_both_ran
    # ... but their warehouse writers took turns.
    writers = writer_intervals(home, [scheduled["runId"], sensed["runId"]])
    assert {run for run, _, _, _ in writers} == {scheduled["runId"], sensed["runId"]}
    for a, b in zip(writers, writers[1:]):
        assert a[3] <= b[2], (a, b)
    output = ui_log.read_text()
    assert not any(e in output for e in LOCK_ERRORS), output[-4000:]

    # The analyst, connected from the first publication on, kept reading while a later
    # release replaced the copy under them, and saw every release made current. Usually
    # both runs' releases are; when the run that copied the warehouse first reaches its
    # release step last, that release is refused (exports/release.py) and only one
    # becomes current: the runs' timing decides, not msoko.
    activated = activated_releases(home, [scheduled["runId"], sensed["runId"]])
    assert analyst.failure is None, analyst.failure
    assert analyst.first_view and activated and len(analyst.inodes) == len(activated), \
        (analyst.inodes, activated)
    published = home / "published" / "msoko.duckdb"
    final = contract_tables(published)
    assert final == contract_tables(ref_home / "published" / "msoko.duckdb")
    assert final == contract_tables(home / "warehouse.duckdb")     # the last build is published
    # The correction is in (hand computation above), and every school is in the load report.
    con = duckdb.connect(str(published), read_only=True)
    try:
        mean = set(con.execute("""
            select coalesce(school_login, level), value from marts.msoko_indicators
            where indicator_code = '1.3.1' and academic_year = '2020-2021' and grade = 4
              and level in ('school', 'region')""").fetchall())
        reported = {login for (login,) in con.execute(
            "select school_login from audit.load_report").fetchall()}
    finally:
        con.close()
    assert ("sch000001", 11.33) in mean and ("region", 11.07) in mean
    assert reported == {"sch000001", "sch000002", "sch000003", "sch999999"}


def activated_releases(home: Path, run_ids: list[str]) -> list[str]:
    """The runs whose release step made their outputs current (its materialization says
    where they were published; a refused release says published=False)."""
    from dagster import AssetKey, DagsterInstance

    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        records = instance.fetch_materializations(AssetKey(["exports", "release"]), limit=10).records
        outcome = {r.run_id: r.asset_materialization.metadata["published"].value for r in records}
    assert set(outcome) == set(run_ids), outcome
    return [run for run in run_ids if outcome[run] is not False]


def writer_intervals(home: Path, run_ids: list[str]) -> list[tuple[str, str, float, float]]:
    """(run, step, start, end) of every step in the pool duckdb_writer, by start time, read
    from the runs' event logs."""
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.definitions import defs
    from orchestration.ingest_assets import WAREHOUSE_POOL
    job = defs.resolve_job_def(FULL_RUN_JOB)
    pooled = {node.name for node in job.graph.nodes if node.definition.pool == WAREHOUSE_POOL}
    assert len(pooled) == 3, pooled        # raw tables, dbt, the published copy
    intervals = []
    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        for run_id in run_ids:
            started, ended = {}, {}
            for entry in instance.all_logs(run_id, of_type={DagsterEventType.STEP_START,
                                                            DagsterEventType.STEP_SUCCESS,
                                                            DagsterEventType.STEP_FAILURE}):
                if entry.step_key in pooled:
                    starts = entry.dagster_event_type == DagsterEventType.STEP_START
                    (started if starts else ended)[entry.step_key] = entry.timestamp
            assert set(started) == set(ended) == pooled, (run_id, started, ended)
            intervals += [(run_id, step, started[step], ended[step]) for step in pooled]
    return sorted(intervals, key=lambda i: i[2])
