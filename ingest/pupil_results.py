"""Normalise a per-pupil result sheet — VPR in both FIS OKO header layouts, the school's
upload form «Протокол», regional diagnostics (INPUTS.md §2–§4) — into candidate rows.

Cleaning that is unambiguous happens here and is reported as a warning; whether a row is
loaded or set aside is decided afterwards by the Great Expectations suite over the whole
batch (expectations/pupil_results.py), so the same rules apply to every file at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter

import numpy as np

from ingest import cells
from ingest.criterion_store import NULL, CriterionColumns
from ingest.headers import HeaderMap, find_header
from ingest.metadata import FileMeta
from ingest.parsed import ParsedFile
from ingest.readers import Sheet

REQUIRED = ("pupil_code", "variant")
PREFERRED_SHEET = "протокол"


@dataclass(frozen=True)
class PaperKey:
    year: int
    procedure: str
    grade: int
    subject: str


@dataclass
class Reference:
    """What ingestion needs to know from the department's reference tables."""
    scale_max: dict[PaperKey, int] = field(default_factory=dict)
    task_max: dict[tuple[PaperKey, int], int] = field(default_factory=dict)
    task_label: dict[tuple[PaperKey, int], str] = field(default_factory=dict)
    known_schools: set[str] = field(default_factory=set)


def _pick_sheet(sheets: list[Sheet]) -> tuple[Sheet, HeaderMap] | None:
    ordered = sorted(sheets, key=lambda s: (s.name.strip().lower() != PREFERRED_SHEET, s.hidden))
    for sheet in ordered:
        hm = find_header(sheet.rows, REQUIRED)
        if hm and all(r in hm.fields for r in REQUIRED) and hm.criteria:
            return sheet, hm
    return None


def _cell(row: list[str], idx: int | None) -> str:
    return row[idx] if idx is not None and idx < len(row) else ""


def _missing_columns_message(sheets: list[Sheet]) -> str:
    found = None
    for sheet in sheets:
        found = find_header(sheet.rows, REQUIRED)
        if found:
            break
    missing = []
    if not found or "pupil_code" not in found.fields:
        missing.append("«код обучающегося» (code)")
    if not found or "variant" not in found.fields:
        missing.append("«вариант» (var-1)")
    if not found or not found.criteria:
        missing.append("баллы за задания («балл за 1» … или «a-1-grade» …)")
    return ("В файле не найдены обязательные столбцы: " + ", ".join(missing) +
            ". Выгрузите результаты из ФИС ОКО без изменения заголовков.")


def parse_pupil_file(parsed: ParsedFile, sheets: list[Sheet], meta: FileMeta,
                     school_folder: str | None, ref: Reference) -> ParsedFile:
    parsed.kind = "pupil_results"
    parsed.procedure, parsed.subject, parsed.grade, parsed.year = (
        meta.procedure, meta.subject, meta.grade, meta.year)
    if not 1 <= meta.grade <= 11:
        return parsed.reject("impossible_grade",
                             f"Класс {meta.grade} невозможен: ожидается класс от 1 до 11.")
    picked = _pick_sheet(sheets)
    if picked is None:
        return parsed.reject("missing_columns", _missing_columns_message(sheets))
    sheet, hm = picked
    parsed.sheet = sheet.name
    parsed.dropped_name_columns = hm.name_columns
    stray = sum(1 for h in hm.headers if cells.needs_trim(h))
    if stray:
        parsed.count_clean(cells.CLEAN_HEADER_SPACES, stray)

    folder_login = cells.canonical_login(school_folder) if school_folder else None
    has_login_column = "school_login" in hm.fields or "school_text" in hm.fields
    if not has_login_column and not (folder_login and folder_login.startswith("sch")):
        return parsed.reject(
            "no_school",
            "В файле нет столбца «логин школы», а папка, в которой он лежит, не названа "
            "логином школы (например sch220206). Положите файл в папку с логином школы.")

    key = PaperKey(meta.year, meta.procedure, meta.grade, meta.subject)
    scale_max = ref.scale_max.get(key)
    for c in hm.criteria:
        if c.max_points is None:
            c.max_points = ref.task_max.get((key, c.column_no))
        if c.label == str(c.column_no):
            c.label = ref.task_label.get((key, c.column_no), c.label)

    hm.used_columns = sorted({*hm.fields.values(), *(c.column_index for c in hm.criteria)})
    data = [(r_idx + 1, row) for r_idx, row in enumerate(sheet.rows[hm.row_index + 1:],
                                                         start=hm.row_index + 1)
            if any(map(str.strip, row))]     # str.strip also strips U+00A0
    parsed.rows_read = len(data)
    if data:
        variant_at = hm.fields.get("variant")
        variants = [cells.squash(_cell(row, variant_at)).lower() for _, row in data]
        scores = _criteria(parsed, data, [v == cells.ABSENT_VARIANT for v in variants], hm)
        logins: set[str] = set()
        for i, (row_number, row) in enumerate(data):
            out = _parse_row(parsed, row, row_number, hm, folder_login, scale_max,
                             variants[i], scores[i])
            if out["school_login"]:
                logins.add(out["school_login"])
            parsed.rows.append(out)

    if parsed.rows_read == 0:
        return parsed.reject("no_rows", "В файле нет ни одной строки с результатами.")
    parsed.school_login = next(iter(logins)) if len(logins) == 1 else None
    return parsed


