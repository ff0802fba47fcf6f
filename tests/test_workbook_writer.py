"""The workbook's cell writer (exports/xlsx_fast.py via exports/cells.py): what it writes
reads back right with openpyxl, and its XML is byte for byte what xlsxwriter's own write_*
methods write — the test that fails loudly if an xlsxwriter upgrade changes the internals
that module relies on."""
from __future__ import annotations

import inspect
import zipfile
import zlib

import xlsxwriter
import xlsxwriter.workbook
from openpyxl import load_workbook
from xlsxwriter.worksheet import Worksheet

from exports import xlsx_fast
from exports.cells import SUPPRESSED_TEXT, formats, new_workbook, row_height, workbook_options, \
    wrapped_height, write_cell, write_measure, write_number, write_text
from exports.tables import SUPPRESSED, write_table, write_title


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml").decode()


def test_cells_read_back_with_their_values_and_formats(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = new_workbook(path)
    fmt = formats(wb)
    ws = wb.add_worksheet("Лист")
    top = write_title(ws, fmt, "Заголовок", ["примечание"])            # rows 1-2, table at 4
    write_table(ws, fmt, top, ["Школа", "Доля", "Балл", "Участников", "Признак"],
                ["text", "pct", "num", "int", "flag"],
                [("=СУММ(A1)", 16.67, 12.5, 6, True),
                 ('a&b<c>"d', SUPPRESSED, None, 4, False),
                 ("звонок\x07 и _x0041_", 100.0, 0.0, 0, None),
                 (" отступ", None, 3.25, None, True)],
                [20, 10, 10, 10, 10])
    write_measure(ws, 9, 0, 33.333, "%", fmt, alarm=True)
    write_measure(ws, 9, 1, 7, "count", fmt)
    write_cell(ws, 9, 2, "текст", fmt)
    write_number(ws, 9, 3, None, fmt, "int")                               # a styled blank
    write_text(ws, 9, 4, None, fmt)
    wb.close()

    sheet = load_workbook(path)["Лист"]
    assert sheet["A1"].value == "Заголовок" and sheet["A1"].font.b
    assert sheet["A2"].value == "примечание" and sheet["A2"].font.i
    assert [c.value for c in sheet[4]] == ["Школа", "Доля", "Балл", "Участников", "Признак"]
    # Row 5: text that looks like a formula stays text; 16.67 percent points → 0.1667, 0.0%.
    a5, b5, c5, d5, e5 = sheet[5]
    assert (a5.value, a5.data_type) == ("=СУММ(A1)", "s")
    assert b5.value == 0.1667 and b5.number_format == "0.0%"
    assert c5.value == 12.5 and c5.number_format == "0.00"
    assert d5.value == 6 and d5.number_format == "0"
    assert e5.value == "да" and e5.font.b and e5.font.color.rgb == "FF9C0006"
    assert e5.fill.fgColor.rgb == "FFFFC7CE"
    # Row 6: XML-special characters escaped and read back; a suppressed value in words.
    a6, b6, c6, d6, e6 = sheet[6]
    assert a6.value == 'a&b<c>"d'
    assert b6.value == SUPPRESSED_TEXT == "менее 5 участников" and b6.font.i
    assert c6.value is None and c6.border.left.style == "thin"          # a styled blank
    assert (d6.value, e6.value) == (4, "нет")
    # Row 7: a control character is written as Excel's escape _x0007_ and a literal «_x0041_»
    # gets its underscore escaped (_x005F_), as xlsxwriter does: Excel shows the original
    # text, openpyxl returns the escapes as they are in the file.
    assert sheet["A7"].value == "звонок_x0007_ и _x005F_x0041_"
    assert sheet["B7"].value == 1.0 and sheet["C7"].value == 0
    assert sheet["A8"].value == " отступ"                       # leading space preserved
    # Row 10: a red percentage, a count, text, two styled blanks.
    assert sheet["A10"].value == 0.33333 and sheet["A10"].font.color.rgb == "FF9C0006"
    assert sheet["B10"].value == 7 and sheet["B10"].number_format == "0"
    assert sheet["C10"].value == "текст"
    assert sheet["D10"].value is None and sheet["D10"].number_format == "0"
    assert sheet["E10"].value == ""                            # text None → empty text
    assert sheet.freeze_panes == "A5" and sheet.auto_filter.ref == "A4:E8"


def _same_cells(ws, fast: bool, f1, f2):
    """The same cells through put_* (fast) or xlsxwriter's write_* (not fast); every kind
    of string xlsxwriter treats specially, numbers it formats in its own way, set_row rows,
    an empty styled row, a write_* call mixed into put_* rows."""
    strings = ["Школа №1", "=СУММ(A1)", 'a&b<c>"d', "ctl\x01x\x1f", "_x0041_", " lead",
               "trail ", "line\nbreak", "tab\tin", "", "<r>x</r>", "\ufffe", "x" * 20000,
               "эмодзи 🙂", "обычный текст"]
    numbers = [0, 1, -0.0, 0.1667, 1e-20, 123456789012345678, 2.5, 1 / 3, float("nan"),
               float("inf"), True]
    ws.set_row(0, 30)
    for r in range(60):
        if r % 7 == 3:
            ws.set_row(r, 15 * (r % 3 + 1))
        for c in range(len(strings)):
            k = (r * 31 + c * 7) % 10
            value = strings[(r + c) % len(strings)]
            number = numbers[(r * 3 + c) % len(numbers)]
            if k < 4:
                ws.put_string(r, c, value, f1) if fast else ws.write_string(r, c, value, f1)
            elif k < 8:
                ws.put_number(r, c, number, f2) if fast else ws.write_number(r, c, number, f2)
            elif k < 9:
                ws.put_blank(r, c, f2) if fast else ws.write_blank(r, c, None, f2)
            else:
                ws.write_string(r, c, value, f1)
    ws.set_row(62, 40)
    ws.put_string(70, 30, "end", f1) if fast else ws.write_string(70, 30, "end", f1)
    ws.put_string(5, 0, "ignored: row 6 is written", f1) if fast else \
        ws.write_string(5, 0, "ignored: row 6 is written", f1)


def test_put_writes_the_xml_xlsxwriter_writes(tmp_path):
    paths = []
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        cls = xlsx_fast.Workbook if fast else xlsxwriter.Workbook
        wb = cls(str(path), {**workbook_options(), "nan_inf_to_errors": True})
        f1, f2 = wb.add_format({"bold": True}), wb.add_format({"num_format": "0.0%"})
        ws = wb.add_worksheet("a")
        assert isinstance(ws, xlsx_fast.FastWorksheet) == fast
        _same_cells(ws, fast, f1, f2)
        wb.close()
        paths.append(path)
    old, new = (_sheet_xml(p) for p in paths)
    assert new == old
    # both books hold the cells, the special strings escaped the same way
    assert new.count('t="inlineStr"') > 300 and "_x0001_" in new and "&amp;" in new
    # and put_* took the fast path: a plain cell waits for its row's flush as rendered XML,
    # not as xlsxwriter's cell tuple (if it fell back, the books would still be equal)
    wb = xlsx_fast.Workbook(str(tmp_path / "probe.xlsx"), workbook_options())
    ws, bold = wb.add_worksheet("p"), wb.add_format({"bold": True})
    ws.put_string(0, 0, "Школа", bold)
    ws.put_number(0, 1, 2.5, bold)
    ws.put_blank(0, 2, bold)
    assert [type(cell) for cell in ws.table[0].values()] == [str, str, str]
    wb.close()


def test_the_xlsxwriter_internals_the_writer_relies_on(tmp_path):
    # Named in exports/xlsx_fast.py's docstring; an upgrade that renames or drops one fails
    # here before the workbook breaks.
    assert xlsxwriter.Workbook.worksheet_class is Worksheet
    for name in ("_write_single_row", "_write_row", "_write_cell", "_write_string",
                 "_write_number", "_write_blank", "_check_dimensions"):
        assert callable(getattr(Worksheet, name)), name
    ws = Worksheet()
    for name in ("previous_row", "table", "row_info", "comments", "excel_version",
                 "dim_rowmin", "dim_rowmax", "dim_colmin", "dim_colmax", "xls_rowmax",
                 "xls_colmax", "default_row_height", "original_row_height",
                 "constant_memory"):
        assert hasattr(ws, name), name
    assert [t._fields for t in xlsx_fast.XLSXWRITER_CELLS] == [
        ("string", "format"), ("number", "format"), ("format",)]
    # in_memory is read when the package is stored (set after the constructor, which would
    # otherwise turn constant-memory mode off); a book of ours keeps both.
    assert "self.in_memory" in inspect.getsource(xlsxwriter.Workbook._store_workbook)
    book = new_workbook(tmp_path / "book.xlsx")
    assert book.in_memory and book.constant_memory
    book.close()
    # the package is opened through the module's ZipFile name and filled with writestr
    store = inspect.getsource(xlsxwriter.Workbook._store_workbook)
    assert "ZipFile(" in store and ".writestr(" in store
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile       # the swap was undone


def test_the_package_is_deflated_at_the_quick_level(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = new_workbook(path)
    fmt = formats(wb)
    ws = wb.add_worksheet("Лист")
    write_table(ws, fmt, 0, ["Школа", "Балл"], ["text", "num"],
                [(f"Школа №{i}", i / 7) for i in range(2000)], [20, 10])
    wb.close()
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
        raw = book.read(info)
    quick, default = (zlib.compressobj(level, zlib.DEFLATED, -15) for level in (1, 6))
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size == len(quick.compress(raw) + quick.flush())
    assert info.compress_size > len(default.compress(raw) + default.flush())


def _small_book(path, value=16.67, bold_header=True, height=30, charts=2):
    wb = new_workbook(path)
    fmt = formats(wb)
    fmt["header"].set_bold(bold_header)
    ws = wb.add_worksheet("Лист")
    ws.set_row(1, height)
    write_text(ws, 1, 0, "строка", fmt)
    write_table(ws, fmt, 3, ["Школа", "Доля"], ["text", "pct"],
                [("А", value), ("Б", 50.0)], [20, 10])
    for i in range(charts):
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"values": ["Лист", 4, 1, 5, 1]})
        ws.insert_chart(10 + 20 * i, 3, chart)
    wb.close()


