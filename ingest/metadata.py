"""What a file is about — procedure, subject, grade, year — in the order INPUTS.md §2 gives:
1. the FIS OKO file name («Проведение работы по русскому языку, 4 класс. ВПР 2021.xlsx»);
2. otherwise a manifest.csv in the same folder (file,procedure,subject,grade,year);
3. otherwise nothing, and the caller rejects the file with NAMING_ADVICE.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.inbox import MANIFEST_NAME

# FIS OKO names the subject in the dative case; tables use the nominative (INDICATORS.md §D).
DATIVE_TO_NOMINATIVE: dict[str, str] = {
    "русскому языку": "русский язык",
    "математике": "математика",
    "окружающему миру": "окружающий мир",
    "истории": "история",
    "биологии": "биология",
    "географии": "география",
    "обществознанию": "обществознание",
    "физике": "физика",
    "химии": "химия",
    "английскому языку": "английский язык",
    "немецкому языку": "немецкий язык",
    "французскому языку": "французский язык",
    "литературе": "литература",
    "информатике": "информатика",
}

# «… 4 класс. ВПР 2021»; regional diagnostics exported by the same system write their own
# word in place of ВПР («ДКР 2024»), so any word is accepted there and the procedure comes
# from the window (INPUTS.md §4: one procedure code per window).
FIS_OKO_NAME = re.compile(
    r"Проведение\s+работы\s+по\s+(?P<subject>[^,]+?)\s*,\s*(?P<grade>\d{1,2})\s*класс\w*\.?\s*"
    r"(?P<procedure>[^\W\d_]+)?\s*(?P<year>\d{4})",
    re.IGNORECASE,
)

NAMING_ADVICE = (
    "Не удалось определить предмет, класс и год работы. Назовите файл так, как его выгружает "
    "ФИС ОКО, например «Проведение работы по русскому языку, 4 класс. ВПР 2021.xlsx», или "
    "положите рядом manifest.csv со столбцами file,procedure,subject,grade,year."
)


@dataclass(frozen=True)
class FileMeta:
    procedure: str
    subject: str
    grade: int
    year: int          # spring calendar year (VPR 2025 is written in 2024-2025)
    source: str        # 'file_name' | 'manifest'


def normalise_subject(text: str) -> str:
    cleaned = " ".join(text.replace("\u00a0", " ").split()).lower().replace("ё", "е")
    return DATIVE_TO_NOMINATIVE.get(cleaned, cleaned)


def from_file_name(name: str) -> FileMeta | None:
    m = FIS_OKO_NAME.search(" ".join(name.replace("\u00a0", " ").split()))
    if not m:
        return None
    subject = m.group("subject").strip().lower().replace("ё", "е")
    if subject not in DATIVE_TO_NOMINATIVE:
        return None
    return FileMeta("vpr", DATIVE_TO_NOMINATIVE[subject], int(m.group("grade")),
                    int(m.group("year")), "file_name")


def for_window(meta: FileMeta, window_procedure: str) -> FileMeta:
    """The window decides the procedure of a file named the FIS OKO way (a diagnostics file
    in dkr-autumn/ is 'dkr' whatever word its name carries); a manifest row says it
    explicitly and wins."""
    if meta.source == "manifest" or meta.procedure == window_procedure:
        return meta
    return FileMeta(window_procedure, meta.subject, meta.grade, meta.year, meta.source)


def from_manifest(path: Path) -> FileMeta | None:
    manifest = path.parent / MANIFEST_NAME
    if not manifest.is_file():
        return None
    raw = manifest.read_bytes()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    dialect = csv.excel if text.count(",") >= text.count(";") else _Semicolon
    for row in csv.DictReader(text.splitlines(), dialect=dialect):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if row.get("file") != path.name:
            continue
        try:
            return FileMeta(row["procedure"].lower(), normalise_subject(row["subject"]),
                            int(row["grade"]), int(row["year"]), "manifest")
        except (KeyError, ValueError):
            return None
    return None


class _Semicolon(csv.excel):
    delimiter = ";"


def resolve(path: Path) -> FileMeta | None:
    return from_file_name(path.name) or from_manifest(path)
