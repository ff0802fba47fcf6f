"""The demo municipality: an inbox of realistic, dirty input files and the truth behind them.

`write_demo_inbox(inbox, seed=2025)` writes three academic years (2020-2021 … 2022-2023) of
VPR, OGE and EGE results for «Зырянский район» of Томская область and its two neighbours,
plus the department's reference tables, exactly in the layouts of INPUTS.md. The same seed
always gives byte-identical files (and the same modification times), so a re-generated demo
never looks like a resubmission. Only the generator's own files are (over)written; nothing
else in the inbox is touched.

Inbox layout (INPUTS.md §1)::

    reference/schools.csv, scales.csv, tasks.csv, ege_to_mark.csv
    <year>/vpr-spring/<sch login>/<FIS OKO name>.xlsx   per-school submissions (demo district)
    <year>/vpr-spring/<FIS OKO name>.xlsx               multi-school exports (the neighbours)
    <year>/oge/Протокол ОГЭ <YYYY>.(xlsx|csv)          РЦОИ protocols, whole region
    <year>/ege/Протокол ЕГЭ <YYYY>.(xlsx|csv)

Truth file
----------
Written beside the inbox, never inside it: ``inbox.parent / f"{inbox.name}_truth.json"``.
Paths in it are inbox-relative with "/" separators; rows are spreadsheet row numbers
(1-based, counting title rows and the header). Keys:

- ``seed``, ``region``, ``municipality`` (the demo municipality), ``academic_years``,
  ``generator`` (rounds/redraws the promise checks needed — informational).
- ``schools``: every school of the registry — ``login, name, municipality, kind,
  settlement, oge_code, ege_code, role`` (normal | inflated | low_results | tiny).
- ``inflated_schools``: ``login, name, municipality, kind, checks`` (["O1","O2","O4"]),
  ``years``, ``papers`` ([{procedure, grade, subject}]), ``evidence`` — per academic year and
  paper: participants, mean, ci_lower, region_ci_upper, spearman, and the O4 numbers at the
  2/3 boundary (boundary, window, at_boundary, expected_share, p_value), computed by
  `msoko.demo.checks` on exactly the rows the pipeline should load.
- ``low_results_schools``: the ШНОР list the rule of INDICATORS.md §C gives on the generated
  data — ``login, name, academic_year, reason`` (two_procedures | consecutive_years),
  ``planted`` (true for the planted year), ``papers`` ([{procedure, grade, subject,
  participants, below_min, share}] — the procedures at or above 30 %).
- ``clean_schools``: logins of the schools that must get no O1, O2 or O4 flag on any VPR paper
  or OGE Russian/mathematics (those with fewer than 10 participants are "insufficient data").
  O3 and O6 are not planted and not controlled.
- ``small_schools``: papers with fewer than 5 participants (suppression must show).
- ``broken_files``: ``path, reason`` — reason one of not_spreadsheet | unknown_school |
  missing_columns | empty_file | no_metadata. None of their rows counts anywhere.
- ``set_aside_rows``: ``path, sheet, row, column, value, criterion_max, primary_score,
  max_score, reason`` (above_max): rows the pipeline must set aside.
- ``warning_rows``: rows whose file total disagrees with the criteria (loaded, with a warning):
  ``path, row, column, file_total, criteria_sum``.
- ``resubmission``: ``school_login, academic_year, paper, first, second`` (paths; the second
  has the later mtime and wins), ``changed_cells`` ([{code, column, first, second}]).
- ``manifest_files``, ``no_login_files``, ``upload_form_files``, ``latin_files``: paths.
- ``dirt``: per kind of dirt, how many cells/files carry it and up to three examples.
- ``expected_counts``: per academic year, window, procedure, grade, subject —
  ``municipality_participants``, ``region_participants`` (present, not set aside, from
  accepted files, the corrected version of a resubmission) and the absentees.

Dirt kinds (keys of ``dirt``): ``not_done:<marker>`` (X, x, Х, х, H, «не пройд.», «X »),
``journal:<cell>`` (нет отметки, empty, ж, 1, nbsp = a mark followed by U+00A0),
``gender:<cell>`` (М, Ж, д), ``class:<cell>`` (А, Б, В, нет, НЕТ), ``variant:0``, ``absent``,
and per file ``title_rows``, ``header_spaces``, ``numbers_as_text``.

Conventions the truth assumes (the pipeline's rules as INPUTS.md/INDICATORS.md state them):
a row with ``вариант`` = 0 and scores is a participant; a journal cell of 1, «ж», «нет
отметки» or empty is no journal mark, «4\u00a0» is a 4; the primary score is the sum of the
criterion cells (markers count 0); a set-aside row counts nowhere, not even in the regional
statistics; of the two versions of the resubmitted file the one with the later mtime counts
(it sits one folder deeper, in ``<sch login>/исправление/``, and carries the login column).
"""
from __future__ import annotations

