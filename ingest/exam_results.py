"""Normalise an OGE/EGE protocol from the regional processing centre (INPUTS.md §5) into
candidate rows: one per participant per subject, several subjects per file.

Task strings are decoded into per-task points: short answers «++-+-0+» (+ right = 1,
- wrong = 0, 0 no answer = 0 and not done), extended answers «2(2)1(3)0(2)» (points with
the task's maximum in brackets). Participant names are dropped here and reported.
"""
from __future__ import annotations

import re

from ingest import cells
from ingest.headers import locate_columns, records
from ingest.metadata import normalise_subject
from ingest.parsed import ParsedFile
from ingest.pupil_results import PaperKey
from ingest.readers import Sheet

COLUMNS = {
    "school_code": ("код оо", "код ппэ оо", "код школы"),
    "participant_code": ("код участника", "код"),
    "subject": ("предмет",),
    "primary_score": ("первичный балл",),
    "test_score": ("тестовый балл",),
    "mark": ("отметка", "оценка"),
    "annual_mark": ("годовая отметка", "годовая оценка"),
    "short_tasks": ("задания с кратким ответом", "ответы с кратким ответом*"),
    "long_tasks": ("задания с развернутым ответом*",),
}
REQUIRED = ("school_code", "participant_code", "subject", "primary_score")
LONG_TASK = re.compile(r"(\d+)\((\d+)\)")
EXAM_GRADE = {"oge": 9, "ege": 11}
VALID_MARKS = (2, 3, 4, 5)
IMPOSSIBLE_MARK = -1   # stands for a mark cell that is not a number at all


def decode_short(text: str) -> list[tuple[int, int, bool]] | None:
    """'++-0' -> [(points, max, not_done)]; None when a character is not + - 0."""
    out = []
    for ch in cells.squash(text).replace(" ", ""):
        if ch == "+":
            out.append((1, 1, False))
        elif ch == "-":
            out.append((0, 1, False))
        elif ch == "0":
            out.append((0, 1, True))
        else:
            return None
    return out


def decode_long(text: str) -> list[tuple[int, int, bool]] | None:
    t = cells.squash(text).replace(" ", "")
    if not t:
        return []
    parts = LONG_TASK.findall(t)
    if "".join(f"{a}({b})" for a, b in parts) != t:
        return None
    return [(int(a), int(b), False) for a, b in parts]


def parse_exam_file(parsed: ParsedFile, sheets: list[Sheet], procedure: str, year: int,
                    code_to_login: dict[str, str], scale_max: dict) -> ParsedFile:
    parsed.kind = "exam_results"
    parsed.procedure, parsed.year, parsed.grade = procedure, year, EXAM_GRADE[procedure]
    for sheet in sorted(sheets, key=lambda s: s.hidden):
        located = locate_columns(sheet.rows, COLUMNS, REQUIRED)
        if located:
            break
    else:
        return parsed.reject(
            "missing_columns",
            "В протоколе не найдены обязательные столбцы «код ОО», «код участника», «предмет», "
            "«первичный балл». Пришлите протокол РЦОИ без изменения заголовков.")
    header, cols, names = located
    parsed.sheet, parsed.dropped_name_columns = sheet.name, names
    subjects = set()
    for row_number, rec in records(sheet.rows, header, cols):
        parsed.rows_read += 1
        trimmed = sum(1 for v in rec.values() if cells.needs_trim(v))
        if trimmed:
            parsed.count_clean(cells.CLEAN_SPACES, trimmed)
        subject = normalise_subject(rec["subject"])
        subjects.add(subject)
        school_code = cells.squash(rec["school_code"]) or None
        primary = cells.parse_int(rec["primary_score"])
        tasks, bad_col, bad_val = [], None, None
        for field in ("short_tasks", "long_tasks"):
            if field not in cols:
                continue
            decoded = (decode_short if field == "short_tasks" else decode_long)(rec[field])
            if decoded is None:
                bad_col, bad_val = sheet.rows[header][cols[field]].strip(), rec[field]
                continue
            tasks.extend(decoded)
        excess = max((p - m for p, m, _ in tasks), default=None)
        for k, (p, m, nd) in enumerate(tasks, start=1):
            parsed.criteria.append((row_number, k, str(k), m, p, nd))
        annual, junk = cells.journal_mark(rec.get("annual_mark", ""))
        if junk:
            parsed.warn(row_number, "годовая отметка", rec["annual_mark"], "journal_mark_unclear",
                        "Годовая отметка не распознана; участник учтён без годовой отметки.")
        mark_raw = cells.squash(rec.get("mark", ""))
        mark = cells.parse_int(mark_raw) if mark_raw else None
        if mark_raw and mark is None:
            mark = IMPOSSIBLE_MARK     # text where a mark belongs: set aside, never guessed
        parsed.rows.append({
            "row_number": row_number,
            "school_code": school_code,
            "school_login": code_to_login.get(school_code) if school_code else None,
            "pupil_code": cells.squash(rec["participant_code"]) or None,
            "subject": subject,
            "primary_score": primary,
            "primary_raw": rec["primary_score"],
            "test_score": cells.parse_int(rec.get("test_score", "")),
            "mark": mark,
            "mark_raw": mark_raw or None,
            "annual_mark": annual,
            "scale_max": scale_max.get(PaperKey(year, procedure, EXAM_GRADE[procedure], subject)),
            "criterion_excess": excess,
            "excess_value": str(excess) if excess is not None else None,
            "bad_cells": 1 if bad_col else 0,
            "bad_column": bad_col,
            "bad_value": bad_val,
        })
    if parsed.rows_read == 0:
        return parsed.reject("no_rows", "В протоколе нет ни одной строки с результатами.")
    parsed.subject = next(iter(subjects)) if len(subjects) == 1 else None
    return parsed
