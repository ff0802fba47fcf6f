"""«Графики объективности» at a region's size: the sheet charts at most CHARTED_PAPERS_MAX
flagged papers, the strongest evidence first, and says how many it left to the flags sheet.

A hand-built warehouse holds just the mart rows the sheet reads, so the choice can be stated
by hand: four flagged papers of one VPR paper (grade 4 mathematics, maximum 10 points):

    school   municipality   checks    why it ranks where it does
    sch001   Алфа           O1        one check, O1 only            → 3rd/4th (tie: sch001 first)
    sch002   Бета           O1, O2    two checks                    → 1st
    sch003   Алфа           O4        one check, but O4             → 2nd
    sch004   Алфа           O1        one check, O1 only            → 4th
With a cap of 2 the sheet charts sch002 and sch003, in reading order (municipality, school):
sch003 (Алфа) first, then sch002 (Бета).
"""
from __future__ import annotations

import zipfile

import duckdb
from openpyxl import load_workbook

from exports import objectivity_charts
from exports.cells import formats, new_workbook

YEAR = "2024-2025"
FLAGS = [("sch001", "Алфа", "O1"), ("sch002", "Бета", "O1"), ("sch002", "Бета", "O2"),
         ("sch003", "Алфа", "O4"), ("sch004", "Алфа", "O1")]


def _warehouse(path):
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate; create schema marts")
    con.execute("""create table intermediate.int_pupil_papers as
        select ? as academic_year, 'vpr' as procedure, 4 as grade, 'математика' as subject,
               10 as max_score, 3 as min_3, 6 as min_4, 8 as min_5, 4 as mark""", [YEAR])
    con.execute("""create table marts.objectivity_flags (academic_year varchar,
        school_login varchar, municipality varchar, procedure varchar, grade int,
        subject varchar, check_code varchar, flagged boolean)""")
    con.executemany("insert into marts.objectivity_flags values (?, ?, ?, 'vpr', 4, 'математика', ?, true)",
                    [(YEAR, login, muni, check) for login, muni, check in FLAGS])
    con.execute("""create table marts.objectivity_histograms as
        select ? as academic_year, 'school' as level, login as school_login, 'vpr' as procedure,
               4 as grade, 'математика' as subject, score as primary_score, 2 as pupils,
               0.1 as share, 0.09 as counterfactual_share
        from (values ('sch001'), ('sch002'), ('sch003'), ('sch004')) t(login),
             range(0, 11) s(score)""", [YEAR])
    con.execute("""create table marts.vpr_mark_vs_journal (academic_year varchar, level varchar,
        municipality varchar, school_login varchar, grade int, subject varchar,
        lowered_pct double, confirmed_pct double, raised_pct double)""")
    return con


def _chart_sheet(tmp_path, monkeypatch, cap):
    monkeypatch.setattr(objectivity_charts, "CHARTED_PAPERS_MAX", cap)
    con = _warehouse(tmp_path / "w.duckdb")
    book = tmp_path / f"cap{cap}.xlsx"
    wb = new_workbook(book)
    tables = {"marts.objectivity_flags", "marts.objectivity_histograms", "marts.vpr_mark_vs_journal"}
    names = {f"sch00{i}": f"Школа {i}" for i in range(1, 5)}
    objectivity_charts.flagged_schools_sheet(wb, formats(wb), con, YEAR, names, tables)
    wb.close()
    con.close()
    cells = [str(r[0]) for r in load_workbook(book, read_only=True)[objectivity_charts.SHEET]
             .iter_rows(values_only=True) if r and r[0]]
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    return cells, charts


def test_a_region_s_sheet_charts_the_strongest_evidence_first(tmp_path, monkeypatch):
    cells, charts = _chart_sheet(tmp_path, monkeypatch, cap=2)
    titles = [c for c in cells if "(sch00" in c]
    assert titles == ["Школа 3 (sch003) — ВПР, 4 класс, математика",
                      "Школа 2 (sch002) — ВПР, 4 класс, математика"]
    assert len(charts) == 2                  # one histogram each; no journal rows here
    assert ("Графики — для 2 из 4 работ с признаками: сначала с наибольшим числом признаков, "
            "затем с признаками O4 и O2. Признаки всех работ — на листе "
            "«Признаки необъективности».") in cells


def test_under_the_cap_every_flagged_paper_is_charted_without_a_note(tmp_path, monkeypatch):
    cells, charts = _chart_sheet(tmp_path, monkeypatch, cap=4)
    titles = [c.split(" — ")[0] for c in cells if "(sch00" in c]
    assert titles == ["Школа 1 (sch001)", "Школа 3 (sch003)", "Школа 4 (sch004)", "Школа 2 (sch002)"]
    assert len(charts) == 4
    assert not any(c.startswith("Графики — для") for c in cells)