import calendar
import json
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import layouts as L
from .papers import (
    ACADEMIC_YEARS,
    EGE_SUBJECTS,
    OGE_SUBJECTS,
    VPR4_MATH,
    VPR4_RUSSIAN,
    VPR4_WORLD,
    VPR5_MATH,
    VPR5_RUSSIAN,
    VPR_CORE,
    VPR_PAPERS,
    VprPaper,
    ege_to_mark_rows,
    scales_rows,
    spring_year,
    tasks_rows,
)
from .schools import (
    ALL_SCHOOLS,
    ASINOVSKY,
    DEMO_MUNICIPALITY,
    REGION,
    REGION_CODE,
    ROLE_INFLATED,
    ROLE_LOW,
    TEGULDETSKY,
    UNKNOWN_SCHOOL,
    ZYRYANSKY,
    DemoSchool,
)
from .simulate import LOW_RESULTS_PAPERS, LOW_RESULTS_YEAR, MIN_PARTICIPANTS, Region, Sitting, VprResult, paper_stats, school_objectivity, simulate_region

WINDOW_VPR = "vpr-spring"
NEIGHBOURS = (*TEGULDETSKY, *ASINOVSKY)

# --------------------------------------------------------------------------------------------
# The plan: who sends what, where the planted cases are. Readable on purpose.
# --------------------------------------------------------------------------------------------

Y21, Y22, Y23 = ACADEMIC_YEARS
ZYR_SOSH, MIKHAYLOVSKAYA, SEMYONOVSKAYA, PRICHULYMSKAYA, GYMNASIUM, ZYR_SOSH2, DUBROVSKAYA, \
    CHERDATSKAYA, VYSOKOVSKAYA, KOSTYONKINSKAYA, SHINYAEVSKAYA, TUENDATSKAYA = (s.login for s in ZYRYANSKY)

UPLOAD_FORM = {(PRICHULYMSKAYA, y) for y in ACADEMIC_YEARS} | {(TUENDATSKAYA, Y23)}
LATIN = {(SEMYONOVSKAYA, Y21)}
NO_LOGIN = {(SHINYAEVSKAYA, Y21), (TUENDATSKAYA, Y22)}
MANIFEST = {(VYSOKOVSKAYA, Y22)}
WITH_TEXTBOOK = {GYMNASIUM}
HEADER_SPACES = {(GYMNASIUM, Y23)}
NUMBERS_AS_TEXT = {(ZYR_SOSH2, Y22)}
TITLE_ROWS = {(ZYR_SOSH2, Y21), (DUBROVSKAYA, Y22)}
MANIFEST_NAMES = {
    VPR4_RUSSIAN.key: "ВПР 4 кл русский.xlsx",
    VPR4_MATH.key: "ВПР_4кл_математика.xlsx",
    VPR4_WORLD.key: "окр мир 4 класс.xlsx",
    VPR5_RUSSIAN.key: "5 класс русский язык.xlsx",
    VPR5_MATH.key: "5 класс математика.xlsx",
}

#: Broken files, all in 2022-2023 (the school's results for that paper are then missing).
LOST = {
    (VYSOKOVSKAYA, Y23, VPR4_WORLD.key): "not_spreadsheet",
    (TUENDATSKAYA, Y23, VPR5_MATH.key): "empty_file",
    (SHINYAEVSKAYA, Y23, VPR5_RUSSIAN.key): "missing_columns",
    (ZYR_SOSH2, Y23, VPR4_RUSSIAN.key): "no_metadata",
    (UNKNOWN_SCHOOL.login, Y23, VPR4_RUSSIAN.key): "unknown_school",
}
NO_METADATA_NAME = "Русский язык 4 класс.xlsx"
NOT_SPREADSHEET_TEXT = (
    "Уважаемые коллеги!\r\nРезультаты ВПР по окружающему миру в 4 классе направим после проверки.\r\n"
    "Директор школы\r\n"
)

