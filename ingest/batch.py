"""Ingest a whole inbox as one batch: scan → archive → read → normalise → validate → tables.

Library code with no Dagster in it; the orchestration layer calls these steps as assets.
Costs are per file, so every step works on the whole batch at once: one Great Expectations
validation per format, one bulk load (PERF_NOTES.md).
"""
from __future__ import annotations

import gc
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from expectations.exam_results import exam_result_rules
from expectations.gx_runner import RuleOutcome, rule_columns, run_suite
from expectations.pupil_results import pupil_result_rules
from ingest import cells, metadata, raw_schema
from ingest.archive import archive_files
from ingest.criterion_store import CriterionRows, CriterionStore, encoded_schema
from ingest.exam_results import parse_exam_file
from ingest.inbox import InboxFile, scan_inbox
from ingest.parsed import ParsedFile
from ingest.pupil_results import parse_pupil_file
from ingest.readers import UnreadableFile, read_table_file
from ingest.reference import ReferenceTables, load_reference, validate_reference
from ingest.windows import EXAM_PROCEDURES, WINDOW_PROCEDURE, spring_year
from ingest.workers import ordered_map, workers_for
from msoko import faults

Progress = Callable[[str], None]
PER_FILE_PROGRESS_UP_TO = 300


def _quiet(_: str) -> None:
    pass


@dataclass
class ArchivedInbox:
    files: list[InboxFile]
    references: list[InboxFile]
    archived: dict[str, Path]          # sha256 -> path of the archived bytes
    # result files the scan found whose path had changed by the time they were archived
    # (deleted, renamed, rewritten, swapped for a link): not part of this batch
    gone: list[InboxFile] = field(default_factory=list)


class ReferenceChanged(RuntimeError):
    """A reference file changed while the run archived it: the run stops."""


def archive_batch(files: list[InboxFile], references: list[InboxFile], archive_dir: Path,
                  progress: Progress = _quiet) -> ArchivedInbox:
    """Archive a scan's files before anything reads them (ingest/archive.py). A result file
    whose path no longer holds what the scan found leaves the batch, as if the scan had come
    a moment later (an upload replacing its files, a school deleting one): its folder
    changed, so the inbox sensor runs it again. A reference file in that state stops the
    run instead: a batch read without the school registry or the scales would reject or
    misread every file. `progress` hears which files left the batch."""
    archived, gone = archive_files(files + references, archive_dir)
    gone_paths = {item.rel_path for item in gone}
    lost = [r.rel_path for r in references if r.rel_path in gone_paths]
    if lost:
        raise ReferenceChanged(
            "Справочники изменились во время запуска (" + ", ".join(lost) + "): запуск "
            "остановлен, ничего не загружено. Запустите его снова, когда файлы будут на месте.")
    if gone:
        names = ", ".join(item.rel_path for item in gone[:5])
        more = f" и ещё {len(gone) - 5}" if len(gone) > 5 else ""
        progress(f"файлов исчезло или заменено во время запуска: {len(gone)} ({names}{more}); "
                 "в этот запуск они не вошли, папки с ними будут прочитаны следующим запуском")
    # (every file in `gone` is a result file here: a reference one stopped the run above)
    return ArchivedInbox([f for f in files if f.rel_path not in gone_paths], references,
                         archived, gone)


@dataclass
class ParsedBatch:
    archived: ArchivedInbox
    reference: ReferenceTables
    files: list[tuple[InboxFile, ParsedFile]] = field(default_factory=list)
    reference_outcomes: dict = field(default_factory=dict)   # reference suite -> rule outcomes
    # every file's criterion scores; each parsed.criteria becomes a view of its stretch
    criteria: CriterionStore = field(default_factory=CriterionStore)


@dataclass
class ValidatedBatch:
    parsed: ParsedBatch
    outcomes: dict[str, list[RuleOutcome]]           # suite name -> rule outcomes
    set_aside: dict[str, list[dict]]                  # suite -> rejected rows
    tables: dict[str, pa.Table]

    def release_rows(self) -> None:
        """Let the parsed rows go once the tables to load are built from them: a region's
        1.2M rows as Python values would otherwise sit beside the tables through the load.
        The files' statuses, messages and counts stay."""
        for _, parsed in self.parsed.files:
            parsed.rows = None


