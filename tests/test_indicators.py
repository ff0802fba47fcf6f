"""Every indicator code of the regulation's annex (1.1.1–4.3) at school, municipality and
region level, on a small inbox in the real layouts, computed by hand below.

Registry: sch000001 (М1, СОШ, город), sch000002 (М1, ООШ, село), sch000003 (М2, гимназия,
город); OGE codes 10000k, EGE codes 20000k. Year 2020-2021 (reference year 2021). Every
department scale below has max 10 and marks 3/4/5 from 4/6/8 (2 = 0..3), unless stated.
"Above 75% of the maximum" means > 7.5, i.e. ≥ 8.

VPR grade 4 (2 criteria of max 5 each; journal mark beside the score):
  Russian  sch1 scores 3,5,6,8,10 → marks 2,3,4,5,5; journal 3,3,4,4,5
           sch2 scores 2,4,3,7,9  → marks 2,3,2,4,5; journal 4,4,3,4,5
           sch3 scores 10,10,8,1,6 → marks 5,5,5,2,4; journal 5,5,4,3,4
    1.3.1  sch1 32/5 = 6.4 | М1 57/10 = 5.7 | region 92/15 = 6.13
    1.3.2  sch1 1/5 = 20   | М1 3/10 = 30   | region 4/15 = 26.67
    1.3.3  sch1 2/5 = 40   | М1 3/10 = 30   | region 6/15 = 40
    3.1    sch1 {p1 2<3, p4 5>4} 2/5 = 40 | М1 +{p1,p2,p3 of sch2} 5/10 = 50 |
           region +{p3 raised, p4 lowered of sch3} 7/15 = 46.67
    vpr_mark_vs_journal: sch1 lowered 1 confirmed 3 raised 1 (20/60/20);
           М1 4/5/1 (40/50/10); region 5/8/2 of 15 (33.33/53.33/13.33)
  Mathematics, 10 pupils per school (pupils 1..5 also wrote Russian and окружающий мир):
           sch1 9×5, 10×5 (marks 5)  sch2 5×5, 6×5 (marks 3, 4)  sch3 4,6 alternating (3, 4)
    3.4 (O1): region n=30, mean 200/30 = 6.667, s = √(136.67/29) = 2.171,
           upper = 6.667 + 1.96·2.171/√30 = 7.444. sch1: mean 9.5, s = 0.527,
           lower = 9.5 − 1.96·0.527/√10 = 9.173 > 7.444 → flagged; sch2 (5.5) and sch3 (5.0)
           are not. sch1 100 | М1 1/2 = 50 | region 1/3 = 33.33.
  Окружающий мир: sch1 4,6,8,9,2 → 3,4,5,5,2; sch2 5×5 → 3; sch3 8×5 → 5.
    2.3 (Russian + maths + окр. мир ≥ 11, no «2»; maths marks of pupils 1..5: sch1 5,
           sch2 3, sch3 3,4,3,4,3): sch1 p2 3+5+4, p3 4+5+5, p4 5+5+5 → 3/5 = 60;
           sch2 only p5 5+3+3 = 11 → М1 4/10 = 40; sch3 p1 13, p2 14, p3 13, p5 12 →
           region 8/15 = 53.33.

OGE (marks written in the protocol; annual mark beside it):
  sch1 Russian 9,7,5,3,8 → 5,4,3,2,5 (annual 5,4,4,3,4); maths 8,6,6,5,4 → 5,4,4,3,3 (annual =);
       electives p1 информатика 5; p2 информатика 3, обществознание 4; p3 обществознание 2;
       p4 информатика 4; p5 none.
  sch2 Russian 6×5 → 4 (annual 4); maths 2,4,6,8,10 → 2,3,4,5,5 (annual 3,3,4,5,5);
       обществознание 6 → 4 for all five.
  sch3 four takers: Russian, maths, информатика all 10 → 5 (annual 5) — a school of 4.
    1.2.1 балл   sch1 32/5 = 6.4 | М1 62/10 = 6.2 | region 102/14 = 7.29
    1.2.1 отметка sch1 19/5 = 3.8 | М1 39/10 = 3.9 | region 59/14 = 4.21
    1.2.2  sch1 1/5 = 20 | М1 1/10 = 10 | region 1/14 = 7.14
    1.2.3  sch1 2/5 = 40 | М1 2/10 = 20 | region 6/14 = 42.86
    3.2 (Russian) sch1 {p3, p4, p5} 3/5 = 60 | М1 3/10 = 30 | region 3/14 = 21.43
    2.2 (Russian + maths + best elective ≥ 10, no «2» anywhere; denominator every taker):
       sch1 p1 15, p2 12 → 2/5 = 40; sch2 p2..p5 → М1 6/10 = 60; sch3 4/4 → region 10/14 = 71.43
    sch3 at school level: 4 takers → suppressed.
    elective choice (OGE, М1): информатика 3/10 = 30 %, обществознание 7/10 = 70 %.

EGE (ege_to_mark 2021: Russian 24/50/72, profile maths 27/50/68; minimum test scores Russian
24, profile maths 27; base maths max 20, marks 3/4/5 from 7/12/17):
  sch1 Russian 90,70,60,20,85 (annual 5,5,4,3,5); profile maths p1 80, p2 60, p3 30;
       base maths p4 primary 5 mark 2 (annual 3), p5 primary 18 mark 5 (annual 5);
       физика 75,50,40,30,60; обществознание p1 70, p3 45, p4 40, p5 65.
  sch2 Russian 50×5 (annual 4,4,4,4,5); base maths 10,10,15,18,20 → 3,3,4,5,5
       (annual 3,3,4,4,5); обществознание 40×5.
  sch3 Russian 100,80,80,80,10 (annual 5,5,4,5,3); profile maths 90,70,50,26,68
       (annual 5,4,4,2,5); физика 80,5,30,30,50.
    1.1.1 Russian балл  sch1 325/5 = 65 | М1 575/10 = 57.5 | region 925/15 = 61.67
    1.1.1 base maths отметка sch2 20/5 = 4 | М1 27/7 = 3.86 | region 3.86
    1.1.2 Russian  sch1 1/5 = 20 | М1 1/10 = 10 | region 2/15 = 13.33
    1.1.3 Russian (> 80) sch1 2/5 = 40 | М1 2/10 = 20 | region 3/15 = 20
    1.1.3 base maths (primary > 16) sch2 2/5 = 40 | М1 3/7 = 42.86
    profile maths: 3 takers in sch1 (М1 suppressed); region 8: mean 474/8 = 59.25,
       1.1.2 1/8 = 12.5, 1.1.3 1/8 = 12.5
    3.3 Russian (converted 5,4,4,2,5 | 4×5 | 5,5,5,5,2): sch1 2/5 = 40 | М1 3/10 = 30 |
       region 5/15 = 33.33
    2.1 (≥ 3 test-scored subjects; Russian + two best others ≥ 160): sch1 p1 245, p2 180,
       p3 145, p4 90, p5 210 → 3/5 = 60; sch2 has 2 test subjects each → not counted
       (М1 = 60); sch3 p1 270, p2 155, p3 80+50+30 = 160 (counts), p4 136, p5 128 → 2/5;
       region 5/10 = 50.

Regional diagnostics (dkr-autumn, grade 7 mathematics, criterion 1 базовый max 5,
criterion 2 повышенный max 5):
  sch1 (5,5),(4,2),(3,0),(2,1),(5,3) → totals 10,6,3,3,8 → marks 5,4,2,2,5
  sch2 (5,0)×5 → 5 → mark 3          sch3 (3,3)×5 → 6 → mark 4
    4.1  sch1 3/5 = 60 | М1 8/10 = 80 | region 13/15 = 86.67
    4.2  sch1 19/25 = 76 | М1 44/50 = 88 | region 59/75 = 78.67
    4.3  sch1 11/25 = 44 | М1 11/50 = 22 | region 26/75 = 34.67
    task_solvability criterion 2: sch1 44 % sufficient (≥ 30); М1 22 % not sufficient.

Metasubject diagnostics (meta-diagnostics, grade 6 «метапредметные результаты»):
  sch1 totals 2,4,6,8,10; sch2 5×5; sch3 9×4 (4 pupils)
    1.4.1  sch1 30/5 = 6 | М1 55/10 = 5.5 | region 91/14 = 6.5
    1.4.2  sch1 1/5 = 20 | М1 1/10 = 10 | region 1/14 = 7.14
    1.4.3  sch1 2/5 = 40 | М1 2/10 = 20 | region 6/14 = 42.86
"""
from __future__ import annotations

