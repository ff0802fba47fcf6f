"""Read one received file (xlsx, xls, csv) into sheets whose every cell is text.

Why text: a pupil code stored as text keeps its leading zeros, and a criterion column that
mixes «Х» with numbers has one type in every file. Casting happens later, in one place
(DuckDB TRY_CAST), where a cell that does not cast can be reported with its file and row.

What comes back
- `read_table_file(path)` -> list[Sheet]; `rows[i]` is row i+1 of the sheet as the sender
  sees it (xlsx/xls are padded from cell A1, so row and column numbers in later messages
  match Excel's). xlsx/xls rows are rectangular; csv rows are as written (may be ragged).
- Every failure raises `UnreadableFile(code, message_ru)`, never anything else. The code is
  for machines (REASON_CODES), the message is for the official who sent the file; the caller
  adds the file name.

How the file kind is chosen: by its first bytes, never by its name (a school can send
a csv named .xlsx). ZIP -> xlsx; OLE2 -> legacy xls, or a password-protected OOXML file
(an OLE container with an EncryptionInfo stream); anything else that decodes as text ->
csv; the rest -> not_spreadsheet.

Cell values as text
- numbers: integral values without ".0" (5.0 -> "5", 40001.0 -> "40001"); other floats in
  Python's shortest round-trip form (4.5 -> "4.5", 1e-05 -> "1e-05"); integral floats
  beyond 2**53 keep the float form ("1.234567890123457e+17"), because the digits past
  Excel's precision are not real.
- booleans: "TRUE" / "FALSE" — not "1"/"0", so a boolean typed into a score column fails
  the later numeric cast and is reported instead of silently counting as 1 point.
- dates "2024-05-01", date-times "2024-05-01 10:30:00", times "10:30:00", durations
  "36:00:00" (total hours).
- formulas: calamine returns the value Excel cached when it last saved the file. An xlsx
  holding a formula WITHOUT a cached value (openpyxl and other programs that do not
  recalculate write them so) is rejected (uncached_formula), naming the first such cell:
  calamine would read it as '', and a score computed by a formula would be lost as if the
  pupil had skipped the task. A cached empty text (`t="str"`, as Excel and LibreOffice save
  =IF(…;"";…)) is a value. See `_FormulaWatch`. Error values (#N/A, #DIV/0!) arrive as ''
  — python-calamine does not expose them.
- empty cells: ''. Nothing is trimmed.

Text files
- encodings: a BOM decides (UTF-8, or UTF-16 from Excel's «Текст в Юникоде»); without
  one, strict UTF-8, then cp1251. Neither -> bad_encoding. (KOI8-R or cp866 text would
  decode as cp1251 without error and arrive garbled; RCOI files are UTF-8 or cp1251.)
- control characters other than tab/CR/LF/FF/^Z mean binary -> not_spreadsheet.
- text starting with '<' (an HTML table or XML "saved as Excel") -> unsupported_format,
  with a message saying to re-save as .xlsx.
- the delimiter (';', tab or ',') is sniffed from the header line; text whose header line
  has none of them is not a table -> not_spreadsheet (a one-column csv included).

Hostile files (each guard runs before the expensive step it protects)
- size over the limit: refused before opening;
- ZIP directory: declared total size and per-member compression ratio, before anything is
  decompressed; a member that inflates past its declared size is refused too;
- sheet extent, before calamine loads a sheet: calamine allocates the whole rectangle
  from the first to the farthest value, 32 bytes a cell, and a failed allocation aborts
  the process (a Rust abort, no Python exception). A 6 KB xlsx with values in A1 and
  XFD1048576 asks for 512 GB; a 2 KB xls with a cell in column 16384 asks for 42 GB.
  fastexcel and pandas' calamine engine abort on the same files. See `_sheet_extent`
  (xlsx) and `_xls_extents` (xls);
- the declared number of distinct strings (`<sst uniqueCount>`), which calamine reserves
  memory for up front — the same abort. See `_check_shared_strings`.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import io
import itertools
import logging
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import python_calamine

log = logging.getLogger(__name__)

REASON_CODES = (
    "empty_file",
    "not_spreadsheet",
    "encrypted",
    "corrupt_zip",
    "too_large",
    "too_many_cells",
    "zip_bomb",
    "bad_encoding",
    "unsupported_format",
    "uncached_formula",  # a formula saved without its value (see _FormulaWatch)
    "io_error",  # the file could not be read from disk: a system fault, not the sender's
)

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A member smaller than this cannot hurt even if it is all zeros, and small XML parts
# (styles, a sheet of identical rows) legitimately compress very well.
_RATIO_CHECK_MIN_BYTES = 1 << 20
_CHUNK = 4 << 20

_MIB = float(1 << 20)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[str]]  # every cell as str; '' for empty; no trimming
    hidden: bool = False


class UnreadableFile(Exception):
    """The whole file is rejected. `code` is one of REASON_CODES; `message_ru` tells the
    sender what is wrong and what to do; `detail` is an English note for logs."""

    def __init__(self, code: str, message_ru: str, detail: str = "") -> None:
        # Passing everything to Exception keeps the error picklable (worker processes).
        super().__init__(code, message_ru, detail)
        self.code = code
        self.message_ru = message_ru
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail or self.message_ru}"


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 50 * 2**20
    max_uncompressed_bytes: int = 300 * 2**20  # sum of xlsx zip members, checked BEFORE decompressing
    max_compression_ratio: float = 200.0  # per member, bomb guard
    max_cells: int = 5_000_000  # per file, counted while converting
    max_columns: int = 1_000


def read_table_file(path: Path, limits: ReadLimits = ReadLimits()) -> list[Sheet]:
    """Every sheet of the file, all cells as text. Raises UnreadableFile, nothing else."""
    path = Path(path)
    try:
        return _dispatch(path, limits)
    except UnreadableFile:
        raise
    except MemoryError as exc:
        raise _too_many_cells_memory(exc) from None
    except OSError as exc:
        raise _io_error(exc) from None
    except Exception as exc:  # a reader bug must not stop the batch: reject this file, loudly
        log.exception("unexpected error reading %s", path)
        raise _unreadable_generic(exc) from None
    except BaseException as exc:
        # pyo3's PanicException (a Rust panic inside calamine) derives from BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        log.error("calamine panicked reading %s: %s", path, exc)
        raise _unreadable_generic(exc) from None


def _dispatch(path: Path, limits: ReadLimits) -> list[Sheet]:
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty_file", "Файл пуст (0 байт). Пришлите файл повторно.")
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            "too_large",
            f"Файл слишком большой: {size / _MIB:.1f} МБ, допускается не более "
            f"{limits.max_file_bytes / _MIB:.0f} МБ. Удалите лишние листы и столбцы или "
            "разделите данные на несколько файлов и пришлите снова.",
            f"{size} bytes > {limits.max_file_bytes}",
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _read_zip_package(path, limits)
    if head == OLE2_MAGIC:
        return _read_ole2(path, limits)
    return _read_text(path, limits)


# --------------------------------------------------------------------- xlsx (ZIP) files


def _read_zip_package(path: Path, limits: ReadLimits) -> list[Sheet]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _corrupt_zip(exc) from None
    with zf:
        _check_zip_directory(zf, limits)
        _check_package_kind(zf)
        extents = _inspect_members(path, zf, limits)
    _check_extents(extents, limits)
    _check_formulas(extents)
    return _read_with_calamine(path, limits, is_xls=False)


def _check_zip_directory(zf: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Declared sizes only: nothing is decompressed yet."""
    infos = zf.infolist()
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise UnreadableFile(
            "zip_bomb",
            f"Файл отклонён из соображений безопасности: после распаковки он занял бы "
            f"{total / _MIB:.0f} МБ, допускается не более "
            f"{limits.max_uncompressed_bytes / _MIB:.0f} МБ. Если это настоящая таблица, "
            "удалите лишние листы или разделите данные на несколько файлов.",
            f"declared uncompressed total {total} > {limits.max_uncompressed_bytes}",
        )
    for info in infos:
        if info.file_size < _RATIO_CHECK_MIN_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise UnreadableFile(
                "zip_bomb",
                f"Файл отклонён из соображений безопасности: одна из его частей сжата в "
                f"{ratio:.0f} раз (допускается не более {limits.max_compression_ratio:.0f}) — "
                "так устроены файлы-«бомбы», которые при распаковке занимают всю память. "
                "Если это настоящая таблица, откройте её в Excel, сохраните заново и пришлите снова.",
                f"member {info.filename!r}: ratio {ratio:.0f} > {limits.max_compression_ratio}",
            )
    if len({info.filename for info in infos}) != len(infos):
        # Which copy a reader takes is up to the reader: the guard and calamine could
        # look at different bytes. No spreadsheet program writes duplicates.
        raise _corrupt_zip(ValueError("duplicate member names"))