RESUBMISSION = (ZYR_SOSH, Y23, VPR4_MATH.key)
RESUBMISSION_FOLDER = "исправление"

#: Single planted cells: (school, year, paper) -> [(kind, position among present pupils)].
_JOURNAL_KINDS = [("journal:нет отметки", 0), ("journal:", 1), ("journal:ж", 2), ("journal:1", 3), ("journal:nbsp", 4)]
SHOWCASE = {
    (ZYR_SOSH, Y22, VPR4_RUSSIAN.key): [("above_max", 2)],
    (TEGULDETSKY[1].login, Y22, VPR4_RUSSIAN.key): [("total_above_max", 3)],
    (ASINOVSKY[0].login, Y21, VPR4_RUSSIAN.key): [*_JOURNAL_KINDS, ("gender_stray", 5), ("variant_zero", 6)],
    (ZYR_SOSH2, Y21, VPR4_MATH.key): [*_JOURNAL_KINDS, ("variant_zero", 7)],
    (ZYR_SOSH, Y21, VPR4_RUSSIAN.key): [(f"marker:{m}", i) for i, m in enumerate(("X", "x", "Х", "х", "H", "не пройд.", "X "))],
}


def _utc(*args: int) -> int:
    return calendar.timegm(datetime(*args).timetuple())


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def write_demo_inbox(inbox: Path, seed: int = 2025) -> Path:
    """Write the demo inbox under `inbox` and return the path of its truth file (beside it)."""
    inbox = Path(inbox)
    region = simulate_region(seed, SHOWCASE, LOST)
    writer = _InboxWriter(inbox)
    _write_reference(writer)
    for year in ACADEMIC_YEARS:
        _write_vpr_window(writer, region, year)
        _write_exam_window(writer, region, year, "oge")
        _write_exam_window(writer, region, year, "ege")
    truth = _truth(region, writer)
    truth_path = inbox.parent / f"{inbox.name}_truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth_path


# --------------------------------------------------------------------------------------------
# Writing files, and remembering what was written where
# --------------------------------------------------------------------------------------------


@dataclass
class _Dirt:
    count: int = 0
    examples: list = field(default_factory=list)


@dataclass
class _InboxWriter:
    inbox: Path
    dirt: dict = field(default_factory=lambda: defaultdict(_Dirt))
    file_kinds: dict = field(default_factory=lambda: defaultdict(list))
    set_aside: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    broken: list = field(default_factory=list)
    resubmission: dict = field(default_factory=dict)

    def write(self, rel: str, mtime: int, produce: Callable[[Path], object]) -> str:
        path = self.inbox / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        produce(path)
        os.utime(path, (mtime, mtime))
        return rel

    def note(self, kind: str, **where) -> None:
        d = self.dirt[kind]
        d.count += 1
        if len(d.examples) < 3:
            d.examples.append(where)


def _write_reference(w: _InboxWriter) -> None:
    t = _utc(2023, 8, 30, 9)
    schools = [L.SchoolRecord(s.login, s.name, s.municipality, s.kind, s.settlement, s.oge_code, s.ege_code,
                              s.total_pupils, s.municipality_code, REGION_CODE, REGION) for s in ALL_SCHOOLS]
    w.write("reference/schools.csv", t, lambda p: L.write_school_registry_csv(p, schools))
    w.write("reference/scales.csv", t, lambda p: L.write_scales_csv(p, scales_rows()))
    w.write("reference/tasks.csv", t, lambda p: L.write_tasks_csv(p, tasks_rows()))
    w.write("reference/ege_to_mark.csv", t, lambda p: L.write_ege_to_mark_csv(p, ege_to_mark_rows()))


# ---- VPR -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """How one VPR file is laid out: enough to know each pupil's spreadsheet row and columns."""

    kind: str  # cyrillic | latin | upload
    title_rows: tuple = ()
    header_spaces: bool = False
    numbers_as_text: bool = False
    include_login: bool = True
    with_textbook: bool = False

    def first_row(self) -> int:
        return len(self.title_rows) + 2  # 1-based: titles, the header, then pupils

    def column(self, what: str, paper: VprPaper, k: int = 0) -> str:
        """The (clean) header of a column: `what` is criterion | total | journal | gender | class | variant."""
        if what != "criterion":
            return _COLUMNS[self.kind][what]
        if self.kind == "upload":
            return L.criterion_header(paper.criteria[k].label, paper.criteria[k].max_points)
        return (L.VPR_LATIN_CRITERION if self.kind == "latin" else L.VPR_CYRILLIC_CRITERION).format(k=k + 1)