import pytest

from msoko.demo.layouts import (write_ege_to_mark_csv, write_exam_protocol, write_manifest_csv,
                                write_scales_csv, write_school_registry_csv, write_tasks_csv,
                                write_vpr_export, fis_oko_file_name)
from tests.conftest import pointed_at, query, run_pipeline

pytestmark = pytest.mark.slow

YEAR, SPRING = "2020-2021", 2021
S1, S2, S3 = "sch000001", "sch000002", "sch000003"
MUNI = {S1: "М1", S2: "М1", S3: "М2"}
RUS, MATHS, ENV, META = "русский язык", "математика", "окружающий мир", "метапредметные результаты"


def split(score: int) -> list[int]:
    """A primary score as two criteria of max 5 (the first filled first)."""
    return [min(score, 5), score - min(score, 5)]


def vpr_pupils(login, scores, journal=None, first=1):
    journal = journal or [None] * len(scores)
    return [{"login": login, "region": MUNI[login], "code": f"4{login[-1]}{first + i:03d}",
             "journal_mark": j, "gender": "м", "class_letter": "а", "variant": "1",
             "total": s if isinstance(s, int) else sum(s),
             "criteria": split(s) if isinstance(s, int) else list(s)}
            for i, (s, j) in enumerate(zip(scores, journal))]