def test_compare_workbooks_finds_each_kind_of_difference(tmp_path, capsys):
    from benchmarks.compare_workbooks import compare
    _small_book(tmp_path / "old.xlsx")
    _small_book(tmp_path / "same.xlsx")
    assert compare(str(tmp_path / "old.xlsx"), str(tmp_path / "same.xlsx")) == 0
    _small_book(tmp_path / "new.xlsx", value=16.68, bold_header=False, height=45, charts=1)
    assert compare(str(tmp_path / "old.xlsx"), str(tmp_path / "new.xlsx")) == 1
    out = capsys.readouterr().out
    assert "value [Лист] row 5 col 2: 0.1667 → 0.1668" in out
    assert "style [Лист] row 4 col 1" in out                         # header no longer bold
    assert "row-height [Лист] row 2: ('30', '1', None) → ('45', '1', None)" in out
    assert "charts [Лист] 2 → 1" in out


def test_wrapped_rows_are_as_tall_as_their_longest_text():
    # a column 20 characters wide holds 22 per line (Calibri is narrower than its width unit)
    height = wrapped_height([(0, 20), (2, 10)])            # text in columns 0 and 2
    assert height(("x" * 22, 12345, "")) == 15.0           # one line: fits exactly
    assert height(("x" * 23, None, "y" * 12)) == 30.0      # 23 → 2 lines, 12 in 11 → 2
    assert height(("x" * 100, "z" * 500, None)) == 75.0    # 100 in 22 → 5; column 1 is no text
    assert height((None, None, 7)) == 15.0                 # nothing wraps: one line
    # row_height: the texts given, against as many widths (the annex passes fewer texts)
    assert row_height(["x" * 45, ""], [20, 40, 11, 14]) == 45.0
