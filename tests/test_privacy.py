"""Personal data: pupils' names never leave the archive of original bytes; published values
from fewer than 5 pupils are suppressed; text from input never becomes a formula; the UI
listens on 127.0.0.1 only.

The pipeline tests reuse the one run over the demo inbox plus hostile files
(`hostile_run`, tests/conftest.py): the demo's RCOI protocols carry a «ФИО» column
(msoko.demo.layouts.write_exam_protocol), so thousands of real-looking names enter the run.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from exports.cells import paper_label, sheet_name
from exports.workbook import SUPPRESSED_TEXT
from ingest.readers import read_table_file
from tests.test_fuzz import FORMULA, HOSTILE

# A pupil-name column under any spelling a layout or a careless model could give it
# (school_name, indicator_name, column_name and dropped_name_columns are not about pupils).
NAME_COLUMN = re.compile(r"фио|фамил|имя|отчеств|^fio$|^name$|full_?name|surname|first_?name|"
                         r"last_?name|patronymic|pupil_name|participant_name", re.IGNORECASE)
MIN_PUBLISHED = 5


def pupil_names(inbox: Path) -> set[str]:
    """Every value of a «ФИО» column in the inbox's protocols."""
    names = set()
    for path in sorted(inbox.glob("*/*/Протокол*")):
        if path.relative_to(inbox).as_posix() in HOSTILE:    # the refused million-row file
            continue
        rows = read_table_file(path)[0].rows
        col = rows[0].index("ФИО")
        names |= {r[col].strip() for r in rows[1:] if len(r) > col and r[col].strip()}
    return names


@pytest.fixture(scope="module")
def names(hostile_run):
    found = pupil_names(hostile_run["inbox"])
    assert len(found) > 1000        # the trap is armed: the demo's protocols carry names
    return found


FULL_NAME = re.compile(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def names_in_text(text: str, names: set[str]) -> set[str]:
    """The pupils' names a text holds, also when written as JSON \\u escapes (Dagster's
    event log stores JSON)."""
    unescaped = JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return {n for t in (text, unescaped) for n in FULL_NAME.findall(t) if n in names}


def files_with_names(folder: Path, names: set[str], skip) -> dict[str, set[str]]:
    hits = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not skip(p)):
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                data = b"".join(z.read(m) for m in z.namelist())
        found = names_in_text(data.decode("utf-8", "ignore"), names)
        if found:
            hits[str(path.relative_to(folder))] = found
    return hits


@pytest.mark.slow
def test_no_name_column_or_name_in_the_warehouse(hostile_run, names):
    for db in (hostile_run["home"] / "warehouse.duckdb",
               hostile_run["home"] / "published" / "msoko.duckdb"):
        con = duckdb.connect()
        try:
            con.execute(f"attach '{db}' as w (read_only)")
            con.execute("create table names as select unnest(?) as n", [sorted(names)])
            columns = con.execute("""
                select table_schema, table_name, column_name, data_type
                from information_schema.columns where table_catalog = 'w'""").fetchall()
            assert len(columns) > 100
            # raw.ref_schools.name is the registry's school name, an organisation's
            assert [c for c in columns if NAME_COLUMN.search(c[2])
                    and c[:3] != ("raw", "ref_schools", "name")] == []
            leaks = []
            for schema, table, column, dtype in columns:
                if dtype != "VARCHAR":
                    continue
                n = con.execute(f'select count(*) from w."{schema}"."{table}" t '
                                f'join names on t."{column}" = names.n').fetchone()[0]
                if n:
                    leaks.append((schema, table, column, n))
            assert leaks == []
        finally:
            con.close()


