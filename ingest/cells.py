"""Cleaning single cell values the way INPUTS.md §2 describes real FIS OKO dirt.

Each function returns the clean value (or None) and whether the raw text was dirt that
could NOT be cleaned unambiguously (the caller turns that into a warning or a set-aside).
"""
from __future__ import annotations

import math
import re

NOT_DONE_MARKERS = {"x", "х", "h", "не пройд.", "не пройд", "н"}  # Latin x, Cyrillic х, Latin H
ABSENT_VARIANT = "отсутствовал"
LOGIN = re.compile(r"^(sch|edu)(\d+)$")


def squash(text: str) -> str:
    """Trim ordinary and non-breaking spaces and fold runs of white space."""
    return " ".join(text.replace("\u00a0", " ").split())


def header_key(text: str) -> str:
    """Headers compare case-, space- and ё-insensitively: real exports carry stray spaces."""
    return squash(text).lower().replace("ё", "е")


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
    return int(value)


def parse_float(text: str) -> float | None:
    t = squash(text).replace(",", ".")
    try:
        return float(t) if t else None
    except ValueError:
        return None


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


def gender(text: str) -> tuple[str | None, bool]:
    t = squash(text).lower()
    if t in ("м", "ж"):
        return t, False
    if t in ("m",):
        return "м", False
    return None, t != ""


def class_letter(text: str) -> str | None:
    t = squash(text).lower()
    return None if t in ("", "нет") else t


def canonical_login(text: str) -> str | None:
    """'sch220206', 'edu220206', 'EDU220206 | МБОУ …' -> 'sch220206': FIS OKO writes the same
    school with both prefixes (INPUTS.md §3, §6). Other non-empty text is kept as given."""
    t = squash(text.split("|")[0]).lower()
    if not t:
        return None
    m = LOGIN.match(t)
    return f"sch{m.group(2)}" if m else t