_COLUMNS = {
    "cyrillic": dict(total="всего баллов", journal=L.VPR_CYRILLIC_HEADER[4], gender="пол", class_="класс", variant="вариант"),
    "latin": dict(total="sum", journal="otc", gender="gender", class_="klass", variant="var-1"),
    "upload": dict(total="Итого баллов", journal=L.UPLOAD_TAIL[2], gender="Пол", class_="Наименование класса", variant="Вариант"),
}
for _names in _COLUMNS.values():
    _names["class"] = _names.pop("class_")


def _write_vpr_window(w: _InboxWriter, region: Region, year: str) -> None:
    y = spring_year(year)
    for index, school in enumerate(ZYRYANSKY):
        manifest = []
        for paper in VPR_PAPERS:
            sitting = region.sittings[(school.login, year, paper.key)]
            rel = _write_school_paper(w, school, year, paper, sitting, _utc(y, 4, 12 + index % 10, 10))
            if rel and (school.login, year) in MANIFEST:
                manifest.append(dict(file=rel.rsplit("/", 1)[1], procedure="vpr", subject=paper.subject, grade=paper.grade, year=y))
        if manifest:
            rel = w.write(f"{year}/{WINDOW_VPR}/{school.login}/manifest.csv", _utc(y, 4, 12 + index % 10, 10),
                          lambda p: L.write_manifest_csv(p, manifest))
            w.file_kinds["manifest_files"].append(rel)
    for (login, lost_year, key), reason in LOST.items():
        if login == UNKNOWN_SCHOOL.login and lost_year == year:
            paper = next(p for p in VPR_PAPERS if p.key == key)
            rel = _write_export(w, f"{year}/{WINDOW_VPR}/{login}/{L.fis_oko_file_name(paper.subject, paper.grade, y)}",
                                _utc(y, 4, 25, 10), [region.sittings[(login, year, key)]], paper, _Layout("cyrillic"), REGION,
                                index=False)
            w.broken.append(dict(path=rel, reason=reason))
    for paper in VPR_PAPERS:
        sittings = [region.sittings[(s.login, year, paper.key)] for s in NEIGHBOURS]
        layout = _Layout("cyrillic",
                         title_rows=(f"Всероссийские проверочные работы {y}",
                                     f"{paper.subject.capitalize()}, {paper.grade} класс. Результаты участников") if year == Y21 else (),
                         numbers_as_text=year == Y22 and paper.grade == 5,
                         header_spaces=year == Y23)
        rel = f"{year}/{WINDOW_VPR}/{L.fis_oko_file_name(paper.subject, paper.grade, y)}"
        _write_export(w, rel, _utc(y, 5, 25, 9), sittings, paper, layout, None)


def _write_school_paper(w: _InboxWriter, school: DemoSchool, year: str, paper: VprPaper, sitting: Sitting, mtime: int) -> str | None:
    """One demo-district school's file for one paper, in the layout the plan gives it."""
    y = spring_year(year)
    folder = f"{year}/{WINDOW_VPR}/{school.login}"
    name = L.fis_oko_file_name(paper.subject, paper.grade, y)
    key = (school.login, year)
    lost = LOST.get((school.login, year, paper.key))
    if lost:
        return _write_broken(w, folder, name, lost, sitting, paper, mtime)
    if (school.login, year, paper.key) == RESUBMISSION:
        return _write_resubmission(w, folder, name, sitting, paper, mtime)
    if key in MANIFEST:
        name = MANIFEST_NAMES[paper.key]
    if key in UPLOAD_FORM:
        rel = _write_upload(w, f"{folder}/{name}", mtime, sitting, paper)
        w.file_kinds["upload_form_files"].append(rel)
        return rel
    layout = _Layout(
        "latin" if key in LATIN else "cyrillic",
        title_rows=(f"Результаты ВПР {y}. {school.name}",) if key in TITLE_ROWS else (),
        header_spaces=key in HEADER_SPACES,
        numbers_as_text=key in NUMBERS_AS_TEXT,
        include_login=key not in NO_LOGIN,
        with_textbook=school.login in WITH_TEXTBOOK,
    )
    rel = _write_export(w, f"{folder}/{name}", mtime, [sitting], paper, layout, REGION)
    if key in LATIN:
        w.file_kinds["latin_files"].append(rel)
    if key in NO_LOGIN:
        w.file_kinds["no_login_files"].append(rel)
    return rel


