"""Find the header row wherever it starts and map columns to canonical fields by alias.

Real exports put title rows above the header, pad names with spaces and use two header
dialects (2021+ Cyrillic, 2020 Latin) plus the school's own upload form (INPUTS.md §2–§3).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.cells import header_key, squash

HEADER_SEARCH_ROWS = 30

# canonical field -> header keys (after header_key) that name it
ALIASES: dict[str, tuple[str, ...]] = {
    "school_login": ("логин школы", "user", "пользователь", "логин"),
    "school_text": ("школа",),
    "region": ("регион",),
    "municipality": ("муниципалитет",),
    "pupil_no": ("номер обучающегося", "id"),
    "pupil_code": ("код обучающегося", "code", "код"),
    "gender": ("пол", "gender"),
    "class_letter": ("класс", "klass", "наименование класса"),
    "variant": ("вариант", "var-1"),
    "total": ("всего баллов", "sum", "итого баллов"),
    "textbook": ("учебник",),
}
PREFIX_ALIASES: dict[str, tuple[str, ...]] = {
    "journal_mark": ("отметка за предыдущ", "otc"),
}
CRITERION_EXPORT = re.compile(r"^(?:балл за (\d+)|a-(\d+)-grade)$")
CRITERION_UPLOAD = re.compile(r"^(?P<label>\S.*?)\s*\((?P<max>\d+)\s*б\)$")
NAME_COLUMNS = ("фио", "ф.и.о.", "фамилия", "имя", "отчество", "фамилия имя отчество",
                "фамилия, имя, отчество", "name", "surname")


@dataclass
class Criterion:
    column_index: int
    column_no: int          # k of «балл за k», or the position among criterion columns
    label: str              # task label as written («1К1», «3(1)»), or str(k)
    header: str             # the header text as it stands in the file
    max_points: int | None  # from the upload form header «1К1 (4б)»; else from tasks.csv


@dataclass
class HeaderMap:
    row_index: int                                  # 0-based index of the header row
    fields: dict[str, int] = field(default_factory=dict)
    criteria: list[Criterion] = field(default_factory=list)
    name_columns: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    used_columns: list[int] = field(default_factory=list)   # every column index read


def is_name_column(key: str) -> bool:
    return key in NAME_COLUMNS or key.startswith("фио")


def map_header(cells: list[str], row_index: int) -> HeaderMap:
    hm = HeaderMap(row_index=row_index, headers=list(cells))
    for idx, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        if is_name_column(key):
            hm.name_columns.append(cell.strip())
            continue
        m = CRITERION_EXPORT.match(key)
        if m:
            k = int(m.group(1) or m.group(2))
            hm.criteria.append(Criterion(idx, k, str(k), cell.strip(), None))
            continue
        m = CRITERION_UPLOAD.match(squash(cell).replace("Б)", "б)"))   # the label keeps its case: «1К1»
        if m:
            hm.criteria.append(Criterion(idx, len(hm.criteria) + 1, m.group("label"),
                                         cell.strip(), int(m.group("max"))))
            continue
        for name, aliases in ALIASES.items():
            if key in aliases and name not in hm.fields:
                hm.fields[name] = idx
                break
        else:
            for name, prefixes in PREFIX_ALIASES.items():
                if key.startswith(prefixes) and name not in hm.fields:
                    hm.fields[name] = idx
    hm.criteria.sort(key=lambda c: c.column_no)
    return hm


def find_header(rows: list[list[str]], required: tuple[str, ...]) -> HeaderMap | None:
    """The first row among the top rows that names every required field (or, for
    criterion-layout files, the pupil code and at least one criterion)."""
    best: HeaderMap | None = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hm = map_header(row, i)
        score = sum(1 for r in required if r in hm.fields) + (1 if hm.criteria else 0)
        if all(r in hm.fields for r in required):
            return hm
        if score and (best is None or score > _score(best, required)):
            best = hm
    return best


def _score(hm: HeaderMap, required: tuple[str, ...]) -> int:
    return sum(1 for r in required if r in hm.fields) + (1 if hm.criteria else 0)


def _matches(key: str, alias: str) -> bool:
    """An alias ending in '*' matches by prefix; otherwise exactly."""
    return key.startswith(alias[:-1]) if alias.endswith("*") else key == alias


def locate_columns(rows: list[list[str]], spec: dict[str, tuple[str, ...]],
                   required: tuple[str, ...]) -> tuple[int, dict[str, int], list[str]] | None:
    """Generic header search for tabular files (registries, reference tables, exam
    protocols): returns (header row index, field -> column index, dropped name columns)
    for the first top row that names every required field."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        names: list[str] = []
        for idx, cell in enumerate(row):
            key = header_key(cell)
            if not key:
                continue
            if is_name_column(key):
                names.append(cell.strip())
                continue
            for name, aliases in spec.items():
                if name not in found and any(_matches(key, a) for a in aliases):
                    found[name] = idx
                    break
        if all(r in found for r in required):
            return i, found, names
    return None


def records(rows: list[list[str]], header_row: int, columns: dict[str, int]):
    """(row_number, {field: raw text}) for every non-empty row below the header."""
    for r_idx in range(header_row + 1, len(rows)):
        row = rows[r_idx]
        if not any(v.strip() for v in row):
            continue
        yield r_idx + 1, {f: (row[c] if c < len(row) else "") for f, c in columns.items()}