VPR = {
    RUS: {S1: ([3, 5, 6, 8, 10], [3, 3, 4, 4, 5]),
          S2: ([2, 4, 3, 7, 9], [4, 4, 3, 4, 5]),
          S3: ([10, 10, 8, 1, 6], [5, 5, 4, 3, 4])},
    MATHS: {S1: ([9] * 5 + [10] * 5, [5] * 10),
            S2: ([5] * 5 + [6] * 5, [3] * 5 + [4] * 5),
            S3: ([4, 6] * 5, [3, 4] * 5)},
    ENV: {S1: ([4, 6, 8, 9, 2], None), S2: ([5] * 5, None), S3: ([8] * 5, None)},
}

DKR = {S1: [(5, 5), (4, 2), (3, 0), (2, 1), (5, 3)], S2: [(5, 0)] * 5, S3: [(3, 3)] * 5}
META_SCORES = {S1: [2, 4, 6, 8, 10], S2: [5] * 5, S3: [9] * 4}


def exam(code, pupil, subject, primary, mark=None, annual=None, test=None):
    return {"school_code": code, "participant_code": pupil, "subject": subject,
            "primary": primary, "mark": mark, "annual_mark": annual, "test_score": test}


def oge_rows():
    mark = {2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4, 8: 5, 9: 5, 10: 5}
    rows = []

    def add(code, pupil, subject, score, annual=None):
        rows.append(exam(code, pupil, subject, score, mark[score], annual))
    for i, (r, ra, m) in enumerate(zip([9, 7, 5, 3, 8], [5, 4, 4, 3, 4], [8, 6, 6, 5, 4]), 1):
        add("100001", f"91{i}", RUS, r, ra)
        add("100001", f"91{i}", MATHS, m, mark[m])
    add("100001", "911", "информатика", 8)
    add("100001", "912", "информатика", 4)
    add("100001", "912", "обществознание", 6)
    add("100001", "913", "обществознание", 2)
    add("100001", "914", "информатика", 6)
    for i, m in enumerate([2, 4, 6, 8, 10], 1):
        add("100002", f"92{i}", RUS, 6, 4)
        add("100002", f"92{i}", MATHS, m, [3, 3, 4, 5, 5][i - 1])
        add("100002", f"92{i}", "обществознание", 6)
    for i in range(1, 5):
        for subject in (RUS, MATHS, "информатика"):
            add("100003", f"93{i}", subject, 10, 5)
    return rows


