"""Ingestion as Dagster assets: inbox files → archived originals → validated raw tables,
partitioned by assessment window (orchestration/partitions.py).

A run may cover some school folders of one window (a school's resubmission, started by the
inbox sensor with the folders in the run tag `msoko/schools`) or every window (`msoko run`,
the calendar schedules): either way it is ONE step per asset (BackfillPolicy.single_run),
one Great Expectations run per format over the run's files, and one transaction that
replaces exactly the run's submission folders in the raw tables.
Great Expectations verdicts — the result-row suites and the reference-file suites — become
asset checks on their raw tables with the failing values in metadata; a suite that cannot
run at all is an ERROR that blocks the marts of the run.
"""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.
from collections import Counter

from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext,
                     AssetKey, AssetSpec, BackfillPolicy, MaterializeResult, asset, multi_asset)

from ingest.batch import ArchivedInbox, archive_batch, parse_inbox, validate_batch
from ingest.load import load_partitions
from ingest.partitioned import tables_by_partition
from ingest.raw_schema import SCHEMAS
from ingest.workers import start_early
from orchestration import dbt_warm
from orchestration.dbt_warm import DBT_STEP
from orchestration.partitions import WINDOWS, Scope, scan_partitions, submission_of
from orchestration.progress import reporter
from orchestration.resources import MsokoPaths

WAREHOUSE_POOL = "duckdb_writer"     # one writer at a time on the DuckDB file
RAW_TABLES = list(SCHEMAS)
# Great Expectations suite -> (its asset check, the raw table the check is attached to):
# the batch suites over result rows, and the reference suites (expectations/reference.py)
# over the department's reference files.
GX_CHECKED = {
    "pupil_results": ("gx_pupil_results", "pupil_results"),
    "exam_results": ("gx_exam_results", "exam_results"),
    "reference_schools": ("gx_reference_schools", "ref_schools"),
    "reference_scales": ("gx_reference_scales", "ref_scales"),
    "reference_tasks": ("gx_reference_tasks", "ref_tasks"),
    "reference_regional_figures": ("gx_reference_regional_figures", "ref_regional_figures"),
}
FILE_CHECK = "files_readable"
SAMPLE = 20
ARCHIVED_FILES = AssetKey(["inbox", "archived_files"])


def _scan_and_archive(paths, scope: Scope, progress) -> ArchivedInbox:
    """The scope's files and every reference file, each archived by sha256 (a no-op for
    bytes archived already, e.g. by the previous step of the same run). `progress` hears
    which files left the batch (ingest.batch.archive_batch)."""
    if scope.schools is None:
        # Whole windows: likely enough files for the worker processes (ingest/workers.py).
        start_early()
    return archive_batch(*scan_partitions(paths.inbox, scope), paths.archive, progress)


def _silent(stage: str):
    return lambda message: None


def _submission(item) -> str:
    return submission_of(item.rel_path.split("/"))


def load_submissions(paths, scope: Scope, report=_silent):
    """What raw_tables does, callable without Dagster: the scope's files scanned and
    archived, read, validated as one batch, and the scope's submission folders replaced in
    the raw tables. `report(stage)` gives a progress callback for a stage (none by default).
    Returns (the validated batch, rows loaded per table)."""
    # Scanned again rather than passed from archived_files: a file replaced between the
    # two steps is then read as the version archived here.
    archived = _scan_and_archive(paths, scope, report("архив"))
    parsed = parse_inbox(archived, report("чтение"))
    validated = validate_batch(parsed, report("проверка"))
    found = sorted({_submission(item) for item in archived.files})
    tables = tables_by_partition(validated, found, _submission)
    validated.release_rows()
    return validated, load_partitions(paths.warehouse, scope.named_submissions(), tables,
                                      whole_windows=scope.whole_windows())


def _scope(context: AssetExecutionContext) -> Scope:
    return Scope.of_run(context.partition_keys, context.run.tags)


@asset(key=["inbox", "archived_files"], group_name="inbox", partitions_def=WINDOWS,
       backfill_policy=BackfillPolicy.single_run(),
       description="Файлы окна оценки (учебный год / окно; при исправлении — только папки "
                   "школ из метки запуска msoko/schools): исходные байты сохранены в архив по "
                   "sha256 до любого чтения (INPUTS.md §1).")
def archived_files(context: AssetExecutionContext, msoko_paths: MsokoPaths) -> MaterializeResult:
    scope = _scope(context)
    report = reporter(context, "архив")
    archived = _scan_and_archive(msoko_paths.paths(), scope, report)
    report(
        f"{scope.describe()}: файлов результатов {len(archived.files)}, "
        f"справочников {len(archived.references)}, исходные байты сохранены")
    return MaterializeResult(metadata={
        "partitions": len(context.partition_keys),
        "schools": "all" if scope.schools is None else sorted(scope.schools),
        "result_files": len(archived.files),
        "reference_files": len(archived.references),
        "archive": str(msoko_paths.paths().archive),
        "files_sample": [f"{f.rel_path} ({f.sha256[:12]})" for f in archived.files[:SAMPLE]],
        "changed_during_run": [f.rel_path for f in archived.gone[:SAMPLE]],
    })


