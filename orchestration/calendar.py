"""The assessment calendar (msoko/calendar.yml) and one Dagster schedule per window.

Each schedule fires on the day after each closing date of its window and runs the whole
pipeline over every known partition (one run, batch validation), after registering the
partitions of files that arrived while no sensor was running.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml
from dagster import (DefaultScheduleStatus, RunRequest, ScheduleDefinition,
                     ScheduleEvaluationContext, SkipReason)

from ingest.windows import WINDOW_PROCEDURE
from msoko.config import REPO_ROOT, paths_from_env
from orchestration.partitions import WINDOWS, full_run_tags, inbox_partition_keys

CALENDAR_FILE = REPO_ROOT / "msoko" / "calendar.yml"
FULL_RUN_JOB = "msoko__full_run"


@dataclass(frozen=True)
class Window:
    folder: str
    title: str
    closes: tuple[tuple[int, int], ...]     # (month, day)

    def run_days(self) -> list[tuple[int, int]]:
        """(month, day) of the day after each closing date; a non-leap year is used, so a
        window closing on 28 February runs on 1 March every year."""
        after = [date(2001, m, d) + timedelta(days=1) for m, d in self.closes]
        return [(x.month, x.day) for x in after]


@dataclass(frozen=True)
class Calendar:
    timezone: str
    run_at: tuple[int, int]                 # (hour, minute)
    windows: tuple[Window, ...]

    def cron(self, window: Window) -> list[str]:
        hour, minute = self.run_at
        return [f"{minute} {hour} {d} {m} *" for m, d in window.run_days()]


def load_calendar(path: Path = CALENDAR_FILE) -> Calendar:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    windows = []
    for w in data["windows"]:
        if w["folder"] not in WINDOW_PROCEDURE:
            raise ValueError(f"{path}: окно «{w['folder']}» неизвестно конвейеру "
                             f"(известные: {', '.join(sorted(WINDOW_PROCEDURE))})")
        closes = tuple((int(s[:2]), int(s[3:])) for s in w["closes"])
        for m, d in closes:
            date(2001, m, d)   # raises on an impossible date such as 02-30
        windows.append(Window(w["folder"], w["title"], closes))
    hour, minute = (int(x) for x in str(data["run_at"]).split(":"))
    return Calendar(data["timezone"], (hour, minute), tuple(windows))


def _window_schedule(calendar: Calendar, window: Window) -> ScheduleDefinition:
    def evaluate(context: ScheduleEvaluationContext):
        keys = inbox_partition_keys(paths_from_env().inbox)
        known = set(context.instance.get_dynamic_partitions(WINDOWS.name))
        new = [k for k in keys if k not in known]
        if new:
            context.instance.add_dynamic_partitions(WINDOWS.name, new)
        all_keys = context.instance.get_dynamic_partitions(WINDOWS.name)
        if not all_keys:
            return SkipReason("Во входящих нет файлов.")
        stamp = context.scheduled_execution_time.date().isoformat() \
            if context.scheduled_execution_time else "manual"
        return RunRequest(run_key=f"{window.folder}:{stamp}",
                          tags={**full_run_tags(all_keys), "msoko/window": window.folder,
                                "msoko/trigger": "calendar"})

    return ScheduleDefinition(
        name=f"msoko__after_{window.folder.replace('-', '_')}",
        cron_schedule=calendar.cron(window), execution_timezone=calendar.timezone,
        job_name=FULL_RUN_JOB, execution_fn=evaluate,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"{window.title}: полный запуск после закрытия окна "
                    f"({', '.join(f'{d:02d}.{m:02d}' for m, d in window.closes)}).")


def window_schedules(calendar: Calendar | None = None) -> list[ScheduleDefinition]:
    calendar = calendar or load_calendar()
    return [_window_schedule(calendar, w) for w in calendar.windows]