def ege_rows():
    rows = []
    for i, (t, a) in enumerate(zip([90, 70, 60, 20, 85], [5, 5, 4, 3, 5]), 1):
        rows.append(exam("200001", f"11{i}", RUS, t // 2, annual=a, test=t))
    for i, t in enumerate([80, 60, 30], 1):
        rows.append(exam("200001", f"11{i}", "математика профильная", t // 4, annual=4, test=t))
    rows.append(exam("200001", "114", "математика базовая", 5, mark=2, annual=3))
    rows.append(exam("200001", "115", "математика базовая", 18, mark=5, annual=5))
    for i, t in enumerate([75, 50, 40, 30, 60], 1):
        rows.append(exam("200001", f"11{i}", "физика", t // 3, test=t))
    for i, t in ((1, 70), (3, 45), (4, 40), (5, 65)):
        rows.append(exam("200001", f"11{i}", "обществознание", t // 3, test=t))
    for i, (p, m, a) in enumerate(zip([10, 10, 15, 18, 20], [3, 3, 4, 5, 5], [3, 3, 4, 4, 5]), 1):
        rows.append(exam("200002", f"12{i}", RUS, 25, annual=[4, 4, 4, 4, 5][i - 1], test=50))
        rows.append(exam("200002", f"12{i}", "математика базовая", p, mark=m, annual=a))
        rows.append(exam("200002", f"12{i}", "обществознание", 20, test=40))
    for i, (r, ra, pm, pa, f) in enumerate(zip([100, 80, 80, 80, 10], [5, 5, 4, 5, 3],
                                               [90, 70, 50, 26, 68], [5, 4, 4, 2, 5],
                                               [80, 5, 30, 30, 50]), 1):
        rows.append(exam("200003", f"13{i}", RUS, r // 2, annual=ra, test=r))
        rows.append(exam("200003", f"13{i}", "математика профильная", pm // 4, annual=pa, test=pm))
        rows.append(exam("200003", f"13{i}", "физика", f // 3, test=f))
    return rows


def build_inbox(inbox):
    ref = inbox / "reference"
    ref.mkdir(parents=True)
    write_school_registry_csv(ref / "schools.csv", [
        {"login": S1, "name": "МБОУ «Школа А»", "municipality": "М1", "oge_code": "100001",
         "ege_code": "200001", "kind": "СОШ", "settlement": "город", "pupils": 300},
        {"login": S2, "name": "МБОУ «Школа Б»", "municipality": "М1", "oge_code": "100002",
         "ege_code": "200002", "kind": "ООШ", "settlement": "село", "pupils": 80},
        {"login": S3, "name": "МОУ «Гимназия В»", "municipality": "М2", "oge_code": "100003",
         "ege_code": "200003", "kind": "гимназия", "settlement": "город", "pupils": 500},
    ])
    ten = {"max_score": 10, "min_3": 4, "min_4": 6, "min_5": 8, "source": "test"}
    scales = [{"year": SPRING, "procedure": p, "grade": g, "subject": s, **ten} for p, g, s in [
        ("vpr", 4, RUS), ("vpr", 4, MATHS), ("vpr", 4, ENV), ("oge", 9, RUS), ("oge", 9, MATHS),
        ("oge", 9, "информатика"), ("oge", 9, "обществознание"), ("dkr", 7, MATHS), ("meta", 6, META)]]
    scales += [{"year": SPRING, "procedure": "ege", "grade": 11, "subject": s, "max_score": 100,
                "min_3": m, "source": "test"}
               for s, m in ((RUS, 24), ("математика профильная", 27), ("физика", 36), ("обществознание", 42))]
    scales.append({"year": SPRING, "procedure": "ege", "grade": 11, "subject": "математика базовая",
                   "max_score": 20, "min_3": 7, "min_4": 12, "min_5": 17, "source": "test"})
    write_scales_csv(ref / "scales.csv", scales)
    tasks = [{"year": SPRING, "procedure": p, "grade": g, "subject": s, "column_no": k,
              "task_label": str(k), "max_points": 5, "level": level, "section": f"раздел {k}",
              "skill": "умение"}
             for p, g, s in [("vpr", 4, RUS), ("vpr", 4, MATHS), ("vpr", 4, ENV),
                             ("dkr", 7, MATHS), ("meta", 6, META)]
             for k, level in ((1, "базовый"), (2, "повышенный"))]
    write_tasks_csv(ref / "tasks.csv", tasks)
    write_ege_to_mark_csv(ref / "ege_to_mark.csv", [
        {"year": SPRING, "subject": RUS, "min_3": 24, "min_4": 50, "min_5": 72},
        {"year": SPRING, "subject": "математика профильная", "min_3": 27, "min_4": 50, "min_5": 68}])

    vpr = inbox / YEAR / "vpr-spring"
    for subject, schools in VPR.items():
        for login, (scores, journal) in schools.items():
            (vpr / login).mkdir(parents=True, exist_ok=True)
            write_vpr_export(vpr / login / fis_oko_file_name(subject, 4, SPRING),
                             vpr_pupils(login, scores, journal), n_criteria=2)

    for window, procedure, grade, subject, per_school in (
            ("dkr-autumn", "dkr", 7, MATHS, DKR), ("meta-diagnostics", "meta", 6, META, META_SCORES)):
        folder = inbox / YEAR / window
        folder.mkdir(parents=True)
        pupils = [p for login, scores in per_school.items() for p in vpr_pupils(login, scores)]
        write_vpr_export(folder / "results.xlsx", pupils, n_criteria=2)
        write_manifest_csv(folder / "manifest.csv", [
            {"file": "results.xlsx", "procedure": procedure, "subject": subject, "grade": grade,
             "year": SPRING}])

    for window, rows in (("oge", oge_rows()), ("ege", ege_rows())):
        (inbox / YEAR / window).mkdir(parents=True)
        write_exam_protocol(inbox / YEAR / window / f"Протокол {window}.xlsx", rows)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with pointed_at(tmp_path_factory.mktemp("indicators")) as (inbox, home):
        build_inbox(inbox)
        assert run_pipeline() == 0
        yield home


LEVELS = (("school", S1, "М1"), ("municipality", None, "М1"), ("region", None, None))


def values(home, code, subject, unit=None):
    """(school sch000001, municipality М1, region) values of one indicator."""
    out = []
    for level, login, muni in LEVELS:
        rows = query(home, """
            select value, suppressed from marts.msoko_indicators
            where academic_year = ? and indicator_code = ? and subject = ? and level = ?
              and (? is null or unit = ?)
              and school_login is not distinct from ? and municipality is not distinct from ?""",
                     [YEAR, code, subject, level, unit, unit, login, muni])
        assert len(rows) <= 1, (code, level, rows)
        out.append(rows[0][0] if rows else "missing")
    return tuple(out)


SUM3 = "сумма трёх предметов"

EXPECTED = [
    ("1.1.1", RUS, "балл", (65.0, 57.5, 61.67)),
    ("1.1.2", RUS, None, (20.0, 10.0, 13.33)),
    ("1.1.3", RUS, None, (40.0, 20.0, 20.0)),
    ("1.2.1", RUS, "балл", (6.4, 6.2, 7.29)),
    ("1.2.1", RUS, "отметка", (3.8, 3.9, 4.21)),
    ("1.2.2", RUS, None, (20.0, 10.0, 7.14)),
    ("1.2.3", RUS, None, (40.0, 20.0, 42.86)),
    ("1.3.1", RUS, None, (6.4, 5.7, 6.13)),
    ("1.3.2", RUS, None, (20.0, 30.0, 26.67)),
    ("1.3.3", RUS, None, (40.0, 30.0, 40.0)),
    ("1.4.1", META, None, (6.0, 5.5, 6.5)),
    ("1.4.2", META, None, (20.0, 10.0, 7.14)),
    ("1.4.3", META, None, (40.0, 20.0, 42.86)),
    ("2.1", SUM3, None, (60.0, 60.0, 50.0)),
    ("2.2", SUM3, None, (40.0, 60.0, 71.43)),
    ("2.3", SUM3, None, (60.0, 40.0, 53.33)),
    ("3.1", RUS, None, (40.0, 50.0, 46.67)),
    ("3.2", RUS, None, (60.0, 30.0, 21.43)),
    ("3.3", RUS, None, (40.0, 30.0, 33.33)),
    ("3.4", MATHS, None, (100.0, 50.0, 33.33)),
    ("4.1", MATHS, None, (60.0, 80.0, 86.67)),
    ("4.2", MATHS, None, (76.0, 88.0, 78.67)),
    ("4.3", MATHS, None, (44.0, 22.0, 34.67)),
]


@pytest.mark.parametrize("code,subject,unit,expected", EXPECTED, ids=[f"{c}-{u or ''}" for c, _, u, _ in EXPECTED])
def test_indicator_at_three_levels(home, code, subject, unit, expected):
    assert values(home, code, subject, unit) == expected


def test_every_catalogue_code_is_published(home):
    codes = {c for (c,) in query(home, "select distinct indicator_code from marts.msoko_indicators")}
    catalogue = {c for (c,) in query(home, "select indicator_code from reference.indicator_catalogue")}
    assert codes == catalogue == {c for c, *_ in EXPECTED}


def test_exam_subjects_with_their_own_rules(home):
    base = "математика базовая"
    assert values(home, "1.1.1", base, "отметка")[1:] == (3.86, 3.86)
    assert values(home, "1.1.3", base)[1:] == (42.86, 42.86)
    rows = query(home, """select value from marts.msoko_indicators where academic_year = ?
        and indicator_code = '1.1.1' and subject = ? and school_login = ?""", [YEAR, base, S2])
    assert rows == [(4.0,)]
    profile = "математика профильная"
    assert values(home, "1.1.1", profile, "балл") == (None, None, 59.25)  # 3 takers in М1
    assert values(home, "1.1.2", profile)[2] == 12.5
    assert values(home, "1.1.3", profile)[2] == 12.5


def test_small_school_is_suppressed_not_zero(home):
    rows = query(home, """select value, numerator, denominator, suppressed from marts.msoko_indicators
        where academic_year = ? and indicator_code = '1.2.1' and unit = 'балл' and subject = ?
          and school_login = ?""", [YEAR, RUS, S3])
    assert rows == [(None, None, None, True)]


def test_vpr_mark_vs_journal(home):
    rows = query(home, """select level, lowered, confirmed, raised, total, lowered_pct,
            confirmed_pct, raised_pct
        from marts.vpr_mark_vs_journal where academic_year = ? and grade = 4 and subject = ?
          and (school_login = ? or (level = 'municipality' and municipality = 'М1') or level = 'region')
        order by total""", [YEAR, RUS, S1])
    assert rows == [("school", 1, 3, 1, 5, 20.0, 60.0, 20.0),
                    ("municipality", 4, 5, 1, 10, 40.0, 50.0, 10.0),
                    ("region", 5, 8, 2, 15, 33.33, 53.33, 13.33)]


def test_task_solvability_against_sufficiency_lines(home):
    rows = query(home, """select level, task_label, criterion_level, section, max_points,
            participants, points_earned, solvability_pct, sufficient
        from marts.task_solvability where academic_year = ? and procedure = 'dkr' and column_no = 2
          and (school_login = ? or (level = 'municipality' and municipality = 'М1'))
        order by level desc""", [YEAR, S1])
    assert rows == [("school", "2", "повышенный", "раздел 2", 5, 5, 11, 44.0, True),
                    ("municipality", "2", "повышенный", "раздел 2", 5, 10, 11, 22.0, False)]


def test_section_solvability_sums_schools(home):
    """Section solvability is summed per school first (int_school_section_points), then over
    schools. DKR-7 mathematics, section «раздел 2» = criterion 2 (повышенный, line 30 %):
    S1 5+2+0+1+3 = 11 of 25 → 44 %; S2 0 of 25; M1 11 of 50 → 22 %; S3 (М2) 3×5 = 15 of 25;
    region 26 of 75 → 34.67 %. «раздел 1» (базовый, line 60 %): S1 5+4+3+2+5 = 19 → 76 %,
    S2 25, S3 15; region 59 of 75 → 78.67 %."""
    rows = query(home, """select section, level, participants, points_earned, points_available,
            solvability_pct, sufficient
        from marts.section_solvability where academic_year = ? and procedure = 'dkr'
          and (school_login = ? or (level = 'municipality' and municipality = 'М1')
               or level = 'region')
        order by section, participants""", [YEAR, S1])
    assert rows == [("раздел 1", "school", 5, 19, 25, 76.0, True),
                    ("раздел 1", "municipality", 10, 44, 50, 88.0, True),
                    ("раздел 1", "region", 15, 59, 75, 78.67, True),
                    ("раздел 2", "school", 5, 11, 25, 44.0, True),
                    ("раздел 2", "municipality", 10, 11, 50, 22.0, False),
                    ("раздел 2", "region", 15, 26, 75, 34.67, True)]


def test_elective_choice(home):
    rows = dict(query(home, """select subject, chose_pct from marts.elective_choice
        where academic_year = ? and procedure = 'oge' and level = 'municipality' and municipality = 'М1'""",
                      [YEAR]))
    assert rows == {"информатика": 30.0, "обществознание": 70.0}


def test_interpretation_is_a_dbt_var(home, tmp_path):
    """2.2 with `oge_sum3_denominator: complete_set`: only takers of Russian, mathematics and an
    elective count. sch1 p1..p4 (p5 took no elective) → 2/4, a school of 4 → suppressed;
    М1 + sch2's 5 → 6/9 = 66.67; region + sch3's 4 → 10/13 = 76.92."""
    import os
    import shutil
    import subprocess

    from msoko.config import DBT_PROJECT_DIR
    from orchestration.dbt_assets import DBT_EXECUTABLE

    copy = tmp_path / "home"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    subprocess.run([str(DBT_EXECUTABLE), "run", "--quiet", "--select", "int_pupil_exam_sums+",
                    "--vars", "{oge_sum3_denominator: complete_set}",
                    "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                    "--target-path", str(tmp_path / "target")],
                   check=True, cwd=DBT_PROJECT_DIR,
                   env={**os.environ, "MSOKO_WAREHOUSE": str(copy / "warehouse.duckdb")})
    assert values(copy, "2.2", SUM3) == (None, 66.67, 76.92)


def test_results_by_context_from_school_sums(home):
    """Mean results by school context, summed from per-school sums (int_school_result_sums).
    DKR-7 mathematics (max 10): S1 (город, СОШ) totals 10,6,3,3,8 = 30, marks 5,4,2,2,5 = 18;
    S2 (село, ООШ) 5×5 = 25, marks 3×5 = 15; S3 (город, гимназия, М2) 6×5 = 30, marks 4×5 = 20.
    Region, город: S1 + S3, 60/10 = 6.0, 60 % of the maximum, marks 38/10 = 3.8; село: S2 5.0,
    50 %, 3.0. М1, город: S1 alone 30/5 = 6.0, marks 18/5 = 3.6."""
    rows = query(home, """select level, municipality, context_type, context_value, schools,
            participants, mean_score, mean_pct_of_max, mean_mark
        from marts.results_by_context where academic_year = ? and procedure = 'dkr'
          and context_type in ('settlement_type', 'school_kind')
          and (level = 'region' or municipality = 'М1')
        order by level desc, context_type, context_value""", [YEAR])
    assert rows == [
        ("region", None, "school_kind", "ООШ", 1, 5, 5.0, 50.0, 3.0),
        ("region", None, "school_kind", "СОШ", 1, 5, 6.0, 60.0, 3.6),
        ("region", None, "school_kind", "гимназия", 1, 5, 6.0, 60.0, 4.0),
        ("region", None, "settlement_type", "город", 2, 10, 6.0, 60.0, 3.8),
        ("region", None, "settlement_type", "село", 1, 5, 5.0, 50.0, 3.0),
        ("municipality", "М1", "school_kind", "ООШ", 1, 5, 5.0, 50.0, 3.0),
        ("municipality", "М1", "school_kind", "СОШ", 1, 5, 6.0, 60.0, 3.6),
        ("municipality", "М1", "settlement_type", "город", 1, 5, 6.0, 60.0, 3.6),
        ("municipality", "М1", "settlement_type", "село", 1, 5, 5.0, 50.0, 3.0)]


def test_result_statistics_from_school_counts(home):
    """Result statistics at three levels, summed from per-school counts
    (int_school_results_by_mark). DKR-7 mathematics, max 10: S1 totals 10,6,3,3,8 (marks
    5,4,2,2,5: two «2», two above 7.5 points); S2 5×5 (marks 3); S3 6×5 (marks 4).
    S1: 30/5 = 6.0, marks 18/5 = 3.6, 2/5 below the minimum and 2/5 high scorers;
    М1: 55/10 = 5.5, 33/10 = 3.3, 2/10, 2/10; region: 85/15 = 5.67, 53/15 = 3.53, 2/15, 2/15."""
    rows = query(home, """select level, participants, mean_primary_score, mean_test_score,
            mean_mark, below_minimum, below_minimum_pct, high_scorers, high_scorers_pct
        from marts.result_statistics where academic_year = ? and procedure = 'dkr'
          and (school_login = ? or (level = 'municipality' and municipality = 'М1')
               or level = 'region')
        order by participants""", [YEAR, S1])
    assert rows == [("school", 5, 6.0, None, 3.6, 2, 40.0, 2, 40.0),
                    ("municipality", 10, 5.5, None, 3.3, 2, 20.0, 2, 20.0),
                    ("region", 15, 5.67, None, 3.53, 2, 13.33, 2, 13.33)]


def test_mark_distribution_from_school_counts(home):
    """DKR-7 mathematics marks: М1 (S1 5,4,2,2,5 and S2 3×5) «2» 2, «3» 5, «4» 1, «5» 2 of 10;
    the region adds S3's five «4»: 2, 5, 6, 2 of 15."""
    rows = query(home, """select level, mark, participants, pupils, pupils_pct
        from marts.mark_distribution where academic_year = ? and procedure = 'dkr'
          and ((level = 'municipality' and municipality = 'М1') or level = 'region')
        order by level, mark""", [YEAR])
    assert rows == [("municipality", 2, 10, 2, 20.0), ("municipality", 3, 10, 5, 50.0),
                    ("municipality", 4, 10, 1, 10.0), ("municipality", 5, 10, 2, 20.0),
                    ("region", 2, 15, 2, 13.33), ("region", 3, 15, 5, 33.33),
                    ("region", 4, 15, 6, 40.0), ("region", 5, 15, 2, 13.33)]
