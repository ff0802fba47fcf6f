"""Ingestion as Dagster assets: inbox files → archived originals → validated raw tables.

The raw tables are one multi-asset because they are written in one DuckDB transaction (a
killed run leaves the previous tables intact). Great Expectations verdicts become asset
checks on raw/pupil_results and raw/exam_results, with the failing values in metadata.
"""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from collections import Counter

from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext,
                     AssetIn, AssetKey, AssetSpec, MaterializeResult, Output, asset, multi_asset)

from ingest.batch import ArchivedInbox, archive_inbox, parse_inbox, validate_batch
from ingest.load import load_raw_tables
from ingest.raw_schema import SCHEMAS
from orchestration.progress import reporter
from orchestration.resources import MsokoPaths

WAREHOUSE_POOL = "duckdb_writer"     # one writer at a time on the DuckDB file
RAW_TABLES = list(SCHEMAS)
GX_CHECKED = {"pupil_results": "gx_pupil_results", "exam_results": "gx_exam_results"}
SAMPLE = 20
ARCHIVED_FILES = AssetKey(["inbox", "archived_files"])


@asset(key=["inbox", "archived_files"], group_name="inbox",
       description="Every file in the inbox, its original bytes archived by sha256 before "
                   "anything reads it (INPUTS.md §1).")
def archived_files(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> Output[ArchivedInbox]:
    paths = msoko_paths.paths()
    archived = archive_inbox(paths.inbox, paths.archive, reporter(context, "архив"))
    return Output(archived, metadata={
        "inbox": str(paths.inbox),
        "result_files": len(archived.files),
        "reference_files": len(archived.references),
        "archive": str(paths.archive),
    })


def _check_result(kind: str, outcomes, set_aside) -> AssetCheckResult:
    by_rule = Counter(r["rule"] for r in set_aside)
    samples = [f'{r["path"]}:{r["row_number"]} «{r["column_name"]}»={r["value"]} ({r["rule"]})'
               for r in set_aside[:SAMPLE]]
    errors = [f"{o.rule.code}: {o.error}" for o in outcomes if o.error]
    return AssetCheckResult(
        check_name=GX_CHECKED[kind], asset_key=AssetKey(["raw", kind]),
        passed=not set_aside and not errors,
        # Set-aside rows are normal operation (they are kept and reported), so a warning.
        severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
        metadata={
            "expectations": [f"{o.rule.code}: {'ok' if o.success else 'failed'}" for o in outcomes],
            "rows_set_aside": len(set_aside),
            "by_rule": dict(by_rule),
            "failing_values_sample": samples,
            "errors": errors,
        },
    )


@multi_asset(
    specs=[AssetSpec(key=AssetKey(["raw", name]), group_name="raw",
                     deps=[ARCHIVED_FILES],
                     description=f"Warehouse table raw.{name}")
           for name in RAW_TABLES],
    ins={"archived_files": AssetIn(key=ARCHIVED_FILES)},
    check_specs=[AssetCheckSpec(check, asset=AssetKey(["raw", kind]),
                                description="Great Expectations suite (expectations/) over the batch")
                 for kind, check in GX_CHECKED.items()],
    pool=WAREHOUSE_POOL,
    description="Read, normalise and validate every archived file as one batch, then write "
                "the raw tables into the warehouse in one transaction.",
)
def raw_tables(context: AssetExecutionContext, msoko_paths: MsokoPaths,
               archived_files: ArchivedInbox):
    paths = msoko_paths.paths()
    parsed = parse_inbox(archived_files, reporter(context, "чтение"))
    validated = validate_batch(parsed, reporter(context, "проверка"))
    counts = load_raw_tables(paths.warehouse, validated.tables)
    reporter(context, "загрузка")(
        "в хранилище: " + ", ".join(f"raw.{k}={v}" for k, v in counts.items() if v))
    for kind in GX_CHECKED:
        yield _check_result(kind, validated.outcomes.get(kind, []), validated.set_aside.get(kind, []))
    for name in RAW_TABLES:
        yield MaterializeResult(asset_key=AssetKey(["raw", name]),
                                metadata={"rows": counts[name], "table": f"raw.{name}"})
