"""Compare two yearly workbooks: a speed change to the writer must not change what an
official sees.

    python -m benchmarks.compare_workbooks BEFORE.xlsx AFTER.xlsx [--style-every N]

Build the same warehouse's workbook with the code before and after the change (the same
RunInfo, so the title sheet matches), then compare. Prints every difference (up to 20 per
kind and sheet) and exits with status 1 when there is any.

Compared
- sheet names and order;
- every cell's value, read with openpyxl (read-only);
- number format, bold / italic, font colour, fill colour, wrap and vertical alignment of
  every cell in a sample of rows per sheet (the first and last 200 rows and every Nth row);
- row heights (every <row> of every sheet, from the sheet XML: read-only openpyxl does not
  read them), freeze panes, autofilter ranges, column widths, print setup — everything in
  each sheet's XML outside <sheetData>;
- the number of charts per sheet (xl/drawings parts) and every other part of the package
  (charts, drawings, styles) byte for byte; docProps/core.xml holds the creation time and
  is left out.
"""
from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections import Counter, deque
from itertools import zip_longest
from posixpath import basename, dirname, join, normpath

from openpyxl import load_workbook

LIMIT = 20                       # differences printed per kind and sheet
EDGE_ROWS = 200
ROW_TAG = re.compile(r"<row ([^>]*?)/?>")
ATTR = re.compile(r'([\w:]+)="([^"]*)"')
LEFT_OUT = {"docProps/core.xml"}


class Report:
    def __init__(self):
        self.count = 0
        self.shown: Counter = Counter()

    def __call__(self, kind: str, where: str, message: str) -> None:
        self.count += 1
        self.shown[(kind, where)] += 1
        if self.shown[(kind, where)] <= LIMIT:
            print(f"{kind} [{where}] {message}")
        elif self.shown[(kind, where)] == LIMIT + 1:
            print(f"{kind} [{where}] … more not shown")


def sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, from workbook.xml and its relationships."""
    rels = dict(re.findall(r'<Relationship Id="(rId\d+)" Type="[^"]*" Target="([^"]+)"',
                           book.read("xl/_rels/workbook.xml.rels").decode()))
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]*)" sheetId="\d+" r:id="(rId\d+)"',
                                book.read("xl/workbook.xml").decode()):
        out[unescape(name)] = normpath(join("xl", rels[rid]))
    return out


def unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
            .replace("&amp;", "&"))


def chart_count(book: zipfile.ZipFile, part: str) -> int:
    """Charts anchored in a sheet's drawing part (0 without a drawing)."""
    rels = join(dirname(part), "_rels", basename(part) + ".rels")
    if rels not in book.namelist():
        return 0
    drawings = re.findall(r'Target="([^"]*drawings/drawing\d+\.xml)"', book.read(rels).decode())
    return sum(book.read(normpath(join(dirname(part), d))).count(b"<c:chart ")
               for d in drawings)


def outside_sheet_data(xml: str) -> str:
    start, end = xml.find("<sheetData"), xml.find("</sheetData>")
    if start < 0:
        return xml
    return xml[:start] + xml[end:] if end >= 0 else xml[:start]


def row_heights(xml: str) -> dict[str, tuple]:
    """Row number → (height, customHeight, hidden) of every <row> that sets one."""
    out = {}
    for attrs in ROW_TAG.findall(xml):
        a = dict(ATTR.findall(attrs))
        if "ht" in a or "hidden" in a:
            out[a["r"]] = (a.get("ht"), a.get("customHeight"), a.get("hidden"))
    return out


def style_of(cell) -> tuple:
    font, fill, al = cell.font, cell.fill, cell.alignment
    return (cell.number_format, bool(font.b), bool(font.i),
            font.color.rgb if font.color is not None else None,
            fill.fgColor.rgb if fill is not None and fill.fill_type else None,
            bool(al.wrap_text), al.vertical)