def archive_inbox(inbox: Path, archive_dir: Path, progress: Progress = _quiet) -> ArchivedInbox:
    files, references = scan_inbox(inbox)
    progress(f"входящие: {len(files)} файлов результатов, {len(references)} справочников")
    archived = archive_batch(files, references, archive_dir, progress)
    progress(f"архив: сохранены исходные байты {len(archived.archived)} версий файлов")
    return archived


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
    meta = metadata.for_window(meta, procedure)
    first, second = (int(y) for y in item.academic_year.split("-"))
    if meta.year not in (first, second):
        return parsed.reject(
            "year_mismatch",
            f"Год работы в имени файла ({meta.year}) не относится к учебному году "
            f"{item.academic_year}, в папке которого лежит файл.")
    # Reference tables key years by the spring year (INDICATORS.md §A): the autumn VPR 2020
    # file of 2020-2021 is looked up, and stored, under 2021.
    meta = metadata.FileMeta(meta.procedure, meta.subject, meta.grade,
                             spring_year(item.academic_year), meta.source)
    return parse_pupil_file(parsed, sheets, meta, item.school_folder, lookup)


def _parse_job(shared: tuple, job: tuple[InboxFile, Path]) -> ParsedFile:
    """One file's parse, in a worker: rows go back column-wise (a dict per row would be
    pickled key by key)."""
    reference, lookup = shared
    parsed = parse_file(*job, reference, lookup)
    if parsed.rows:
        parsed.rows = RowColumns(parsed.rows)
    return parsed


def parse_inbox(archived: ArchivedInbox, progress: Progress = _quiet,
                workers: int | None = None) -> ParsedBatch:
    """Read every file of the batch (on every core once it has PARALLEL_FROM files, see
    ingest/workers.py, or on `workers` processes), in the batch's order."""
    reference = load_reference(archived.references, archived.archived)
    reference_outcomes = validate_reference(reference)
    lookup = reference.lookup()
    progress(f"справочники: {len(reference.schools)} школ, {len(reference.scales)} шкал, "
             f"{len(reference.tasks)} заданий")
    batch = ParsedBatch(archived, reference, reference_outcomes=reference_outcomes)
    total = len(archived.files)
    originals = _first_copies(archived.files)
    # A progress line is a Dagster event (≈35 ms each in the run's event log): one per file
    # would cost ≈12 minutes over a region's 20,000 files, so a large inbox reports every
    # ≈5 %; a municipality's few hundred files are named one by one.
    every = 1 if total <= PER_FILE_PROGRESS_UP_TO else total // 20
    rows = rejected = 0
    to_read = [(item, archived.archived[item.sha256]) for item in archived.files
               if originals[item.sha256] is item]
    if workers is None:
        workers = workers_for(len(to_read))
    read = ordered_map(_parse_job, (reference, lookup), to_read, workers)
    try:
        for n, item in enumerate(archived.files, start=1):
            original = originals[item.sha256]
            parsed = _duplicate_copy(item, original) if original is not item else next(read)
            _compact(parsed, batch.criteria)
            batch.files.append((item, parsed))
            faults.reached("reading")
            rows += parsed.rows_read
            rejected += parsed.status == "rejected"
            if every == 1:
                verdict = "отклонён" if parsed.status == "rejected" else f"{parsed.rows_read} строк"
                progress(f"чтение [{n}/{total}] {item.rel_path}: {verdict}")
            elif n % every == 0 or n == total:
                progress(f"чтение [{n}/{total}]: {rows} строк, отклонено файлов {rejected}")
    finally:
        read.close()        # the workers stop now, not when the generator is collected
    return batch


def _first_copies(files: list[InboxFile]) -> dict[str, InboxFile]:
    """sha256 -> the copy that counts: the same bytes under two paths (a file sent twice,
    or both in the window folder and a school's folder) are one file version, read once;
    the earliest received copy counts (path breaks ties)."""
    first: dict[str, InboxFile] = {}
    for item in sorted(files, key=lambda f: (f.mtime, f.rel_path)):
        first.setdefault(item.sha256, item)
    return first


