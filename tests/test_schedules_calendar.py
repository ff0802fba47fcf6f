"""The assessment calendar (msoko/calendar.yml) and its schedules: one per window, firing
at 03:00 Moscow time on the day after each closing date, each tick one run over every
partition of the inbox."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dagster import DagsterInstance, build_schedule_context

from ingest.windows import WINDOW_PROCEDURE
from orchestration.calendar import load_calendar, window_schedules
from orchestration.partitions import WINDOWS
from tests.test_pipeline_skeleton import build_inbox


def test_calendar_covers_every_window():
    calendar = load_calendar()
    assert {w.folder for w in calendar.windows} == set(WINDOW_PROCEDURE)
    assert calendar.timezone == "Europe/Moscow" and calendar.run_at == (3, 0)
    by_folder = {w.folder: w for w in calendar.windows}
    # VPR spring closes 20 May -> runs 21 May 03:00; January monitoring closes 31 Jan ->
    # 1 Feb; OGE has a main (5 Jul) and a reserve (25 Sep) closing date.
    assert calendar.cron(by_folder["vpr-spring"]) == ["0 3 21 5 *"]
    assert calendar.cron(by_folder["regional-monitoring-jan"]) == ["0 3 1 2 *"]
    assert calendar.cron(by_folder["oge"]) == ["0 3 6 7 *", "0 3 26 9 *"]


def test_schedule_tick_runs_all_partitions(msoko_env):
    inbox, home = msoko_env
    build_inbox(inbox)
    schedule = next(s for s in window_schedules() if s.name == "msoko__after_vpr_spring")
    assert schedule.execution_timezone == "Europe/Moscow"
    assert schedule.job_name == "msoko__full_run"
    tick_time = datetime(2025, 5, 21, 3, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    # A schedule context needs an instance with a ref (the ephemeral one has none).
    (home / "dagster").mkdir(parents=True)
    with DagsterInstance.local_temp(str(home / "dagster")) as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick_time)
        result = schedule.evaluate_tick(context)
        [request] = result.run_requests
        # The skeleton inbox has 3 window partitions (tests/test_sensor_inbox.py); the
        # schedule registers them and selects them all: one run, from the first to the last.
        keys = instance.get_dynamic_partitions(WINDOWS.name)
        assert keys == ["_unplaced", "2020-2021/vpr-spring", "2021-2022/vpr-spring"]
        assert request.tags["dagster/asset_partition_range_start"] == keys[0] == "_unplaced"
        assert request.tags["dagster/asset_partition_range_end"] == keys[-1]
        assert request.tags["msoko/window"] == "vpr-spring"
        assert request.run_key == "vpr-spring:2025-05-21"
