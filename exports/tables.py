"""One way to lay a table on a sheet: a title, notes, a frozen header row, typed cells,
readable widths and a filter. Rows are written top to bottom (constant-memory mode)."""
from __future__ import annotations

from exports.cells import (LINE_PT, SUPPRESSED_TEXT, row_height, wrapped_height, write_cell,
                           write_measure, write_text)


class Suppressed:
    """Marks a value computed from fewer than 5 participants."""


SUPPRESSED = Suppressed()


def write_title(ws, fmt, title: str, notes: list[str]) -> int:
    """Title and notes as single lines that run across the empty cells to their right."""
    ws.set_row(0, 20)
    write_text(ws, 0, 0, title, fmt, "title")
    row = 1
    for note in notes:
        write_text(ws, row, 0, note, fmt, "aside")
        row += 1
    return row + 1


def write_table(ws, fmt, top: int, header: list[str], kinds: list[str], rows,
                widths: list[int], freeze: bool = True, autofilter: bool = True) -> int:
    """kinds per column: text | int | num | pct (percent points) | flag (bool, red when true)
    | okflag (bool, red when false). Returns the next free row."""
    ws.set_row(top, row_height(header, widths) + 4)
    for c, text in enumerate(header):
        write_text(ws, top, c, text, fmt, "header")
    height_of = wrapped_height((c, w) for c, (k, w) in enumerate(zip(kinds, widths))
                               if k == "text")
    r = top + 1
    for row in rows:
        height = height_of(row)
        if height > LINE_PT:
            ws.set_row(r, height)
        for c, (value, kind) in enumerate(zip(row, kinds)):
            if value is SUPPRESSED:
                write_text(ws, r, c, SUPPRESSED_TEXT, fmt, "muted")
            elif kind == "pct":
                write_measure(ws, r, c, value, "%", fmt)
            elif kind == "num":
                write_measure(ws, r, c, value, "балл", fmt)
            elif kind == "flag" and value is not None:
                write_text(ws, r, c, "да" if value else "нет", fmt, "flag" if value else "text")
            elif kind == "okflag" and value is not None:
                write_text(ws, r, c, "да" if value else "нет", fmt, "text" if value else "flag")
            elif kind == "text":
                write_text(ws, r, c, value, fmt)
            else:
                write_cell(ws, r, c, value, fmt)
        r += 1
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    if freeze:
        ws.freeze_panes(top + 1, 0)
    if autofilter and r > top + 1:
        ws.autofilter(top, 0, r - 1, len(header) - 1)
    return r