def _duplicate_copy(item: InboxFile, original: InboxFile) -> ParsedFile:
    parsed = ParsedFile(sha256=item.sha256, rel_path=item.rel_path, kind="duplicate")
    parsed.status = "duplicate"
    parsed.message = (f"Точная копия файла «{original.rel_path}» (те же байты); "
                      "строки учтены один раз, по первой копии.")
    return parsed


def _compact(parsed: ParsedFile, store: CriterionStore) -> None:
    """Keep a parsed file's rows column-wise and its criterion scores in the batch's store
    (a region's 1.2M row dicts and 18M score tuples would take ≈5 GB as Python objects)."""
    if parsed.criteria and not isinstance(parsed.criteria, CriterionRows):
        subject = (parsed.subject if parsed.kind != "exam_results" else   # one protocol, several subjects
                   {r["row_number"]: r.get("subject") or parsed.subject for r in parsed.rows})
        parsed.criteria = store.add(parsed.criteria, subject)
    if parsed.rows and not isinstance(parsed.rows, RowColumns):
        parsed.rows = RowColumns(parsed.rows)


class RowColumns:
    """One file's candidate rows kept column by column: a dict per row costs ≈2 KB, so a
    region's 1.2M rows would take ≈2.5 GB; columns with repeated texts shared take ≈6×
    less. Iterating or indexing still gives row dicts (a key missing from a row reads as
    None), for callers that want rows.

    Texts are shared within the file only. A worker's file arrives through pickle, which
    keeps one object per shared value, and a value repeats across files only a few times
    per file: sharing them across the batch as well (as before) left a region's peak memory
    the same (1,251 against 1,259 MB after reading) and cost the main process ≈0.9 s of CPU
    while the workers read."""

    __slots__ = ("columns", "n")
    SHARED = ("school_login", "variant", "class_letter", "region_text", "textbook", "gender",
              "subject", "school_code")

    def __init__(self, rows: list[dict]):
        keys = tuple(rows[0])
        if all(tuple(r) == keys for r in rows):
            # The parser's rows: the same keys in the same order (one dict literal). One
            # transpose in C instead of a lookup per key and row: 116–145 → 77–96 µs a file
            # with the sharing below (1,500 of the region's files, the collector off).
            self.columns = dict(zip(keys, map(list, zip(*[r.values() for r in rows]))))
        else:
            self.columns = {k: [r.get(k) for r in rows]
                            for k in dict.fromkeys(k for r in rows for k in r)}
        self.n = len(rows)
        interned: dict[str, str] = {}
        for key in self.SHARED:
            if key in self.columns:
                self.columns[key] = [v if not isinstance(v, str) else interned.setdefault(v, v)
                                     for v in self.columns[key]]

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        keys = list(self.columns)
        for values in zip(*self.columns.values()):
            yield dict(zip(keys, values))

    def __getitem__(self, i: int) -> dict:
        return {k: v[i] for k, v in self.columns.items()}

    def column(self, key: str) -> list:
        values = self.columns.get(key)
        return values if values is not None else [None] * self.n


def _columns(rows) -> RowColumns | None:
    return rows if isinstance(rows, RowColumns) else (RowColumns(rows) if rows else None)


# What a set-aside row is reported with (_rejected_row), besides the rules' own columns.
REPORTED = {"row_number", "school_login"}


# Frame columns whose dtype is fixed rather than inferred: scores reported in messages as
# nullable integers, and the parser's own counts, never reported as a value, as plain
# floats: GX compares those in one vectorised step, while as Int64 it called a Python
# function per row (2.6M calls over a region).
FIXED_DTYPES = {**dict.fromkeys(("primary_score", "scale_max", "test_score", "mark"), "Int64"),
                **dict.fromkeys(("criterion_excess", "bad_cells"), "float64")}
