"""ingest.readers: every received file becomes text sheets, or one UnreadableFile with a code.

Files are built for real in tmp_path (openpyxl, xlsxwriter, zipfile, raw bytes). The legacy
.xls and the encrypted OOXML container are written by hand below (no writer for them is
installed): a minimal MS-CFB v3 compound file; `file(1)` identifies the results as
"CDFV2 Microsoft Excel" and "CDFV2 Encrypted".
"""
from __future__ import annotations

import datetime as dt
import pickle
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import readers
from ingest.readers import REASON_CODES, ReadLimits, Sheet, UnreadableFile, read_table_file

REPO_ROOT = Path(__file__).resolve().parent.parent


def reject_code(path: Path, limits: ReadLimits = ReadLimits()) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as info:
        read_table_file(path, limits)
    err = info.value
    assert err.code in REASON_CODES
    assert err.message_ru and any("а" <= ch <= "я" for ch in err.message_ru.lower())
    return err


# ------------------------------------------------------------------ file builders


def write_xlsx(path: Path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    ws.write_string(r, c, value)  # never let xlsxwriter guess a number
                elif value is not None:
                    ws.write(r, c, value)
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def replace_sheet_xml(src: Path, dst: Path, sheet_xml: bytes) -> Path:
    """Copy an xlsx with its first worksheet part replaced: crafted cell layouts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info.filename)
            zout.writestr(info.filename, data)
    return dst


SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"

_SECTOR = 512
_END, _FATSECT, _FREE, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal MS-CFB v3 file, laid out as the spec says: streams under 4096 bytes live
    in the mini stream (64-byte sectors, their own FAT), larger ones in 512-byte sectors.
    Sector 0 holds the FAT; then the directory, the mini FAT, the mini stream, the rest."""
    mini_fat: list[int] = []
    mini_data = b""
    placed: dict[str, tuple[str, int]] = {}
    for name, data in streams.items():
        if data and len(data) < 4096:
            n = -(-len(data) // 64)
            placed[name] = ("mini", len(mini_fat))
            mini_fat += [len(mini_fat) + i + 1 for i in range(n - 1)] + [_END]
            mini_data += data.ljust(n * 64, b"\0")
    fat = [_FATSECT]

    def allocate(payload: bytes) -> tuple[int, bytes]:
        if not payload:
            return _END, b""
        n = -(-len(payload) // _SECTOR)
        start = len(fat)
        fat.extend([start + i + 1 for i in range(n - 1)] + [_END])
        return start, payload.ljust(n * _SECTOR, b"\0")

    entries = [("Root Entry", 5)] + [(name, 2) for name in streams]
    dir_start, dir_bytes = allocate(b"\0" * 128 * len(entries))  # reserve; filled in below
    mini_fat_raw = struct.pack(f"<{len(mini_fat)}I", *mini_fat) if mini_fat else b""
    mini_fat_sectors = -(-len(mini_fat_raw) // _SECTOR)
    mini_fat_start, mini_fat_bytes = allocate(mini_fat_raw.ljust(mini_fat_sectors * _SECTOR, b"\xff"))
    root_start, root_bytes = allocate(mini_data)
    body = []
    for name, data in streams.items():
        if name not in placed:
            start, chunk = allocate(data)
            placed[name] = ("regular", start)
            body.append(chunk)
    assert len(fat) <= _SECTOR // 4, "test builder: one FAT sector only"
    directory = b""
    for i, (name, kind) in enumerate(entries):
        raw = name.encode("utf-16-le") + b"\0\0"
        child = 1 if kind == 5 and len(entries) > 1 else _NOSTREAM
        right = i + 1 if kind == 2 and i + 1 < len(entries) else _NOSTREAM
        if kind == 5:
            start, size = root_start, len(mini_data)
        else:
            start, size = placed.get(name, ("", _END))[1], len(streams[name])
        directory += struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, _NOSTREAM, right, child,
                                 b"\0" * 16, 0, 0, 0, start, size)
    dir_bytes = directory.ljust(len(dir_bytes), b"\0")
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", readers.OLE2_MAGIC, b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, 1, dir_start, 0, 4096, mini_fat_start,
                         len(mini_fat_bytes) // _SECTOR, _END, 0)
    header += struct.pack("<109I", 0, *([_FREE] * 108))
    fat_sector = struct.pack(f"<{_SECTOR // 4}I", *(fat + [_FREE] * (_SECTOR // 4 - len(fat))))
    return header + fat_sector + dir_bytes + mini_fat_bytes + root_bytes + b"".join(body)


def _biff(rec_type: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rec_type, len(payload)) + payload


def build_xls(sheets: list[tuple[str, bool, dict[tuple[int, int], object]]],
              dimensions: tuple[int, int, int, int] | None = None) -> bytes:
    """A minimal BIFF8 workbook: BOF, CODEPAGE, BOUNDSHEET per sheet, EOF; each sheet BOF,
    DIMENSIONS (true, or as given: first row, last row + 1, first col, last col + 1),
    LABEL/NUMBER cells, EOF."""
    def bof(kind: int) -> bytes:
        return _biff(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0x41, 0x06))

    eof = _biff(0x000A, b"")
    bodies = []
    for _, _, cells in sheets:
        body = bof(0x0010)
        n_rows = max((r for r, _ in cells), default=0) + 1
        n_cols = max((c for _, c in cells), default=0) + 1
        body += _biff(0x0200, struct.pack("<IIHHH", *(dimensions or (0, n_rows, 0, n_cols)), 0))
        for (r, c), v in sorted(cells.items()):
            if isinstance(v, str):
                body += _biff(0x0204, struct.pack("<HHHHB", r, c, 0, len(v), 1) + v.encode("utf-16-le"))
            else:
                body += _biff(0x0203, struct.pack("<HHHd", r, c, 0, float(v)))
        bodies.append(body + eof)

    def globals_(offsets: list[int]) -> bytes:
        bound = b"".join(
            _biff(0x0085, struct.pack("<IBBBB", off, int(hidden), 0, len(name), 1)
                  + name.encode("utf-16-le"))
            for off, (name, hidden, _) in zip(offsets, sheets))
        return bof(0x0005) + _biff(0x0042, struct.pack("<H", 1200)) + bound + eof

    offsets, pos = [], len(globals_([0] * len(sheets)))
    for body in bodies:
        offsets.append(pos)
        pos += len(body)
    return build_cfb({"Workbook": globals_(offsets) + b"".join(bodies)})


# ----------------------------------------------------------------- hostile cases


def test_zero_bytes(tmp_path):
    path = tmp_path / "results.xlsx"
    path.write_bytes(b"")
    assert reject_code(path).code == "empty_file"


def test_over_size_limit_refused_before_reading(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "big.xlsx", {"Лист1": [["a"] * 10] * 100})
    monkeypatch.setattr(readers.zipfile, "ZipFile", None)  # reading anything would fail loudly
    err = reject_code(path, ReadLimits(max_file_bytes=1000))
    assert err.code == "too_large" and "МБ" in err.message_ru


def test_missing_file_is_io_error(tmp_path):
    assert reject_code(tmp_path / "gone.xlsx").code == "io_error"


def test_random_binary_named_xlsx(tmp_path):
    path = tmp_path / "results.xlsx"
    path.write_bytes(bytes(range(256)) * 40)
    assert reject_code(path).code == "not_spreadsheet"


def test_plain_text_without_delimiter_is_not_a_table(tmp_path):
    path = tmp_path / "results.xlsx"
    path.write_text("Добрый день!\nРезультаты пришлём завтра\n", encoding="utf-8")
    err = reject_code(path)
    assert err.code == "not_spreadsheet" and "разделител" in err.message_ru


def test_html_saved_as_xls_is_unsupported_format(tmp_path):
    # Several school systems "export to Excel" as an HTML table named .xls.
    path = tmp_path / "journal.xls"
    path.write_text("<html><body><table><tr><td>код</td><td>балл</td></tr></table></body></html>",
                    encoding="utf-8")
    err = reject_code(path)
    assert err.code == "unsupported_format" and "HTML" in err.message_ru


def test_csv_named_xlsx_is_read_as_csv(tmp_path):
    path = tmp_path / "results.xlsx"
    path.write_text("код;балл\n04001;5\n", encoding="utf-8")
    assert read_table_file(path) == [Sheet("results", [["код", "балл"], ["04001", "5"]])]


def test_encrypted_ooxml(tmp_path):
    # Excel's "Encrypt with password" saves an OLE2 container holding EncryptionInfo and
    # EncryptedPackage streams instead of a ZIP.
    path = tmp_path / "protected.xlsx"
    path.write_bytes(build_cfb({
        "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
        "EncryptedPackage": b"\x00" * 5000,
    }))
    err = reject_code(path)
    assert err.code == "encrypted" and "парол" in err.message_ru


def test_cfb_parser_reads_the_directory_not_the_bytes(tmp_path):
    """The stream name must come from a directory entry: the same UTF-16 text inside a
    stream's data does not make a file 'encrypted'."""
    decoy = "EncryptionInfo".encode("utf-16-le")
    cfb = readers._CompoundFile.parse(build_cfb({"WordDocument": decoy * 10}))
    assert cfb.names == {"WordDocument"}
    assert cfb.read("WordDocument").startswith(decoy * 10)


def test_ole2_word_document_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "results.xls"
    path.write_bytes(build_cfb({"WordDocument": b"\xec\xa5" + b"\0" * 100}))
    assert reject_code(path).code == "not_spreadsheet"


def test_ole2_garbage_workbook_stream(tmp_path):
    path = tmp_path / "results.xls"
    path.write_bytes(build_cfb({"Workbook": b"\xff" * 300}))
    assert reject_code(path).code == "unsupported_format"


def test_legacy_xls_is_read(tmp_path):
    # Small: the Workbook stream lives in the CFB mini stream.
    path = tmp_path / "results.xls"
    path.write_bytes(build_xls([
        ("Лист1", False, {(0, 0): "код", (0, 1): "балл", (1, 0): "04001", (1, 1): 40001, (2, 1): 4.5}),
        ("Скрытый", True, {(0, 0): "x"}),
    ]))
    assert len(readers._CompoundFile.parse(path.read_bytes()).read("Workbook")) < 4096
    assert read_table_file(path) == [
        Sheet("Лист1", [["код", "балл"], ["04001", "40001"], ["", "4.5"]]),
        Sheet("Скрытый", [["x"]], hidden=True),
    ]


def test_larger_legacy_xls_is_read(tmp_path):
    # Over 4096 bytes: the Workbook stream lives in regular sectors.
    cells = {(r, c): (f"0{r}" if c == 0 else r * c) for r in range(300) for c in range(3)}
    path = tmp_path / "results.xls"
    path.write_bytes(build_xls([("Лист1", False, cells)]))
    assert len(readers._CompoundFile.parse(path.read_bytes()).read("Workbook")) > 4096
    rows = read_table_file(path)[0].rows
    assert len(rows) == 300 and rows[299] == ["0299", "299", "598"]


def test_xls_with_a_far_cell_is_refused(tmp_path):
    # BIFF stores the column in 16 bits and calamine accepts all of them: this 2 KB file
    # would ask for a 65536 x 16384 rectangle (42 GB) and abort the process.
    path = tmp_path / "far.xls"
    path.write_bytes(build_xls([("Лист1", False, {(0, 0): 1, (65535, 16383): 2})], (0, 1, 0, 1)))
    assert code_in_child_process(path) == "too_many_cells"
    xls_extents = readers._xls_extents(readers._CompoundFile.parse(path.read_bytes()).read("Workbook"))
    assert [(e.rows, e.cols) for e in xls_extents] == [(65536, 16384)]


def test_xls_with_a_damaged_dimensions_record(tmp_path):
    # calamine reserves (last - first row) x (last - first col) cells up front and the
    # subtraction wraps: rows 248..40 ask for 515 GB.
    path = tmp_path / "damaged.xls"
    path.write_bytes(build_xls([("Лист1", False, {(0, 0): 1})], (248, 40, 0, 3)))
    assert code_in_child_process(path) == "unsupported_format"


def test_xls_with_password_is_encrypted(tmp_path):
    path = tmp_path / "protected.xls"
    data = build_xls([("Лист1", False, {(0, 0): 1})])
    cfb = readers._CompoundFile.parse(data)
    stream = cfb.read("Workbook")
    bof_len = 4 + struct.unpack_from("<H", stream, 2)[0]
    # RC4 header with zeroed keys; sheet offsets are not shifted: the check stops at FILEPASS.
    filepass = _biff(0x002F, struct.pack("<H", 1) + b"\0" * 52)
    path.write_bytes(build_cfb({"Workbook": stream[:bof_len] + filepass + stream[bof_len:]}))
    assert reject_code(path).code == "encrypted"


def test_truncated_xlsx(tmp_path):
    rows = [["код", "балл"]] + [["4000" + str(i), i] for i in range(500)]
    whole = write_xlsx(tmp_path / "whole.xlsx", {"Лист1": rows})
    half = tmp_path / "half.xlsx"
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert reject_code(half).code == "corrupt_zip"


def test_corrupted_member_data(tmp_path):
    """Directory intact, compressed bytes damaged: caught (CRC/inflate) and reported."""
    rows = [[f"r{i}c{j}" for j in range(10)] for i in range(300)]
    whole = write_xlsx(tmp_path / "whole.xlsx", {"Лист1": rows})
    data = bytearray(whole.read_bytes())
    info = zipfile.ZipFile(whole).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + 60):
        data[i] ^= 0x5A
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    assert reject_code(damaged).code == "corrupt_zip"


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """400 MB of zeros as a worksheet: ~400 KB on disk. Written in 1 MB chunks, so the test
    never holds more than a megabyte."""
    path = tmp_path_factory.mktemp("bomb") / "results.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(400):
                member.write(chunk)
    return path


@pytest.fixture
def no_decompression(monkeypatch):
    """Fail the test if anything opens a ZIP member or hands the file to calamine."""
    def forbidden(*args, **kwargs):
        raise AssertionError("decompressed or parsed a file the directory check should refuse")

    monkeypatch.setattr(readers.zipfile.ZipFile, "open", forbidden)
    monkeypatch.setattr(readers.zipfile.ZipFile, "read", forbidden)
    monkeypatch.setattr(readers, "_member_chunks", forbidden)
    monkeypatch.setattr(readers.python_calamine.CalamineWorkbook, "from_path", forbidden)


def test_zip_bomb_total_size(zip_bomb, no_decompression):
    assert zip_bomb.stat().st_size < 1 << 20
    err = reject_code(zip_bomb)
    assert err.code == "zip_bomb" and "400 МБ" in err.message_ru


def test_zip_bomb_compression_ratio(zip_bomb, no_decompression):
    err = reject_code(zip_bomb, ReadLimits(max_uncompressed_bytes=2**40))
    assert err.code == "zip_bomb" and "сжата" in err.message_ru


def test_member_larger_than_declared_is_refused(tmp_path):
    """A directory that understates a sheet's size passes the declared-size check; the sheet
    must still never be inflated past its declaration."""
    rows = [["код", "балл"]] + [[f"4{i:04d}", 1] for i in range(3000)]
    path = write_xlsx(tmp_path / "liar.xlsx", {"Лист1": rows})
    data = bytearray(path.read_bytes())
    name, declared = b"xl/worksheets/sheet1.xml", struct.pack("<I", 1000)
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        pos = data.find(sig)
        while not data[pos + name_at:].startswith(name):
            pos = data.find(sig, pos + 1)
        data[pos + size_at:pos + size_at + 4] = declared  # local header, then central directory
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(name.decode()).file_size == 1000
    err = reject_code(path)
    assert err.code == "zip_bomb" and "больше, чем заявлено" in err.message_ru


def test_duplicate_member_names(tmp_path):
    base = write_xlsx(tmp_path / "base.xlsx", {"Лист1": [["код"]]})
    path = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        with pytest.warns(UserWarning, match="Duplicate name"):
            zout.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + SHEET_TAIL)
    assert reject_code(path).code == "corrupt_zip"


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "results.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Проведение работы по математике.xlsx", b"PK...")
    err = reject_code(path)
    assert err.code == "not_spreadsheet" and "архив" in err.message_ru


def test_ods_is_unsupported_format(tmp_path):
    path = tmp_path / "results.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert reject_code(path).code == "unsupported_format"


def test_sheet_16000_columns_wide(tmp_path):
    path = tmp_path / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Широкий")
    ws.write_row(0, 0, [f"балл за {k}" for k in range(1, 16_001)])
    ws.write_row(1, 0, list(range(16_000)))
    wb.close()
    err = reject_code(path)
    assert err.code == "too_many_cells"
    assert "«Широкий»" in err.message_ru
    assert "16000 столбцов" in err.message_ru and "1000" in err.message_ru


def test_cells_over_limit(tmp_path):
    path = write_xlsx(tmp_path / "rows.xlsx", {"Лист1": [[str(i), i, "Х"] for i in range(400)]})
    assert len(read_table_file(path, ReadLimits(max_cells=1200))[0].rows) == 400
    err = reject_code(path, ReadLimits(max_cells=1199))
    assert err.code == "too_many_cells" and "1 199" in err.message_ru


def test_cells_over_limit_counted_across_sheets(tmp_path):
    rows = [["a", "b"]] * 50  # 100 cells per sheet
    path = write_xlsx(tmp_path / "three.xlsx", {"A": rows, "B": rows, "C": rows})
    read_table_file(path, ReadLimits(max_cells=300))
    assert reject_code(path, ReadLimits(max_cells=299)).code == "too_many_cells"


def test_csv_cells_over_limit_and_too_wide(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(";".join(["1"] * 5) for _ in range(100)), encoding="utf-8")
    assert reject_code(path, ReadLimits(max_cells=499)).code == "too_many_cells"
    assert reject_code(path, ReadLimits(max_columns=4)).code == "too_many_cells"


# The extent guard. calamine allocates the rectangle from A1 to the farthest value, so
# these tiny files would abort the interpreter (SIGABRT, not an exception) without it.
# Each runs in a child process so that a regression fails one test instead of killing
# the whole test session.

def _far_value_xlsxwriter(tmp_path: Path) -> Path:
    path = tmp_path / "stray.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write(0, 0, "код")
    ws.write(1_048_575, 16_383, "случайно")
    wb.close()
    return path


def _crafted(tmp_path: Path, cells: bytes, dimension: bytes = b"") -> Path:
    base = write_xlsx(tmp_path / "base.xlsx", {"Sheet1": [["x"]]})
    head = SHEET_HEAD.replace(b"<sheetData>", dimension + b"<sheetData>")
    return replace_sheet_xml(base, tmp_path / "crafted.xlsx", head + cells + SHEET_TAIL)


FAR_CELL_CASES = {
    "value in XFD1048576": _far_value_xlsxwriter,
    "lower-case reference": lambda p: _crafted(
        p, b'<row r="1"><c r="A1"><v>1</v></c><c r="zz1048576"><v>1</v></c></row>'),
    "zero-padded row": lambda p: _crafted(
        p, b'<row r="1"><c r="A1"><v>1</v></c><c r="ZZ000900000"><v>1</v></c></row>'),
    "dimension that lies": lambda p: _crafted(
        p, b'<row r="1"><c r="A1"><v>1</v></c></row>'
           b'<row r="900000"><c r="ALL900000"><v>1</v></c></row>',
        dimension=b'<dimension ref="A1"/>'),
    "cells without references": lambda p: _crafted(
        p, b'<row r="900000">' + b"<c><v>1</v></c>" * 900 + b"</row>"),
}


def code_in_child_process(path: Path) -> str:
    """read_table_file in a fresh interpreter: the UnreadableFile code, or the test fails
    with the child's stderr (e.g. a Rust allocation abort)."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from pathlib import Path
        from ingest.readers import read_table_file, UnreadableFile
        try:
            read_table_file(Path({str(path)!r}))
        except UnreadableFile as e:
            print(e.code)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.parametrize("case", FAR_CELL_CASES)
def test_far_away_value_is_refused_without_crashing(tmp_path, case):
    assert code_in_child_process(FAR_CELL_CASES[case](tmp_path)) == "too_many_cells"


def test_huge_declared_shared_string_count_is_refused(tmp_path):
    # calamine reserves 24 bytes per declared distinct string before reading any.
    base = write_xlsx(tmp_path / "base.xlsx", {"Лист1": [["код", "балл"], ["04001", 5]]})
    path = tmp_path / "sst.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="40000000000"', data)
            zout.writestr(info.filename, data)
    assert code_in_child_process(path) == "too_many_cells"
    assert "40 000 000 000" in reject_code(path).message_ru


def test_dimension_claim_is_not_trusted(tmp_path):
    # The declared dimension says A1; a value sits in D5. The guard must notice.
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
             b'<row r="5"><c r="D5"><v>2</v></c></row></sheetData></worksheet>')
    base = write_xlsx(tmp_path / "base.xlsx", {"Sheet1": [["x"]]})
    path = replace_sheet_xml(base, tmp_path / "lying.xlsx", sheet)
    with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert readers._sheet_extent(fh, info, ReadLimits()).cols == 4
    assert reject_code(path, ReadLimits(max_cells=19)).code == "too_many_cells"
    assert read_table_file(path, ReadLimits(max_cells=20))[0].rows[4] == ["", "", "", "2"]


def test_formatted_blank_cells_do_not_count(tmp_path):
    """A border drawn far away is not data: calamine skips it, so must the guard."""
    path = tmp_path / "styled.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["код", "балл"])
    ws.write_blank(1_048_575, 16_383, None, wb.add_format({"border": 1}))
    wb.close()
    assert read_table_file(path) == [Sheet("Sheet1", [["код", "балл"]])]


def test_cells_without_references_are_placed_like_calamine(tmp_path):
    path = _crafted(tmp_path, b'<row><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c></row>'
                              b'<row r="4"><c><v>3</v></c></row>')
    assert read_table_file(path)[0].rows == [["1", "b"], ["", ""], ["", ""], ["3", ""]]


# ------------------------------------------------------------------ content


UNCACHED_MESSAGE = ("В ячейке {cell} (лист «{sheet}») формула без вычисленного значения: файл "
                    "сохранён программой, которая не пересчитывает формулы. Откройте файл в "
                    "Excel или LibreOffice, сохраните и отправьте заново.")


def test_formulas_without_cached_values_reject_the_file(tmp_path):
    # calamine would read these cells as '': pupil 40002's score of 5 would vanish as if
    # the task were skipped. The first such cell is named: B3 (row 3, the second pupil).
    path = tmp_path / "openpyxl_formulas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Результаты"
    ws.append(["код", "балл за 1", "итого"])
    ws.append(["40001", 2, 2])
    ws.append(["40002", "=2+3", "=B3"])           # openpyxl stores no cached values
    wb.save(path)
    err = reject_code(path)
    assert err.code == "uncached_formula"
    assert err.message_ru == UNCACHED_MESSAGE.format(cell="B3", sheet="Результаты")


def _formula_sheet(cells: bytes, dimension: bytes = b'<dimension ref="A1:C3"/>') -> bytes:
    return SHEET_HEAD.replace(b"<sheetData>", dimension + b"<sheetData>") + cells + SHEET_TAIL


# Row 2 of a crafted sheet: the formula cell B2 in each way it can lack a cached value.
UNCACHED_B2 = {
    "no <v>": b'<c r="B2"><f>A2*2</f></c>',
    "empty <v/>": b'<c r="B2"><f>A2*2</f><v /></c>',
    "empty <v></v>": b'<c r="B2" s="1"><f>A2*2</f><v></v></c>',
    "shared formula child": b'<c r="B2"><f t="shared" si="0"/></c>',
    "text formula without <v>": b'<c r="B2" t="str"><f>A2&amp;"x"</f></c>',
}


@pytest.mark.parametrize("case", sorted(UNCACHED_B2))
def test_each_kind_of_missing_cached_value_is_found(tmp_path, case):
    cells = (b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f><v>2</v></c></row>'
             b'<row r="2"><c r="A2"><v>3</v></c>' + UNCACHED_B2[case] + b"</row>")
    base = write_xlsx(tmp_path / "base.xlsx", {"Sheet1": [["x"]]})
    # Fast path (an honest dimension) and exact path (no dimension, cells without r: the
    # sheet is parsed) name the same cell.
    for name, xml in (("fast", _formula_sheet(cells)),
                      ("exact", _formula_sheet(re.sub(rb' r="[A-Z]+[0-9]+"', b"", cells), b""))):
        path = replace_sheet_xml(base, tmp_path / f"{name}.xlsx", xml)
        err = reject_code(path)
        assert (name, err.code) == (name, "uncached_formula")
        assert err.message_ru == UNCACHED_MESSAGE.format(cell="B2", sheet="Sheet1"), name


def test_cached_values_of_every_type_are_values(tmp_path):
    # Each formula has its cached value: a number, a text, a cached EMPTY text (t="str" with
    # an empty <v>, as Excel and LibreOffice save =IF(…;"";…)), a boolean, an error (which
    # python-calamine gives as ''), and an inline text.
    cells = (b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'
             b'<c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
             b'<c r="C1" t="str"><f>IF(A1&gt;5,"x","")</f><v></v></c></row>'
             b'<row r="2"><c r="A2" t="b"><f>A1&gt;1</f><v>1</v></c>'
             b'<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
             b'<c r="C2" t="inlineStr"><f>"z"</f><is><t>z</t></is></c></row>')
    base = write_xlsx(tmp_path / "base.xlsx", {"Sheet1": [["x"]]})
    for name, xml in (("fast", _formula_sheet(cells, b'<dimension ref="A1:C2"/>')),
                      ("exact", _formula_sheet(cells, b""))):
        path = replace_sheet_xml(base, tmp_path / f"{name}.xlsx", xml)
        assert read_table_file(path)[0].rows == [["2", "ab", ""], ["TRUE", "", "z"]], name


def test_formula_watch_sees_a_cell_split_at_any_byte():
    # The sheet part streams in 4 MB chunks; a formula cell may straddle two of them.
    # Cut the part at every byte: the uncached B7 is found each time, the cached B6 never.
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><f>A%d*2</f><v>%d</v></c></row>'
                    % (r, r, r, r, r, 2 * r) for r in range(1, 7))
    xml = _formula_sheet(rows + b'<row r="7"><c r="A7"><v>7</v></c><c r="B7"><f>A7*2</f><v /></c>'
                         b'<c r="C7"><v>1</v></c></row>')
    cached = xml.replace(b"<v /></c><c r=\"C7\">", b"<v>14</v></c><c r=\"C7\">")
    for cut in range(1, len(xml)):
        watch = readers._FormulaWatch()
        assert b"".join(watch.over(iter([xml[:cut], xml[cut:]]))) == xml
        assert watch.cell == "B7", cut
    for cut in range(1, len(cached)):
        watch = readers._FormulaWatch()
        list(watch.over(iter([cached[:cut], cached[cut:]])))
        assert watch.cell is None, cut


def test_formulas_with_cached_values_arrive_as_values(tmp_path):
    path = tmp_path / "cached.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_number(0, 0, 19)
    ws.write_formula(0, 1, "=A1*2", None, 38)
    ws.write_formula(0, 2, '=IF(A1>20,"да","нет")', None, "нет")
    wb.close()
    assert read_table_file(path)[0].rows == [["19", "38", "нет"]]


def test_hidden_sheet_and_several_sheets(tmp_path):
    path = write_xlsx(tmp_path / "form.xlsx", {
        "Протокол": [["Код", "Вариант"], ["40001", 1]],
        "Классы": [["Класс", "Учебник"], ["а", "Моро"]],
        "Служебный": [["x"]],
    }, hidden=("Служебный",))
    sheets = read_table_file(path)
    assert [(s.name, s.hidden) for s in sheets] == [
        ("Протокол", False), ("Классы", False), ("Служебный", True)]
    assert sheets[0].rows == [["Код", "Вариант"], ["40001", "1"]]


def test_very_hidden_sheet_is_hidden(tmp_path):
    path = write_xlsx(tmp_path / "vh.xlsx", {"A": [["a"]], "B": [["b"]]})
    wb = openpyxl.load_workbook(path)
    wb["B"].sheet_state = "veryHidden"
    wb.save(path)
    assert [s.hidden for s in read_table_file(path)] == [False, True]


def test_numbers_as_text_vs_numbers(tmp_path):
    path = tmp_path / "values.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "04001")
    ws.write_number(0, 1, 40001)
    ws.write_number(0, 2, 5.0)
    ws.write_number(0, 3, 4.5)
    ws.write_string(0, 4, "Х")
    ws.write_string(0, 5, "4\u00a0")
    ws.write_string(0, 6, " x ")
    ws.write_number(0, 7, -0.0)
    ws.write_number(0, 8, 0.1)
    ws.write_number(0, 9, 123456789012345678)  # stored as 1.234567890123457E+17: past 2**53
    wb.close()
    assert read_table_file(path)[0].rows == [
        ["04001", "40001", "5", "4.5", "Х", "4\u00a0", " x ", "0", "0.1", "1.234567890123457e+17"],
    ]


def test_booleans_dates_and_times(tmp_path):
    path = tmp_path / "types.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_boolean(0, 0, True)
    ws.write_boolean(0, 1, False)
    ws.write_datetime(0, 2, dt.date(2025, 4, 15), wb.add_format({"num_format": "dd.mm.yyyy"}))
    ws.write_datetime(0, 3, dt.datetime(2025, 4, 15, 9, 30),
                      wb.add_format({"num_format": "dd.mm.yyyy hh:mm"}))
    ws.write_datetime(0, 4, dt.time(9, 30), wb.add_format({"num_format": "hh:mm"}))
    ws.write_number(0, 5, 1.5, wb.add_format({"num_format": "[h]:mm"}))
    wb.close()
    assert read_table_file(path)[0].rows == [
        ["TRUE", "FALSE", "2025-04-15", "2025-04-15 09:30:00", "09:30:00", "36:00:00"],
    ]


def test_rows_keep_excel_positions(tmp_path):
    # A table that starts at C3: row and column numbers in later messages must match Excel.
    path = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(2, 2, ["код", "балл"])
    ws.write_row(3, 2, ["40001", 7])
    wb.close()
    rows = read_table_file(path)[0].rows
    assert rows == [["", "", "", ""], ["", "", "", ""], ["", "", "код", "балл"], ["", "", "40001", "7"]]


def test_empty_sheet_and_chart_sheet(tmp_path):
    path = tmp_path / "chart.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Пустой")
    data = wb.add_worksheet("Данные")
    data.write_column(0, 0, [1, 2, 3])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=Данные!$A$1:$A$3"})
    wb.add_chartsheet("Диаграмма").set_chart(chart)
    wb.close()
    assert read_table_file(path) == [
        Sheet("Пустой", []), Sheet("Данные", [["1"], ["2"], ["3"]]), Sheet("Диаграмма", []),
    ]


# ------------------------------------------------------------------ csv

RCOI_ROWS = [
    ["код ОО", "код участника", "предмет", "первичный балл", "задания с кратким ответом"],
    ["220001", "0012345", "Математика", "21", "++-+-0+"],
    ["220001", "0012346", "Математика", "", "+++;+"],
]


def _csv_text(rows, delimiter=";"):
    out = []
    for row in rows:
        out.append(delimiter.join(f'"{v}"' if delimiter in v else v for v in row))
    return "\r\n".join(out) + "\r\n"


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8-sig", "utf-8"])
def test_rcoi_csv_encodings(tmp_path, encoding):
    path = tmp_path / "ОГЭ 2025 математика.csv"
    path.write_bytes(_csv_text(RCOI_ROWS).encode(encoding))
    assert read_table_file(path) == [Sheet("ОГЭ 2025 математика", RCOI_ROWS)]


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_other_delimiters(tmp_path, delimiter):
    rows = [["код", "балл"], ["04001", "5"], ["04002", "Х"]]
    path = tmp_path / "results.csv"
    path.write_text(_csv_text(rows, delimiter), encoding="utf-8")
    assert read_table_file(path)[0].rows == rows


def test_csv_quoted_fields_with_delimiters_quotes_and_newlines(tmp_path):
    path = tmp_path / "schools.csv"
    text = 'логин;наименование\nsch220206;"МБОУ ""СОШ № 1; корпус 2""\nг. Бийск"\n'
    path.write_text(text, encoding="utf-8")
    assert read_table_file(path)[0].rows == [
        ["логин", "наименование"], ["sch220206", 'МБОУ "СОШ № 1; корпус 2"\nг. Бийск'],
    ]


def test_csv_delimiter_chosen_by_consistency(tmp_path):
    # One comma in a ';' header must not win: the following lines repeat the ';' count.
    path = tmp_path / "r.csv"
    path.write_text("код;балл, первичный;отметка\n1;2;3\n4;5;6\n", encoding="utf-8")
    assert read_table_file(path)[0].rows[1] == ["1", "2", "3"]


def test_csv_utf16_from_excel_unicode_text(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("код\tбалл\r\n04001\t5\r\n".encode("utf-16"))
    assert read_table_file(path)[0].rows == [["код", "балл"], ["04001", "5"]]


def test_csv_bad_encoding_with_utf8_bom(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbf\xea\xee\xe4;\xe1\xe0\xeb\xeb\n")  # cp1251 bytes after a UTF-8 BOM
    assert reject_code(path).code == "bad_encoding"


def test_csv_bad_encoding_neither_utf8_nor_cp1251(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("код;балл\n".encode("cp1251") + b"\x98\xff;1\n")  # 0x98 is unassigned in cp1251
    assert reject_code(path).code == "bad_encoding"


def test_csv_unclosed_quote(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('код;балл\n"04001;' + "x" * 200_000 + "\n", encoding="utf-8")
    assert reject_code(path).code == "not_spreadsheet"


# ------------------------------------------------------------------ names, API


@pytest.mark.parametrize("name", [
    "Проведение работы по русскому языку, 4 класс. ВПР 2021.xlsx",
    "МБОУ «СОШ № 5» #2 (100%) итог.xlsx",
    "  пробелы  и\u00a0nbsp .xlsx",
    "50% #1 'кавычки'.csv",
])
def test_file_names_with_odd_characters(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("код;балл\n04001;5\n", encoding="utf-8")
        assert read_table_file(path)[0].name == path.stem
    else:
        write_xlsx(path, {"Лист1": [["код", "балл"], ["04001", 5]]})
    assert read_table_file(path)[0].rows == [["код", "балл"], ["04001", "5"]]


def test_unreadable_file_survives_pickling():
    err = UnreadableFile("encrypted", "Файл защищён паролем.", "detail")
    back = pickle.loads(pickle.dumps(err))
    assert (back.code, back.message_ru, back.detail) == ("encrypted", "Файл защищён паролем.", "detail")


@settings(max_examples=300, deadline=None)
@given(claim_rows=st.integers(1, 1_048_576), claim_cols=st.integers(1, 16_384),
       row=st.integers(1, 2_100_000), col=st.integers(1, 20_000), near=st.booleans())
def test_claim_pattern_matches_exactly_the_cells_outside(claim_rows, claim_cols, row, col, near):
    """The fast path's one regex must flag a cell iff it lies outside the declared dimension."""
    if near:  # most bugs hide at the boundary
        row, col = claim_rows + row % 3 - 1 or 1, claim_cols + col % 3 - 1 or 1
    outside, _ = readers._outside_claim_patterns(claim_rows, claim_cols)
    tag = f'<c r="{readers._column_letters(col)}{row}" t="n">'.encode()
    assert (outside.search(tag) is not None) == (row > claim_rows or col > claim_cols)


@pytest.mark.parametrize("tag", [b'<c r="a1">', b'<c r="A01">', b"<c>", b"<c/>", b'<c s="1" r="A1">',
                                 b'<c  r="A1">', b'<c r="A1B">', b'<c r="">'])
def test_claim_pattern_flags_references_it_cannot_judge(tag):
    outside, _ = readers._outside_claim_patterns(100, 100)
    assert outside.search(tag)


@pytest.mark.parametrize("cols,expected",
                         [(1, "A"), (26, "Z"), (27, "AA"), (1000, "ALL"), (16384, "XFD")])
def test_column_letters_round_trip(cols, expected):
    assert readers._column_letters(cols) == expected
    assert readers._column_number(expected) == cols


# ------------------------------------------------------------------ random input

PREFIXES = [b"", readers.ZIP_MAGIC, readers.OLE2_MAGIC, b"\xef\xbb\xbf", b"\xff\xfe",
            "код;балл\n".encode()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=2048))
def test_random_bytes_only_raise_unreadable_file(tmp_path, prefix, body):
    path = tmp_path / "random.xlsx"
    path.write_bytes(prefix + body)
    try:
        sheets = read_table_file(path)
    except UnreadableFile as err:
        assert err.code in REASON_CODES
    else:
        assert all(isinstance(c, str) for s in sheets for row in s.rows for c in row)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.05, 0.999), flips=st.lists(st.integers(0, 10**6), max_size=8))
