"""A faster xlsxwriter worksheet for the yearly workbook: the only module that touches
xlsxwriter's private internals.

Why: at region size the workbook writes ≈1.7M cells, and xlsxwriter spends most of the
workbook's time per cell — the A1-notation decorator on every write_* call, a namedtuple per
cell, then per cell a list of attributes, three regex passes (control characters, leading /
trailing whitespace, XML escaping) and several small writes. Our cells are plain: text, a
number or a blank, always with a format. `put_string` / `put_number` / `put_blank` render
such a cell's XML once, when it is written, with the format's style attribute rendered once
per format; the row is written with one `write` call.

A string is rendered on the fast path only when one regex finds nothing that xlsxwriter
would treat specially (XML-special or control characters, «_xHHHH_» literals, U+FFFE/U+FFFF,
leading or trailing whitespace, over-long text). Anything else — and a number that is NaN or
infinite, or a cell without a format — is handed to xlsxwriter's own code, so the XML is
byte for byte what xlsxwriter writes (tests/test_workbook_writer.py compares the two).

xlsxwriter internals relied on (3.3.1; tests/test_workbook_writer.py fails loudly if any
changes):
- `Workbook.worksheet_class`: the class `add_worksheet` instantiates;
- `Workbook.in_memory`, read at close() to assemble the package in memory (set after the
  constructor, which would otherwise turn constant-memory mode off);
- constant-memory mode: `Worksheet.previous_row`, `Worksheet.table` (row → {col: cell}),
  `_write_single_row(next_row)` writing the finished row to `Worksheet.fh`, and the
  `dim_rowmin/dim_rowmax/dim_colmin/dim_colmax` bounds that `_check_dimensions` keeps;
- `_write_row(row, spans, row_info)` for the <row> tag of a row with set_row() properties,
  `_write_cell(row, col, cell)` and the `CellStringTuple` / `CellNumberTuple` /
  `CellBlankTuple` cells it writes, `row_info`, `comments`, `excel_version`,
  `default_row_height` / `original_row_height` (a plain <row r="N"> only when they are
  equal), `xls_rowmax`, `xls_colmax`;
- `Format._get_xf_index()`: the style index a cell's `s` attribute carries;
- `Workbook._store_workbook` opening the package with `xlsxwriter.workbook.ZipFile` and
  adding each part with `writestr` (the deflate level, see DEFLATE_LEVEL).
"""
from __future__ import annotations

import re
import threading
from zipfile import ZipFile

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import (CellBlankTuple, CellNumberTuple, CellStringTuple,
                                  Worksheet)

# Everything in a string that makes xlsxwriter do more than write it inside <t>…</t>:
# XML-special characters, control characters (→ _xHHHH_), «_xHHHH_» literals (→ _x005F_…),
# U+FFFE/U+FFFF and leading/trailing whitespace (→ xml:space="preserve"). `\s` here is
# str.isspace(), as in xlsxwriter's RE_LEADING_WHITESPACE / RE_TRAILING_WHITESPACE.
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_PLAIN_MAX = 16383              # below half of Excel's 32,767 UTF-16 units: never truncated