@pytest.mark.slow
def test_names_only_in_the_archive_bytes(hostile_run, names):
    home = hostile_run["home"]
    # the run reports the dropped columns instead of their content
    con = duckdb.connect(str(home / "published" / "msoko.duckdb"), read_only=True)
    try:
        dropped = con.execute("""select count(*) from audit.files
                                 where dropped_name_columns like '%ФИО%'""").fetchone()[0]
    finally:
        con.close()
    assert dropped >= 6          # the demo's six RCOI protocols
    # archive metadata, exports, Dagster's event log and compute logs, the published copy:
    # no name anywhere (the archived original bytes are the one allowed place)
    # (the DuckDB files are compressed: the test above queries them instead)
    archive_bytes = re.compile(r"^[0-9a-f]{64}$")
    assert files_with_names(home, names, skip=lambda p: bool(archive_bytes.match(p.name))
                            or p.suffix in (".duckdb", ".wal")) == {}
    assert names_in_text(hostile_run["log"], names) == set()
    # ...and the archive really holds them (a csv protocol in UTF-8 or cp1251)
    originals = [p for p in (home / "archive").rglob("*") if archive_bytes.match(p.name)]
    assert any(any(n.encode(enc) in p.read_bytes() for n in list(names)[:50]
                   for enc in ("utf-8", "cp1251")) for p in originals)


@pytest.mark.slow
def test_small_groups_are_suppressed_in_warehouse_and_workbook(hostile_run):
    home = hostile_run["home"]
    con = duckdb.connect(str(home / "published" / "msoko.duckdb"), read_only=True)
    try:
        shown = con.execute("""
            select count(*) from marts.msoko_indicators
            where participants < ? and (not suppressed or value is not null
                  or numerator is not null or denominator is not null or prev_value is not null)
        """, [MIN_PUBLISHED]).fetchone()[0]
        suppressed = con.execute("""
            select i.academic_year, i.municipality, i.indicator_code, i.procedure, i.grade,
                   i.subject, s.school_name
            from marts.msoko_indicators i join staging.stg_schools s using (school_login)
            where i.level = 'school' and i.suppressed""").fetchall()
    finally:
        con.close()
    assert shown == 0
    assert len(suppressed) > 0
    checked = 0
    for year, muni, code, proc, grade, subject, school in suppressed:
        book = home / "exports" / f"msoko_{year}.xlsx"
        ws = load_workbook(book, read_only=True)[sheet_name("Показатели", muni)]
        rows = list(ws.iter_rows(values_only=True))
        header = rows[2]
        row = next(r for r in rows[3:] if r[0] == code and r[3] == paper_label(proc, grade, subject))
        assert row[header.index(school)] == SUPPRESSED_TEXT, (year, code, school)
        checked += 1
        if checked == 20:
            break


@pytest.mark.slow
def test_input_text_never_becomes_a_formula(hostile_run):
    books = sorted((hostile_run["home"] / "exports").glob("msoko_*.xlsx"))
    assert books
    seen = False
    for book in books:
        with zipfile.ZipFile(book) as z:
            for member in z.namelist():
                xml = z.read(member).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, (book.name, member)
                seen |= "=HYPERLINK(&quot;http://example.invalid" in xml or \
                    '=HYPERLINK("http://example.invalid' in xml
    # the formula from the school's file is there, as text, in «Отложенные строки»
    assert seen, FORMULA


def test_ui_listens_on_loopback_only(monkeypatch, tmp_path):
    """`msoko ui` (what `make ui` runs) starts `dagster dev` bound to 127.0.0.1."""
    from msoko import cli
    monkeypatch.setenv("MSOKO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MSOKO_INBOX", str(tmp_path / "inbox"))
    # set here so that monkeypatch restores what prepare_environment overwrites
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    monkeypatch.setenv("MSOKO_WAREHOUSE", str(tmp_path / "home" / "warehouse.duckdb"))
    started = []

    def fake_exec(program, argv):        # stand-in for replacing the process
        started.append(argv)

    monkeypatch.setattr(cli.os, "execvp", fake_exec)
    monkeypatch.setattr(cli.os, "execv", fake_exec)     # the venv's own dagster, by path
    cli.main(["ui", "--port", "3999"])
    argv = started[0]
    assert Path(argv[0]).name == "dagster" and argv[1] == "dev"
    assert argv[argv.index("-h") + 1] == "127.0.0.1"
    assert "0.0.0.0" not in argv
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    ui_recipe = makefile.split("\nui:")[1].split("\n\n")[0]
    assert "msoko ui" in ui_recipe and "-h" not in ui_recipe and "--host" not in ui_recipe
