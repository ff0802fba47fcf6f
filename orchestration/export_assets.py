"""Publication assets. First the read-only warehouse copy analysts query (swapped in
atomically, so an open analyst session never blocks a run); then, read from that same copy,
the yearly workbooks officials read, a one-page report per school, and CSV/Parquet of every
contract table. Reading the published copy means the exports never hold the pipeline's
warehouse open, and every output of a run describes exactly the data analysts see."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from datetime import datetime, timezone

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from exports.atomic import publish_warehouse
from exports.contract_tables import write_contract_tables
from exports.school_report import write_school_reports
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


def _published(msoko_paths: MsokoPaths):
    return msoko_paths.paths().published / PUBLISHED_NAME


@asset(key=PUBLISHED, group_name="exports", deps=MART_KEYS + LATER_MART_KEYS,
       pool=WAREHOUSE_POOL,
       description="Read-only copy of the warehouse for analysts ($MSOKO_HOME/published/"
                   "msoko.duckdb), replaced atomically after each successful run.")
def published_warehouse(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    paths = msoko_paths.paths()
    target = publish_warehouse(paths.warehouse, paths.published / PUBLISHED_NAME)
    reporter(context, "публикация")(f"хранилище для аналитиков: {target}")
    return MaterializeResult(metadata={"path": str(target)})


@asset(key=["exports", "yearly_workbooks"], group_name="exports", deps=[PUBLISHED],
       description="Одна книга Excel на учебный год: титул с перечнем входных файлов, "
                   "показатели по форме приложения к положению о МСОКО, объективность, ШНОР, "
                   "ВПР и журнал, решаемость заданий, диаграммы, отчёт о загрузке.")
def yearly_workbooks(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    run = RunInfo(run_id=context.run_id, started_at=datetime.now(timezone.utc))
    written = write_workbooks(_published(msoko_paths), msoko_paths.paths().exports, run)
    reporter(context, "публикация")(f"книги Excel: {', '.join(str(p) for p in written)}")
    return MaterializeResult(metadata={"workbooks": [str(p) for p in written]})


@asset(key=["exports", "school_reports"], group_name="exports", deps=[PUBLISHED],
       description="Отчёт на одну страницу для каждой школы (HTML): показатели рядом с "
                   "муниципалитетом и регионом, признаки необъективности, замечания к файлам.")
def school_reports(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    out = msoko_paths.paths().exports / "schools"
    indexes = write_school_reports(_published(msoko_paths), out, context.run_id,
                                   datetime.now(timezone.utc))
    reporter(context, "публикация")(f"отчёты школ: {', '.join(str(p) for p in indexes)}")
    return MaterializeResult(metadata={"indexes": [str(p) for p in indexes]})


@asset(key=["exports", "contract_tables"], group_name="exports", deps=[PUBLISHED],
       description="CSV and Parquet of every contract table (INDICATORS.md §D) in "
                   "$MSOKO_HOME/exports/tables/, for other tools.")
def contract_tables(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    out = msoko_paths.paths().exports / "tables"
    written, missing = write_contract_tables(_published(msoko_paths), out)
    report = reporter(context, "публикация")
    report(f"таблицы CSV и Parquet: {out} ({len(written)} файлов)")
    if missing:
        report(f"ещё не рассчитаны: {', '.join(missing)}")
    return MaterializeResult(metadata={"directory": str(out), "files": len(written),
                                       "missing": missing})


EXPORT_ASSETS = [published_warehouse, yearly_workbooks, school_reports, contract_tables]
