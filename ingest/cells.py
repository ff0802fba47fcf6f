"""Cleaning single cell values the way INPUTS.md §2 describes real FIS OKO dirt.

Each function returns the clean value (or None) and whether the raw text was dirt that
could NOT be cleaned unambiguously (the caller turns that into a warning or a set-aside).
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

# Cell texts repeat endlessly (scores 0–5, «Х», marks, letters): the pure cleaners below are
# memoised, which makes normalising a 200,000-row sheet several times faster (Python-level
# work per cell was the cost, not reading).
_memo = lru_cache(maxsize=8192)

NOT_DONE_MARKERS = {"x", "х", "h", "не пройд.", "не пройд", "н"}  # Latin x, Cyrillic х, Latin H
ABSENT_VARIANT = "отсутствовал"
LOGIN = re.compile(r"^(sch|edu)(\d+)$")


# A Cyrillic word of three letters or more that starts with a capital («Иванов», «ИВАНОВ»):
# how a pupil's surname or first name looks when it is typed into a score, mark or code
# cell. No value msoko accepts has one.
_NAME_LIKE = re.compile(r"[А-ЯЁ][а-яёА-ЯЁ]{2,}")
KNOWN_CAPITALISED = {ABSENT_VARIANT}


def publishable(text: str | None) -> str | None:
    """A cell's text as the warehouse, the workbook and the load report may show it. A
    pupil's name typed into the wrong column must not leave the archive (INPUTS.md §8):
    text with such a word is replaced by a note of its length; the file, row and column
    beside it still say which cell to correct."""
    if text is None:
        return None
    if any(word.lower() not in KNOWN_CAPITALISED for word in _NAME_LIKE.findall(text)):
        return f"[скрыто: текст из {len(text)} симв., возможно ФИО]"
    return text


def squash(text: str) -> str:
    """Trim ordinary and non-breaking spaces and fold runs of white space."""
    return " ".join(text.replace("\u00a0", " ").split())


def header_key(text: str) -> str:
    """Headers compare case-, space- and ё-insensitively: real exports carry stray spaces."""
    return squash(text).lower().replace("ё", "е")


MAX_CELL_INT = 10**9


@_memo
def parse_int(text: str) -> int | None:
    """'5', ' 5 ', '5.0', '5,0' -> 5; anything else -> None."""
    t = squash(text).replace(",", ".")
    if not t:
        return None
    try:
        value = float(t)
    except ValueError:
        return None
    if not math.isfinite(value) or value != int(value):   # '1e309', 'inf', 'nan' (fuzz found)
        return None
    if abs(value) > MAX_CELL_INT:          # '1e20' (fuzz found): no score, mark or count is
        return None                        # this large, and it would overflow Int64
    return int(value)


def parse_float(text: str) -> float | None:
    t = squash(text).replace(",", ".")
    try:
        return float(t) if t else None
    except ValueError:
        return None


@_memo
def criterion(text: str) -> tuple[int | None, bool, bool]:
    """A criterion cell -> (points, not_done, bad). Not-done markers count 0 points and are
    remembered; an empty cell counts as not done; anything else unparsable is bad."""
    t = squash(text)
    if t == "" or t.lower() in NOT_DONE_MARKERS:
        return 0, True, False
    value = parse_int(t)
    if value is None or value < 0:
        return None, False, True
    return value, False, False


@_memo
def journal_mark(text: str) -> tuple[int | None, bool]:
    """Journal/annual mark: 2–5 kept; empty is simply missing; junk ('1', 'ж', 'нет
    отметки') becomes no mark and is reported as a warning."""
    t = squash(text)
    if t == "":
        return None, False
    value = parse_int(t)
    if value in (2, 3, 4, 5):
        return value, False
    return None, True


@_memo
def gender(text: str) -> tuple[str | None, bool]:
    t = squash(text).lower()
    if t in ("м", "ж"):
        return t, False
    if t in ("m",):
        return "м", False
    return None, t != ""


@_memo
def class_letter(text: str) -> str | None:
    t = squash(text).lower()
    return None if t in ("", "нет") else t


@_memo
def canonical_login(text: str) -> str | None:
    """'sch220206', 'edu220206', 'EDU220206 | МБОУ …' -> 'sch220206': FIS OKO writes the same
    school with both prefixes (INPUTS.md §3, §6). Other non-empty text is kept as given."""
    t = squash(text.split("|")[0]).lower()
    if not t:
        return None
    m = LOGIN.match(t)
    return f"sch{m.group(2)}" if m else t


# Kinds of unambiguous dirt, as the load report names them.
CLEAN_HEADER_SPACES = "лишние пробелы в заголовках столбцов убраны"
CLEAN_SPACES = "лишние пробелы (в т. ч. неразрывные) убраны"
CLEAN_EDU_LOGIN = "логин edu… приведён к sch…"
CLEAN_CASE = "заглавные буквы в поле «пол»/«класс» приведены к строчным"
CLEAN_NOT_DONE = "отметка «не выполнял» (Х, X, H, «не пройд.») учтена как 0 баллов"


def needs_trim(text: str) -> bool:
    """True when squash() would change the text (checked cheaply: this runs on every cell)."""
    return bool(text) and (text[0] in _BLANKS or text[-1] in _BLANKS or "\u00a0" in text
                           or "  " in text or "\t" in text or "\n" in text or "\r" in text)


_BLANKS = " \u00a0\t\r\n"


# Criterion cells column-wise. A region has ≈18M criterion cells but only a few hundred
# distinct texts ("0"–"5", «Х», « 2», junk): each distinct text is classified once by
# criterion() and numbered; a file's cells become one numpy array of numbers, and points,
# markers and bad cells are looked up for the whole file at once instead of per cell.
_CODE: dict[str, int] = {}
_TABLES: dict[str, list] = {"points": [], "not_done": [], "bad": [], "marker": []}
_ARRAYS: dict[str, np.ndarray] = {}
MAX_CODES = 100_000      # junk texts could be many: start afresh rather than grow forever


def _new_code(text: str) -> int:
    points, not_done, bad = criterion(text)
    code = len(_CODE)
    _CODE[text] = code
    _TABLES["points"].append(points or 0)
    _TABLES["not_done"].append(not_done)
    _TABLES["bad"].append(bad)
    # counted as a cleaned «not done» marker only when the cell was not simply empty
    _TABLES["marker"].append(not_done and bool(text) and not text.isspace())
    _ARRAYS.clear()
    return code


def criterion_codes(texts: list[str]):
    """(codes, tables): texts numbered (a numpy int32 array), and numpy tables indexed by
    those numbers — points (0 for a bad cell), not_done, bad, marker (a not-done marker
    written in the cell, as opposed to an empty cell)."""
    if len(_CODE) > MAX_CODES:
        _CODE.clear()
        for values in _TABLES.values():
            values.clear()
        _ARRAYS.clear()
    codes = list(map(_CODE.get, texts))
    if None in codes:
        codes = [c if c is not None else _CODE.get(t) if t in _CODE else _new_code(t)
                 for c, t in zip(codes, texts)]
    if not _ARRAYS:
        _ARRAYS.update(points=np.array(_TABLES["points"], dtype=np.int64),
                       not_done=np.array(_TABLES["not_done"], dtype=bool),
                       bad=np.array(_TABLES["bad"], dtype=bool),
                       marker=np.array(_TABLES["marker"], dtype=bool))
    return np.array(codes, dtype=np.int32), _ARRAYS
