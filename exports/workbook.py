"""The yearly workbook officials read (INDICATORS.md §E), in Russian, one file per academic
year: a title block naming the data it was built from, the annex sheet per municipality (№,
Критерий/показатель, Единица измерения, municipality, each school, region, last year), the
objectivity, ШНОР, VPR-vs-journal, task-solvability and load-report sheets, charts, the files
received and the rows set aside.

xlsxwriter, not openpyxl (the issue named openpyxl): measured 3.6× faster at regional size in
constant-memory mode (PERF_NOTES.md), native charts, and with strings_to_formulas off a
school name beginning with «=» can never become a formula. Cells go through exports/cells.py
into exports/xlsx_fast.py's worksheets, which write the same XML ≈2× faster at region size
(benchmarks/compare_workbooks.py compares a book before and after a writer change).
"""
from __future__ import annotations

import hashlib
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from exports.cells import (PROCEDURE_RU, SUPPRESSED_TEXT, UNIT_LABEL, formats, row_height,
                           new_workbook, sheet_name, write_measure, write_text)
from exports.charts import mark_distribution_sheet, score_histogram_sheet
from exports.sheets import SHEETS
from exports.tables import write_table, write_title
from exports.texts import FILE_STATUS
from exports.warehouse_reads import existing_tables, school_names
from msoko import faults
from msoko.atomic import atomic_target


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    started_at: datetime


def _annex_sheet(wb, fmt, con, year: str, municipality: str, names: dict):
    schools = [login for (login,) in con.execute("""
        select distinct school_login from marts.msoko_indicators
        where academic_year = ? and level = 'school' and municipality = ?""",
                                                  [year, municipality]).fetchall()]
    schools.sort(key=lambda login: names.get(login, login))
    rows = con.execute("""
        select indicator_code, any_value(indicator_name), unit, procedure, grade, subject
        from marts.msoko_indicators
        where academic_year = ? and level = 'municipality' and municipality = ?
        group by indicator_code, unit, procedure, grade, subject
        order by procedure, grade, subject, indicator_code, unit""",
                       [year, municipality]).fetchall()
    values = {}
    for code, proc, grade, subj, unit, level, login, value, suppressed, prev in con.execute("""
            select indicator_code, procedure, grade, subject, unit, level, school_login,
                   value, suppressed, prev_value
            from marts.msoko_indicators
            where academic_year = ? and (municipality = ? or level = 'region')""",
                                                                          [year, municipality]).fetchall():
        values[(code, proc, grade, subj, unit, level, login)] = (value, suppressed, prev)

    ws = wb.add_worksheet(sheet_name("Показатели", municipality))
    write_text(ws, 0, 0, f"Показатели эффективности оценки качества подготовки обучающихся — "
                         f"{municipality}, {year} учебный год", fmt, "title")
    write_text(ws, 1, 0, f"Проценты — доля участников работы. «{SUPPRESSED_TEXT}»: значение "
                         f"не публикуется. Последний столбец — значение муниципалитета годом ранее.",
               fmt, "aside")
    header = (["№", "Критерий/показатель", "Единица измерения", "Работа", municipality]
              + [names.get(login, login) for login in schools]
              + ["Регион", "Муниципалитет, прошлый год"])
    widths = [6, 40, 11, 20] + [14] * (len(header) - 4)
    ws.set_row(2, row_height(header, widths) + 15)
    for c, text in enumerate(header):
        write_text(ws, 2, c, text, fmt, "header")
    first_value = 4
    for r, (code, name, unit, proc, grade, subj) in enumerate(rows, start=3):
        paper = f"{PROCEDURE_RU.get(proc, proc)}, {grade} класс, {subj}"
        ws.set_row(r, row_height([code, name, "", paper], widths))
        key = (code, proc, grade, subj, unit)
        write_text(ws, r, 0, code, fmt)
        write_text(ws, r, 1, name, fmt)
        write_text(ws, r, 2, UNIT_LABEL.get(unit, unit), fmt)
        write_text(ws, r, 3, paper, fmt)
        muni = values.get(key + ("municipality", None), (None, False, None))
        write_measure(ws, r, first_value, muni[0], unit, fmt, muni[1])
        for i, login in enumerate(schools, start=first_value + 1):
            v = values.get(key + ("school", login), (None, False, None))
            write_measure(ws, r, i, v[0], unit, fmt, v[1])
        region = values.get(key + ("region", None), (None, False, None))
        write_measure(ws, r, len(header) - 2, region[0], unit, fmt, region[1])
        write_measure(ws, r, len(header) - 1, muni[2], unit, fmt)
    ws.freeze_panes(3, first_value)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)                      # A4
    ws.repeat_rows(2)
    ws.repeat_columns(0, 1)              # every printed page keeps № and the indicator
    if len(header) <= 20:
        ws.fit_to_pages(1, 0)            # up to ~14 schools fit one page width legibly


TITLE_VALUE_WIDTH = 95


def _inputs(con, year):
    return con.execute("""
        select path, sha256, status, "window"
        from audit.files where academic_year = ? or academic_year is null
        order by academic_year nulls first, "window", path""", [year]).fetchall()


def fingerprint(hashes) -> str:
    """One hash for the whole set of input files: equal iff the same file versions."""
    return hashlib.sha256("\n".join(sorted(h for h in hashes if h)).encode()).hexdigest()