_NO_EXCESS = np.iinfo(np.int64).min


def _criteria(parsed: ParsedFile, data: list[tuple[int, list[str]]], absent: list[bool],
              hm: HeaderMap) -> list[tuple]:
    """Every criterion cell of the file at once: the file's scores go to parsed.criteria
    (column-wise, ingest.criterion_store.CriterionColumns), and each row gets
    (primary, bad_cells, bad_column, bad_value, worst_excess, excess_column, excess_value).
    Same rules as cell by cell (cells.criterion): a bad cell is skipped and counted, a
    not-done marker counts 0 points, an absent pupil's cells are not read; the worst excess
    over a task's maximum is the first largest one."""
    crit = hm.criteria
    n, k = len(data), len(crit)
    need = max(c.column_index for c in crit) + 1
    pick = itemgetter(*(c.column_index for c in crit))
    rows = (row if len(row) >= need else row + [""] * (need - len(row)) for _, row in data)
    texts = list(chain.from_iterable(map(pick, rows))) if k > 1 else list(map(pick, rows))
    codes, table = cells.criterion_codes(texts)
    codes = codes.reshape(n, k)
    present = ~np.array(absent, dtype=bool)[:, None]
    bad = table["bad"][codes] & present
    valid = ~table["bad"][codes] & present
    points = table["points"][codes]
    markers = int((table["marker"][codes] & valid).sum())
    if markers:
        parsed.count_clean(cells.CLEAN_NOT_DONE, markers)
    maxes = np.array([NULL if c.max_points is None else c.max_points for c in crit], dtype=np.int64)
    counted = valid & (maxes != NULL)[None, :]
    excess = np.where(counted, points - maxes[None, :], _NO_EXCESS)
    worst_at = excess.argmax(axis=1)                  # the first largest, as cell by cell
    worst = excess[np.arange(n), worst_at]
    first_bad = bad.argmax(axis=1)
    has_bad = bad.any(axis=1)

    at_row, at_col = np.nonzero(valid)                # row by row, column by column
    row_numbers = np.array([r for r, _ in data], dtype=np.int64)
    parsed.criteria = CriterionColumns(
        row_numbers[at_row], np.array([c.column_no for c in crit], dtype=np.int32)[at_col],
        at_col.astype(np.int32), [c.label for c in crit], maxes[at_col].astype(np.int32),
        points[at_row, at_col].astype(np.int32), table["not_done"][codes[at_row, at_col]])

    out = []
    for i, (primary, n_bad, has, b, w, wa, a) in enumerate(zip(
            np.where(valid, points, 0).sum(axis=1).tolist(), bad.sum(axis=1).tolist(),
            has_bad.tolist(), first_bad.tolist(), worst.tolist(), worst_at.tolist(),
            absent)):
        if a:
            out.append((None, 0, None, None, None, None, None))
            continue
        bad_col, bad_val = (crit[b].header, texts[i * k + b]) if has else (None, None)
        if w == _NO_EXCESS:
            out.append((primary, n_bad, bad_col, bad_val, None, None, None))
        else:
            out.append((primary, n_bad, bad_col, bad_val, w, crit[wa].header, texts[i * k + wa]))
    return out


