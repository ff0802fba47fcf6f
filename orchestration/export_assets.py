"""Publication assets: the yearly workbooks officials read and the read-only warehouse copy
analysts query (swapped in atomically, so an open analyst session never blocks a run)."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from datetime import datetime, timezone

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from exports.atomic import publish_copy
from exports.workbook import RunInfo, write_workbooks
from orchestration.ingest_assets import WAREHOUSE_POOL
from orchestration.progress import reporter
from orchestration.resources import MsokoPaths

MART_KEYS = [AssetKey(["marts", "msoko_indicators"]), AssetKey(["audit", "files"]),
             AssetKey(["audit", "rejected_rows"])]


@asset(key=["exports", "yearly_workbooks"], group_name="exports", deps=MART_KEYS,
       pool=WAREHOUSE_POOL,   # reads the warehouse: a concurrent run's writer would lock it out
       description="Одна книга Excel на учебный год: показатели по форме приложения к "
                   "положению о МСОКО, отчёт о загрузке, отложенные строки.")
def yearly_workbooks(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    paths = msoko_paths.paths()
    run = RunInfo(run_id=context.run_id, started_at=datetime.now(timezone.utc))
    written = write_workbooks(paths.warehouse, paths.exports, run)
    reporter(context, "публикация")(f"книги Excel: {', '.join(str(p) for p in written)}")
    return MaterializeResult(metadata={"workbooks": [str(p) for p in written]})


# Published last, after the workbooks: a run that dies before the end publishes nothing.
@asset(key=["exports", "published_warehouse"], group_name="exports",
       deps=MART_KEYS + [AssetKey(["exports", "yearly_workbooks"])],
       pool=WAREHOUSE_POOL,
       description="Read-only copy of the warehouse for analysts, replaced atomically after "
                   "each successful run.")
def published_warehouse(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    paths = msoko_paths.paths()
    target = publish_copy(paths.warehouse, paths.published / "msoko.duckdb")
    reporter(context, "публикация")(f"хранилище для аналитиков: {target}")
    return MaterializeResult(metadata={"path": str(target)})