class FastWorksheet(Worksheet):
    """A worksheet whose put_* methods write a cell like write_string / write_number /
    write_blank (with row, column as integers and a format), faster. The ordinary write_*
    methods still work and may be mixed with put_* in the same row."""

    def __init__(self):
        super().__init__()
        self._col_refs: dict[int, str] = {}
        self._styles: dict[int, tuple] = {}

    def _col_ref(self, col: int) -> str:
        ref = self._col_refs[col] = '<c r="' + xl_col_to_name(col)
        return ref

    def _style(self, cell_format) -> tuple:
        """(format, string tail, number tail, blank tail), rendered once per format; the
        format is kept so that its id() is never reused."""
        s = f'" s="{cell_format._get_xf_index()}"'
        style = self._styles[id(cell_format)] = (
            cell_format, s + ' t="inlineStr"><is><t>', s + "><v>", s + "/>")
        return style

    def _claim(self, row: int, col: int) -> bool:
        """xlsxwriter's _check_dimensions and constant-memory row flush: True when the cell
        may be stored, False when it is out of bounds or its row was already written (both
        ignored by xlsxwriter too). The common case — the row being filled, a column inside
        the bounds seen so far — costs three comparisons."""
        if (row == self.previous_row and row == self.dim_rowmax
                and self.dim_colmin <= col <= self.dim_colmax):
            return True
        if row < 0 or col < 0 or row >= self.xls_rowmax or col >= self.xls_colmax:
            return False
        previous = self.previous_row
        if row < previous:
            return False
        if self.dim_rowmin is None or row < self.dim_rowmin:
            self.dim_rowmin = row
        if self.dim_rowmax is None or row > self.dim_rowmax:
            self.dim_rowmax = row
        if self.dim_colmin is None or col < self.dim_colmin:
            self.dim_colmin = col
        if self.dim_colmax is None or col > self.dim_colmax:
            self.dim_colmax = col
        if row > previous:
            self._write_single_row(row)
        return True

    def put_string(self, row: int, col: int, text: str, cell_format) -> None:
        if (cell_format is None or not self.constant_memory or len(text) > _PLAIN_MAX
                or _SPECIAL.search(text)):
            self._write_string(row, col, text, cell_format)
        elif self._claim(row, col):
            style = self._styles.get(id(cell_format)) or self._style(cell_format)
            ref = self._col_refs.get(col) or self._col_ref(col)
            self.table[row][col] = f"{ref}{row + 1}{style[1]}{text}</t></is></c>"

    def put_number(self, row: int, col: int, number, cell_format) -> None:
        kind = number.__class__
        if (cell_format is None or not self.constant_memory
                or not (kind is int or (kind is float and number - number == 0))):
            # NaN, ±inf (x - x is NaN), bool, Decimal, Fraction: xlsxwriter's own rules
            self._write_number(row, col, number, cell_format)
        elif self._claim(row, col):
            style = self._styles.get(id(cell_format)) or self._style(cell_format)
            ref = self._col_refs.get(col) or self._col_ref(col)
            self.table[row][col] = f"{ref}{row + 1}{style[2]}{number:.16G}</v></c>"

    def put_blank(self, row: int, col: int, cell_format) -> None:
        if cell_format is None or not self.constant_memory:
            self._write_blank(row, col, None, cell_format)
        elif self._claim(row, col):
            style = self._styles.get(id(cell_format)) or self._style(cell_format)
            ref = self._col_refs.get(col) or self._col_ref(col)
            self.table[row][col] = f"{ref}{row + 1}{style[3]}"

    def _write_single_row(self, current_row_num=0) -> None:
        # As xlsxwriter's own (constant-memory mode: write the finished row, forget it), with
        # the cells put_* rendered written as they are and any other cell by _write_cell.
        row_num = self.previous_row
        self.previous_row = current_row_num
        cells = self.table.get(row_num)
        if cells:
            if (row_num in self.row_info or self.excel_version != 2007
                    or self.default_row_height != self.original_row_height):
                self._write_row(row_num, None, self.row_info.get(row_num))
                parts = []
            else:
                parts = [f'<row r="{row_num + 1}">']
            for col in sorted(cells):
                cell = cells[col]
                if cell.__class__ is str:
                    parts.append(cell)
                else:
                    self.fh.write("".join(parts))
                    parts = []
                    self._write_cell(row_num, col, cell)
            parts.append("</row>")
            self.fh.write("".join(parts))
        elif row_num in self.row_info or row_num in self.comments:
            self._write_row(row_num, None, self.row_info.get(row_num), empty_row=True)
        self.table.clear()


# zlib's level for the package's parts: 1, not zlib's default 6. A region's book is ≈80 MB
# of sheet XML: 0.36 s to deflate at level 1 against 0.93 s at 6 (measured on its parts),
# and 12.6 MB on disk against 10.1 MB.
DEFLATE_LEVEL = 1
_package_zip = threading.Lock()


class _QuickDeflateZipFile(ZipFile):
    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        super().writestr(zinfo_or_arcname, data, compress_type,
                         DEFLATE_LEVEL if compresslevel is None else compresslevel)


class Workbook(xlsxwriter.Workbook):
    """xlsxwriter's Workbook whose add_worksheet makes FastWorksheets, and whose package
    parts are assembled in memory and deflated at DEFLATE_LEVEL.

    At close() xlsxwriter writes every part of the package (each sheet's XML, ≈1,800 charts
    and their drawings at region size) to a temporary file of its own, then reads each back
    into the zip. `in_memory` keeps those parts in memory instead: measured 1.7–1.9 s less
    of a region's ≈9 s book, for ≈100 MB more while it closes. xlsxwriter's own option would
    also turn constant-memory mode off, so it is set after the constructor: the worksheets
    keep streaming their rows to temporary files as they are written, and only the assembly
    at close() is in memory. The worksheets' files stay in the system's temporary
    directory: a RAM-backed one (/dev/shm) measured 1–4 s faster, but a killed run would
    leave ≈250 MB of RAM taken until reboot, memory no process's RSS shows."""
    worksheet_class = FastWorksheet

    def __init__(self, filename=None, options=None):
        super().__init__(filename, options)
        self.in_memory = True

    def _store_workbook(self):
        # xlsxwriter opens the package with its module's ZipFile and no option for the
        # level: the name is pointed at a ZipFile that deflates at DEFLATE_LEVEL while this
        # book is stored (one book at a time: the lock keeps the swap from interleaving).
        with _package_zip:
            xlsxwriter.workbook.ZipFile = _QuickDeflateZipFile
            try:
                return super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = ZipFile


# The cell types xlsxwriter writes on the slow path; named here so that a test notices if
# xlsxwriter renames them.
XLSXWRITER_CELLS = (CellStringTuple, CellNumberTuple, CellBlankTuple)