def _pupil_rows(sittings: list[Sitting], region_cell: str | None, *, edu: bool = False) -> list[tuple[Sitting, VprResult, L.PupilRow]]:
    out = []
    for s in sittings:
        for r in s.results:
            login = s.school.edu_login if edu else s.school.login
            out.append((s, r, L.PupilRow(
                login=login, region=region_cell or s.school.municipality, code=r.code, variant=r.variant_cell,
                criteria=r.criteria_cells, total=r.total_cell, journal_mark=r.journal_cell, gender=r.gender_cell,
                class_letter=r.class_cell, textbook=r.textbook)))
    return out


def _write_export(w: _InboxWriter, rel: str, mtime: int, sittings: list[Sitting], paper: VprPaper,
                  layout: _Layout, region_cell: str | None, *, index: bool = True) -> str:
    rows = _pupil_rows(sittings, region_cell)
    w.write(rel, mtime, lambda p: L.write_vpr_export(
        p, [row for _, _, row in rows], n_criteria=len(paper.criteria), layout=layout.kind,
        title_rows=layout.title_rows, header_spaces=layout.header_spaces, numbers_as_text=layout.numbers_as_text,
        include_login=layout.include_login, with_textbook=layout.with_textbook))
    if index:  # a rejected file's rows are no dirt the pipeline will ever see
        _index_rows(w, rel, rows, paper, layout)
    return rel


def _write_upload(w: _InboxWriter, rel: str, mtime: int, sitting: Sitting, paper: VprPaper) -> str:
    school = sitting.school
    rows = _pupil_rows([sitting], None, edu=True)
    letters = sorted({str(r.class_cell).lower() for _, r, _ in rows if str(r.class_cell).lower() in "абв"})
    classes = [(letter, rows[0][1].textbook or "") for letter in letters] or [("нет", rows[0][1].textbook or "")]
    w.write(rel, mtime, lambda p: L.write_upload_form(
        p, [row for _, _, row in rows],
        criteria_headers=[L.criterion_header(c.label, c.max_points) for c in paper.criteria],
        region_code=REGION_CODE, region=REGION,
        municipality=L.fis_oko_ref(school.municipality_code, school.municipality),
        school=L.fis_oko_ref(school.edu_login, school.name), school_login_edu=school.edu_login,
        classes=classes, uploaded_at=datetime.fromtimestamp(mtime, timezone.utc).strftime("%d.%m.%Y %H:%M")))
    _index_rows(w, rel, rows, paper, _Layout("upload"))
    return rel


def _index_rows(w: _InboxWriter, rel: str, rows, paper: VprPaper, layout: _Layout) -> None:
    """Record where every planted cell and every kind of dirt ended up (for the truth file)."""
    for kind, flag in (("title_rows", bool(layout.title_rows)), ("header_spaces", layout.header_spaces),
                       ("numbers_as_text", layout.numbers_as_text)):
        if flag:
            w.note(kind, path=rel)
    for i, (_, r, _) in enumerate(rows):
        n = layout.first_row() + i

        def where(what: str, k: int = 0, value=None, n=n) -> dict:
            return dict(path=rel, row=n, column=layout.column(what, paper, k), value=value)

        if r.absent:
            w.note("absent", **where("variant", value=r.variant_cell))
            continue
        if r.set_aside:
            k = next(k for k, c in enumerate(paper.criteria) if r.points[k] > c.max_points)
            w.set_aside.append(dict(where("criterion", k, r.points[k]), sheet=_sheet(layout),
                                    criterion_max=paper.criteria[k].max_points, primary_score=r.score,
                                    max_score=paper.max_score, reason="above_max"))
        for k, cell in enumerate(r.criteria_cells):
            if isinstance(cell, str):
                w.note(f"not_done:{cell}", **where("criterion", k, cell))
        if r.total_cell != r.score and not r.set_aside:
            w.warnings.append(dict(path=rel, row=n, column=layout.column("total", paper), file_total=r.total_cell,
                                   criteria_sum=r.score))
        if isinstance(r.journal_cell, str) or r.journal_cell == 1:
            w.note(_journal_kind(r.journal_cell), **where("journal", value=r.journal_cell))
        if r.gender_cell not in ("м", "ж"):
            w.note(f"gender:{r.gender_cell}", **where("gender", value=r.gender_cell))
        if r.class_cell not in ("а", "б", "в"):
            w.note(f"class:{r.class_cell}", **where("class", value=r.class_cell))
        if r.variant_cell == 0:
            w.note("variant:0", **where("variant", value=0))


