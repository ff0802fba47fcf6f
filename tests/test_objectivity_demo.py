"""The objectivity checks on the demo municipality: the planted schools are found by the
checks their plants target, the clean schools are not flagged, the ШНОР list is the truth
file's, and the objectivity index matches a hand count.

Hand count (truth file `schools`: 12 schools in Зырянский район, 9 in Тегульдетский, 9 in
Асиновский, every one of them writing VPR Russian/mathematics grades 4–5 each year — the tiny
sch708010 too, with fewer than 10 pupils, so it is counted but can only be
insufficient_data). Flagged on O1–O3: the two planted inflated schools sch708002 and
sch708007 (Зырянский), every year; nothing else (the generator re-draws until the clean
schools are clean for O1/O2, and O3 is not planted: the demo's cohorts are drawn alike).
  Зырянский:      100 − 100·2/12 = 83.33      Тегульдетский, Асиновский: 100
  region:         100 − 100·2/30 = 93.33
"""
from __future__ import annotations

import json
from collections import Counter

import pytest

from msoko.config import paths_from_env
from msoko.demo.municipality import write_demo_inbox
from msoko.plant_check import compare, plant_report, truth_path
from tests.conftest import pointed_at, query, run_pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    with pointed_at(tmp_path_factory.mktemp("objectivity_demo")) as (inbox, home):
        write_demo_inbox(inbox, seed=2025)
        assert run_pipeline() == 0
        truth = json.loads(truth_path(inbox).read_text(encoding="utf-8"))
        yield truth, home, paths_from_env()


def test_index_matches_the_hand_count(demo_run):
    truth, home, _ = demo_run
    per_municipality = Counter(s["municipality"] for s in truth["schools"])
    assert per_municipality == {"Зырянский район": 12, "Тегульдетский район": 9, "Асиновский район": 9}
    expected = []
    for year in truth["academic_years"]:
        expected += [(year, "municipality", "Асиновский район", 9, 0, 100.0),
                     (year, "municipality", "Зырянский район", 12, 2, 83.33),
                     (year, "municipality", "Тегульдетский район", 9, 0, 100.0),
                     (year, "region", None, 30, 2, 93.33)]
    rows = query(home, """select academic_year, level, municipality, schools_total, schools_flagged,
                                 index_value
                          from marts.objectivity_index order by all""")
    assert rows == expected


def test_planted_schools_found_and_clean_schools_clean(demo_run):
    truth, home, paths = demo_run
    import duckdb
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        result = compare(truth, con)
    finally:
        con.close()
    assert [(login, check, found) for login, check, found, _ in result.planted] == [
        (login, check, 12) for login in ("sch708002", "sch708007") for check in ("O1", "O2", "O4")]
    assert result.clean_flags == []
    assert result.shnor_listed == result.shnor_planted == {
        ("sch708008", "2020-2021"), ("sch708008", "2021-2022"), ("sch708008", "2022-2023")}
    report = "\n".join(plant_report(paths))
    assert "все заложенные случаи найдены, лишних отметок нет" in report


def test_flagged_schools_have_chart_rows(demo_run):
    _, home, _ = demo_run
    # Every flagged school × paper has its histogram (0..max) beside the region's.
    missing = query(home, """
        select distinct f.academic_year, f.school_login, f.grade, f.subject
        from marts.objectivity_flags as f
        where f.flagged and f.check_code = 'O4' and not exists (
            select 1 from marts.objectivity_histograms as h
            where h.level = 'school' and h.school_login = f.school_login
              and h.academic_year = f.academic_year and h.grade = f.grade and h.subject = f.subject)""")
    assert missing == []


def test_workbook_charts_the_flagged_schools(demo_run):
    # Issue 5: the workbook charts every flagged school's paper — the two planted schools,
    # Russian and mathematics in grades 4 and 5 (4 papers each) — and no clean school.
    # Each chart block: a histogram against the regional expectation, and journal vs VPR.
    import zipfile

    from openpyxl import load_workbook
    _, home, _ = demo_run
    book = home / "exports" / "msoko_2022-2023.xlsx"
    ws = load_workbook(book, read_only=True)["Графики объективности"]
    titles = [r[0] for r in ws.iter_rows(values_only=True) if r and r[0] and "(sch7" in str(r[0])]
    assert sorted({t.split("(")[1].split(")")[0] for t in titles}) == ["sch708002", "sch708007"]
    assert len(titles) == 8
    with zipfile.ZipFile(book) as z:
        sheet_index = load_workbook(book, read_only=True).sheetnames.index("Графики объективности") + 1
        drawing = z.read(f"xl/worksheets/_rels/sheet{sheet_index}.xml.rels").decode()
        charts = z.read(drawing.split('Target="../drawings/')[1].split('"')[0].join(
            ["xl/drawings/_rels/", ".rels"])).decode()
    assert charts.count('Target="../charts/') == 2 * len(titles)