_ARROW_TYPES = {"Int64": pa.int64(), "float64": pa.float64()}
_AS_INT64 = {pa.int64(): pd.Int64Dtype()}.get


def _frame(batch: ParsedBatch, kind: str, wanted: set[str]) -> pd.DataFrame:
    """The batch's rows of one format as one frame, with the `wanted` columns only."""
    # Column by column, without copying 1.2M row dicts (time and memory at region size).
    columns: dict[str, list] = {}
    per_file: dict[str, list] = {"sha256": [], "rel_path": [], "sheet": []}
    counts: list[int] = []
    n = 0
    for item, parsed in batch.files:
        if parsed.status != "parsed" or parsed.kind != kind:
            continue
        rows = _columns(parsed.rows)
        if rows is None:
            continue
        for key in rows.columns:
            if key in wanted and key not in columns:   # (not setdefault: [None] * n each time)
                columns[key] = [None] * n
        for key, values in columns.items():
            values.extend(rows.column(key))
        per_file["sha256"].append(item.sha256)
        per_file["rel_path"].append(item.rel_path)
        per_file["sheet"].append(parsed.sheet)
        counts.append(len(rows))
        n += len(rows)
    if not n:
        return pd.DataFrame({})
    # A file's sha256, path and sheet repeat on each of its rows: as categories a region's
    # 1.2M rows carry a small code each instead of ≈0.3 GB of repeated text.
    file_no = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    for key, values in per_file.items():
        categories = list(dict.fromkeys(v for v in values if v is not None))
        code = {v: i for i, v in enumerate(categories)}
        codes = np.array([code.get(v, -1) for v in values], dtype=np.int32)[file_no]
        columns[key] = pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype="str"))
    frame = pd.DataFrame({key: _frame_column(key, values) for key, values in columns.items()})
    del columns
    return frame.reset_index(drop=True)


def _frame_column(key: str, values: list):
    """One frame column from the batch's list, through Arrow: the dtype pandas would infer
    from the list (text as pandas' string dtype, whole numbers with a gap as float64,
    nothing but gaps as object), or the one FIXED_DTYPES gives, built faster: a region's
    1.3M rows with all 19 row columns in 1.1–1.9 s against 2.6–3.1 s (three runs each, the
    frames identical, and so are the suite's verdicts). A list Arrow cannot type (values of
    two kinds) is left to pandas, as before."""
    if isinstance(values, pd.Categorical):       # the file's own columns (_frame)
        return values
    dtype = FIXED_DTYPES.get(key)
    try:
        array = pa.array(values, _ARROW_TYPES.get(dtype))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        series = pd.Series(values)
        return series.astype(dtype) if dtype else series
    return array.to_pandas(types_mapper=_AS_INT64 if dtype == "Int64" else None)


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
    value = None if pd.isna(value) else cells.publishable(str(value))
    column = (row.get(rule.column_name[1:]) if rule.column_name.startswith("@")
              else rule.column_name) or ""
    detail = rule.message.format(value=value if value is not None else "")
    return {
        "sha256": row["sha256"], "path": row["rel_path"], "sheet": row["sheet"],
        "row_number": int(row["row_number"]), "column_name": column, "value": value,
        "rule": rule.code,
        "school_login": None if pd.isna(row.get("school_login")) else row.get("school_login"),
        "message": f"Файл «{row['rel_path']}», лист «{row['sheet']}», строка {int(row['row_number'])}, "
                   f"столбец «{column}», значение «{value if value is not None else ''}»: {detail}",
    }


SUITES = {
    "pupil_results": lambda ref: pupil_result_rules({s["login"] for s in ref.schools}),
    "exam_results": lambda ref: exam_result_rules(),
}