def _check_package_kind(zf: zipfile.ZipFile) -> None:
    """A ZIP is an xlsx only if it holds an Excel workbook part; say what else it is."""
    names = set(zf.namelist())
    if "xl/workbook.xml" in names:
        if any(info.flag_bits & 0x1 for info in zf.infolist()):
            raise _encrypted("ZIP-level encryption of workbook parts")
        return
    if "xl/workbook.bin" in names:
        raise _unsupported(
            "Файл сохранён в двоичном формате Excel (.xlsb). Откройте его в Excel и сохраните "
            "как «Книга Excel (.xlsx)», затем пришлите снова.", "xlsb")
    if "mimetype" in names and b"opendocument" in zf.read("mimetype")[:100]:
        raise _unsupported(
            "Файл сохранён в формате OpenDocument (.ods). Сохраните его как «Книга Excel "
            "(.xlsx)» (в LibreOffice: Файл → Сохранить как → Excel 2007–365) и пришлите снова.",
            "ods")
    if "word/document.xml" in names:
        raise UnreadableFile(
            "not_spreadsheet",
            "Файл — документ Word, а не таблица. Перенесите таблицу в Excel, сохраните как "
            "«Книга Excel (.xlsx)» и пришлите снова.", "docx")
    raise UnreadableFile(
        "not_spreadsheet",
        "Файл — ZIP-архив, а не книга Excel. Распакуйте архив и пришлите таблицы отдельными "
        "файлами (.xlsx или .csv).", "zip without xl/workbook.xml")


# ---- worksheet extent guard
#
# calamine builds a dense rectangle from the first to the farthest cell holding a value
# (we then pad it to A1), 32 bytes per cell, and aborts the process when the allocation
# fails: a 6 KB file with values in A1 and XFD1048576 asks for 512 GB. fastexcel and
# pandas' calamine engine abort the same way. So before calamine sees a sheet we bound
# the rectangle from the sheet XML:
# - fast path (every mainstream writer: Excel, LibreOffice, openpyxl, xlsxwriter): the
#   sheet declares `<dimension ref="A1:T100001"/>` and every cell tag starts with a
#   canonical reference inside it (`<c r="B7"`). One regex search per chunk proves that:
#   it looks for a `<c` tag that is NOT followed by such a reference, so it runs at C
#   speed and makes no Python object per cell.
# - exact path (no or wrong dimension, cells without `r`, lower-case or zero-padded
#   references — calamine accepts both —, namespace prefixes): parse the XML and track
#   positions as calamine does.

_DIMENSION = re.compile(rb"<dimension\s+ref=\"(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})\"")
# A cell tag with a namespace prefix (`<x:c r=...>`) escapes the search below.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


@dataclass(frozen=True)
class _Extent:
    member: str
    rows: int  # last row holding a value (1-based), 0 for an empty sheet
    cols: int
    sheet: str | None = None  # the name the sender sees, when known
    uncached_formula: str | None = None  # first formula cell without a cached value ("B7")


def _inspect_members(path: Path, zf: zipfile.ZipFile, limits: ReadLimits) -> list[_Extent]:
    """Measure every worksheet part before calamine loads it (extent guard)."""
    extents = []
    try:
        with path.open("rb") as fh:
            _check_shared_strings(fh, zf, limits)
            for member, sheet_name in _worksheet_members(zf).items():
                extents.append(_sheet_extent(fh, zf.getinfo(member), limits, sheet_name))
    except (zipfile.BadZipFile, zlib.error, EOFError, ElementTree.ParseError, ValueError, struct.error,
            NotImplementedError) as exc:
        raise _corrupt_zip(exc) from None
    return extents


