"""What the exports read from the warehouse, and which of it exists: marts built by later
steps may be absent (a fresh warehouse, a branch without them) and then their sheet is
skipped with a note instead of failing the publication."""
from __future__ import annotations

# INDICATORS.md §D: the tables other tools rely on, in the order they are listed there.
CONTRACT_TABLES = [
    "marts.msoko_indicators", "marts.objectivity_flags", "marts.objectivity_index",
    "marts.low_results_schools", "marts.vpr_mark_vs_journal", "marts.task_solvability",
    "marts.stably_objective_schools", "audit.files", "audit.rejected_rows",
]
# Tables the workbook presents when present (besides the contract ones above).
OPTIONAL_TABLES = ["marts.objectivity_histograms", "audit.load_report"]


def existing_tables(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}


def columns(con, table: str) -> list[str]:
    schema, name = table.split(".")
    return [c for (c,) in con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name]).fetchall()]


def school_names(con) -> dict[str, str]:
    """login → name from the registry; the login stands in when the registry has no name."""
    return {login: (name or login) for login, name in con.execute(
        "select school_login, school_name from staging.stg_schools").fetchall()}


def missing_note(table: str, sheet: str) -> str:
    return (f"лист «{sheet}» не сформирован: в хранилище нет таблицы {table} "
            f"(этот расчёт ещё не выполнялся)")