def validate_batch(batch: ParsedBatch, progress: Progress = _quiet) -> ValidatedBatch:
    outcomes: dict[str, list[RuleOutcome]] = dict(batch.reference_outcomes)
    set_aside: dict[str, list[dict]] = {}
    failed_rows: dict[str, set[int]] = defaultdict(set)   # sha256 -> row numbers set aside
    for kind, build_rules in SUITES.items():
        rules = build_rules(batch.reference)
        frame = _frame(batch, kind, rule_columns(rules) | REPORTED)
        if frame.empty:
            outcomes[kind], set_aside[kind] = [], []
            continue
        results = run_suite(kind, frame, rules)
        outcomes[kind] = results
        firsts = _first_failures(frame, results)
        set_aside[kind] = [_rejected_row(frame, idx, o) for idx, o in sorted(firsts.items())]
        for r in set_aside[kind]:
            failed_rows[r["sha256"]].add(r["row_number"])
        progress(f"проверка (Great Expectations, {kind}): {len(frame)} строк, "
                 f"отложено {len(firsts)}")
        # GX's objects form reference cycles around the frame: collect them now, before
        # the next format's frame or the raw tables are built beside it.
        del frame
        gc.collect()
    _reject_unknown_school_files(batch, set_aside)
    tables = _build_tables(batch, set_aside, failed_rows, compact=True)
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


# Result-row texts repeated over many rows (a file's sha256 on each of its rows, a login,
# a subject): dictionary-encoded in the raw tables, as criterion_scores' are (a region's
# 1.2M rows as plain text took ≈0.2 GB more); DuckDB stores them as VARCHAR all the same.
REPEATED_TEXT = {"sha256", "academic_year", "window", "procedure", "subject", "school_login",
                 "school_code", "region_text", "variant", "class_letter", "gender", "textbook"}


def _build_tables(batch: ParsedBatch, set_aside, failed_rows,
                  compact: bool = False) -> dict[str, pa.Table]:
    """The raw tables of `batch`'s files. compact: the batch's criterion store keeps only
    the loaded scores afterwards and the criterion_scores table shares its memory (for
    the whole batch validated once; a subset of its files must not move the others')."""
    files, warnings, file_schools, cleaned = [], [], [], []
    # Result rows go straight into columns (no per-row dict copies: 1.2M rows a region),
    # from each file's rows kept: per format, (rows, kept positions or None, rows loaded,
    # the file's own values, its subject). Criterion scores come from the store(s) their
    # files' views point into.
    results: dict[str, list[tuple]] = {"pupil_results": [], "exam_results": []}
    criteria: list[tuple[CriterionStore, list]] = []       # runs of files sharing a store
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
                results[parsed.kind].append((rows, keep, loaded, context, parsed.subject))
            if parsed.criteria:
                view = _criterion_view(parsed)
                if not criteria or criteria[-1][0] is not view.store:
                    criteria.append((view.store, []))
                criteria[-1][1].append((item.sha256, view, bad))
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
            "cleaned_cells": sum(parsed.cleaned.values()),
        })
        cleaned.extend({"sha256": item.sha256, "path": item.rel_path, "kind": k, "cells": n}
                       for k, n in sorted(parsed.cleaned.items()))
        file_schools.extend(_per_school(item, parsed, bad))
    ref = batch.reference
    rows = {
        "files": files,
        "rejected_rows": [r for rows in set_aside.values() for r in rows],
        "row_warnings": warnings, "ref_schools": ref.schools, "ref_scales": ref.scales,
        "ref_tasks": ref.tasks, "ref_ege_to_mark": ref.ege_to_mark,
        "ref_regional_figures": ref.regional_figures, "file_schools": file_schools,
        "cleaned_cells": cleaned,
        "reference_problems": ref.problems,
    }
    tables = {name: raw_schema.table(name, data) for name, data in rows.items()}
    for kind, kept in results.items():
        schema = encoded_schema(raw_schema.SCHEMAS[kind], REPEATED_TEXT)
        tables[kind] = pa.Table.from_arrays([_column_array(kept, f) for f in schema], schema=schema)
    schema = raw_schema.SCHEMAS["criterion_scores"]
    if compact and len(criteria) == 1 and criteria[0][0] is batch.criteria:
        # every view into the batch's store is here (a rejected file's scores were dropped
        # with its rows): set-aside scores go from the store, the table is its memory
        store, files_of = criteria[0]
        store.compact(files_of)
        criteria = [(store, [(sha, view, set()) for sha, view, _ in files_of])]
    pieces = [store.table(files_of, schema) for store, files_of in criteria]
    tables["criterion_scores"] = (pa.concat_tables(pieces) if len(pieces) > 1
                                  else pieces[0] if pieces else encoded_schema(schema).empty_table())
    return {name: tables[name] for name in raw_schema.SCHEMAS}


