"""Cell formats and the only ways the workbook writes a value, so every sheet shows numbers,
percentages and suppressed values the same way, and text never becomes a formula."""
from __future__ import annotations

from exports.xlsx_fast import Workbook

SUPPRESSED_TEXT = "менее 5 участников"
MIN_PUBLISHED = 5          # INDICATORS.md §A: fewer participants → suppressed
UNIT_LABEL = {"%": "%", "балл": "балл", "отметка": "отметка", "count": "чел."}
PROCEDURE_RU = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "dkr": "ДКР",
                "regional-monitoring": "Региональный мониторинг", "meta": "Метапредметная диагностика"}
LEVEL_RU = {"school": "школа", "municipality": "муниципалитет", "region": "регион"}


def workbook_options() -> dict:
    # constant_memory streams each row to disk (PERF_NOTES: 3.6× faster than openpyxl at
    # regional size); the three strings_to_* switches keep text from input files as text.
    return {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False}


def new_workbook(path) -> Workbook:
    """The workbook every sheet helper here writes into: its worksheets have the fast
    put_* cell writers (exports/xlsx_fast.py) the write_* helpers below use."""
    return Workbook(str(path), workbook_options())


def formats(wb) -> dict:
    border = {"border": 1, "border_color": "#BFBFBF"}
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "subtitle": wb.add_format({"bold": True, "font_size": 11}),
        "note": wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                               "valign": "top"}),
        "aside": wb.add_format({"italic": True, "font_color": "#595959"}),
        "muted_line": wb.add_format({"italic": True, "font_color": "#7F7F7F"}),
        "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                 "bg_color": "#DDEBF7", **border}),
        "key": wb.add_format({"bold": True, "valign": "top", "bg_color": "#F2F2F2", **border}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", **border}),
        "line": wb.add_format({"valign": "top", **border}),
        "pct": wb.add_format({"num_format": "0.0%", "valign": "top", **border}),
        "num": wb.add_format({"num_format": "0.00", "valign": "top", **border}),
        "int": wb.add_format({"num_format": "0", "valign": "top", **border}),
        "muted": wb.add_format({"italic": True, "font_color": "#7F7F7F", "text_wrap": True,
                                **border}),
        "flag": wb.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE",
                               "text_wrap": True, "valign": "top", **border}),
        "ok": wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE", "valign": "top",
                             **border}),
        "pct_flag": wb.add_format({"num_format": "0.0%", "bold": True, "font_color": "#9C0006",
                                   "bg_color": "#FFC7CE", "valign": "top", **border}),
    }


# The only ways a sheet writes a cell; write_text, write_number and write_blank alone call
# the worksheet.
# Its put_string / put_number / put_blank are write_string / write_number / write_blank
# without the A1-notation decorator and with the cell's XML rendered once
# (exports/xlsx_fast.py): ≈1.7M cells at region size.

def write_text(ws, row, col, value, fmt, style="text"):
    """Text from any source is written as a string: «=СУММ(…)» stays text."""
    ws.put_string(row, col, "" if value is None else str(value), fmt[style])


def write_number(ws, row, col, value, fmt, style="num"):
    """A number as it is (a count, a score, a share); None leaves a blank cell in style."""
    if value is None:
        write_blank(ws, row, col, fmt, style)
    else:
        ws.put_number(row, col, value, fmt[style])


def write_blank(ws, row, col, fmt, style="text"):
    """An empty cell that still carries its style (borders of a table)."""
    ws.put_blank(row, col, fmt[style])


def write_measure(ws, row, col, value, unit, fmt, suppressed=False, alarm=False):
    """A published value: percent points become a real percent cell (16.67 → 16.7 %).
    `alarm`: a percentage shown in red (e.g. below a sufficiency line)."""
    if suppressed:
        write_text(ws, row, col, SUPPRESSED_TEXT, fmt, "muted")
    elif value is None:
        write_blank(ws, row, col, fmt)
    elif unit == "%":
        write_number(ws, row, col, float(value) / 100.0, fmt, "pct_flag" if alarm else "pct")
    else:
        write_number(ws, row, col, float(value), fmt, "int" if unit == "count" else "num")


def write_cell(ws, row, col, value, fmt):
    """A plain table cell: numbers as numbers, booleans in words, everything else as text."""
    if value is None:
        write_blank(ws, row, col, fmt)
    elif isinstance(value, bool):
        write_text(ws, row, col, "да" if value else "нет", fmt)
    elif isinstance(value, (int, float)):
        write_number(ws, row, col, value, fmt, "int" if isinstance(value, int) else "num")
    else:
        write_text(ws, row, col, value, fmt)


LINE_PT = 15.0


def row_height(texts, widths) -> float:
    """Height for a row whose wrapped cells hold texts in columns of widths (characters):
    LibreOffice does not grow rows on opening, so the writer sets the height itself."""
    return wrapped_height(enumerate(w for _, w in zip(texts, widths)))(texts)


def wrapped_height(columns):
    """row_height for the rows of a table whose wrapped text is in `columns`, (index,
    width) pairs: a function of the row, with the per-column arithmetic done once (a
    region's book has ≈60,000 table rows). A value that is not text takes one line."""
    divisors = [(i, max(int(w * 1.1), 1)) for i, w in columns]

    def height(row) -> float:
        lines = 1
        for i, per_line in divisors:
            value = row[i]
            if isinstance(value, str) and len(value) > per_line:
                lines = max(lines, -(-len(value) // per_line))
        return LINE_PT * lines
    return height


def sheet_name(prefix: str, name: str) -> str:
    """Excel allows 31 characters: the name in brackets is shortened, the brackets stay."""
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\'")
    room = 31 - len(prefix) - 3
    if len(cleaned) > room:
        cleaned = cleaned[:room - 1] + "…"
    return f"{prefix} ({cleaned})"


def paper_label(procedure, grade, subject) -> str:
    return f"{PROCEDURE_RU.get(procedure, procedure)}, {grade} класс, {subject}"
