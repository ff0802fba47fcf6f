"""The load report (отчёт о загрузке) of one school for one assessment window: what arrived,
what was accepted or rejected and why, and every row to correct — as a sheet a school can be
sent to fix its file (issue 3; data from audit.load_report, audit.load_report_files,
audit.rejected_rows, audit.row_warnings).

Public API
- `read_school_load_report(con, academic_year, window, school_login) -> SchoolLoadReport | None`
  reads one school's report from an open DuckDB connection to the warehouse (None when the
  school sent nothing in that window). `school_login=None` reads what no school could be
  named for.
- `school_load_reports(con, academic_year=None) -> list[SchoolLoadReport]`: every school ×
  window of the year (all years when None), ordered by window, school.
- `write_load_report_sheet(workbook, report, sheet_name=None) -> Worksheet` adds the sheet to
  an open xlsxwriter workbook.
- `write_school_load_report(path, warehouse, academic_year, window, school_login) -> Path`
  writes a stand-alone one-sheet xlsx for e-mailing to the school.
The yearly workbook does not use these: its «Отчёт о загрузке» sheet (exports/sheets.py) is
one table of every window × school from audit.load_report.

Text from files (paths, values, school names) is written with `write_string`, so a cell like
«=HYPERLINK(…)» stays text whatever the workbook's options; stand-alone files are also
opened with the yearly workbook's options (exports/cells.py `workbook_options`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import xlsxwriter

from exports.cells import workbook_options
from msoko.atomic import atomic_target

MAX_SHEET_NAME = 31
STATUS_RU = {"accepted": "принят", "rejected": "отклонён", "superseded": "заменён новой версией"}


@dataclass
class SchoolLoadReport:
    academic_year: str | None
    window: str | None
    school_login: str | None
    school_name: str | None
    municipality: str | None
    summary: dict                                        # one row of audit.load_report
    files: list[dict] = field(default_factory=list)      # the school's file versions
    set_aside: list[dict] = field(default_factory=list)  # the school's rows to correct
    warnings: list[dict] = field(default_factory=list)   # loaded rows with a doubtful value


def _dicts(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


_FILES_SQL = """
    select path, received_at, status, rows_read, rows_loaded, rows_set_aside, cleaned_cells,
           dropped_name_columns, message
    from audit.load_report_files
    where academic_year is not distinct from ? and "window" is not distinct from ?
      and school_login is not distinct from ?
    order by received_at, path
"""
_SET_ASIDE_SQL = """
    select r.path, r.sheet, r.row_number, r.column_name, r.value, r.message
    from audit.rejected_rows r
    join audit.load_report_files f
      on f.sha256 = r.sha256 and f.path = r.path and f.school_login is not distinct from r.school_login
    where f.status = 'accepted'
      and f.academic_year is not distinct from ? and f."window" is not distinct from ?
      and f.school_login is not distinct from ?
    order by r.path, r.row_number
"""
_WARNINGS_SQL = """
    with row_school as (
        select sha256, row_number, school_login from staging.stg_pupil_results
        union all
        select sha256, row_number, school_login from staging.stg_exam_results
    )
    select distinct w.path, w.sheet, w.row_number, w.column_name, w.value, w.message
    from audit.row_warnings w
    join row_school s on s.sha256 = w.sha256 and s.row_number = w.row_number
    join audit.load_report_files f
      on f.sha256 = w.sha256 and f.path = w.path and f.school_login is not distinct from s.school_login
    where f.status = 'accepted'
      and f.academic_year is not distinct from ? and f."window" is not distinct from ?
      and f.school_login is not distinct from ?
    order by w.path, w.row_number
