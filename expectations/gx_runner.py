"""Run a Great Expectations suite over one pandas batch and say which rows failed which rule.

One validation per batch (all files of a format in a run), never per file: GX costs
≈0.12 s a call however small the frame (PERF_NOTES.md). Failing row indices come back
through `unexpected_index_list` and are mapped to file and row by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from expectations.gx_import import import_gx


@dataclass(frozen=True)
class Rule:
    """One expectation with what an official needs to read about a failure."""
    code: str                   # machine name of the rule, stored in audit.rejected_rows.rule
    value_column: str           # frame column whose value is reported
    column_name: str            # the column named to the user: a literal header, or
                                # '@<frame column>' holding the header of the failing cell
    message: str                # Russian; may use {value}
    build: object               # () -> gx Expectation (deferred: GX is slow to import)


@dataclass
class RuleOutcome:
    rule: Rule
    success: bool
    failed_index: list[int] = field(default_factory=list)
    error: str | None = None


def rule_columns(rules: list[Rule]) -> set[str]:
    """Every frame column the rules read: the expectations' columns and the columns a
    failure is reported from. The batch frame is built with these only: the parsed rows'
    other columns (variant, class, gender, …) only cost the validation time and memory."""
    columns: set[str] = set()
    for rule in rules:
        built = rule.build()
        for attr in ("column", "column_A", "column_B"):
            if getattr(built, attr, None):
                columns.add(getattr(built, attr))
        columns.update(getattr(built, "column_list", None) or [])
        columns.add(rule.value_column)
        if rule.column_name.startswith("@"):
            columns.add(rule.column_name[1:])
    return columns


def run_suite(name: str, frame, rules: list[Rule]) -> list[RuleOutcome]:
    gx = import_gx()
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_def = (context.data_sources.add_pandas(f"{name}_source")
                 .add_dataframe_asset(f"{name}_batch")
                 .add_batch_definition_whole_dataframe(f"{name}_whole"))
    suite = gx.ExpectationSuite(name=name)
    for rule in rules:
        suite.add_expectation(rule.build())
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    try:
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    finally:
        # get_context makes the context GX's current project, which keeps the datasource,
        # its batch and so the whole frame alive after the call (≈0.4 GB of a region's
        # frame, held to the end of the run): let them go with this call.
        project_manager.set_project(None)
        del batch, batch_def, context

    outcomes = []
    for rule, res in zip(rules, result.results):
        info = res.exception_info or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        index = res.result.get("unexpected_index_list") or []
        index = [i if isinstance(i, int) else int(next(iter(i.values()))) for i in index]
        outcomes.append(RuleOutcome(rule, bool(res.success), index, error))
    return outcomes