def _journal_kind(cell) -> str:
    if cell == "":
        return "journal:empty"
    if isinstance(cell, str) and cell.endswith("\u00a0"):
        return "journal:nbsp"
    return f"journal:{cell}"


def _sheet(layout: _Layout) -> str:
    return L.UPLOAD_SHEET if layout.kind == "upload" else "Лист1"


def _write_broken(w: _InboxWriter, folder: str, name: str, reason: str, sitting: Sitting, paper: VprPaper, mtime: int) -> str:
    if reason == "not_spreadsheet":
        rel = w.write(f"{folder}/{name}", mtime, lambda p: p.write_bytes(NOT_SPREADSHEET_TEXT.encode("utf-8")))
    elif reason == "empty_file":
        rel = w.write(f"{folder}/{name}", mtime, lambda p: p.write_bytes(b""))
    elif reason == "missing_columns":  # a summary export: no `вариант`, no criterion columns
        header = ["логин школы", "регион", "номер обучающегося", "код обучающегося", "пол", "класс", "всего баллов"]
        body = [[sitting.school.login, REGION, i, r.code, r.gender_cell, r.class_cell, None if r.absent else r.score]
                for i, r in enumerate(sitting.results, 1)]
        rel = w.write(f"{folder}/{name}", mtime, lambda p: L.write_xlsx(p, [("Лист1", [header, *body])]))
    elif reason == "no_metadata":
        rows = _pupil_rows([sitting], REGION)
        rel = w.write(f"{folder}/{NO_METADATA_NAME}", mtime, lambda p: L.write_vpr_export(
            p, [row for _, _, row in rows], n_criteria=len(paper.criteria)))
    else:
        raise ValueError(reason)
    w.broken.append(dict(path=rel, reason=reason))
    return rel


def _write_resubmission(w: _InboxWriter, folder: str, name: str, sitting: Sitting, paper: VprPaper, mtime: int) -> str:
    """The first version has a few wrong scores; the corrected one, in a sub-folder, is newer."""
    first, changed = _with_errors(sitting, paper)
    rel1 = w.write(f"{folder}/{name}", _utc(2023, 4, 20, 10), lambda p: L.write_vpr_export(
        p, [row for _, _, row in _pupil_rows([first], REGION)], n_criteria=len(paper.criteria)))
    rel2 = _write_export(w, f"{folder}/{RESUBMISSION_FOLDER}/{name}", _utc(2023, 4, 27, 15), [sitting], paper,
                         _Layout("cyrillic"), REGION)
    w.resubmission = dict(school_login=sitting.school.login, academic_year=sitting.academic_year,
                          paper=_paper_ref(paper), first=rel1, second=rel2, changed_cells=changed)
    return rel2


def _with_errors(sitting: Sitting, paper: VprPaper) -> tuple[Sitting, list[dict]]:
    """A copy of the sitting with one criterion off by one point for three pupils."""
    results, changed = [], []
    present = [i for i, r in enumerate(sitting.results) if r.counted]
    wrong = {present[1], present[5], present[9]}
    for i, r in enumerate(sitting.results):
        if i in wrong:
            k = next(k for k in range(len(r.points) - 1, -1, -1) if isinstance(r.criteria_cells[k], int))
            new = r.points[k] - 1 if r.points[k] > 0 else r.points[k] + 1
            cells = list(r.criteria_cells)
            cells[k] = new
            changed.append(dict(code=r.code, column=f"балл за {k + 1}", first=new, second=r.points[k]))
            total = sum(c for c in cells if isinstance(c, int))
            r = VprResult(**{**r.__dict__, "criteria_cells": cells, "total_cell": total})
        results.append(r)
    return Sitting(sitting.school, sitting.academic_year, paper, results), changed