_SEP = "\x1f"


def _stray_spaces(row: list[str], used: list[int]) -> int:
    """Cells of the row (among those read) that squash() would change. One C-level scan of
    the joined row rules out the common clean row; only a dirty row is looked at cell by cell."""
    joined = _SEP.join(row)
    if not ("\u00a0" in joined or "  " in joined or " " + _SEP in joined or _SEP + " " in joined
            or joined[:1].isspace() or joined[-1:].isspace() or "\t" in joined or "\n" in joined):
        return 0
    return sum(1 for idx in used if idx < len(row) and cells.needs_trim(row[idx]))


def _parse_row(parsed: ParsedFile, row: list[str], row_number: int, hm: HeaderMap,
               folder_login: str | None, scale_max: int | None, variant: str,
               scores: tuple) -> dict:
    f = hm.fields
    trimmed = _stray_spaces(row, hm.used_columns)
    if trimmed:
        parsed.count_clean(cells.CLEAN_SPACES, trimmed)
    login_text = _cell(row, f.get("school_login")) or _cell(row, f.get("school_text"))
    if login_text[:3].lower() == "edu" or login_text.strip()[:3].lower() == "edu":
        parsed.count_clean(cells.CLEAN_EDU_LOGIN)
    cased = sum(1 for name in ("gender", "class_letter")
                if (v := _cell(row, f.get(name))) and v != v.lower())
    if cased:
        parsed.count_clean(cells.CLEAN_CASE, cased)
    login = cells.canonical_login(login_text) or folder_login
    absent = variant == cells.ABSENT_VARIANT

    journal, junk = cells.journal_mark(_cell(row, f.get("journal_mark")))
    if junk:
        parsed.warn(row_number, hm.headers[f["journal_mark"]].strip(),
                    _cell(row, f["journal_mark"]), "journal_mark_unclear",
                    "Отметка за четверть не распознана; участник учтён без отметки по журналу.")
    gender, odd_gender = cells.gender(_cell(row, f.get("gender")))
    if odd_gender:
        parsed.warn(row_number, hm.headers[f["gender"]].strip(), _cell(row, f["gender"]),
                    "gender_unclear", "Пол не распознан (ожидается «м» или «ж»).")
    primary, bad_cells, bad_col, bad_val, worst_excess, excess_col, excess_val = scores

    file_total = cells.parse_int(_cell(row, f.get("total")))
    if not absent and not bad_cells and file_total is not None and file_total != primary:
        parsed.warn(row_number, hm.headers[f["total"]].strip(), _cell(row, f["total"]),
                    "total_mismatch",
                    f"Итог в файле ({file_total}) не равен сумме баллов за задания ({primary}); "
                    "принята сумма баллов за задания.")
    return {
        "row_number": row_number,
        "school_login": login,
        "region_text": cells.squash(_cell(row, f.get("region"))) or None,
        "pupil_code": cells.squash(_cell(row, f.get("pupil_code"))) or None,
        "variant": variant or None,
        "absent": absent,
        "class_letter": cells.class_letter(_cell(row, f.get("class_letter"))),
        "gender": gender,
        "journal_mark": journal,
        "file_total": file_total,
        "primary_score": primary,
        "scale_max": scale_max,
        "criterion_excess": worst_excess,
        "excess_column": excess_col,
        "excess_value": excess_val,
        "bad_cells": bad_cells,
        "bad_column": bad_col,
        "bad_value": bad_val,
        "textbook": cells.squash(_cell(row, f.get("textbook"))) or None,
    }