def _check_result(suite: str, outcomes, set_aside) -> AssetCheckResult:
    """One suite's verdict. `set_aside`: the rows it kept out of its table (result rows
    set aside, or reference rows left out), each with path, row_number, column_name,
    value and rule."""
    check, table = GX_CHECKED[suite]
    by_rule = Counter(r["rule"] for r in set_aside)
    samples = [f'{r["path"]}:{r["row_number"]} «{r["column_name"]}»={r["value"]} ({r["rule"]})'
               for r in set_aside[:SAMPLE]]
    errors = [f"{o.rule.code}: {o.error}" for o in outcomes if o.error]
    return AssetCheckResult(
        check_name=check, asset_key=AssetKey(["raw", table]),
        passed=not set_aside and not errors,
        # Rows kept out are normal operation (they are reported, the rest is used), so a
        # warning; a suite that could not run is an error, and the check blocks the marts.
        severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
        metadata={
            "expectations": [f"{o.rule.code}: {'ok' if o.success else 'failed'}" for o in outcomes],
            "rows_set_aside": len(set_aside),
            "by_rule": dict(by_rule),
            "failing_values_sample": samples,
            "errors": errors,
        },
    )


def _files_check(validated, kept: int) -> AssetCheckResult:
    rejected = [(item, parsed) for item, parsed in validated.parsed.files
                if parsed.status == "rejected"]
    by_partition = Counter(_submission(item) for item, _ in rejected)
    return AssetCheckResult(
        check_name=FILE_CHECK, asset_key=AssetKey(["raw", "files"]), passed=not rejected,
        # A rejected file affects its own partition only: its rows are not loaded, and an
        # earlier accepted version at the same path stays in use. The rest is published.
        severity=AssetCheckSeverity.WARN,
        metadata={
            "files_rejected": len(rejected),
            "by_partition": dict(by_partition),
            "previous_versions_kept": kept,
            "rejected_sample": [f"{item.rel_path}: {parsed.message}" for item, parsed in rejected[:SAMPLE]],
        })


def _runs_dbt(context: AssetExecutionContext) -> bool:
    steps = context.dagster_run.step_keys_to_execute
    return steps is None or DBT_STEP in steps


@multi_asset(
    specs=[AssetSpec(key=AssetKey(["raw", name]), group_name="raw", deps=[ARCHIVED_FILES],
                     description=f"Warehouse table raw.{name}")
           for name in RAW_TABLES],
    check_specs=[AssetCheckSpec(check, asset=AssetKey(["raw", table]), blocking=True,
                                description=(f"Great Expectations suite {suite} "
                                             "(expectations/reference.py) over the "
                                             "department's reference files; failing rows "
                                             "are left out and named in raw.reference_problems")
                                if suite.startswith("reference_") else
                                "Great Expectations suite (expectations/) over the run's "
                                "batch of files")
                 for suite, (check, table) in GX_CHECKED.items()]
               + [AssetCheckSpec(FILE_CHECK, asset=AssetKey(["raw", "files"]),
                                 description="Every file of the run was read; rejected files "
                                             "with their Russian reason, by partition")],
    partitions_def=WINDOWS,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="Read, normalise and validate the run's files as one batch, then replace "
                "their submission folders' rows in the raw tables in one transaction.",
)
def raw_tables(context: AssetExecutionContext, msoko_paths: MsokoPaths):
    scope = _scope(context)
    if _runs_dbt(context):
        dbt_warm.start(context.run_id)    # dbt imports itself while this step loads
    try:
        validated, counts = load_submissions(msoko_paths.paths(), scope,
                                             lambda stage: reporter(context, stage))
    except BaseException:
        dbt_warm.stop(context.run_id)
        raise
    reporter(context, "загрузка")(
        f"в хранилище ({scope.describe()}): "
        + ", ".join(f"raw.{k}={v}" for k, v in counts.items() if v))
    kept_out = {**validated.parsed.reference.left_out, **validated.set_aside}
    checks = [_check_result(suite, validated.outcomes.get(suite, []), kept_out.get(suite, []))
              for suite in GX_CHECKED]
    if any(not c.passed and c.severity == AssetCheckSeverity.ERROR for c in checks):
        dbt_warm.stop(context.run_id)     # a suite could not run: the marts are blocked
    yield from checks
    yield _files_check(validated, counts["kept_previous_versions"])
    for name in RAW_TABLES:
        yield MaterializeResult(asset_key=AssetKey(["raw", name]),
                                metadata={"rows_in_run_submissions": counts[name],
                                          "table": f"raw.{name}"})