_SST_UNIQUE_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\suniqueCount=\"\s*([0-9]+)")


def _check_shared_strings(fh, zf: zipfile.ZipFile, limits: ReadLimits) -> None:
    """calamine reserves memory for the number of distinct strings the file declares
    (`<sst uniqueCount="…">`, 24 bytes each) before reading one: a declared 40 billion
    aborts the process. No honest file has more distinct strings than cells."""
    name = "xl/sharedStrings.xml"
    if name not in zf.NameToInfo:
        return
    head = next(_member_chunks(fh, zf.getinfo(name)), b"")[:1 << 16]
    found = _SST_UNIQUE_COUNT.search(head)
    if found and int(found.group(1)) > limits.max_cells:
        raise UnreadableFile(
            "too_many_cells",
            f"Файл отклонён: в нём заявлено {_num(int(found.group(1)))} различных текстовых "
            f"значений, а ячеек допускается не более {_num(limits.max_cells)}. Откройте файл "
            "в Excel, сохраните заново и пришлите снова.",
            f"sharedStrings uniqueCount {found.group(1).decode()} > {limits.max_cells}",
        )


def _member_chunks(fh, info: zipfile.ZipInfo):
    """The decompressed bytes of one member, in chunks, never more than its declared size:
    a member that inflates beyond its declaration is a bomb that lied to the directory
    check (zipfile would stop there silently; calamine's reader refuses such a member with
    an I/O error, so both sides agree). Size and CRC are verified at the end."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflate = zlib.decompressobj(-15)
    elif info.compress_type == zipfile.ZIP_STORED:
        inflate = None
    else:
        raise _unsupported(
            "Книга Excel сжата необычным способом, который не поддерживается. Откройте её в "
            "Excel, сохраните заново как «Книга Excel (.xlsx)» и пришлите снова.",
            f"compression method {info.compress_type} in {info.filename!r}")
    produced, crc, left = 0, 0, info.compress_size
    while left > 0:
        raw = fh.read(min(_CHUNK, left))
        if not raw:
            raise zipfile.BadZipFile(f"{info.filename!r} is truncated")
        left -= len(raw)
        while raw:
            if inflate is None:
                out, raw = raw, b""
            else:
                out = inflate.decompress(raw, _CHUNK)
                raw = inflate.unconsumed_tail
            produced += len(out)
            if produced > info.file_size:
                raise _lying_member(info)
            if out:
                crc = zlib.crc32(out, crc)
                yield out
    if inflate is not None:
        out = inflate.flush()
        produced += len(out)
        if produced > info.file_size:
            raise _lying_member(info)
        if out:
            crc = zlib.crc32(out, crc)
            yield out
    if produced != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename!r}: size or CRC does not match the directory")


def _worksheet_members(zf: zipfile.ZipFile) -> dict[str, str | None]:
    """Every part calamine could read as a sheet -> the sheet's name when the workbook
    names it. calamine builds a sheet's path as "xl/" + the relationship target and
    accepts only worksheets/, chartsheets/ and dialogsheets/ as its folder, so every
    member under those folders is measured, whatever its name; resolved relationship
    targets are added in case another calamine version resolves differently."""
    names = set(zf.namelist())
    folders = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")
    members: dict[str, str | None] = {n: None for n in sorted(names) if n.startswith(folders)}
    targets = _relationship_targets(zf, names)
    for sheet_name, rel_id in _workbook_sheets(zf, names):
        member = targets.get(rel_id)
        if member in names:
            members[member] = sheet_name
    return members


def _relationship_targets(zf: zipfile.ZipFile, names: set[str]) -> dict[bytes, str]:
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", zf.read(rels_name)):
        rel_id = re.search(rb"\bId=\"([^\"]*)\"", tag)
        target = re.search(rb"\bTarget=\"([^\"]*)\"", tag)
        if rel_id and target:
            targets[rel_id.group(1)] = _resolve_part(target.group(1).decode("utf-8", "replace"))
    return targets


def _workbook_sheets(zf: zipfile.ZipFile, names: set[str]) -> list[tuple[str, bytes]]:
    if "xl/workbook.xml" not in names:
        return []
    sheets = []
    for tag in re.findall(rb"<(?:\w+:)?sheet\s[^>]*>", zf.read("xl/workbook.xml")):
        name = re.search(rb"\sname=\"([^\"]*)\"", tag)
        rel_id = re.search(rb"\s(?:r|relationships):id=\"([^\"]*)\"", tag)
        if name and rel_id:
            sheets.append((html.unescape(name.group(1).decode("utf-8", "replace")), rel_id.group(1)))
    return sheets


def _resolve_part(target: str) -> str:
    target = html.unescape(target).replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))


def _sheet_extent(fh, info: zipfile.ZipInfo, limits: ReadLimits, sheet: str | None = None) -> _Extent:
    """The declared dimension when it is proven honest and within the limits. Otherwise the
    exact extent: a dimension can also count formatted empty cells, which calamine skips,
    so a file is never rejected on the declaration alone."""
    watch = _FormulaWatch()
    claim = _extent_from_dimension(watch.over(_member_chunks(fh, info)))
    if claim is not None and claim[1] <= limits.max_columns and claim[0] * claim[1] <= limits.max_cells:
        return _Extent(info.filename, *claim, sheet, watch.cell)
    rows, cols, formula = _extent_by_parsing(_member_chunks(fh, info))
    return _Extent(info.filename, rows, cols, sheet, formula)


def _extent_from_dimension(chunks) -> tuple[int, int] | None:
    """(rows, cols) from the declared dimension if the whole part proves it honest, else None.
    Chunks are re-cut before a '<', so no tag is split between two searches."""
    carry = b""
    claim = None
    checks: tuple[re.Pattern, ...] = ()
    for block in itertools.chain(chunks, [b""]):  # b"" marks the end
        data = carry + block
        if block:
            cut = data.rfind(b"<")
            if cut <= 0 or len(data) - cut > (1 << 20):
                cut = len(data)  # no tag start, or a giant text node: nothing of ours to split
            data, carry = data[:cut], data[cut:]
        else:
            carry = b""
        if claim is None:
            found = _DIMENSION.search(data)
            if found is None:
                if b"<sheetData" in data or not block:
                    return None  # the dimension must come before the cell data
                continue
            claim = (int(found.group(2)), _column_number(found.group(1).decode()))
            if claim[0] < 1:
                return None  # "A0" is not a cell
            checks = _outside_claim_patterns(*claim)
        for pattern in checks:
            if pattern.search(data):
                return None
    return claim


_claim_patterns: dict[tuple[int, int], tuple[re.Pattern, ...]] = {}
# A claim is a sheet's (rows, columns): a region's files declare ≈1,300 different ones (row
# counts vary school by school), and compiling a pattern costs ≈0.4 ms. With 256 kept (all
# dropped when full) a reading worker compiled one for ≈40 % of sheets; with 4,096 reading
# a file took 1.60–1.71 ms instead of 1.78–1.81 (8,000 of the region's files, A/B in one
# process). A pattern takes ≈1 KB.
CLAIM_PATTERNS_KEPT = 4096


def _outside_claim_patterns(rows: int, cols: int) -> tuple[re.Pattern, ...]:
    """Searches that find any cell the claim does not cover, or cannot be judged by it.
    Two patterns, not one alternation: each starts with a literal, which keeps Python's
    regex engine fast (an alternation was measured 2x slower)."""
    key = (rows, cols)
    if key not in _claim_patterns:
        inside = (_at_most(_column_letters(cols), _LETTERS, _LETTERS)
                  + _at_most(str(rows), _DIGITS, _DIGITS[1:]))
        if len(_claim_patterns) >= CLAIM_PATTERNS_KEPT:
            _claim_patterns.clear()
        _claim_patterns[key] = (re.compile(rb"<c(?!\x20r=\"" + inside + rb"\")[\s/>]"), _PREFIXED_CELL)
    return _claim_patterns[key]


def _at_most(s: str, alphabet: str, first: str) -> bytes:
    """Regex for canonical strings over `alphabet` (first character from `first`) that are
    at most `s` in (length, lexicographic) order — numeric order for row numbers without
    leading zeros and for column letters."""
    cls = f"[{alphabet[0]}-{alphabet[-1]}]"
    alternatives = []
    if len(s) >= 2:  # every shorter string
        alternatives.append(f"[{first[0]}-{first[-1]}]{cls}{{0,{len(s) - 2}}}")
    for i, ch in enumerate(s):  # same length, smaller at position i
        pool = first if i == 0 else alphabet
        smaller = pool[:pool.index(ch)]
        if smaller:
            rest = len(s) - i - 1
            tail = f"{cls}{{{rest}}}" if rest else ""
            alternatives.append(re.escape(s[:i]) + f"[{smaller[0]}-{smaller[-1]}]" + tail)
    alternatives.append(re.escape(s))
    return ("(?:" + "|".join(alternatives) + ")").encode()


def _extent_by_parsing(chunks) -> tuple[int, int, str | None]:
    """Exact extent, tracking positions the way calamine does: a cell's own reference wins;
    without one, the cell follows the previous cell of its row, and a row without `r`
    follows the previous row. Only cells with a value count (styled blanks do not). Also
    the first formula cell without a cached value, by the same positions."""
    tracker = _PositionTracker()
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    for chunk in chunks:
        parser.feed(chunk)
        tracker.consume(parser.read_events())
    parser.close()
    tracker.consume(parser.read_events())
    return tracker.max_row, tracker.max_col, tracker.uncached_formula


class _PositionTracker:
    def __init__(self) -> None:
        self.max_row = self.max_col = 0
        self.row = self.col = 0
        self.cell = (0, 0)
        self.sheet_data = None
        self.uncached_formula: str | None = None

    def consume(self, events) -> None:
        for event, el in events:
            tag = el.tag.rpartition("}")[2]
            if event == "start":
                self._start(tag, el)
            elif tag == "c":
                kids = {child.tag.rpartition("}")[2]: child for child in el}
                if "v" in kids or "is" in kids:
                    self.max_row = max(self.max_row, self.cell[0])
                    self.max_col = max(self.max_col, self.cell[1])
                if ("f" in kids and "is" not in kids and self.uncached_formula is None
                        and _uncached(el.get("t"), (kids["v"].text or "") if "v" in kids else None)):
                    self.uncached_formula = f"{_column_letters(self.cell[1])}{self.cell[0]}"
                el.clear()
            elif tag == "row" and self.sheet_data is not None:
                self.sheet_data.clear()  # drop finished rows so memory stays flat

    def _start(self, tag: str, el) -> None:
        if tag == "sheetData":
            self.sheet_data = el
        elif tag == "row":
            r = el.get("r")
            self.row = int(r) if r else self.row + 1
            self.col = 0
        elif tag == "c":
            ref = el.get("r")
            if ref:
                row, self.col = _parse_ref(ref)
                self.cell = (row, self.col)
            else:
                self.col += 1
                self.cell = (self.row, self.col)


# ---- formulas without a cached value
#
# calamine reads a formula cell as the value cached in `<v>`. A program that writes
# formulas without computing them (openpyxl, some report generators) leaves `<v>` out or
# empty, and calamine gives '' — a score computed by a formula would vanish as if the
# pupil had skipped the task. The sheet XML already streams past the extent guard, so the
# formula cells are looked at there: a chunk without "<f" (every file of plain values) costs
# a byte search (measured: 15 ms on a 100,000-row sheet, 0.3 % of reading it; 64 µs on a
# 25-row file, 1.3 %); only chunks with formulas meet the regex. The exact path (`_extent_by_parsing`) sees formulas as elements instead.
# A formula is always the first child of its cell (`<c r="B7"><f>A7*2</f><v>8</v></c>`,
# ECMA-376 CT_Cell) and its text cannot hold a literal '<', so one regex finds a formula
# NOT followed by a non-empty `<v>` or by inline text; the cell's own tag, just before it,
# gives the reference and type. Anchored on "<f", the regex costs ≈0.13 s on a 100,000-row
# sheet with a formula in every row (anchored on "<c", the same search took 1.2 s).

_UNCACHED_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?!<v\b[^>]*>[^<])(?!<is\b)(<v\b)?")
_CELL_ATTR_T = re.compile(rb"\st=\"([^\"]*)\"")
_CELL_ATTR_R = re.compile(rb"\sr=\"([^\"]*)\"")
_CARRY_LIMIT = 1 << 20


def _uncached(cell_type: str | None, value) -> bool:
    """Whether a formula cell (without inline text) lacks a cached value: `value` is the
    text of its `<v>` ('' when empty), None when it has none. An empty `<v>` is a value only
    for a text result (`t="str"`): =IF(…;"";…) caches ''."""
    return value is None or (not value and cell_type != "str")


class _FormulaWatch:
    """Passes a sheet part's chunks through unchanged, noting the first formula cell without
    a cached value (`cell`, e.g. "B7"). Complete cells only meet the regex: the bytes from
    the last `<c` of a chunk (a cell that may go on in the next chunk) wait for the next."""

    def __init__(self) -> None:
        self.cell: str | None = None
        self._carry = b""

    def over(self, chunks):
        for chunk in chunks:
            if self.cell is None:
                self._look(chunk)
            yield chunk
        if self.cell is None and self._carry:
            self._scan(self._carry)

    def _look(self, chunk: bytes) -> None:
        carry = self._carry
        # "f" first: a one-byte search is a memchr (≈100x faster than looking for "<f" in
        # XML, where '<' is everywhere), and the body of a sheet of values holds no "f".
        if not (b"f" in chunk and b"<f" in chunk) and b"<f" not in carry + chunk[:1]:
            cut = chunk.rfind(b"<c")
            # Without a cell start in this chunk, a cell carried over holds no formula (its
            # <f> would have followed its <c> here); a trailing '<' is kept, as the next
            # chunk may complete it to "<f".
            self._carry = chunk[cut:] if cut >= 0 else chunk[-1:] if chunk.endswith(b"<") else b""
            return
        data = carry + chunk
        cut = data.rfind(b"<c")
        if cut < 0 or len(data) - cut > _CARRY_LIMIT:
            cut = len(data)
        self._scan(data[:cut])
        self._carry = data[cut:]

    def _scan(self, data: bytes) -> None:
        for m in _UNCACHED_FORMULA.finditer(data):
            tag = data[max(data.rfind(b"<c", 0, m.start()), 0):m.start()]   # `<c r="B7" t="str">`
            cell_type = _CELL_ATTR_T.search(tag)
            if _uncached(cell_type.group(1).decode("ascii", "replace") if cell_type else None,
                         b"" if m.group(1) else None):
                ref = _CELL_ATTR_R.search(tag)
                self.cell = ref.group(1).decode("ascii", "replace") if ref else "?"
                return


def _check_formulas(extents: list[_Extent]) -> None:
    for ext in extents:
        if ext.uncached_formula:
            where = f"В ячейке {ext.uncached_formula}" + (f" (лист «{ext.sheet}»)" if ext.sheet else "")
            raise UnreadableFile(
                "uncached_formula",
                f"{where} формула без вычисленного значения: файл сохранён программой, "
                "которая не пересчитывает формулы. Откройте файл в Excel или LibreOffice, "
                "сохраните и отправьте заново.",
                f"formula without cached value at {ext.member}!{ext.uncached_formula}",
            )


def _parse_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Za-z]{1,7})([0-9]{1,10})", ref)
    if not m:
        raise ValueError(f"cell reference {ref!r} not understood")
    return int(m.group(2)), _column_number(m.group(1).upper())


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out or "A"


def _check_extents(extents: list[_Extent], limits: ReadLimits) -> None:
    total = 0
    for ext in extents:
        if ext.cols > limits.max_columns:
            raise _too_wide(ext.sheet, ext.cols, limits)
        total += ext.rows * ext.cols
        if total > limits.max_cells:
            raise _too_many_cells(limits, f"extent check: {total} cells after {ext.member}")


# ----------------------------------------------------------------- OLE2 (xls, encrypted)


def _read_ole2(path: Path, limits: ReadLimits) -> list[Sheet]:
    cfb = _CompoundFile.parse(path.read_bytes())
    if cfb is None:
        raise _xls_unreadable("compound file structure not understood")
    if "EncryptionInfo" in cfb.names or "EncryptedPackage" in cfb.names:
        raise _encrypted("OLE2 container with EncryptionInfo (encrypted OOXML)")
    if not ({"Workbook", "Book"} & cfb.names):
        raise UnreadableFile(
            "not_spreadsheet",
            "Файл — документ Microsoft Office старого формата, но не таблица Excel "
            "(например, документ Word .doc). Перенесите таблицу в Excel, сохраните как "
            "«Книга Excel (.xlsx)» и пришлите снова.",
            f"OLE2 entries: {sorted(cfb.names)[:10]}",
        )
    stream = cfb.read("Workbook") or cfb.read("Book")
    if not stream:
        raise _xls_unreadable("Workbook stream cannot be read from the compound file")
    # The same allocation hazard as xlsx: calamine accepts columns up to 65535 in a BIFF
    # record, so one far cell in a tiny .xls can ask for 137 GB.
    _check_extents(_xls_extents(stream), limits)
    return _read_with_calamine(path, limits, is_xls=True)


_FREE_SECTORS = 0xFFFFFFFA  # ids at or above this mark end-of-chain, free, FAT or DIFAT sectors


class _CompoundFile:
    """Just enough of MS-CFB (the OLE2 container of .xls and of encrypted OOXML) to list
    the entries and read a stream. The bytes come from outside: every offset is
    bounds-checked and every chain is loop-guarded; anything odd gives None."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        if self.sector_size not in (512, 4096):
            raise ValueError("sector size")
        if struct.unpack_from("<I", data, 0x38)[0] != 4096:
            # The spec fixes the mini-stream cutoff; a reader that trusted another value
            # would read different bytes than calamine does.
            raise ValueError("mini stream cutoff")
        self.mini_cutoff = 4096
        self.max_steps = len(data) // 64 + 2
        self.fat = self._read_fat()
        self.entries: dict[str, tuple[int, int]] = {}  # name -> (start sector, size)
        root = None
        directory = self._chain_bytes(struct.unpack_from("<I", data, 0x30)[0], self.fat, self._sector)
        for off in range(0, len(directory) - 127, 128):
            name_len = struct.unpack_from("<H", directory, off + 64)[0]
            kind = directory[off + 66]
            start, size = struct.unpack_from("<IQ", directory, off + 116)
            if self.sector_size == 512:
                size &= 0xFFFFFFFF  # version 3 files may leave garbage in the high half
            if kind == 5 and root is None:
                root = (start, size)
            elif kind in (1, 2) and 2 <= name_len <= 64:
                name = directory[off:off + name_len - 2].decode("utf-16-le", "replace")
                self.entries.setdefault(name, (start, size))
        self.names = set(self.entries)
        self.mini_fat = self._table(struct.unpack_from("<I", data, 0x3C)[0])
        self.mini_stream = self._chain_bytes(root[0], self.fat, self._sector)[:root[1]] if root else b""

    @classmethod
    def parse(cls, data: bytes) -> "_CompoundFile | None":
        try:
            return cls(data)
        except (struct.error, IndexError, ValueError, OverflowError):
            return None

    def read(self, name: str) -> bytes | None:
        if name not in self.entries:
            return None
        start, size = self.entries[name]
        try:
            if size < self.mini_cutoff:
                data = self._chain_bytes(start, self.mini_fat, self._mini_sector)
            else:
                data = self._chain_bytes(start, self.fat, self._sector)
        except (struct.error, IndexError, ValueError):
            return None
        return data[:size] if len(data) >= size else None

    def _sector(self, sid: int) -> bytes:
        start = (sid + 1) * self.sector_size
        if start >= len(self.data):
            raise IndexError(f"sector {sid} outside the file")
        return self.data[start:start + self.sector_size]

    def _mini_sector(self, sid: int) -> bytes:
        start = sid * 64
        if start >= len(self.mini_stream):
            raise IndexError(f"mini sector {sid} outside the mini stream")
        return self.mini_stream[start:start + 64]

    def _chain_bytes(self, sid: int, table: list[int], sector) -> bytes:
        parts, seen = [], set()
        while sid < _FREE_SECTORS:
            if sid in seen or len(seen) > self.max_steps:
                raise ValueError("sector chain loops")
            seen.add(sid)
            parts.append(sector(sid))
            sid = table[sid] if sid < len(table) else 0xFFFFFFFE
        return b"".join(parts)

    def _table(self, sid: int) -> list[int]:
        raw = self._chain_bytes(sid, self.fat, self._sector)
        return list(struct.unpack(f"<{len(raw) // 4}I", raw[:len(raw) // 4 * 4]))

    def _read_fat(self) -> list[int]:
        """FAT sector ids: 109 in the header, the rest along the DIFAT chain."""
        ids = [i for i in struct.unpack_from("<109I", self.data, 0x4C) if i < _FREE_SECTORS]
        per_sector = self.sector_size // 4 - 1
        difat, steps = struct.unpack_from("<I", self.data, 0x44)[0], 0
        while difat < _FREE_SECTORS and steps <= self.max_steps:
            entries = struct.unpack_from(f"<{per_sector + 1}I", self._sector(difat))
            ids.extend(i for i in entries[:per_sector] if i < _FREE_SECTORS)
            difat, steps = entries[per_sector], steps + 1
        raw = b"".join(self._sector(i) for i in ids)
        return list(struct.unpack(f"<{len(raw) // 4}I", raw))


# BIFF records that put a value in a cell, (row, col) first — calamine places exactly
# these (BLANK/MULBLANK it skips). BIFF2–4 variants are included: an over-estimate only.
_BIFF_CELLS = frozenset({0x0002, 0x0003, 0x0004, 0x0006, 0x0206, 0x0406, 0x0203, 0x0204, 0x0205,
                         0x027E, 0x00D6, 0x00FD})
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF, _BIFF_DIMENSIONS = 0x00BD, 0x0809, 0x000A, 0x0200
_BIFF8_MAX_ROWS, _BIFF8_MAX_COLS = 65_536, 256
_BIFF_BOUNDSHEET, _BIFF_FILEPASS = 0x0085, 0x002F


def _xls_extents(stream: bytes) -> list[_Extent]:
    """Each sheet's extent, walking its records from the offset the workbook gives, as
    calamine does. A FILEPASS record means the workbook is password-protected."""
    offsets, pos = [], 0
    while pos + 4 <= len(stream):
        rtype, rlen = struct.unpack_from("<HH", stream, pos)
        if rtype == _BIFF_FILEPASS:
            raise _encrypted("BIFF FILEPASS record")
        if rtype == _BIFF_BOUNDSHEET and rlen >= 4:
            offset = struct.unpack_from("<I", stream, pos + 4)[0]
            offsets.append((offset, _boundsheet_name(stream, pos + 4, rlen)))
        pos += 4 + rlen
        if rtype == _BIFF_EOF:
            break
    return [_Extent(f"sheet at {off}", *_xls_sheet_extent(stream, off), name) for off, name in offsets]


def _boundsheet_name(stream: bytes, body: int, rlen: int) -> str | None:
    """The sheet name in a BIFF8 BOUNDSHEET record, for messages; None if odd."""
    if rlen < 8:
        return None
    length, high_byte = stream[body + 6], stream[body + 7] & 1
    raw = stream[body + 8:body + 8 + length * (2 if high_byte else 1)]
    return raw.decode("utf-16-le" if high_byte else "cp1252", "replace") or None


def _xls_sheet_extent(stream: bytes, pos: int) -> tuple[int, int]:
    max_row = max_col = depth = 0
    while pos + 4 <= len(stream):
        rtype, rlen = struct.unpack_from("<HH", stream, pos)
        body, pos = pos + 4, pos + 4 + rlen
        if rtype == _BIFF_DIMENSIONS:
            _check_xls_dimensions(stream, body, rlen)
        elif rtype == _BIFF_BOF:
            depth += 1  # embedded chart substreams nest their own BOF..EOF
        elif rtype == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif rtype in _BIFF_CELLS and rlen >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        elif rtype == _BIFF_MULRK and rlen >= 6:
            row = struct.unpack_from("<H", stream, body)[0]
            last_col = struct.unpack_from("<H", stream, body + rlen - 2)[0]
            max_row, max_col = max(max_row, row + 1), max(max_col, last_col + 1)
    return max_row, max_col


def _check_xls_dimensions(stream: bytes, body: int, rlen: int) -> None:
    """calamine reserves (last - first row) x (last - first column) cells, 40 bytes each,
    from this record before reading the sheet, and the subtraction wraps: first row 248,
    last row 40 asks for 515 GB and aborts the process. Valid BIFF8 values never exceed
    65536 x 256, so anything else is a damaged file."""
    if rlen >= 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, body)
    elif rlen >= 8:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, body)
    else:
        return
    rows, cols = last_row - first_row, last_col - first_col
    if not (0 <= rows <= _BIFF8_MAX_ROWS and 0 <= cols <= _BIFF8_MAX_COLS):
        raise _xls_unreadable(
            f"DIMENSIONS record rows {first_row}..{last_row}, cols {first_col}..{last_col}")


# ------------------------------------------------------------------------ calamine read


def _read_with_calamine(path: Path, limits: ReadLimits, is_xls: bool) -> list[Sheet]:
    try:
        with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
            return _convert_workbook(wb, limits)
    except python_calamine.PasswordError as exc:
        raise _encrypted(f"calamine: {exc}") from None
    except python_calamine.CalamineError as exc:
        if is_xls:
            raise _xls_unreadable(f"calamine: {type(exc).__name__}: {exc}") from None
        raise _corrupt_zip(exc) from None


def _convert_workbook(wb, limits: ReadLimits) -> list[Sheet]:
    sheets = []
    budget = limits.max_cells
    for index, meta in enumerate(wb.sheets_metadata):
        # Loading the sheet is the expensive step; each sheet is loaded exactly once.
        sheet = wb.get_sheet_by_index(index)
        # The padded size is known before any Python object is made: check it first.
        height, width = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
        if width > limits.max_columns:
            raise _too_wide(meta.name, width, limits)
        budget -= height * width
        if budget < 0:
            raise _too_many_cells(limits, f"at sheet {meta.name!r}")
        raw = sheet.to_python(skip_empty_area=False)
        del sheet
        _cells_to_text(raw)
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        sheets.append(Sheet(name=meta.name, rows=raw, hidden=hidden))
    return sheets


def _cells_to_text(rows: list[list]) -> None:
    """Convert in place, row by row, so the original row objects are freed as we go.
    Strings take the first branch; floats (scores repeat: 0, 1, 2…) hit a dict without a
    Python call; only the rest go through _to_text. Measured ≈3x faster than calling
    _to_text for every non-string cell (100k x 20 VPR-like sheet: 0.14 s against 0.40 s)."""
    floats = _FloatText()
    for i, row in enumerate(rows):
        rows[i] = [v if (c := v.__class__) is str else floats[v] if c is float else _to_text(v)
                   for v in row]


class _FloatText(dict):
    """float -> text, computed once per distinct value (bounded, for files of unique values)."""

    def __missing__(self, v: float) -> str:
        text = _float_text(v)
        if len(self) < 65536:
            self[v] = text
        return text


_EXACT_INT_LIMIT = 2.0**53


def _to_text(v) -> str:
    if v is None:
        return ""
    cls = v.__class__
    if cls is float:
        return _float_text(v)
    if cls is bool:
        return "TRUE" if v else "FALSE"
    if cls is int:
        return str(v)
    if cls is dt.datetime:
        return v.isoformat(sep=" ")
    if cls is dt.date or cls is dt.time:
        return v.isoformat()
    if cls is dt.timedelta:
        return _duration_text(v)
    return str(v)


def _float_text(v: float) -> str:
    if v.is_integer() and abs(v) < _EXACT_INT_LIMIT:
        return str(int(v))  # also turns -0.0 into "0"
    return repr(v)


def _duration_text(v: dt.timedelta) -> str:
    seconds = round(v.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


# ------------------------------------------------------------------------------- csv


_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# C0 control characters that never occur in a text table (tab, CR, LF, FF, and the old
# DOS end-of-file mark ^Z do occur and are allowed). Their presence means binary data.
_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
_DELIMITERS = (";", "\t", ",")  # in order of preference on a tie: RCOI files use ';'
_QUOTED = re.compile(r'"[^"]*"')
_SNIFF_LINES = 20
_SNIFF_CHARS = 1 << 16


def _read_text(path: Path, limits: ReadLimits) -> list[Sheet]:
    text = _decode(path.read_bytes())
    if _BINARY_CHARS.search(text):
        raise _not_spreadsheet_binary()
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        raise _unsupported(
            "Файл — веб-страница (HTML) или XML, сохранённая с расширением таблицы (так делают "
            "выгрузки некоторых систем). Откройте его в Excel и сохраните как «Книга Excel "
            "(.xlsx)», затем пришлите снова.", "markup text")
    delimiter = _sniff_delimiter(stripped[:_SNIFF_CHARS].splitlines()[:_SNIFF_LINES + 1])
    if delimiter is None:
        raise UnreadableFile(
            "not_spreadsheet",
            "Файл текстовый, но это не таблица: в первой строке нет разделителей столбцов "
            "(точки с запятой, запятой или табуляции). Сохраните таблицу в Excel как «Книга "
            "Excel (.xlsx)» или «CSV (разделители — точка с запятой)» и пришлите снова.",
            "text without delimiter",
        )
    return [Sheet(name=path.stem, rows=_parse_csv(text, delimiter, limits))]


def _decode(data: bytes) -> str:
    """utf-8 (with or without BOM) strictly first, then cp1251 — RCOI files come in both.
    A BOM is a declaration: a file that has one and does not decode is not guessed at."""
    if data.startswith(_UTF8_BOM):
        return _strict(data[len(_UTF8_BOM):], "utf-8")
    if data.startswith(_UTF16_BOMS):  # Excel's «Текст в Юникоде» export
        return _strict(data, "utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:  # no 8-bit text has NUL bytes; do not guess a code page for binary
        raise _not_spreadsheet_binary()
    return _strict(data, "cp1251")


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "bad_encoding",
            "Не удалось определить кодировку текстового файла: он не в UTF-8 и не в "
            "Windows-1251. Сохраните таблицу в Excel как «Книга Excel (.xlsx)» или как CSV в "
            "кодировке UTF-8 и пришлите снова.",
            f"{encoding}: {exc}",
        ) from None


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter of the header line (the first non-blank one). When several occur, the
    one whose count the next lines repeat wins — a stray comma in a ';' header loses."""
    body = [_QUOTED.sub("", ln) for ln in lines if ln.strip()]
    if not body:
        return None
    header, following = body[0], body[1:]
    candidates = [d for d in _DELIMITERS if header.count(d) > 0]
    if not candidates:
        return None

    def score(d: str) -> tuple[int, int, int]:
        consistent = sum(1 for ln in following if ln.count(d) == header.count(d))
        return consistent, header.count(d), -_DELIMITERS.index(d)

    return max(candidates, key=score)


def _parse_csv(text: str, delimiter: str, limits: ReadLimits) -> list[list[str]]:
    rows: list[list[str]] = []
    budget = limits.max_cells
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        for row in reader:
            if len(row) > limits.max_columns:
                width = len(row)
                raise UnreadableFile(
                    "too_many_cells",
                    f"В строке {reader.line_num} файла {width} "
                    f"{_plural(width, 'столбец', 'столбца', 'столбцов')}, допускается не более "
                    f"{limits.max_columns}. Проверьте, что столбцы разделены точкой с запятой, "
                    "и пришлите файл снова.",
                    f"csv line {reader.line_num}: width {width} > {limits.max_columns}",
                )
            budget -= len(row)
            if budget < 0:
                raise _too_many_cells(limits, f"csv line {reader.line_num}")
            rows.append(row)
    except csv.Error as exc:
        raise UnreadableFile(
            "not_spreadsheet",
            f"Файл CSV не удалось разобрать около строки {reader.line_num}: вероятно, там "
            "незакрытая кавычка или слишком длинное поле. Откройте файл в Excel, проверьте эту "
            "строку, сохраните как «Книга Excel (.xlsx)» и пришлите снова.",
            f"csv: {exc}",
        ) from None
    return rows


# ------------------------------------------------------------------- failure builders


def _corrupt_zip(exc: BaseException) -> UnreadableFile:
    return UnreadableFile(
        "corrupt_zip",
        "Файл повреждён: книгу Excel не удаётся прочитать (архив или его содержимое "
        "испорчены — например, файл передан не полностью). Откройте его у себя в Excel, "
        "сохраните заново и пришлите снова.",
        f"{type(exc).__name__}: {exc}",
    )


def _encrypted(detail: str) -> UnreadableFile:
    return UnreadableFile(
        "encrypted",
        "Файл защищён паролем (зашифрован), поэтому прочитать его нельзя. Снимите пароль "
        "(в Excel: Файл → Сведения → Защитить книгу → Зашифровать с использованием пароля → "
        "очистить поле), сохраните и пришлите файл снова.",
        detail,
    )


def _xls_unreadable(detail: str) -> UnreadableFile:
    return _unsupported(
        "Файл старого формата Excel (.xls) не удалось прочитать: он повреждён или сохранён "
        "очень старой версией Excel. Откройте его в Excel и сохраните как «Книга Excel "
        "(.xlsx)», затем пришлите снова.",
        detail,
    )


def _lying_member(info: zipfile.ZipInfo) -> UnreadableFile:
    return UnreadableFile(
        "zip_bomb",
        "Файл отклонён из соображений безопасности: одна из его частей при распаковке "
        "оказалась больше, чем заявлено в самом файле, — так устроены файлы-«бомбы». Если это "
        "настоящая таблица, откройте её в Excel, сохраните заново и пришлите снова.",
        f"member {info.filename!r} inflates beyond its declared {info.file_size} bytes",
    )


def _unsupported(message_ru: str, detail: str) -> UnreadableFile:
    return UnreadableFile("unsupported_format", message_ru, detail)


def _not_spreadsheet_binary() -> UnreadableFile:
    return UnreadableFile(
        "not_spreadsheet",
        "Файл не является таблицей: это не книга Excel (.xlsx, .xls) и не текстовый файл CSV. "
        "Сохраните данные в Excel как «Книга Excel (.xlsx)» и пришлите снова.",
        "binary content",
    )


def _too_wide(sheet: str | None, width: int, limits: ReadLimits) -> UnreadableFile:
    where = f"Лист «{sheet}»" if sheet else "Лист"
    return UnreadableFile(
        "too_many_cells",
        f"{where} слишком широкий: {width} {_plural(width, 'столбец', 'столбца', 'столбцов')}, "
        "допускается не более "
        f"{limits.max_columns}. Удалите лишние столбцы (часто это случайное значение далеко "
        "справа от таблицы) и пришлите файл снова.",
        f"width {width} > {limits.max_columns}",
    )


def _too_many_cells(limits: ReadLimits, detail: str) -> UnreadableFile:
    return UnreadableFile(
        "too_many_cells",
        f"В файле слишком много ячеек: больше {_num(limits.max_cells)}. Удалите лишние листы, "
        "строки и столбцы (часто это случайное значение далеко ниже или правее таблицы) или "
        "разделите данные на несколько файлов и пришлите снова.",
        detail,
    )


def _too_many_cells_memory(exc: BaseException) -> UnreadableFile:
    return UnreadableFile(
        "too_many_cells",
        "Файл слишком велик для обработки: не хватило памяти. Удалите лишние листы, строки и "
        "столбцы или разделите данные на несколько файлов и пришлите снова.",
        f"MemoryError: {exc}",
    )


def _plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form for a count: 1 столбец, 3 столбца, 16000 столбцов, 21 столбец."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _num(n: int) -> str:
    """5000000 -> '5 000 000', the Russian way of grouping digits."""
    return f"{n:,}".replace(",", " ")


def _io_error(exc: OSError) -> UnreadableFile:
    return UnreadableFile(
        "io_error",
        "Файл не удалось прочитать с диска. Это сбой на стороне системы, а не ошибка в "
        "файле: сообщите администратору.",
        f"{type(exc).__name__}: {exc}",
    )


def _unreadable_generic(exc: BaseException) -> UnreadableFile:
    return UnreadableFile(
        "unsupported_format",
        "Файл не удалось прочитать как таблицу. Откройте его в Excel, сохраните как «Книга "
        "Excel (.xlsx)» и пришлите снова.",
        f"unexpected {type(exc).__name__}: {exc}",
    )