def test_damaged_real_xlsx_only_raises_unreadable_file(tmp_path, cut, flips):
    src = tmp_path / "src.xlsx"
    if not src.exists():
        write_xlsx(src, {"Лист1": [["код", "балл"]] + [[f"4{i:04d}", i % 5] for i in range(200)]})
    data = bytearray(src.read_bytes())
    for pos in flips:
        data[pos % len(data)] ^= 0xFF
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]))
    try:
        read_table_file(path)
    except UnreadableFile as err:
        assert err.code in REASON_CODES


# ------------------------------------------------------------------ size


@pytest.mark.slow
def test_200k_rows_within_limits(tmp_path):
    path = tmp_path / "region.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    header = ["код обучающегося", "класс", "вариант"] + [f"балл за {k}" for k in range(1, 11)] + ["пол"]
    ws.write_row(0, 0, header)
    for r in range(1, 200_001):
        ws.write_string(r, 0, f"{40000 + r:06d}")
        ws.write_row(r, 1, ["а", 1] + [r % 3] * 9 + ["Х", "м"])
    wb.close()
    sheets = read_table_file(path)
    rows = sheets[0].rows
    assert len(rows) == 200_001 and len(rows[0]) == 14
    assert rows[1][:4] == ["040001", "а", "1", "1"] and rows[-1][-2:] == ["Х", "м"]
