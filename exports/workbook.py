"""The yearly workbook officials read (INDICATORS.md §E), in Russian, one file per academic
year: the annex sheet (№, Критерий/показатель, Единица измерения, municipality, each school,
region, previous year), the load report and the set-aside rows.

xlsxwriter, not openpyxl: it writes charts, streams large sheets in constant memory, and with
strings_to_formulas off a school name beginning with «=» can never become a formula.
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import xlsxwriter

from exports.atomic import atomic_target
from msoko import faults

SUPPRESSED_TEXT = "менее 5 участников"
UNIT_LABEL = {"%": "%", "балл": "балл", "отметка": "отметка", "count": "чел."}
MAX_SHEET_NAME = 31


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    started_at: datetime


def _formats(wb):
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                 "bg_color": "#DDEBF7", "border": 1}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "pct": wb.add_format({"num_format": "0.0", "border": 1}),
        "num": wb.add_format({"num_format": "0.00", "border": 1}),
        "int": wb.add_format({"num_format": "0", "border": 1}),
        "muted": wb.add_format({"italic": True, "font_color": "#7F7F7F", "border": 1}),
    }


def _write_value(ws, row, col, value, unit, suppressed, fmt):
    if suppressed:
        ws.write_string(row, col, SUPPRESSED_TEXT, fmt["muted"])
    elif value is None:
        ws.write_blank(row, col, None, fmt["text"])
    else:
        ws.write_number(row, col, float(value), fmt["pct"] if unit == "%" else fmt["num"])


def _sheet_name(prefix: str, name: str) -> str:
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\")
    return f"{prefix} ({cleaned})"[:MAX_SHEET_NAME]


def _annex_sheet(wb, fmt, con, year: str, municipality: str):
    schools = con.execute("""
        select distinct i.school_login, coalesce(s.school_name, i.school_login)
        from marts.msoko_indicators i left join staging.stg_schools s using (school_login)
        where i.academic_year = ? and i.level = 'school' and i.municipality = ?
        order by 2""", [year, municipality]).fetchall()
    rows = con.execute("""
        select indicator_code, indicator_name, unit, procedure, grade, subject, "window"
        from marts.msoko_indicators
        where academic_year = ? and level = 'municipality' and municipality = ?
        group by all order by indicator_code, procedure, grade, subject, unit""",
                       [year, municipality]).fetchall()
    values = {}
    for (code, proc, grade, subj, unit, window, level, login, value, suppressed, prev) in con.execute("""
        select indicator_code, procedure, grade, subject, unit, "window", level, school_login,
               value, suppressed, prev_value
        from marts.msoko_indicators
        where academic_year = ? and (municipality = ? or level = 'region')""",
            [year, municipality]).fetchall():
        values[(code, proc, grade, subj, unit, window, level, login)] = (value, suppressed, prev)

    ws = wb.add_worksheet(_sheet_name("Показатели", municipality))
    ws.write_string(0, 0, f"Показатели эффективности оценки качества подготовки обучающихся — "
                          f"{municipality}, {year} учебный год", fmt["title"])
    header = ["№", "Критерий/показатель", "Единица измерения", "Процедура", "Класс", "Предмет",
              municipality] + [name for _, name in schools] + ["Регион", "Муниципалитет, прошлый год"]
    for c, text in enumerate(header):
        ws.write_string(2, c, text, fmt["header"])
    r = 3
    for code, name, unit, proc, grade, subj, window in rows:
        key = (code, proc, grade, subj, unit, window)
        ws.write_string(r, 0, code, fmt["text"])
        ws.write_string(r, 1, name or "", fmt["text"])
        ws.write_string(r, 2, UNIT_LABEL.get(unit, unit), fmt["text"])
        ws.write_string(r, 3, proc.upper(), fmt["text"])
        ws.write_number(r, 4, grade, fmt["int"])
        ws.write_string(r, 5, subj, fmt["text"])
        muni = values.get(key + ("municipality", None), (None, False, None))
        _write_value(ws, r, 6, muni[0], unit, muni[1], fmt)
        for i, (login, _) in enumerate(schools):
            v = values.get(key + ("school", login))
            if v:
                _write_value(ws, r, 7 + i, v[0], unit, v[1], fmt)
        region = values.get(key + ("region", None), (None, False, None))
        _write_value(ws, r, 7 + len(schools), region[0], unit, region[1], fmt)
        _write_value(ws, r, 8 + len(schools), muni[2], unit, False, fmt)
        r += 1
    ws.freeze_panes(3, 3)
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 42)
    ws.set_column(2, 5, 12)
    ws.set_column(6, 8 + len(schools), 16)
    ws.set_row(2, 60)


def _table_sheet(wb, fmt, name, header, rows, widths):
    ws = wb.add_worksheet(name)
    for c, text in enumerate(header):
        ws.write_string(0, c, text, fmt["header"])
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, fmt["int"])
            else:
                ws.write_string(r, c, str(value), fmt["text"])
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    return ws


STATUS_RU = {"accepted": "принят", "rejected": "отклонён", "superseded": "заменён"}


def _title_sheet(wb, fmt, con, year, run: RunInfo):
    ws = wb.add_worksheet("Титул")
    windows = [w for (w,) in con.execute(
        'select distinct "window" from audit.files where academic_year = ? order by 1', [year]).fetchall()]
    ws.write_string(0, 0, f"МСОКО: результаты оценочных процедур, {year} учебный год", fmt["title"])
    lines = [
        ("Учебный год", year),
        ("Окна оценочных процедур", ", ".join(windows)),
        ("Запуск", run.run_id),
        ("Сформировано", run.started_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("Источники", "лист «Загрузка»: каждый файл с его SHA-256 и результатом проверки"),
        ("Скрытые значения", f"«{SUPPRESSED_TEXT}»: показатель рассчитан менее чем по 5 участникам и не публикуется"),
    ]
    for i, (k, v) in enumerate(lines, start=2):
        ws.write_string(i, 0, k, fmt["header"])
        ws.write_string(i, 1, v, fmt["text"])
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)


def write_year_workbook(con, year: str, target: Path, run: RunInfo) -> Path:
    with atomic_target(target) as tmp:
        _write_book(con, year, tmp, run)
    return target


def _write_book(con, year: str, tmp: Path, run: RunInfo) -> None:
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    fmt = _formats(wb)
    _title_sheet(wb, fmt, con, year, run)
    municipalities = [m for (m,) in con.execute("""
        select distinct municipality from marts.msoko_indicators
        where academic_year = ? and level = 'municipality' order by 1""", [year]).fetchall()]
    for municipality in municipalities:
        _annex_sheet(wb, fmt, con, year, municipality)
    files = con.execute("""
        select path, "window", coalesce(school_login, ''), status, rows_read, rows_loaded,
               rows_set_aside, coalesce(message, ''), sha256
        from audit.files where academic_year = ? or academic_year is null
        order by status <> 'rejected', path""", [year]).fetchall()
    _table_sheet(wb, fmt, "Загрузка",
                 ["Файл", "Окно", "Школа", "Статус", "Строк прочитано", "Загружено",
                  "Отложено", "Сообщение", "SHA-256"],
                 [(p, w, s, STATUS_RU.get(st, st), a, b, c, m, h)
                  for p, w, s, st, a, b, c, m, h in files],
                 [60, 14, 12, 11, 10, 10, 10, 80, 20])
    rejected = con.execute("""
        select r.path, r.sheet, r.row_number, r.column_name, r.value, r.message
        from audit.rejected_rows r join audit.files f using (sha256)
        where f.academic_year = ? order by r.path, r.row_number""", [year]).fetchall()
    _table_sheet(wb, fmt, "Отложенные строки",
                 ["Файл", "Лист", "Строка", "Столбец", "Значение", "Причина"],
                 rejected, [60, 12, 8, 22, 14, 100])
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
                _write_book(con, year, publish.enter_context(atomic_target(target)), run)
        return targets
    finally:
        con.close()