# ---- OGE / EGE -----------------------------------------------------------------------------

#: (academic year, procedure) -> (format, encoding) of the RCOI protocol.
EXAM_FORMATS = {
    (Y21, "oge"): ("csv", "cp1251"), (Y21, "ege"): ("csv", "cp1251"),
    (Y22, "oge"): ("xlsx", "utf-8"), (Y22, "ege"): ("xlsx", "utf-8"),
    (Y23, "oge"): ("xlsx", "utf-8"), (Y23, "ege"): ("csv", "utf-8"),
}


def _write_exam_window(w: _InboxWriter, region: Region, year: str, procedure: str) -> None:
    y = spring_year(year)
    fmt, encoding = EXAM_FORMATS[(year, procedure)]
    subjects = OGE_SUBJECTS if procedure == "oge" else EGE_SUBJECTS
    order = {s.subject: i for i, s in enumerate(subjects)}
    results = [r for (_, yy, proc), e in region.exams.items() if yy == year and proc == procedure for r in e.results]
    results.sort(key=lambda r: (order[r.subject.subject], r.school.login, r.participant_code))
    rows = [L.ExamRow(
        school_code=r.school.oge_code if procedure == "oge" else r.school.ege_code,
        participant_code=r.participant_code, subject=r.subject.subject, primary=r.primary, mark=r.mark,
        annual_mark=r.annual, short_answers=r.short, long_answers=r.long, test_score=r.test_score,
    ) for r in results]
    label = "ОГЭ" if procedure == "oge" else "ЕГЭ"
    rel = f"{year}/{procedure}/Протокол {label} {y}.{fmt}"
    w.write(rel, _utc(y, 7, 5 if procedure == "oge" else 20, 12),
            lambda p: L.write_exam_protocol(p, rows, fmt=fmt, encoding=encoding))


# --------------------------------------------------------------------------------------------
# The truth file
# --------------------------------------------------------------------------------------------


def _paper_ref(paper) -> dict:
    grade = getattr(paper, "grade", 9 if paper.procedure == "oge" else 11)
    return dict(procedure=paper.procedure, grade=grade, subject=paper.subject)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def _truth(region: Region, w: _InboxWriter) -> dict:
    return dict(
        seed=region.seed,
        region=REGION,
        municipality=DEMO_MUNICIPALITY,
        academic_years=list(ACADEMIC_YEARS),
        generator=dict(promise_rounds=region.rounds, redraws=region.redraws),
        schools=[dict(login=s.login, name=s.name, municipality=s.municipality, kind=s.kind, settlement=s.settlement,
                      oge_code=s.oge_code, ege_code=s.ege_code, role=s.role) for s in ALL_SCHOOLS],
        inflated_schools=_inflated_truth(region),
        low_results_schools=_low_results_truth(region),
        clean_schools=[s.login for s in ALL_SCHOOLS if s.role != ROLE_INFLATED],
        small_schools=_small_truth(region),
        broken_files=sorted(w.broken, key=lambda b: b["path"]),
        set_aside_rows=w.set_aside,
        warning_rows=w.warnings,
        resubmission=w.resubmission,
        **{kind: sorted(paths) for kind, paths in sorted(w.file_kinds.items())},
        dirt={kind: dict(count=d.count, examples=d.examples) for kind, d in sorted(w.dirt.items())},
        expected_counts=_expected_counts(region),
    )


def _inflated_truth(region: Region) -> list[dict]:
    out = []
    for school in (s for s in ALL_SCHOOLS if s.role == ROLE_INFLATED):
        evidence = []
        for year in ACADEMIC_YEARS:
            for paper in VPR_CORE:
                sittings = [s for s in region.paper_sittings(year, paper) if s.counted]
                stats = paper_stats([r.score for s in sittings for r in s.counted], paper.max_score,
                                    (paper.min_3, paper.min_4, paper.min_5))
                mine = region.sittings[(school.login, year, paper.key)].counted
                o = school_objectivity(stats, [r.score for r in mine], [(r.journal, r.score) for r in mine if r.journal is not None])
                b = o["bunching"][paper.min_3]
                lifted = sum(1 for r in mine if r.earned is not None and r.earned < paper.min_3 <= r.score)
                evidence.append(dict(academic_year=year, **_paper_ref(paper), participants=o["participants"],
                                     mean=_r(o["mean"]), ci_lower=_r(o["ci_lower"]), region_ci_upper=_r(o["region_ci_upper"]),
                                     spearman=_r(o["spearman"]), pairs=o["pairs"], boundary=paper.min_3,
                                     window=b["window"], at_boundary=b["at_boundary"],
                                     expected_share=_r(b["expected_share"]), p_value=float(f"{b['p_value']:.3e}"),
                                     lifted_to_boundary=lifted))
        out.append(dict(login=school.login, name=school.name, municipality=school.municipality, kind=school.kind,
                        checks=["O1", "O2", "O4"], years=list(ACADEMIC_YEARS),
                        papers=[_paper_ref(p) for p in VPR_CORE], evidence=evidence))
    return out


