"""Publication assets. First the read-only warehouse copy analysts query; then, read from
that same copy, the yearly workbooks officials read, a one-page report per school, and
CSV/Parquet of every contract table. Reading the copy means the exports never hold the
pipeline's warehouse open, and every output of a run describes exactly the data analysts
see. The workbooks, reports and tables are written side by side (one step, two processes).
All of it is staged in the run's release folder and made visible at once by the last
step (exports/release.py), so a failed or killed run publishes nothing."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from datetime import datetime, timezone

from dagster import (AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset,
                     multi_asset)

from exports import side_outputs
from exports.publish import publish_warehouse
from exports.release import activate, mark_snapshot, staged
from exports.workbook import RunInfo, write_workbooks
from orchestration.ingest_assets import WAREHOUSE_POOL
from orchestration.progress import reporter
from orchestration.resources import MsokoPaths

MART_KEYS = [AssetKey(["marts", "msoko_indicators"]), AssetKey(["audit", "files"]),
             AssetKey(["audit", "rejected_rows"])]
# Built by other steps; the exports present them when they exist and say so when they don't.
# A key no asset defines yet stays an external dependency, so these never break the graph.
LATER_MART_KEYS = [AssetKey(["marts", name]) for name in (
    "objectivity_flags", "objectivity_index", "low_results_schools", "vpr_mark_vs_journal",
    "task_solvability", "stably_objective_schools", "objectivity_histograms")] + \
    [AssetKey(["audit", "load_report"])]
PUBLISHED = AssetKey(["exports", "published_warehouse"])
PUBLISHED_NAME = "msoko.duckdb"
PUBLICATION_STEP = "exports__publication"


def _release(context, msoko_paths: MsokoPaths):
    """This run's release folder (exports/release.py): everything is written there and
    becomes visible together when exports/release makes it current."""
    return staged(msoko_paths.paths().home, context.run_id)


def _staged_copy(context, msoko_paths: MsokoPaths):
    return _release(context, msoko_paths) / "published" / PUBLISHED_NAME


@asset(key=PUBLISHED, group_name="exports", deps=MART_KEYS + LATER_MART_KEYS,
       pool=WAREHOUSE_POOL,
       description="Read-only copy of the warehouse for analysts ($MSOKO_HOME/published/"
                   "msoko.duckdb), staged in the run's release and made visible with the "
                   "workbooks and reports by exports/release.")
def published_warehouse(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    target = publish_warehouse(msoko_paths.paths().warehouse, _staged_copy(context, msoko_paths))
    mark_snapshot(msoko_paths.paths().home, context.run_id)
    reporter(context, "публикация")(f"копия хранилища подготовлена: {target}")
    return MaterializeResult(metadata={"path": str(target)})


WORKBOOKS = AssetKey(["exports", "yearly_workbooks"])
SCHOOL_REPORTS = AssetKey(["exports", "school_reports"])
CONTRACT_TABLES = AssetKey(["exports", "contract_tables"])


@multi_asset(
    specs=[
        AssetSpec(WORKBOOKS, group_name="exports", deps=[PUBLISHED],
                  description="Одна книга Excel на учебный год: титул с перечнем входных файлов, "
                              "показатели по форме приложения к положению о МСОКО, объективность, "
                              "ШНОР, ВПР и журнал, решаемость заданий, диаграммы, отчёт о загрузке."),
        AssetSpec(SCHOOL_REPORTS, group_name="exports", deps=[PUBLISHED],
                  description="Отчёт на одну страницу для каждой школы (HTML): показатели рядом с "
                              "муниципалитетом и регионом, признаки необъективности, замечания к "
                              "файлам."),
        AssetSpec(CONTRACT_TABLES, group_name="exports", deps=[PUBLISHED],
                  description="CSV and Parquet of every contract table (INDICATORS.md §D) in "
                              "$MSOKO_HOME/exports/tables/, for other tools."),
    ],
    can_subset=True, name=PUBLICATION_STEP)
def publication(context: AssetExecutionContext, msoko_paths: MsokoPaths):
    """The three readers of the staged copy, side by side: the workbook (the longest, ≈5 s
    of Python at region size) in this process while a process of its own writes the
    CSV/Parquet tables and then the school reports (exports/side_outputs.py). As three
    assets in the run's one process they ran one after another: on a region's published
    copy 8.8–9.2 s one after another, 5.9–6.2 s beside the workbook in a thread, 5.5–5.7 s
    in a process. Each stays its own asset in the lineage; a subset materializes only what
    is selected."""
    selected = context.selected_asset_keys
    copy, release_dir = _staged_copy(context, msoko_paths), _release(context, msoko_paths)
    now = datetime.now(timezone.utc)
    beside = [output for key, output in ((CONTRACT_TABLES, side_outputs.TABLES),
                                         (SCHOOL_REPORTS, side_outputs.REPORTS))
              if key in selected]
    report = reporter(context, "публикация")
    others = (side_outputs.start(copy, release_dir / "exports", context.run_id, now, beside)
              if beside else None)
    try:
        if WORKBOOKS in selected:
            written = write_workbooks(copy, release_dir / "exports",
                                      RunInfo(run_id=context.run_id, started_at=now))
            report(f"книги Excel подготовлены: {len(written)}")
            yield MaterializeResult(asset_key=WORKBOOKS,
                                    metadata={"workbooks": [p.name for p in written]})
    except BaseException:
        if others is not None:          # the workbook failed: the other process goes too
            others.kill()
            others.wait()
        raise
    # An error in the other process surfaces here and fails the step (nothing is released).
    done = side_outputs.finish(others) if others is not None else {}
    if side_outputs.TABLES in done:
        tables = done[side_outputs.TABLES]
        line = f"таблицы CSV и Parquet подготовлены: {tables['files']} файлов"
        if tables["missing"]:
            line += f"; ещё не рассчитаны: {', '.join(tables['missing'])}"
        report(line)
        yield MaterializeResult(asset_key=CONTRACT_TABLES,
                                metadata={"files": tables["files"], "missing": tables["missing"]})
    if side_outputs.REPORTS in done:
        indexes = done[side_outputs.REPORTS]["indexes"]
        report(f"отчёты школ подготовлены: {len(indexes)} учебных года")
        yield MaterializeResult(asset_key=SCHOOL_REPORTS, metadata={"indexes": indexes})


@asset(key=["exports", "release"], group_name="exports",
       deps=[PUBLISHED, WORKBOOKS, SCHOOL_REPORTS, CONTRACT_TABLES],
       description="Makes this run's warehouse copy, workbooks, reports and tables visible "
                   "together ($MSOKO_HOME/published, $MSOKO_HOME/exports) by one rename; a run "
                   "that fails or dies before this step changes nothing anyone can see.")
def release(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    paths = msoko_paths.paths()
    report = reporter(context, "публикация")
    if not activate(paths.home, context.run_id):
        # An overlapping run copied the warehouse after this one did and is published
        # already: its outputs are newer, so this run's stay staged (and are pruned later).
        report("опубликован более поздний выпуск другого запуска; этот выпуск не публикуется")
        return MaterializeResult(metadata={"release": context.run_id, "published": False})
    report(f"хранилище для аналитиков: {paths.published / PUBLISHED_NAME}")
    report(f"книги Excel, отчёты школ, таблицы: {paths.exports}")
    return MaterializeResult(metadata={"release": context.run_id, "published": str(paths.published),
                                       "exports": str(paths.exports)})


EXPORT_ASSETS = [published_warehouse, publication, release]
