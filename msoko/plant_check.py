"""For the demo: what the generator planted against what the objectivity checks found.

The demo generator writes its truth file beside the inbox (`<inbox name>_truth.json`,
msoko/demo/municipality.py). When that file exists, `msoko run` ends with this comparison,
read back from the warehouse: the planted inflated schools must be flagged by the checks
their plants target, the clean schools must not be, and the ШНОР list must be the one the
rule gives on the generated data. On a real inbox there is no truth file and nothing prints.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from msoko.config import Paths

# The checks the clean schools are promised not to trip (the truth file's clean_schools).
CONTROLLED_CHECKS = ("O1", "O2", "O4")


def truth_path(inbox: Path) -> Path:
    return inbox.parent / f"{inbox.name}_truth.json"


@dataclass(frozen=True)
class PlantComparison:
    planted: list[tuple[str, str, int, int]]  # login, check, papers flagged, papers planted
    clean_schools: int
    clean_flags: list[tuple[str, str, str, int, str]]  # login, check, year, grade, subject
    shnor_planted: set[tuple[str, str]]  # (login, academic year) the truth lists
    shnor_listed: set[tuple[str, str]]

    @property
    def all_found(self) -> bool:
        return (all(found == total for _, _, found, total in self.planted)
                and not self.clean_flags and self.shnor_planted == self.shnor_listed)


def compare(truth: dict, con: duckdb.DuckDBPyConnection) -> PlantComparison:
    flags = con.execute("""
        select school_login, check_code, academic_year, procedure, grade, subject
        from marts.objectivity_flags where flagged""").fetchall()
    flagged = {(login, check, year, procedure, grade, subject)
               for login, check, year, procedure, grade, subject in flags}
    planted = []
    for school in truth["inflated_schools"]:
        papers = [(e["academic_year"], e["procedure"], e["grade"], e["subject"])
                  for e in school["evidence"]]
        for check in school["checks"]:
            found = sum((school["login"], check, *p) in flagged for p in papers)
            planted.append((school["login"], check, found, len(papers)))
    clean = set(truth["clean_schools"])
    clean_flags = sorted((login, check, year, grade, subject)
                         for login, check, year, procedure, grade, subject in flagged
                         if login in clean and check in CONTROLLED_CHECKS)
    listed = {(login, year) for login, year in con.execute(
        "select school_login, academic_year from marts.low_results_schools").fetchall()}
    return PlantComparison(
        planted=planted, clean_schools=len(clean), clean_flags=clean_flags,
        shnor_planted={(s["login"], s["academic_year"]) for s in truth["low_results_schools"]},
        shnor_listed=listed)


def render(c: PlantComparison) -> list[str]:
    lines = ["  демонстрация: заложенные случаи и что нашли проверки объективности"]
    for login, check, found, total in c.planted:
        verdict = "найдено" if found == total else "НЕ НАЙДЕНО полностью"
        lines.append(f"    {login} (завышение): {check} отмечен в {found} из {total} работ — {verdict}")
    lines.append(f"    школы без заложенных нарушений: {c.clean_schools}, "
                 f"ложных отметок {'/'.join(CONTROLLED_CHECKS)}: {len(c.clean_flags)}")
    lines += [f"      - {login} {check} {year} {grade} кл. {subject}"
              for login, check, year, grade, subject in c.clean_flags[:10]]
    fmt = lambda pairs: ", ".join(f"{login} {year}" for login, year in sorted(pairs)) or "нет"
    lines.append(f"    ШНОР: ожидалось {fmt(c.shnor_planted)}; в списке {fmt(c.shnor_listed)} — "
                 + ("совпадает" if c.shnor_planted == c.shnor_listed else "НЕ СОВПАДАЕТ"))
    lines.append("    итог: " + ("все заложенные случаи найдены, лишних отметок нет"
                                 if c.all_found else "есть расхождения, см. выше"))
    return lines


def plant_report(paths: Paths) -> list[str]:
    """Lines for the run summary; empty when the inbox has no demo truth file beside it."""
    path = truth_path(paths.inbox)
    if not path.exists():
        return []
    truth = json.loads(path.read_text(encoding="utf-8"))
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return render(compare(truth, con))
    finally:
        con.close()
