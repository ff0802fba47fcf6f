"""`msoko` — the command officials' data engineer runs.

  msoko demo     write the demo municipality's inbox into MSOKO_INBOX
  msoko run      ingest, validate, model and publish everything in MSOKO_INBOX (one Dagster run)
  msoko ui       the Dagster UI and daemon (inbox sensor, calendar schedules) on
                 127.0.0.1 only (it has no login), over the same definitions
  msoko prepare  parse the dbt project (done once by `make`)
  msoko load-report <учебный год> <окно> <логин школы>
                 one school's load report as a one-sheet xlsx to send to the school
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from msoko.config import paths_from_env
from msoko.instance import prepare_environment

QUIET_DAGSTER = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _configure_progress() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("msoko")
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False


def cmd_run(_args) -> int:
    paths = paths_from_env()
    prepare_environment(paths)
    _configure_progress()
    print(f"msoko: входящие {paths.inbox}\n       результаты {paths.home}", flush=True)
    from msoko.runlock import exclusive_run
    from orchestration.definitions import defs
    from orchestration.partitions import WINDOWS, full_run_tags, inbox_partition_keys
    started = time.monotonic()
    job = defs.resolve_job_def("msoko__full_run")
    with exclusive_run(paths) as (instance, lock_tags):
        # Every window folder becomes a partition; one run covers them all.
        known = set(instance.get_dynamic_partitions(WINDOWS.name))
        new = [k for k in inbox_partition_keys(paths.inbox) if k not in known]
        if new:
            instance.add_dynamic_partitions(WINDOWS.name, new)
        keys = instance.get_dynamic_partitions(WINDOWS.name)
        print(f"       разделов (окон оценки): {len(keys)}", flush=True)
        result = job.execute_in_process(
            instance=instance, run_config=QUIET_DAGSTER, raise_on_error=False,
            tags={**full_run_tags(keys), **lock_tags, "msoko/trigger": "cli"})
        # Read back under the lock: a queued `msoko run` starts writing once it is free.
        summary = _summary_when_free(paths) if result.success else ""
    if not result.success:
        failed = [e for e in result.all_events if e.is_step_failure]
        for event in failed:
            print(f"ОШИБКА конвейера на шаге {event.step_key}: "
                  f"{event.step_failure_data.error.message if event.step_failure_data.error else ''}",
                  file=sys.stderr)
        print(f"msoko: запуск {result.run_id} завершился ошибкой", file=sys.stderr)
        return 1
    print(summary)
    print(f"  запуск {result.run_id} за {time.monotonic() - started:.1f} с")
    return 0


def _summary_when_free(paths, wait_seconds: int = 120) -> str:
    """The summary reads the warehouse outside Dagster's writer pool: if a run started by
    the sensor or a schedule is writing it right now, wait for it rather than fail."""
    import duckdb

    from msoko.summary import run_summary
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return run_summary(paths)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(2)


def cmd_demo(args) -> int:
    from msoko.demo.municipality import write_demo_inbox
    paths = paths_from_env()
    truth = write_demo_inbox(paths.inbox, seed=args.seed)
    files = sum(1 for p in paths.inbox.rglob("*") if p.is_file())
    print(f"msoko demo: {files} файлов во входящих {paths.inbox}\n"
          f"            описание заложенных случаев: {truth}")
    return 0


def cmd_prepare(_args) -> int:
    prepare_environment(paths_from_env())
    from orchestration.dbt_assets import ensure_manifest
    print(f"msoko: dbt manifest {ensure_manifest()}")
    return 0


def cmd_ui(args) -> int:
    paths = paths_from_env()
    prepare_environment(paths)
    from orchestration.dbt_assets import ensure_manifest
    ensure_manifest()
    # 127.0.0.1 only: the UI has no login, so it must not listen on other interfaces.
    # `dagster dev` also starts the daemon, which runs the inbox sensor and the calendar
    # schedules. The venv's own dagster, so it works without the venv on PATH.
    dagster = str(Path(sys.executable).with_name("dagster"))
    argv = [dagster, "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1",
            "-p", str(args.port)]
    os.execv(dagster, argv)
    return 0


def _plain_name(text: str) -> bool:
    """A folder or login as typed, never a path: it becomes part of a file name."""
    return bool(text) and text not in (".", "..") and "/" not in text and "\\" not in text


def cmd_load_report(args) -> int:
    """What the school sent in one window, what was accepted and every row to correct, as a
    one-sheet xlsx for e-mailing to the school. Read from the published copy, which stays
    readable while a run writes the warehouse."""
    from exports.load_report import write_school_load_report
    paths = paths_from_env()
    if not all(_plain_name(a) for a in (args.year, args.window, args.school)):
        print("Учебный год, окно и логин школы пишутся как имена папок во входящих, "
              "например: msoko load-report 2024-2025 vpr-spring sch700000", file=sys.stderr)
        return 2
    source = paths.published / "msoko.duckdb"
    if not source.exists():
        print(f"Нет опубликованного хранилища {source}: сначала выполните «msoko run».",
              file=sys.stderr)
        return 1
    target = paths.exports / "load_reports" / args.year / f"{args.window}_{args.school}.xlsx"
    if write_school_load_report(target, source, args.year, args.window, args.school) is None:
        print(f"Школа {args.school} не присылала файлов в окне {args.window} "
              f"{args.year} учебного года.", file=sys.stderr)
        return 1
    print(f"Отчёт о загрузке для школы {args.school}: {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="msoko", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="обработать все файлы во входящих").set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="создать демонстрационные входящие")
    demo.add_argument("--seed", type=int, default=2025)
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("prepare", help="подготовить проект dbt").set_defaults(func=cmd_prepare)
    ui = sub.add_parser("ui", help="интерфейс Dagster на 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    report = sub.add_parser("load-report", help="отчёт о загрузке одной школы (xlsx для отправки)")
    report.add_argument("year", help="учебный год, например 2024-2025")
    report.add_argument("window", help="окно (папка во входящих), например vpr-spring")
    report.add_argument("school", help="логин школы, например sch700000")
    report.set_defaults(func=cmd_load_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
