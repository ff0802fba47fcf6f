"""Ingest a whole inbox as one batch: scan → archive → read → normalise → validate → tables.

Library code with no Dagster in it; the orchestration layer calls these steps as assets.
Costs are per file, so every step works on the whole batch at once: one Great Expectations
validation per format, one bulk load (PERF_NOTES.md).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa

from expectations.exam_results import exam_result_rules
from expectations.gx_runner import RuleOutcome, run_suite
from expectations.pupil_results import pupil_result_rules
from ingest import metadata, raw_schema
from ingest.archive import archive_file
from ingest.criterion_store import CriterionStore
from ingest.exam_results import parse_exam_file
from ingest.inbox import InboxFile, scan_inbox
from ingest.parsed import ParsedFile
from ingest.pupil_results import parse_pupil_file
from ingest.readers import UnreadableFile, read_table_file
from ingest.reference import ReferenceTables, load_reference
from ingest.windows import EXAM_PROCEDURES, WINDOW_PROCEDURE, spring_year

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class ArchivedInbox:
    files: list[InboxFile]
    references: list[InboxFile]
    archived: dict[str, Path]          # sha256 -> path of the archived bytes


@dataclass
class ParsedBatch:
    archived: ArchivedInbox
    reference: ReferenceTables
    files: list[tuple[InboxFile, ParsedFile]] = field(default_factory=list)
    # criterion scores of files[i] live here, under file index i (parsed.criteria is emptied)
    criteria: CriterionStore = field(default_factory=CriterionStore)


@dataclass
class ValidatedBatch:
    parsed: ParsedBatch
    outcomes: dict[str, list[RuleOutcome]]           # suite name -> rule outcomes
    set_aside: dict[str, list[dict]]                  # suite -> rejected rows
    tables: dict[str, pa.Table]


def archive_inbox(inbox: Path, archive_dir: Path, progress: Progress = _quiet) -> ArchivedInbox:
    files, references = scan_inbox(inbox)
    progress(f"входящие: {len(files)} файлов результатов, {len(references)} справочников")
    archived = {}
    for item in files + references:
        archived[item.sha256] = archive_file(item, archive_dir)
    progress(f"архив: сохранены исходные байты {len(archived)} версий файлов")
    return ArchivedInbox(files, references, archived)


def _location_problem(item: InboxFile) -> str | None:
    if item.academic_year is None:
        return ("Файл лежит вне папки учебного года и окна. Положите его в "
                "<учебный год>/<окно>/, например 2024-2025/vpr-spring/.")
    if item.window not in WINDOW_PROCEDURE:
        known = ", ".join(sorted(WINDOW_PROCEDURE))
        return f"Неизвестное окно оценочной процедуры «{item.window}». Известные окна: {known}."
    return None


def parse_file(item: InboxFile, path: Path, ref: ReferenceTables, lookup) -> ParsedFile:
    parsed = ParsedFile(sha256=item.sha256, rel_path=item.rel_path, kind="unknown")
    problem = _location_problem(item)
    if problem:
        return parsed.reject("bad_location", problem)
    procedure = WINDOW_PROCEDURE[item.window]
    try:
        sheets = read_table_file(path)
    except UnreadableFile as exc:
        return parsed.reject(exc.code, f"Файл не прочитан: {exc.message_ru}")
    if procedure in EXAM_PROCEDURES:
        codes = {s[f"{procedure}_code"]: s["login"] for s in ref.schools if s.get(f"{procedure}_code")}
        return parse_exam_file(parsed, sheets, procedure, spring_year(item.academic_year),
                               codes, lookup.scale_max)
    meta = metadata.resolve(item.path)
    if meta is None:
        return parsed.reject("no_metadata", metadata.NAMING_ADVICE)
    first, second = (int(y) for y in item.academic_year.split("-"))
    if meta.year not in (first, second):
        return parsed.reject(
            "year_mismatch",
            f"Год работы в имени файла ({meta.year}) не относится к учебному году "
            f"{item.academic_year}, в папке которого лежит файл.")
    return parse_pupil_file(parsed, sheets, meta, item.school_folder, lookup)


def parse_inbox(archived: ArchivedInbox, progress: Progress = _quiet) -> ParsedBatch:
    reference = load_reference(archived.references, archived.archived)
    lookup = reference.lookup()
    progress(f"справочники: {len(reference.schools)} школ, {len(reference.scales)} шкал, "
             f"{len(reference.tasks)} заданий")
    batch = ParsedBatch(archived, reference)
    total = len(archived.files)
    # A progress line is a Dagster event (≈35 ms each in the run's event log): one per file
    # would cost ≈12 minutes over a region's 20,000 files, so report every ≈5 %.
    every = max(1, total // 20)
    interned: dict[str, str] = {}
    rows = rejected = 0
    for n, item in enumerate(archived.files, start=1):
        parsed = parse_file(item, archived.archived[item.sha256], reference, lookup)
        if parsed.criteria:
            by_row = (parsed.subject if parsed.kind != "exam_results" else
                      {r["row_number"]: r.get("subject") or parsed.subject for r in parsed.rows})
            batch.criteria.add(n - 1, parsed.criteria, by_row)
            parsed.criteria = []
        if parsed.rows:
            parsed.rows = RowColumns(parsed.rows, interned)
        batch.files.append((item, parsed))
        rows += parsed.rows_read
        rejected += parsed.status == "rejected"
        if n % every == 0 or n == total:
            progress(f"чтение [{n}/{total}]: {rows} строк, отклонено файлов {rejected}")
    return batch


class RowColumns:
    """One file's candidate rows kept column by column: a dict per row costs ≈2 KB, so a
    region's 1.2M rows would take ≈2.5 GB; columns with repeated texts shared take ≈10×
    less. Iterating or indexing still gives row dicts, for callers that want rows."""

    __slots__ = ("columns", "n")
    SHARED = ("school_login", "variant", "class_letter", "region_text", "textbook", "gender",
              "subject", "school_code")

    def __init__(self, rows: list[dict], interned: dict[str, str]):
        keys = list(rows[0])
        self.columns = {k: [r.get(k) for r in rows] for k in keys}
        for key in self.SHARED:
            if key in self.columns:
                self.columns[key] = [v if v is None else interned.setdefault(v, v)
                                     for v in self.columns[key]]
        self.n = len(rows)

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        keys = list(self.columns)
        for values in zip(*self.columns.values()):
            yield dict(zip(keys, values))

    def __getitem__(self, i: int) -> dict:
        return {k: v[i] for k, v in self.columns.items()}

    def column(self, key: str) -> list:
        return self.columns.get(key) or [None] * self.n


def _columns(rows) -> "RowColumns | None":
    return rows if isinstance(rows, RowColumns) else (RowColumns(rows, {}) if rows else None)


def _frame(batch: ParsedBatch, kind: str) -> pd.DataFrame:
    # Column by column, without copying 1.2M row dicts (time and memory at region size).
    columns: dict[str, list] = {}
    per_file: dict[str, list] = {"sha256": [], "rel_path": [], "sheet": []}
    n = 0
    for item, parsed in batch.files:
        if parsed.status != "parsed" or parsed.kind != kind or not parsed.rows:
            continue
        rows = _columns(parsed.rows)
        for key in rows.columns:
            if key not in columns:          # (not setdefault: that builds [None] * n every time)
                columns[key] = [None] * n
        for key, values in columns.items():
            values.extend(rows.column(key))
        m = len(rows)
        per_file["sha256"].extend([item.sha256] * m)
        per_file["rel_path"].extend([item.rel_path] * m)
        per_file["sheet"].extend([parsed.sheet] * m)
        n += m
    frame = pd.DataFrame({**columns, **per_file} if n else {})
    for col in ("primary_score", "scale_max", "criterion_excess", "bad_cells", "test_score"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    return frame.reset_index(drop=True)


def _first_failures(frame: pd.DataFrame, outcomes: list[RuleOutcome]) -> dict[int, RuleOutcome]:
    """Row index -> the first rule (in suite order) that the row breaks."""
    failed: dict[int, RuleOutcome] = {}
    for outcome in outcomes:
        for idx in outcome.failed_index:
            failed.setdefault(idx, outcome)
    return failed


def _rejected_row(frame: pd.DataFrame, idx: int, outcome: RuleOutcome) -> dict:
    row = frame.iloc[idx]
    rule = outcome.rule
    value = row.get(rule.value_column)
    value = None if pd.isna(value) else str(value)
    column = (row.get(rule.column_name[1:]) if rule.column_name.startswith("@")
              else rule.column_name) or ""
    detail = rule.message.format(value=value if value is not None else "")
    return {
        "sha256": row["sha256"], "path": row["rel_path"], "sheet": row["sheet"],
        "row_number": int(row["row_number"]), "column_name": column, "value": value,
        "rule": rule.code,
        "message": f"Файл «{row['rel_path']}», лист «{row['sheet']}», строка {int(row['row_number'])}, "
                   f"столбец «{column}», значение «{value if value is not None else ''}»: {detail}",
    }


SUITES = {
    "pupil_results": lambda ref: pupil_result_rules({s["login"] for s in ref.schools}),
    "exam_results": lambda ref: exam_result_rules(),
}


def validate_batch(batch: ParsedBatch, progress: Progress = _quiet) -> ValidatedBatch:
    outcomes: dict[str, list[RuleOutcome]] = {}
    set_aside: dict[str, list[dict]] = {}
    failed_rows: dict[str, set[int]] = defaultdict(set)   # sha256 -> row numbers set aside
    for kind, build_rules in SUITES.items():
        frame = _frame(batch, kind)
        if frame.empty:
            outcomes[kind], set_aside[kind] = [], []
            continue
        results = run_suite(kind, frame, build_rules(batch.reference))
        outcomes[kind] = results
        firsts = _first_failures(frame, results)
        set_aside[kind] = [_rejected_row(frame, idx, o) for idx, o in sorted(firsts.items())]
        for r in set_aside[kind]:
            failed_rows[r["sha256"]].add(r["row_number"])
        progress(f"проверка (Great Expectations, {kind}): {len(frame)} строк, "
                 f"отложено {len(firsts)}")
    _reject_unknown_school_files(batch, set_aside)
    tables = _build_tables(batch, set_aside, failed_rows)
    return ValidatedBatch(batch, outcomes, set_aside, tables)


def _reject_unknown_school_files(batch: ParsedBatch, set_aside: dict[str, list[dict]]) -> None:
    """A per-school file from a school missing from the registry is rejected whole
    (INPUTS.md design rule); in a multi-school file only that school's rows are set aside."""
    unknown_by_file: dict[str, int] = defaultdict(int)
    for r in set_aside.get("pupil_results", []):
        if r["rule"] == "unknown_school":
            unknown_by_file[r["sha256"]] += 1
    for item, parsed in batch.files:
        if (parsed.status == "parsed" and parsed.kind == "pupil_results"
                and parsed.school_login and unknown_by_file.get(item.sha256) == parsed.rows_read):
            login = parsed.school_login
            parsed.reject("unknown_school",
                          f"Школа «{login}» не найдена в реестре школ. Проверьте логин школы "
                          "или попросите добавить школу в reference/schools.csv.")
            set_aside["pupil_results"] = [r for r in set_aside["pupil_results"]
                                          if r["sha256"] != item.sha256]