def compare_package(old: zipfile.ZipFile, new: zipfile.ZipFile, report: Report) -> None:
    old_names, new_names = set(old.namelist()), set(new.namelist())
    for name in sorted(old_names ^ new_names):
        report("part", name, "only in " + ("old" if name in old_names else "new"))
    for name in sorted(old_names & new_names - LEFT_OUT):
        if name.startswith("xl/worksheets/sheet"):
            continue                                  # compared sheet by sheet below
        if old.read(name) != new.read(name):
            report("part", name, "bytes differ")


def compare_sheet_xml(name, old_xml: str, new_xml: str, report: Report) -> None:
    if outside_sheet_data(old_xml) != outside_sheet_data(new_xml):
        report("sheet-xml", name, "differs outside <sheetData> (panes, filter, widths, setup)")
    old_h, new_h = row_heights(old_xml), row_heights(new_xml)
    for r in sorted(set(old_h) | set(new_h), key=int):
        if old_h.get(r) != new_h.get(r):
            report("row-height", name, f"row {r}: {old_h.get(r)} → {new_h.get(r)}")


def compare_cells(name, old_ws, new_ws, style_every: int, report: Report) -> int:
    """Values of every cell, styles of sampled rows; returns the number of rows."""
    n = 0
    old_rows, new_rows = old_ws.iter_rows(), new_ws.iter_rows()
    pending: deque = deque(maxlen=EDGE_ROWS)        # the last rows, styles compared at the end
    for n, (a, b) in enumerate(zip_longest(old_rows, new_rows, fillvalue=()), start=1):
        va = [c.value for c in a]
        vb = [c.value for c in b]
        while va and va[-1] is None:
            va.pop()
        while vb and vb[-1] is None:
            vb.pop()
        if va != vb:
            for c, (x, y) in enumerate(zip_longest(va, vb)):
                if x != y and not (isinstance(x, float) and isinstance(y, float)
                                   and abs(x - y) <= 1e-12 * max(abs(x), abs(y))):
                    report("value", name, f"row {n} col {c + 1}: {x!r} → {y!r}")
        if n <= EDGE_ROWS or n % style_every == 0:
            compare_styles(name, n, a, b, report)
        else:
            pending.append((n, a, b))
    for row, a, b in pending:
        compare_styles(name, row, a, b, report)
    return n


def compare_styles(name, row, a, b, report: Report) -> None:
    for c, (x, y) in enumerate(zip_longest(a, b, fillvalue=None)):
        sx = style_of(x) if x is not None and x.__class__.__name__ != "EmptyCell" else None
        sy = style_of(y) if y is not None and y.__class__.__name__ != "EmptyCell" else None
        if sx != sy:
            report("style", name, f"row {row} col {c + 1}: {sx} → {sy}")


def compare(old_path: str, new_path: str, style_every: int = 50) -> int:
    report = Report()
    old_zip, new_zip = zipfile.ZipFile(old_path), zipfile.ZipFile(new_path)
    compare_package(old_zip, new_zip, report)
    old_parts, new_parts = sheet_parts(old_zip), sheet_parts(new_zip)
    if list(old_parts) != list(new_parts):
        report("sheets", "book", f"{list(old_parts)} → {list(new_parts)}")
    old_book = load_workbook(old_path, read_only=True)
    new_book = load_workbook(new_path, read_only=True)
    cells = 0
    for name in [s for s in old_parts if s in new_parts]:
        old_xml = old_zip.read(old_parts[name]).decode()
        new_xml = new_zip.read(new_parts[name]).decode()
        compare_sheet_xml(name, old_xml, new_xml, report)
        charts = chart_count(old_zip, old_parts[name]), chart_count(new_zip, new_parts[name])
        if charts[0] != charts[1]:
            report("charts", name, f"{charts[0]} → {charts[1]}")
        rows = compare_cells(name, old_book[name], new_book[name], style_every, report)
        cells += rows
        print(f"  {name}: {rows} rows, {charts[1]} charts")
    old_book.close()
    new_book.close()
    print(f"{len(old_parts)} sheets compared; {report.count} differences")
    return 1 if report.count else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--style-every", type=int, default=50,
                        help="compare the styles of every Nth row (besides the first and last 200)")
    args = parser.parse_args(argv)
    return compare(args.old, args.new, args.style_every)


if __name__ == "__main__":
    sys.exit(main())