def _title_sheet(ws, fmt, con, year, run: RunInfo, notes: list[str], warehouse: str):
    inputs = _inputs(con, year)
    windows = sorted({w for *_, w in inputs if w})
    by_status: dict[str, int] = {}
    for _, _, status, _ in inputs:
        by_status[status] = by_status.get(status, 0) + 1
    r = write_title(ws, fmt, f"МСОКО: результаты оценочных процедур, {year} учебный год", [])
    lines = [
        ("Учебный год", year),
        ("Окна оценочных процедур", ", ".join(windows) or "—"),
        ("Входные файлы", f"{len(inputs)}: " + ", ".join(
            f"{FILE_STATUS.get(s, s)} {n}" for s, n in sorted(by_status.items()))
         + "; список с SHA-256 — ниже и на листе «Загрузка»"),
        ("Отпечаток набора файлов", fingerprint(h for _, h, _, _ in inputs)),
        ("Запуск", run.run_id),
        ("Сформировано", run.started_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("Хранилище", warehouse),
        ("Скрытые значения", f"«{SUPPRESSED_TEXT}»: показатель рассчитан менее чем по 5 "
                             f"участникам и не публикуется"),
    ] + [("Не сформировано", note) for note in notes]
    for k, v in lines:
        ws.set_row(r, row_height([v], [TITLE_VALUE_WIDTH]))
        write_text(ws, r, 0, k, fmt, "key")
        write_text(ws, r, 1, v, fmt)
        r += 1
    write_text(ws, r + 1, 0, "Входные файлы", fmt, "subtitle")
    write_table(ws, fmt, r + 2, ["Статус", "Файл", "SHA-256"], ["text"] * 3,
                [(FILE_STATUS.get(s, s), p, h) for p, h, s, _ in inputs],
                [26, TITLE_VALUE_WIDTH, 68], freeze=False, autofilter=False)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _load_sheet(wb, fmt, con, year):
    files = con.execute("""
        select path, "window",
               coalesce(school_login, regexp_extract(path, '/(sch[^/]+)/[^/]+$', 1), ''),
               status, rows_read, rows_loaded,
               rows_set_aside, coalesce(message, ''), sha256
        from audit.files where academic_year = ? or academic_year is null
        order by status <> 'rejected', path""", [year]).fetchall()
    ws = wb.add_worksheet("Загрузка")
    top = write_title(ws, fmt, f"Полученные файлы, {year} учебный год", [
        "Каждая версия каждого файла с её SHA-256: отклонённые — первыми, с причиной."])
    write_table(ws, fmt, top, ["Файл", "Окно", "Школа", "Статус", "Строк прочитано", "Загружено",
                               "Отложено", "Сообщение", "SHA-256"],
                ["text", "text", "text", "text", "int", "int", "int", "text", "text"],
                [(p, w, s, FILE_STATUS.get(st, st), a, b, c, m, h)
                 for p, w, s, st, a, b, c, m, h in files],
                [60, 14, 12, 11, 10, 10, 10, 80, 20])


def _rejected_sheet(wb, fmt, con, year):
    rejected = con.execute("""
        select f.path, r.sheet, r.row_number, r.column_name, r.value, r.message
        from audit.rejected_rows r join audit.files f using (sha256)
        where f.academic_year = ? order by f.path, r.row_number""", [year]).fetchall()
    ws = wb.add_worksheet("Отложенные строки")
    top = write_title(ws, fmt, f"Строки, отложенные при проверке, {year} учебный год", [
        "Эти строки не учтены ни в одном показателе; исправьте файл и пришлите его снова."])
    write_table(ws, fmt, top, ["Файл", "Лист", "Строка", "Столбец", "Значение", "Причина"],
                ["text", "text", "int", "text", "text", "text"], rejected,
                [60, 12, 8, 22, 14, 100])


def write_year_workbook(con, year: str, target: Path, run: RunInfo, warehouse: str = "") -> Path:
    with atomic_target(target) as tmp:
        _write_book(con, year, tmp, run, warehouse)
    return target


def _write_book(con, year: str, tmp: Path, run: RunInfo, warehouse: str) -> None:
    tables = existing_tables(con)
    names = school_names(con)
    municipality_schools: dict[str, list[str]] = {}
    for muni, login in con.execute("""
            select distinct municipality, school_login from marts.msoko_indicators
            where academic_year = ? and level = 'school' order by 1""", [year]).fetchall():
        municipality_schools.setdefault(muni, []).append(login)
    for logins in municipality_schools.values():
        logins.sort(key=lambda login: names.get(login, login))
    wb = new_workbook(tmp)
    fmt = formats(wb)
    title = wb.add_worksheet("Титул")      # first tab; filled last, when the notes are known
    for municipality in municipality_schools:
        _annex_sheet(wb, fmt, con, year, municipality, names)
    notes = [n for n in (writer(wb, fmt, con, year, names, tables) for writer in SHEETS) if n]
    mark_distribution_sheet(wb, fmt, con, year, names, municipality_schools)
    score_histogram_sheet(wb, fmt, con, year, list(municipality_schools), tables)
    _load_sheet(wb, fmt, con, year)
    _rejected_sheet(wb, fmt, con, year)
    _title_sheet(title, fmt, con, year, run, notes, warehouse)
    wb.close()
    faults.reached("workbook")


def write_workbooks(warehouse: Path, out_dir: Path, run: RunInfo) -> list[Path]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        years = [y for (y,) in con.execute(
            "select distinct academic_year from marts.msoko_indicators order by 1").fetchall()]
        # Every book is written before any replaces its predecessor: a run that dies half-way
        # leaves all of last run's books, never a mix of two runs.
        targets = [out_dir / f"msoko_{y}.xlsx" for y in years]
        with ExitStack() as publish:
            for year, target in zip(years, targets):
                _write_book(con, year, publish.enter_context(atomic_target(target)), run,
                            str(warehouse))
        return targets
    finally:
        con.close()
