"""Objectivity checks O1–O6, the objectivity index, stably objective schools and the ШНОР
list (INDICATORS.md §B, §C) on a hand-built inbox in the real FIS OKO layout, through the
real pipeline (ingest → Great Expectations → DuckDB → dbt, scipy inside dbt Python models).

Schools (registry): М1 — A sch000001 (гимназия), B sch000002, F sch000006, G sch000007,
H sch000008; М2 — C sch000003, D sch000004, E sch000005, I sch000009, S sch000010.

Papers and primary scores (VPR; scales: maths-4 max 20, marks 3/4/5 from 6/10/15; maths-5
max 20 from 7/11/15; окружающий мир-4 max 32 from 8/18/27; Russian-4 max 38 from 14/24/33):

  P1 maths-4 2020-2021   A 18×5, 20×5 · B 2,4,…,20 · C 5,6,…,13 (9 pupils) ·
                         D 7,8,9,10,11 twice · E 11,12 ×5 · F 11,13 ×5
  P2 maths-5 2021-2022   A 18,20 ×5 · B 1,3,…,19 · C 8×9 · D 8,12 ×5 · E 11,12 ×5 ·
                         F 4,8 ×5 · S 3,5,6,7,8,9,10,11,12,13
  P4 maths-4 2021-2022   A 18,20 ×5 · B 2,4,…,20 · C 5,…,13 (9) · D 8,12 ×5 · E 10,11 ×5 ·
                         F 18,20 ×5 · S 2,3,…,11
  P5 Russian-4 2022-2023 B and E 20,22,…,38 each
  P6 maths-4 2022-2023   S 2,3,…,11
  OK окружающий мир-4 2020-2021 (O4): G two pupils at every score outside the boundary
                         windows 7–9, 17–19, 26–28 except 16 (46 pupils) · H 8×10 ·
                         I 16,16,17,17 and 18×6

Journal marks follow the scale mark unless said otherwise; A in P1 has «5» for its 18s and
«3» for its 20s. Criteria: maths 4 × max 5, levels базовый (1, 2) and повышенный (3, 4),
points given to the basic criteria first, except F in P1 (advanced first).
Dirt: a «5\u00a0» journal cell, a «ж» journal cell, a «Х» criterion, title rows, the 2020
Latin layout without a login column.
"""
from __future__ import annotations

import importlib.util
import json
from types import SimpleNamespace as Year

import pytest

from msoko.config import REPO_ROOT
from msoko.demo.layouts import (fis_oko_file_name, write_scales_csv, write_school_registry_csv,
                                write_tasks_csv, write_vpr_export)
from tests.conftest import pointed_at, query, run_pipeline

pytestmark = pytest.mark.slow

MATHS, RUSSIAN, WORLD = "математика", "русский язык", "окружающий мир"
Y21, Y22, Y23 = "2020-2021", "2021-2022", "2022-2023"
A, B, C, D, E, F, G, H, I, S = ("sch000001", "sch000002", "sch000003", "sch000004", "sch000005",
                                "sch000006", "sch000007", "sch000008", "sch000009", "sch000010")
MUNICIPALITY = {A: "М1", B: "М1", F: "М1", G: "М1", H: "М1",
                C: "М2", D: "М2", E: "М2", I: "М2", S: "М2"}
MATHS4_BOUNDS, MATHS5_BOUNDS = (6, 10, 15), (7, 11, 15)

P1 = {A: [18] * 5 + [20] * 5, B: list(range(2, 21, 2)), C: list(range(5, 14)),
      D: [7, 8, 9, 10, 11] * 2, E: [11, 12] * 5, F: [11, 13] * 5}
P2 = {A: [18, 20] * 5, B: list(range(1, 20, 2)), C: [8] * 9, D: [8, 12] * 5, E: [11, 12] * 5,
      F: [4, 8] * 5, S: [3, 5, 6, 7, 8, 9, 10, 11, 12, 13]}