def _build_tables(batch: ParsedBatch, set_aside, failed_rows) -> dict[str, pa.Table]:
    files, warnings = [], []
    # Result rows go straight into columns (no per-row dict copies: 1.2M rows a region).
    results = {kind: {name: [] for name in raw_schema.SCHEMAS[kind].names}
               for kind in ("pupil_results", "exam_results")}
    for item, parsed in batch.files:
        context = {"sha256": item.sha256, "academic_year": item.academic_year,
                   "window": item.window, "procedure": parsed.procedure,
                   "grade": parsed.grade, "year": parsed.year,
                   "received_at": item.received_at}
        bad = failed_rows.get(item.sha256, set()) if parsed.status == "parsed" else set()
        loaded = 0
        if parsed.status == "parsed":
            rows = _columns(parsed.rows)
            if rows is not None:
                keep = (None if not bad else
                        [i for i, n in enumerate(rows.column("row_number")) if n not in bad])
                loaded = rows.n if keep is None else len(keep)
                for name, values in results[parsed.kind].items():
                    if name in context and name != "subject":
                        values.extend([context[name]] * loaded)
                        continue
                    column = rows.column(name)
                    if name == "subject":
                        column = [v or parsed.subject for v in column]
                    values.extend(column if keep is None else [column[i] for i in keep])
            warnings.extend({**w, "path": item.rel_path} for w in parsed.warnings)
        files.append({
            "path": item.rel_path, "sha256": item.sha256, "received_at": item.received_at,
            "size_bytes": item.size, "academic_year": item.academic_year, "window": item.window,
            "school_folder": item.school_folder, "kind": parsed.kind,
            "procedure": parsed.procedure, "subject": parsed.subject, "grade": parsed.grade,
            "year": parsed.year, "school_login": parsed.school_login,
            "parse_status": parsed.status, "reject_code": parsed.reject_code,
            "message": parsed.message, "sheet": parsed.sheet, "rows_read": parsed.rows_read,
            "rows_loaded": loaded, "rows_set_aside": len(bad) if parsed.status == "parsed" else 0,
            "dropped_name_columns": ", ".join(parsed.dropped_name_columns) or None,
            "warnings": len(parsed.warnings),
        })
    ref = batch.reference
    rows = {
        "files": files,
        "rejected_rows": [r for rows in set_aside.values() for r in rows],
        "row_warnings": warnings, "ref_schools": ref.schools, "ref_scales": ref.scales,
        "ref_tasks": ref.tasks, "ref_ege_to_mark": ref.ege_to_mark,
        "reference_problems": ref.problems,
    }
    tables = {name: raw_schema.table(name, data) for name, data in rows.items()}
    for kind, columns in results.items():
        tables[kind] = pa.Table.from_pydict(columns, schema=raw_schema.SCHEMAS[kind])
    shas = [item.sha256 for item, _ in batch.files]
    included = {i for i, (_, parsed) in enumerate(batch.files) if parsed.status == "parsed"}
    set_aside_rows = {i: failed_rows[sha] for i, sha in enumerate(shas)
                      if i in included and sha in failed_rows}
    tables["criterion_scores"] = batch.criteria.table(shas, included, set_aside_rows,
                                                      raw_schema.SCHEMAS["criterion_scores"])
    return {name: tables[name] for name in raw_schema.SCHEMAS}