def _column_array(kept: list[tuple], field: pa.Field) -> pa.Array:
    """One raw column over the batch's kept rows, gathered and converted before the next:
    with the 19 columns' lists of a region's 1.2M rows gathered at once, building the
    tables peaked at 1,816 MB; column by column at 1,606 MB (an RSS sampler, 20 ms)."""
    name, values = field.name, []
    if kept and name in kept[0][3]:              # every file's context has the same keys
        return _per_file_column(kept, field)
    for rows, keep, loaded, context, subject in kept:
        column = rows.column(name)
        if name == "subject":
            column = [v or subject for v in column]
        values.extend(column if keep is None else [column[i] for i in keep])
    return pa.array(values, field.type)


def _per_file_column(kept: list[tuple], field: pa.Field) -> pa.Array:
    """A column whose value is the file's own (its sha256, window, year…): one value per
    file, repeated by Arrow. Converting the 1.2M repeated Python values instead made
    building a region's tables take ≈4.2 s instead of ≈3.1 (medians of four, same batch;
    the tables, dictionaries included, identical). Files with no row loaded are left out,
    so a dictionary-encoded column's dictionary holds the values of its rows only, in the
    order they first come."""
    files = [(context[field.name], loaded) for _, _, loaded, context, _ in kept if loaded]
    per_file = pa.array([value for value, _ in files], field.type)
    repeat = np.repeat(np.arange(len(files), dtype=np.int64), [n for _, n in files])
    return per_file.take(pa.array(repeat))


def _criterion_view(parsed: ParsedFile) -> CriterionRows:
    """The file's criterion scores as a view into a store; a file not read by parse_inbox
    (still holding the parser's tuples) gets a store of its own."""
    if not isinstance(parsed.criteria, CriterionRows):
        _compact(parsed, CriterionStore())
    return parsed.criteria


def _per_school(item: InboxFile, parsed: ParsedFile, bad: set[int]) -> list[dict]:
    """A file's rows counted per school it carries (one school for a per-school file, many
    for a municipal export or an exam protocol), so the load report can tell each school
    what happened to its rows. A file rejected before its rows were read counts under the
    school its folder names (or none)."""
    base = {"sha256": item.sha256, "path": item.rel_path}
    if parsed.status != "parsed" or not parsed.rows:
        login = parsed.school_login or (cells.canonical_login(item.school_folder)
                                        if item.school_folder else None)
        return [{**base, "school_login": login, "rows_read": parsed.rows_read,
                 "rows_loaded": 0, "rows_set_aside": 0, "warnings": 0}]
    counts: dict[str | None, dict] = {}
    warned = {w["row_number"] for w in parsed.warnings}
    rows = _columns(parsed.rows)
    logins, numbers = rows.column("school_login"), rows.column("row_number")
    distinct = set(numbers)
    if logins.count(logins[0]) == len(logins) and len(distinct) == len(numbers):
        # One school, as in nearly every file, and each row number once: counted with sets,
        # not row by row (1.2M rows a region).
        loaded = distinct - bad
        return [{**base, "school_login": logins[0], "rows_read": len(numbers),
                 "rows_loaded": len(loaded), "rows_set_aside": len(numbers) - len(loaded),
                 "warnings": len(warned & loaded)}]
    # several schools (a municipal export, a protocol): two columns, not a dict per row
    for login, number in zip(logins, numbers):
        c = counts.get(login)
        if c is None:
            c = counts[login] = {**base, "school_login": login, "rows_read": 0,
                                 "rows_loaded": 0, "rows_set_aside": 0, "warnings": 0}
        c["rows_read"] += 1
        if number in bad:
            c["rows_set_aside"] += 1
        else:
            c["rows_loaded"] += 1
            c["warnings"] += number in warned
    return list(counts.values())