"""


def read_school_load_report(con: duckdb.DuckDBPyConnection, academic_year: str | None,
                            window: str | None, school_login: str | None) -> SchoolLoadReport | None:
    key = [academic_year, window, school_login]
    rows = _dicts(con.execute("""
        select * from audit.load_report
        where academic_year is not distinct from ? and "window" is not distinct from ?
          and school_login is not distinct from ?""", key))
    if not rows:
        return None
    summary = rows[0]
    return SchoolLoadReport(
        academic_year=academic_year, window=window, school_login=school_login,
        school_name=summary.get("school_name"), municipality=summary.get("municipality"),
        summary=summary,
        files=_dicts(con.execute(_FILES_SQL, key)),
        set_aside=_dicts(con.execute(_SET_ASIDE_SQL, key)),
        warnings=_dicts(con.execute(_WARNINGS_SQL, key)),
    )


def school_load_reports(con: duckdb.DuckDBPyConnection,
                        academic_year: str | None = None) -> list[SchoolLoadReport]:
    keys = con.execute("""
        select academic_year, "window", school_login from audit.load_report
        where ? is null or academic_year = ?
        order by academic_year nulls last, "window" nulls last, school_login nulls last""",
                       [academic_year, academic_year]).fetchall()
    return [r for k in keys if (r := read_school_load_report(con, *k)) is not None]


def default_sheet_name(report: SchoolLoadReport) -> str:
    cleaned = "".join(ch for ch in (report.school_login or "без школы") if ch not in "[]:*?/\\'")
    return f"Загрузка {cleaned}"[:MAX_SHEET_NAME]


def _formats(wb) -> dict:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True}),
        "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                 "bg_color": "#DDEBF7", "border": 1}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "int": wb.add_format({"num_format": "0", "valign": "top", "border": 1}),
        "bad": wb.add_format({"text_wrap": True, "valign": "top", "border": 1,
                              "bg_color": "#FCE4D6"}),
    }


def _cell(ws, r: int, c: int, value, fmt) -> None:
    """Numbers as numbers, everything else as literal text (never a formula or a link)."""
    if value is None:
        ws.write_blank(r, c, None, fmt["text"])
    elif isinstance(value, bool):
        ws.write_string(r, c, "да" if value else "нет", fmt["text"])
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt["int"])
    else:
        ws.write_string(r, c, str(value), fmt["text"])


def _table(ws, r: int, fmt, title: str, header: list[str], rows: list[list], empty: str) -> int:
    ws.write_string(r, 0, title, fmt["bold"])
    r += 1
    if not rows:
        ws.write_string(r, 0, empty)
        return r + 2
    for c, h in enumerate(header):
        ws.write_string(r, c, h, fmt["header"])
    for row in rows:
        r += 1
        for c, v in enumerate(row):
            _cell(ws, r, c, v, fmt)
    return r + 2


def write_load_report_sheet(workbook: xlsxwriter.Workbook, report: SchoolLoadReport,
                            sheet_name: str | None = None):
    """Add one school's load report as a sheet of `workbook`; returns the worksheet."""
    # one set of formats per workbook, however many schools' sheets it holds
    fmt = getattr(workbook, "_msoko_load_report_formats", None)
    if fmt is None:
        fmt = _formats(workbook)
        workbook._msoko_load_report_formats = fmt
    ws = workbook.add_worksheet(sheet_name or default_sheet_name(report))
    ws.set_column(0, 0, 48)
    ws.set_column(1, 6, 14)
    ws.set_column(7, 7, 70)
    s = report.summary
    school = (f"{report.school_name} ({report.school_login})" if report.school_name
              else report.school_login or "школа не определена")
    ws.write_string(0, 0, "Отчёт о загрузке результатов", fmt["title"])
    ws.write_string(1, 0, f"Школа: {school}")
    ws.write_string(2, 0, f"Муниципалитет: {report.municipality or '—'}")
    ws.write_string(3, 0, f"Учебный год: {report.academic_year or '—'}; окно: {report.window or '—'}")
    lines = [
        ("Получено файлов", s["files_received"]), ("принято", s["files_accepted"]),
        ("отклонено", s["files_rejected"]), ("заменено новой версией", s["files_superseded"]),
        ("Строк прочитано", s["rows_read"]), ("загружено", s["rows_loaded"]),
        ("отложено (нужно исправить)", s["rows_set_aside"]),
        ("в заменённых версиях файлов", s["rows_superseded"]),
        ("в отклонённых файлах", s["rows_in_rejected_files"]),
        ("Строк загружено с предупреждением", s["rows_with_warnings"]),
    ]
    r = 5
    for label, value in lines:
        ws.write_string(r, 0, label)
        _cell(ws, r, 1, value, fmt)
        r += 1
    if s.get("personal_data_note"):
        ws.write_string(r, 0, s["personal_data_note"], fmt["bold"])
        r += 1
    r += 1
    r = _table(ws, r, fmt, "Файлы",
               ["Файл", "Получен", "Статус", "Строк прочитано", "Загружено", "Отложено",
                "Очищено ячеек", "Сообщение"],
               [[f["path"], f["received_at"].strftime("%d.%m.%Y %H:%M") if f["received_at"] else None,
                 STATUS_RU.get(f["status"], f["status"]), f["rows_read"], f["rows_loaded"],
                 f["rows_set_aside"], f["cleaned_cells"], f["message"]] for f in report.files],
               "Файлов нет.")
    r = _table(ws, r, fmt, "Строки, которые нужно исправить и прислать снова",
               ["Файл", "Лист", "Строка", "Столбец", "Значение", "", "", "Что не так"],
               [[x["path"], x["sheet"], x["row_number"], x["column_name"], x["value"], None, None,
                 x["message"]] for x in report.set_aside],
               "Отложенных строк нет.")
    _table(ws, r, fmt, "Предупреждения (строки загружены, значение не учтено)",
           ["Файл", "Лист", "Строка", "Столбец", "Значение", "", "", "Пояснение"],
           [[x["path"], x["sheet"], x["row_number"], x["column_name"], x["value"], None, None,
             x["message"]] for x in report.warnings],
           "Предупреждений нет.")
    return ws


def write_school_load_report(path: Path, warehouse: Path, academic_year: str | None,
                             window: str | None, school_login: str | None) -> Path | None:
    """A one-sheet xlsx with one school's load report (None when it sent nothing)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        report = read_school_load_report(con, academic_year, window, school_login)
    finally:
        con.close()
    if report is None:
        return None
    path = Path(path)
    # Written beside and renamed, so a school is never e-mailed half a file; the yearly
    # workbook's options (rows are written top to bottom, so constant memory holds).
    with atomic_target(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), workbook_options())
        try:
            write_load_report_sheet(wb, report)
        finally:
            wb.close()
    return path