def _below_min_papers(region: Region, school: DemoSchool, year: str) -> list[dict]:
    """The school's procedures (≥10 participants) with at least 30 % below the minimum."""
    found = []
    for paper in VPR_PAPERS:
        rs = region.sittings[(school.login, year, paper.key)].counted
        found.append((_paper_ref(paper), len(rs), sum(r.score < paper.min_3 for r in rs)))
    for procedure, subjects in (("oge", OGE_SUBJECTS), ("ege", EGE_SUBJECTS)):
        exam = region.exams.get((school.login, year, procedure))
        for subject in subjects:
            rs = [r for r in (exam.results if exam else []) if r.subject is subject]
            found.append((_paper_ref(subject), len(rs), sum(r.below_min for r in rs)))
    return [dict(**ref, participants=n, below_min=k, share=_r(k / n)) for ref, n, k in found
            if n >= MIN_PARTICIPANTS and k / n >= 0.3]


def _low_results_truth(region: Region) -> list[dict]:
    out = []
    for school in ALL_SCHOOLS:
        previous: list[dict] = []
        for year in ACADEMIC_YEARS:
            papers = _below_min_papers(region, school, year)
            key = lambda p: (p["procedure"], p["grade"], p["subject"])  # noqa: E731
            repeated = {key(p) for p in papers} & {key(p) for p in previous}
            reason = "two_procedures" if len(papers) >= 2 else "consecutive_years" if repeated else None
            if reason:
                out.append(dict(login=school.login, name=school.name, municipality=school.municipality,
                                academic_year=year, reason=reason,
                                planted=school.role == ROLE_LOW and year == LOW_RESULTS_YEAR, papers=papers))
            previous = papers
    planted = [e for e in out if e["planted"]]
    wanted = {(p.grade, p.subject) for p in LOW_RESULTS_PAPERS}
    assert planted and wanted <= {(p["grade"], p["subject"]) for p in planted[0]["papers"]}, "ШНОР plant missing"
    return out


def _small_truth(region: Region) -> list[dict]:
    out = []
    for (login, year, key), s in region.sittings.items():
        n = len(s.counted)
        if s.school in ALL_SCHOOLS and not s.lost and 0 < n < 5:
            out.append(dict(login=login, academic_year=year, **_paper_ref(s.paper), participants=n))
    return out


def _expected_counts(region: Region) -> list[dict]:
    out = []
    for year in ACADEMIC_YEARS:
        for paper in VPR_PAPERS:
            sittings = [s for s in region.paper_sittings(year, paper) if s.school in ALL_SCHOOLS and not s.lost]
            demo = [s for s in sittings if s.school.municipality == DEMO_MUNICIPALITY]
            out.append(dict(academic_year=year, window=WINDOW_VPR, **_paper_ref(paper),
                            municipality_participants=sum(len(s.counted) for s in demo),
                            region_participants=sum(len(s.counted) for s in sittings),
                            municipality_absent=sum(r.absent for s in demo for r in s.results),
                            region_absent=sum(r.absent for s in sittings for r in s.results)))
        for procedure, subjects in (("oge", OGE_SUBJECTS), ("ege", EGE_SUBJECTS)):
            for subject in subjects:
                rs = region.exam_results(year, procedure, subject.subject)
                out.append(dict(academic_year=year, window=procedure, **_paper_ref(subject),
                                municipality_participants=sum(r.school.municipality == DEMO_MUNICIPALITY for r in rs),
                                region_participants=len(rs), municipality_absent=0, region_absent=0))
    return out