P4 = {A: [18, 20] * 5, B: list(range(2, 21, 2)), C: list(range(5, 14)), D: [8, 12] * 5,
      E: [10, 11] * 5, F: [18, 20] * 5, S: list(range(2, 12))}
P5 = {B: list(range(20, 39, 2)), E: list(range(20, 39, 2))}
P6 = {S: list(range(2, 12))}
WORLD_FIT_SCORES = [s for s in range(33) if not (7 <= s <= 9 or 17 <= s <= 19 or 26 <= s <= 28)]
OK = {G: [s for s in WORLD_FIT_SCORES if s != 16 for _ in range(2)],
      H: [8] * 10, I: [16, 16, 17, 17] + [18] * 6}


def mark(score, bounds):
    return 5 if score >= bounds[2] else 4 if score >= bounds[1] else 3 if score >= bounds[0] else 2


def split(score, n, cap, advanced_first=False):
    """Criterion cells summing to score; basic criteria (the first half) filled first."""
    order = list(range(n))
    if advanced_first:
        order = order[n // 2:] + order[: n // 2]
    cells = [0] * n
    for k in order:
        cells[k] = min(cap, score)
        score -= cells[k]
    assert score == 0
    return cells


def pupils(login, scores, journals, *, n=4, cap=5, advanced_first=False, code0=40001):
    return [{"login": login, "region": MUNICIPALITY[login], "code": str(code0 + i),
             "journal_mark": j, "gender": "м", "class_letter": "а", "variant": "1",
             "total": s, "criteria": split(s, n, cap, advanced_first)}
            for i, (s, j) in enumerate(zip(scores, journals))]


def by_mark(scores, bounds):
    return [mark(s, bounds) for s in scores]


def write_school_file(window, login, subject, grade, year, rows, **kw):
    folder = window / login
    folder.mkdir(parents=True, exist_ok=True)
    write_vpr_export(folder / fis_oko_file_name(subject, grade, year), rows, **kw)


def build_inbox(inbox):
    ref = inbox / "reference"
    ref.mkdir(parents=True)
    kinds = {A: "гимназия"}
    write_school_registry_csv(ref / "schools.csv", [
        {"login": s, "name": f"Школа {s[-2:]}", "municipality": m, "oge_code": "", "ege_code": "",
         "kind": kinds.get(s, "СОШ"), "settlement": "город", "pupils": 100}
        for s, m in MUNICIPALITY.items()])
    write_scales_csv(ref / "scales.csv", [
        {"year": 2022, "procedure": "vpr", "grade": 4, "subject": MATHS, "max_score": 20,
         "min_3": 6, "min_4": 10, "min_5": 15, "source": "test"},
        {"year": 2022, "procedure": "vpr", "grade": 5, "subject": MATHS, "max_score": 20,
         "min_3": 7, "min_4": 11, "min_5": 15, "source": "test"},
        {"year": 2023, "procedure": "vpr", "grade": 4, "subject": MATHS, "max_score": 20,
         "min_3": 6, "min_4": 10, "min_5": 15, "source": "test"},
        {"year": 2023, "procedure": "vpr", "grade": 4, "subject": RUSSIAN, "max_score": 38,
         "min_3": 14, "min_4": 24, "min_5": 33, "source": "test"},
    ])
    write_tasks_csv(ref / "tasks.csv", [
        {"year": 2021, "procedure": "vpr", "grade": 4, "subject": MATHS, "column_no": k,
         "task_label": str(k), "max_points": 5, "level": "базовый" if k <= 2 else "повышенный",
         "section": "s", "skill": "k"} for k in range(1, 5)])

    w21 = inbox / Y21 / "vpr-spring"
    for login, scores in P1.items():
        journals = by_mark(scores, MATHS4_BOUNDS)
        if login == A:
            journals = ["5\u00a0"] + [5] * 4 + [3] * 5      # «5 » is a 5 (INPUTS.md §2)
        if login == D:
            journals = [4] * 10                                # constant: O2 cannot rank
        if login == C:
            journals[0] = "ж"                                 # no journal mark
        rows = pupils(login, scores, journals, advanced_first=login == F)
        if login == B:
            rows[0]["criteria"] = [2, "Х", 0, 0]              # «not done» counts 0
        write_school_file(w21, login, MATHS, 4, 2021, rows,
                          n_criteria=4, title_rows=[["Результаты ВПР"], []] if login == B else ())
    world = [row for login, scores in OK.items()
             for row in pupils(login, scores, [4] * len(scores), n=8, cap=4)]
    w21.mkdir(parents=True, exist_ok=True)
    write_vpr_export(w21 / f"Экспорт {fis_oko_file_name(WORLD, 4, 2021)}", world, n_criteria=8)

    w22 = inbox / Y22 / "vpr-spring"
    for login, scores in P2.items():
        write_school_file(w22, login, MATHS, 5, 2022,
                          pupils(login, scores, by_mark(scores, MATHS5_BOUNDS), code0=50001),
                          n_criteria=4, **({"layout": "latin", "include_login": False} if login == A else {}))
    for login, scores in P4.items():
        write_school_file(w22, login, MATHS, 4, 2022,
                          pupils(login, scores, by_mark(scores, MATHS4_BOUNDS), code0=41001),
                          n_criteria=4)
    w23 = inbox / Y23 / "vpr-spring"
    for login, scores in P5.items():
        write_school_file(w23, login, RUSSIAN, 4, 2023,
                          pupils(login, scores, by_mark(scores, (14, 24, 33)), cap=10, code0=42001),
                          n_criteria=4)
    for login, scores in P6.items():
        # New pupil codes: a file byte-identical to last year's would be the same file (sha256).
        write_school_file(w23, login, MATHS, 4, 2023,
                          pupils(login, scores, by_mark(scores, MATHS4_BOUNDS), code0=43001),
                          n_criteria=4)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One pipeline run shared by every test of this module."""
    with pointed_at(tmp_path_factory.mktemp("objectivity")) as (inbox, home):
        build_inbox(inbox)
        assert run_pipeline() == 0
        yield home


def flag(home, check, school, year, grade, subject=MATHS):
    rows = query(home, """
        select status, statistic, threshold, n_participants, details, explanation
        from marts.objectivity_flags
        where check_code = ? and school_login = ? and academic_year = ? and grade = ? and subject = ?""",
                 [check, school, year, grade, subject])
    assert len(rows) == 1, rows
    status, statistic, threshold, n, details, explanation = rows[0]
    assert explanation, "every row explains itself in Russian"
    return status, statistic, threshold, n, json.loads(details)


def test_o1_inflated_mean(home):
    # P1 region: n = 59, Σx = 706, Σx² = 9554 → x̄ = 11.9661, s² = (9554 − 706²/59)/58
    #   = 19.0678, s = 4.3667; upper bound 11.9661 + 1.96·4.3667/√59 = 13.0803.
    # A: 18×5, 20×5 → x̄ 19, s = √(10/9) = 1.0541; lower 19 − 1.96·1.0541/√10 = 18.3467 > 13.0803.
    status, statistic, threshold, n, details = flag(home, "O1", A, Y21, 4)
    assert (status, n) == ("flagged", 10)
    assert statistic == pytest.approx(18.3467, abs=1e-4)
    assert threshold == pytest.approx(13.0803, abs=1e-4)
    assert details["school_kind"] == "гимназия" and details["region_participants"] == 59
    # E: 11,12 ×5 → x̄ 11.5, s = 0.5270; lower 11.5 − 1.96·0.5270/√10 = 11.1733 ≤ 13.0803.
    status, statistic, _, _, _ = flag(home, "O1", E, Y21, 4)
    assert status == "ok" and statistic == pytest.approx(11.1733, abs=1e-4)
    # C has 9 participants: insufficient data, never a flag, no statistic.
    status, statistic, _, n, _ = flag(home, "O1", C, Y21, 4)
    assert (status, statistic, n) == ("insufficient_data", None, 9)
    # P4 (2021-2022): region n 69, Σx 841, Σx² 12219 → x̄ 12.1884, s 5.3805, upper 13.4580;
    # F now writes 18,20 ×5: lower 18.3467 > 13.4580.
    status, statistic, threshold, _, _ = flag(home, "O1", F, Y22, 4)
    assert status == "flagged" and threshold == pytest.approx(13.4580, abs=1e-4)


def test_o2_marks_mismatch(home):
    # A: journal «5» for the five 18s, «3» for the five 20s. Average ranks: scores 18 → 3,
    # 20 → 8; marks 3 → 3, 5 → 8; the pairs are (8, 3) ×5 and (3, 8) ×5 → rho = −1 < 0.
    status, statistic, threshold, n, _ = flag(home, "O2", A, Y21, 4)
    assert (status, statistic, threshold, n) == ("flagged", -1.0, 0.0, 10)
    # B: scores 2,…,20 (ranks 1…10), journal = scale mark 2,2,3,3,4,4,4,5,5,5 (average ranks
    # 1.5,1.5,3.5,3.5,6,6,6,9,9,9; mean 5.5). Σ(d_x·d_y) = 77.5, Σd_x² = 82.5, Σd_y² = 77.5
    # → rho = 77.5 / √(82.5·77.5) = √(77.5/82.5) = 0.9692.
    status, statistic, _, _, _ = flag(home, "O2", B, Y21, 4)
    assert status == "ok" and statistic == pytest.approx(0.9692, abs=1e-4)
    # D: every journal mark is 4 (constant) → insufficient data.
    assert flag(home, "O2", D, Y21, 4)[0] == "insufficient_data"
    # C: 9 pupils, one «ж» → 8 with both values < 10 → insufficient data.
    status, _, _, n, _ = flag(home, "O2", C, Y21, 4)
    assert (status, n) == ("insufficient_data", 8)


def test_o3_cohort_jump(home):
    # K = mean share in maths-4 2021 / mean share in maths-5 2022 (both max 20):
    # A 19/19 = 1.0, B 11/10 = 1.1, D 9/10 = 0.9, E 11.5/11.5 = 1.0, F 12/6 = 2.0.
    # Sorted 0.9, 1.0, 1.0, 1.1, 2.0: Q25 = 1.0, Q75 = 1.1 (positions 1 and 3, linear),
    # IQR = 0.1 → bounds [1.0 − 0.3, 1.1 + 0.3] = [0.7, 1.4]. F: 2.0 > 1.4 → sharp fall.
    status, statistic, threshold, _, details = flag(home, "O3", F, Y22, 5)
    assert status == "flagged" and details["direction"] == "fall"
    assert statistic == pytest.approx(2.0) and threshold == pytest.approx(1.4)
    assert (details["q25"], details["q75"], details["schools_compared"]) == (
        pytest.approx(1.0), pytest.approx(1.1), 5)
    # D: K 0.9 below the median → compared with the lower bound 0.7: ok.
    status, statistic, threshold, _, _ = flag(home, "O3", D, Y22, 5)
    assert status == "ok" and statistic == pytest.approx(0.9) and threshold == pytest.approx(0.7)
    # C: 9 participants in each year → insufficient data.
    assert flag(home, "O3", C, Y22, 5)[0] == "insufficient_data"


def test_o4_bunching_at_mark_boundaries(home):
    # окружающий мир 2021 (66 pupils ≥ 50): every score outside 7–9, 17–19, 26–28 holds
    # exactly 2 pupils (G, with I's two 16s), so the degree-5 fit is the constant 2 and the
    # counterfactual share at a boundary within b−2..b is 2 / (2+2+2) = 1/3.
    # Region: at 8 observed 10 (H), expected 2, excess 8; at 18 observed 6, excess 4;
    # at 27 observed 0, excess −2.
    region = {b: (obs, exp, exc) for b, obs, exp, exc in query(home, """
        select boundary, observed, expected, excess from marts.objectivity_region_bunching
        where subject = 'окружающий мир'""")}
    assert region == {8: (10, pytest.approx(2.0), pytest.approx(8.0)),
                      18: (6, pytest.approx(2.0), pytest.approx(4.0)),
                      27: (0, pytest.approx(2.0), pytest.approx(-2.0))}
    # H: 10 pupils in 6..8, all 10 at 8: P(X ≥ 10 | n 10, p 1/3) = (1/3)^10 = 1/59049
    # = 1.6935e-05 < 0.001 → flagged.
    status, statistic, threshold, n, details = flag(home, "O4", H, Y21, 4, WORLD)
    assert (status, threshold, n) == ("flagged", 0.001, 10)
    assert statistic == pytest.approx(1 / 59049, rel=1e-6)
    at8 = next(b for b in details["boundaries"] if b["boundary"] == 8)
    assert (at8["pupils_in_window"], at8["pupils_at_boundary"]) == (10, 10)
    assert at8["expected_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert at8["expected_at_boundary"] == pytest.approx(3.33, abs=0.01)
    assert at8["excess"] == pytest.approx(6.67, abs=0.01)
    assert at8["region_excess"] == pytest.approx(8.0)
    # I: 10 pupils in 16..18, 6 at 18: P(X ≥ 6) = Σ_{k=6..10} C(10,k)(1/3)^k(2/3)^(10−k)
    # = 1507/19683 = 0.07656 ≥ 0.001 → ok (a strong share, but not improbable).
    status, statistic, _, _, _ = flag(home, "O4", I, Y21, 4, WORLD)
    assert status == "ok" and statistic == pytest.approx(1507 / 19683, rel=1e-6)
    # G: 46 pupils, but only 2 in 6..8, 0 in 16..18 and 2 in 25..27 → insufficient data.
    assert flag(home, "O4", G, Y21, 4, WORLD)[0] == "insufficient_data"
    # Russian-4 2023 has 20 pupils in the region (< 50): no counterfactual → insufficient.
    status, _, _, _, details = flag(home, "O4", B, Y23, 4, RUSSIAN)
    assert status == "insufficient_data" and details["boundaries"] == []


def test_o5_hard_better_than_easy(home):
    # Points on basic (criteria 1–2, 10 per pupil) and advanced (3–4) criteria, P1:
    #   A basic 100/100, adv 90/100 · B 80, 30 · C 75/90, 6/90 · D 88, 2 · E 100, 15 ·
    #   F (advanced first) basic 20/100, adv 100/100.
    # Region: basic 463/590 = 78.475 %, advanced 243/590 = 41.186 %.
    # F: advanced 100 − 41.186 = 58.81 p.p. above, basic 78.475 − 20 = 58.475 p.p. below;
    # statistic = the smaller = 58.4746 ≥ 10 → flagged.
    status, statistic, threshold, _, details = flag(home, "O5", F, Y21, 4)
    assert status == "flagged" and threshold == 10.0
    assert statistic == pytest.approx(58.4746, abs=1e-3)
    assert details["region_basic_pct"] == pytest.approx(78.47, abs=0.01)
    # A: advanced +48.81 but basic 21.53 above the region → statistic −21.5254: ok.
    status, statistic, _, _, _ = flag(home, "O5", A, Y21, 4)
    assert status == "ok" and statistic == pytest.approx(-21.5254, abs=1e-3)
    assert flag(home, "O5", C, Y21, 4)[0] == "insufficient_data"


def test_o6_year_over_year_jump(home):
    # Δ mean share, maths-4 2021 → 2022: A 0, B 0, D 10/20 − 9/20 = 0.05, E −0.05,
    # F 19/20 − 12/20 = 0.35. Q25 = 0, Q75 = 0.05, IQR 0.05 → [−0.15, 0.20].
    # F: 0.35 > 0.20; Welch: shares 0.9/1.0 vs 0.55/0.65, each s² = 0.025/9,
    # se = √(2·0.025/90) = 0.02357, t = 0.35/0.02357 = 14.849, df 18, p = 1.5e-11 < 0.01.
    status, statistic, threshold, _, details = flag(home, "O6", F, Y22, 4)
    assert status == "flagged"
    assert statistic == pytest.approx(0.35) and threshold == pytest.approx(0.20)
    assert details["welch"]["t"] == pytest.approx(14.8492, abs=1e-3)
    assert details["welch"]["p_value"] < 1e-10
    # Equal variances and n 10 + 10: Welch–Satterthwaite gives n1 + n2 − 2 = 18.
    assert details["welch"]["df"] == pytest.approx(18.0)
    assert details["participants_earlier"] == 10 and details["participants_later"] == 10
    # E: Welch alone is significant (t −4.243, p 0.00049) but Δ −0.05 lies inside the
    # bounds → ok: both conditions are needed.
    status, statistic, threshold, _, details = flag(home, "O6", E, Y22, 4)
    assert status == "ok" and statistic == pytest.approx(-0.05)
    assert threshold == pytest.approx(-0.15)
    assert details["welch"]["p_value"] == pytest.approx(0.000490, abs=2e-6)
    assert flag(home, "O6", C, Y22, 4)[0] == "insufficient_data"
    # S, 2022 → 2023: the only school with both years → too few schools for quartiles.
    status, _, _, _, details = flag(home, "O6", S, Y23, 4)
    assert status == "insufficient_data" and details["schools_compared"] == 1


def test_o6_welch_with_unequal_variances():
    # The fixture's O6 schools have equal variances, where Welch's df is just n1 + n2 − 2.
    # Later year n 10, mean 0.8, s² 0.04; earlier n 20, mean 0.5, s² 0.01:
    # a = 0.04/10 = 0.004, b = 0.01/20 = 0.0005, se = √0.0045 = 0.067082, t = 0.3/se = 4.4721;
    # df = 0.0045² / (0.004²/9 + 0.0005²/19) = 2.025e-5 / 1.790936e-6 = 11.3069 (not 28);
    # two-sided p from Student's t with 11.31 df: 0.00088.
    welch = _o6_model()._welch(Year(n=10, mean=0.8, var=0.04), Year(n=20, mean=0.5, var=0.01))
    assert welch["t"] == pytest.approx(4.4721, abs=1e-4)
    assert welch["df"] == pytest.approx(11.3069, abs=1e-4)
    assert welch["p_value"] == pytest.approx(0.00088, abs=1e-5)


def test_o6_welch_is_undefined_without_variance():
    # Every pupil of each year has the same share (0.8 against 0.5): se = √(0/10 + 0/12) = 0,
    # no t statistic. The check reports insufficient data, and details hold JSON nulls.
    welch = _o6_model()._welch(Year(n=10, mean=0.8, var=0.0), Year(n=12, mean=0.5, var=0.0))
    assert welch == {"t": None, "p_value": None, "df": None}


def _o6_model():
    return _python_model("int_objectivity_o6")


def _python_model(name):
    """A dbt Python model's module, loaded from its file as dbt-duckdb does."""
    path = REPO_ROOT / "dbt_project" / "models" / "objectivity" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_o4_details_are_written_as_json_dumps_writes_them():
    """int_objectivity_o4 writes a school's details text itself around parts encoded once per
    paper: the text must be what json.dumps(ensure_ascii=False) gives for the same values —
    key order, spacing, a NaN region expectation, a None p-value, a Cyrillic school kind.
    Boundaries 3 (mark 3) and 5 (mark 4); the school has 2 and 3 pupils at scores 1 and 2,
    none from 3 on, so boundary 5 has no p-value."""
    o4 = _python_model("int_objectivity_o4")
    fit = [1.0, 2.0, 4.0, 4.0, 2.0, 1.0]
    region = {"fit": fit, "shares": o4._boundary_shares(fit, [3, 5]), "marks": {3: 3, 5: 4},
              "observed": {3: 40, 5: 7}, "expected": {3: 38.25, 5: float("nan")},
              "participants": 120, "min_shape": 50}
    o4._encode_paper_parts(region, 2)
    key = ("2020-2021", "vpr-spring", "vpr", 4, "математика", "М1", "sch000001")
    row = o4._school_row(key, [0, 2, 3], "СОШ «Гимназия»", region, 2, 0.001)
    details = json.loads(row["details"])
    assert row["details"] == json.dumps(details, ensure_ascii=False)
    share3 = 4 / (2 + 4 + 4)
    assert details["boundaries"][0] == {
        "boundary": 3, "mark": 3, "window": [1, 3], "pupils_in_window": 5,
        "pupils_at_boundary": 0, "expected_share": 0.4, "expected_at_boundary": 2.0,
        "excess": -2.0, "p_value": 1.0, "testable": True,
        "region_observed": 40, "region_expected": 38.25, "region_excess": 1.75}
    assert share3 == 0.4
    last = details["boundaries"][1]
    assert (last["pupils_in_window"], last["p_value"], last["testable"]) == (0, None, False)
    assert last["region_expected"] != last["region_expected"]          # NaN
    assert (details["school_kind"], details["worst_boundary"]) == ("СОШ «Гимназия»", 3)
    assert (details["region_participants"], details["min_participants"]) == (120, 2)


def test_flags_never_flag_insufficient_data(home):
    assert query(home, """select count(*) from marts.objectivity_flags
                          where status = 'insufficient_data' and (flagged or statistic is not null)""") == [(0,)]
    assert query(home, """select count(*) from marts.objectivity_flags
                          where flagged <> (status = 'flagged')""") == [(0,)]


def test_objectivity_index(home):
    # Schools counted: a participant in VPR maths/Russian grade 4–5 (G, H, I write only
    # окружающий мир and are not counted, though H is flagged by O4).
    # 2020-2021: М1 {A, B, F}, A flagged (O1, O2) → 100 − 100·1/3 = 66.67; М2 {C, D, E} → 100;
    #   region 6 schools, 1 flagged → 83.33.
    # 2021-2022: М1 {A, B, F}, A (O1) and F (O1, O3) flagged → 33.33; М2 {C, D, E, S} → 100;
    #   region 7, 2 → 71.43.
    # 2022-2023: М1 {B}, М2 {E, S}, no flags → 100; region 3 → 100.
    rows = query(home, """select academic_year, level, municipality, schools_total,
                                 schools_flagged, index_value
                          from marts.objectivity_index order by all""")
    assert rows == [
        (Y21, "municipality", "М1", 3, 1, 66.67), (Y21, "municipality", "М2", 3, 0, 100.0),
        (Y21, "region", None, 6, 1, 83.33),
        (Y22, "municipality", "М1", 3, 2, 33.33), (Y22, "municipality", "М2", 4, 0, 100.0),
        (Y22, "region", None, 7, 2, 71.43),
        (Y23, "municipality", "М1", 1, 0, 100.0), (Y23, "municipality", "М2", 2, 0, 100.0),
        (Y23, "region", None, 3, 0, 100.0),
    ]


def test_stably_objective_schools(home):
    # Present in the O1–O3 scope in all three years: B and E only; neither has a flag in any
    # check (O4 insufficient, O5/O6 ok) → stably objective in 2022-2023 after 3 clean years.
    assert query(home, "select academic_year, municipality, school_login, years_clean "
                       "from marts.stably_objective_schools order by all") == [
        (Y23, "М1", B, 3), (Y23, "М2", E, 3)]


def test_low_results_schools(home):
    # Papers with ≥ 10 participants and ≥ 30 % below the minimum (mark 2):
    #   2020-2021: G окружающий мир 14/46 = 30.4 % (scores 0–6 < 8) — one paper: not listed.
    #   2021-2022: S maths-5 3/10 (3, 5, 6 < 7) = 30 % and maths-4 4/10 (2–5 < 6) = 40 %
    #     → two_procedures. B maths-5 3/10 (1, 3, 5) = 30 % is one paper only: not listed;
    #     C (9 pupils) is never counted.
    #   2022-2023: S maths-4 4/10 again, after 40 % in 2021-2022 → consecutive_years.
    rows = query(home, """select academic_year, municipality, school_login, reason, procedures
                          from marts.low_results_schools order by all""")
    assert [r[:4] for r in rows] == [(Y22, "М2", S, "two_procedures"),
                                      (Y23, "М2", S, "consecutive_years")]
    assert rows[0][4] == "ВПР 4 кл., математика: 4 из 10 (40%); ВПР 5 кл., математика: 3 из 10 (30%)"


def test_histograms_for_the_workbook(home):
    # H's histogram against the region's counterfactual (constant 2 over 66 pupils → 2/Σfit
    # at every score: 33 scores × 2 = 66 → 1/33).
    rows = query(home, """select primary_score, pupils, share, counterfactual_share, min_3, min_4, min_5
                          from marts.objectivity_histograms
                          where level = 'school' and school_login = ? and subject = 'окружающий мир'
                          order by primary_score""", [H])
    assert len(rows) == 33
    assert rows[8][:3] == (8, 10, 1.0) and rows[8][4:] == (8, 18, 27)
    assert all(r[3] == pytest.approx(1 / 33, abs=1e-9) for r in rows)
    region = query(home, """select sum(pupils) from marts.objectivity_histograms
                            where level = 'region' and subject = 'окружающий мир'""")
    assert region == [(66,)]


def test_mark_comparison_for_the_workbook(home):
    # A in P1 (flagged): journal «5» (one written «5\u00a0») for the five 18s — paper mark 5
    # (18 ≥ 15), confirmed; journal «3» for the five 20s — paper mark 5, raised.
    rows = query(home, """select school_mark, result_mark, pupils, share, comparison
                          from marts.objectivity_mark_comparison
                          where level = 'school' and school_login = ? and academic_year = ?
                            and grade = 4 and subject = 'математика' order by all""", [A, Y21])
    assert rows == [(3, 5, 5, 0.5, "raised"), (5, 5, 5, 0.5, "confirmed")]


def test_regional_figures_stand_for_the_region_of_a_single_municipality(home, tmp_path):
    # INPUTS.md §7: an inbox holding one municipality compares its schools with the
    # department's regional figures. On a copy of this warehouse: every school moved to М1
    # and raw.ref_regional_figures giving maths-4 2021 n 25000, x̄ 11.0, s 4.0 → region upper
    # bound 11 + 1.96·4/√25000 = 11.0496. E (lower 11.1733) and F (11.3467) now lie above it.
    import os
    import shutil
    import subprocess
    import sys

    import duckdb

    from ingest.school_changes import record_everything
    from msoko.config import DBT_PROJECT_DIR
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(home / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("update raw.ref_schools set municipality = 'М1'")
    # as ingestion would load reference/regional.csv (the table always exists, maybe empty)
    con.execute("delete from raw.ref_regional_figures")
    con.execute("""insert into raw.ref_regional_figures
                       (year, procedure, grade, subject, participants, mean_score, sd_score)
                   values (2021, 'vpr', 4, 'математика', 25000, 11.0, 4.0)""")
    # A changed reference changes every school's rows: ingestion logs it so
    # (ingest/school_changes.py), and the school-partitioned models rebuild whole.
    record_everything(con, "справочники изменились")
    con.close()
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    subprocess.run([dbt, "run", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                    "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "target"),
                    "--select", "int_pupil_papers", "int_objectivity_papers",
                    "int_objectivity_region_papers", "int_objectivity_o1"],
                   check=True, env={**os.environ, "MSOKO_WAREHOUSE": str(warehouse)})
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("""select school_login, status, threshold, details->>'region_source'
                          from intermediate.int_objectivity_o1
                          where academic_year = ? and school_login in (?, ?)
                          order by school_login""", [Y21, E, F]).fetchall()
    con.close()
    assert rows == [(E, "flagged", pytest.approx(11.0496, abs=1e-4), "regional_figures"),
                    (F, "flagged", pytest.approx(11.0496, abs=1e-4), "regional_figures")]
