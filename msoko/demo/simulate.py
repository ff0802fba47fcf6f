"""Pupils, scores and planted cases of the demo region, deterministic from a seed.

The model is deliberately simple but shaped like real results:
- a pupil has an ability θ = school level + N(0, 1); cohorts carry over (the grade-4 pupils
  of year Y are, but for a few movers, the grade-5 pupils of year Y+1 of the same school);
- a criterion worth m points gives Binomial(m, sigmoid(a·(spread·(θ + form noise) + ease − d)))
  points, d set by the criterion's level; each paper's ease and spread are calibrated
  (without randomness, so the same for every seed) to a realistic regional share of mark 2
  and mean score;
- ~2 % of criterion cells are "not done" markers, in mixed spellings (0 points);
- journal (and annual) marks follow ability with noise, so they agree with results;
- planted cases (see `municipality.py`) change only their own schools' papers.

After drawing, the generator checks its own promises with the statistics of `checks.py`
(with margins): planted schools are flagged, clean schools are not, only the planted low-
results school is below the 30 % line. A school's paper that breaks a promise is re-drawn
with the next attempt number — still deterministic — until every promise holds.
"""
from __future__ import annotations

import hashlib
import math
from statistics import NormalDist
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from . import checks
from .layouts import Cell
from .papers import (
    ACADEMIC_YEARS,
    EGE_ELECTIVES,
    EGE_SUBJECTS,
    OGE_CORE,
    OGE_ELECTIVES,
    OGE_SUBJECTS,
    VPR4_MATH,
    VPR5_RUSSIAN,
    VPR_CORE,
    VPR_PAPERS,
    ExamSubject,
    VprPaper,
    ege_mark,
    spring_year,
)
from .schools import ALL_SCHOOLS, ROLE_INFLATED, ROLE_LOW, ROLE_TINY, UNKNOWN_SCHOOL, DemoSchool

DISCRIMINATION = 1.6
FORM_NOISE = 0.3  # a pupil's day-to-day variation on one paper, in ability units
NOT_DONE_RATE = 0.02
ABSENT_RATE = 0.03
#: Not-done spellings seen in real exports, with plausible frequencies.
NOT_DONE_MARKERS = (("X", 0.45), ("Х", 0.25), ("x", 0.08), ("х", 0.08), ("H", 0.06), ("не пройд.", 0.04), ("X ", 0.04))
#: Journal-mark dirt: (cell, rate). NBSP means "the mark followed by U+00A0" (kept when trimmed);
#: the others leave the pupil without a journal mark.
NBSP = "nbsp"
JOURNAL_DIRT = (("нет отметки", 0.012), ("", 0.010), ("ж", 0.003), (1, 0.003), (NBSP, 0.010))
TOTAL_MISMATCH_RATE = 0.004
VARIANT_ZERO_RATE = 0.003

# Planted cases: the low-results year and papers, and the inflated schools' boundary bunch.
LOW_RESULTS_YEAR = "2021-2022"
LOW_RESULTS_PAPERS = (VPR4_MATH, VPR5_RUSSIAN)
BUNCH_EARNED = (-2, -2, -2, -2, -2, -1, -1, -1, -1, -1, 0, 0, 0)  # earned score − min_3 of the bunch group
INFLATED_BOOST = 3.0  # "help" given to the rest of an inflated school's pupils, in ability units

# Margins that keep the promises robust to small differences in how the pipeline computes.
MARGIN_O1 = 0.01  # × max score
RHO_CLEAN, RHO_INFLATED = 0.05, -0.1
P_CLEAN, P_INFLATED = 0.01, 5e-4
SHARE_LOW, SHARE_CLEAN = 0.34, 0.25
MIN_PARTICIPANTS = 10
MAX_ROUNDS = 60


def rng_for(seed: int, *key: object) -> np.random.Generator:
    """An independent, reproducible random stream per (seed, key): results never depend on
    the order in which things are drawn."""
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------------------------
# Item model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemModel:
    maxima: np.ndarray  # points per criterion
    difficulty: np.ndarray  # per criterion
    ease: float  # calibrated shift of the whole paper
    spread: float  # calibrated scale of ability on this paper

    def draw(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Points per pupil × criterion; one uniform per point so draws are comparable."""
        u = rng.random((len(theta), int(self.maxima.sum())))
        return self.points(theta, u)

    def points(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        if not len(theta):
            return np.zeros((0, len(self.maxima)), int)
        p_slots = np.repeat(self.p(self.spread * theta + self.ease), self.maxima, axis=1)
        hits = (u < p_slots).astype(int)
        bounds = np.concatenate([[0], np.cumsum(self.maxima)])
        return np.add.reduceat(hits, bounds[:-1], axis=1)

    def p(self, t: np.ndarray) -> np.ndarray:
        return sigmoid(DISCRIMINATION * (np.asarray(t, dtype=float)[:, None] - self.difficulty[None, :]))

    def expected(self, t: np.ndarray) -> np.ndarray:
        return (self.p(t) * self.maxima[None, :]).sum(axis=1)


def _vpr_difficulty(paper: VprPaper) -> np.ndarray:
    levels = [c.level for c in paper.criteria]
    d = np.zeros(len(levels))
    basic = [i for i, lv in enumerate(levels) if lv == "базовый"]
    advanced = [i for i, lv in enumerate(levels) if lv != "базовый"]
    d[basic] = np.linspace(-1.1, 0.1, len(basic))
    d[advanced] = np.linspace(0.3, 1.3, len(advanced)) if len(advanced) > 1 else 0.8
    return d


def _exam_difficulty(subject: ExamSubject) -> np.ndarray:
    short = np.linspace(-1.2, 0.6, subject.n_short)
    long = np.linspace(-0.2, 1.6, len(subject.long_max)) if subject.long_max else np.zeros(0)
    return np.concatenate([short, long])


def _bisect(f, lo: float, hi: float, target: float, steps: int = 50) -> float:
    """x in [lo, hi] with f(x) = target, f increasing."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < target else (lo, mid)
    return (lo + hi) / 2


def _calibrate(maxima: np.ndarray, difficulty: np.ndarray, pass_score: int, share_below: float,
               mean_share: float) -> ItemModel:
    """Ease and spread that give an average region (θ ~ N(0, 1) plus form noise) about
    `share_below` below the pass score and a mean of `mean_share` of the maximum.

    Works on expected scores over a quantile grid (no randomness, so the papers are the
    same for every seed): t* is where the expected score crosses the pass line; the ease
    puts the `share_below` quantile of ability there; the spread is then set by the mean.
    """
    base = ItemModel(maxima, difficulty, 0.0, 1.0)
    sd = math.sqrt(1 + FORM_NOISE**2)
    grid = np.array([NormalDist(0, sd).inv_cdf((i + 0.5) / 400) for i in range(400)])
    t_star = _bisect(lambda t: float(base.expected(np.array([t]))[0]), -8, 8, pass_score - 0.5)
    z = NormalDist().inv_cdf(share_below)

    def ease(spread: float) -> float:
        return t_star - spread * sd * z

    def mean(spread: float) -> float:
        return float(base.expected(spread * grid + ease(spread)).mean()) / float(maxima.sum())

    spread = _bisect(mean, 0.05, 4.0, mean_share)
    return ItemModel(maxima, difficulty, ease(spread), spread)


_MODELS: dict[str, ItemModel] = {}


def vpr_model(paper: VprPaper) -> ItemModel:
    if paper.key not in _MODELS:
        maxima = np.array([c.max_points for c in paper.criteria])
        _MODELS[paper.key] = _calibrate(maxima, _vpr_difficulty(paper), paper.min_3,
                                        paper.target_share_2, paper.target_mean)
    return _MODELS[paper.key]


def exam_model(subject: ExamSubject) -> ItemModel:
    if subject.key not in _MODELS:
        maxima = np.array((1,) * subject.n_short + subject.long_max)
        pass_score = next(p for p in range(subject.max_primary + 1) if not subject.below_min(p))
        _MODELS[subject.key] = _calibrate(maxima, _exam_difficulty(subject), pass_score,
                                          subject.target_below_min, subject.target_mean)
    return _MODELS[subject.key]


# --------------------------------------------------------------------------------------------
# Rosters (who sits a paper) — fixed per seed, never re-drawn
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pupil:
    theta: float
    gender: str  # м | ж
    class_letter: str  # а | б | в
    bias: float  # how much kinder the journal is to this pupil than the ability says


def _new_pupil(rng: np.random.Generator, school: DemoSchool) -> Pupil:
    return Pupil(float(school.offset + rng.normal()), "мж"[int(rng.integers(2))], "а", float(rng.normal(0, 0.25)))


def _with_classes(pupils: list[Pupil]) -> list[Pupil]:
    """Split a grade into classes of at most 26, in class-list order (а, then б, then в)."""
    n_classes = max(1, math.ceil(len(pupils) / 26))
    return [Pupil(p.theta, p.gender, "абв"[i * n_classes // len(pupils)], p.bias) for i, p in enumerate(pupils)]


def build_rosters(seed: int) -> dict[tuple[str, int, str], list[Pupil]]:
    """(login, grade, academic_year) -> pupils, for grades 4, 5, 9 and 11."""
    rosters: dict[tuple[str, int, str], list[Pupil]] = {}
    for school in (*ALL_SCHOOLS, UNKNOWN_SCHOOL):
        cohorts = {}
        for cohort_year in range(2020, 2024):  # grade-4 spring year
            rng = rng_for(seed, "cohort", school.login, cohort_year)
            fixed = school.role in (ROLE_TINY, ROLE_INFLATED)  # sizes the planted cases rely on
            n = school.size if fixed else max(3, school.size + int(rng.integers(-2, 3)))
            cohorts[cohort_year] = _centred([_new_pupil(rng, school) for _ in range(n)], school)
        for academic_year in ACADEMIC_YEARS:
            y = spring_year(academic_year)
            rosters[(school.login, 4, academic_year)] = _with_classes(cohorts[y])
            rosters[(school.login, 5, academic_year)] = _with_classes(_moved(seed, school, cohorts[y - 1], y))
            for grade, size in ((9, school.grade9_size), (11, school.grade11_size)):
                rng = rng_for(seed, "exam-cohort", school.login, grade, y)
                n = size if school.role == ROLE_TINY else max(0, size + int(rng.integers(-2, 3))) if size else 0
                rosters[(school.login, grade, academic_year)] = _centred([_new_pupil(rng, school) for _ in range(n)], school)
    return rosters


def _centred(pupils: list[Pupil], school: DemoSchool) -> list[Pupil]:
    """Shift a cohort so its mean ability is exactly the school's level: a school's results
    should vary by the day, not because a random cohort happened to be strong."""
    if not pupils:
        return pupils
    shift = school.offset - float(np.mean([p.theta for p in pupils]))
    return [Pupil(p.theta + shift, p.gender, p.class_letter, p.bias) for p in pupils]


def _moved(seed: int, school: DemoSchool, cohort: list[Pupil], year: int) -> list[Pupil]:
    """Last year's grade 4, less the ~5 % who left, plus about as many newcomers."""
    if school.role == ROLE_TINY:
        return list(cohort)
    rng = rng_for(seed, "movers", school.login, year)
    stay = [p for p in cohort if rng.random() > 0.05]
    newcomers = [_new_pupil(rng, school) for _ in range(int(rng.poisson(len(cohort) * 0.05)))]
    return stay + newcomers


# --------------------------------------------------------------------------------------------
# VPR sittings
# --------------------------------------------------------------------------------------------


@dataclass
class VprResult:
    """One pupil × paper: the truth (points, clean journal mark) and the cells as written."""

    code: int
    absent: bool
    points: list[int]
    not_done: list[bool]
    journal: int | None  # the clean journal mark the pipeline should derive, or None
    journal_cell: Cell
    gender_cell: Cell
    class_cell: Cell
    variant_cell: Cell
    total_cell: Cell
    criteria_cells: list[Cell]
    textbook: str | None = None
    earned: int | None = None  # inflated schools: the score before the "help"
    set_aside: bool = False  # a planted row above the scale maximum

    @property
    def score(self) -> int:
        return sum(self.points)

    @property
    def counted(self) -> bool:
        return not self.absent and not self.set_aside


@dataclass
class Sitting:
    school: DemoSchool
    academic_year: str
    paper: VprPaper
    results: list[VprResult]
    attempt: int = 0
    lost: str | None = None  # the reason code when the school's file for it is broken

    @property
    def counted(self) -> list[VprResult]:
        return [] if self.lost or self.school is UNKNOWN_SCHOOL else [r for r in self.results if r.counted]


TEXTBOOKS = {
    (4, "русский язык"): "Канакина В.П., Горецкий В.Г. Русский язык",
    (4, "математика"): "Моро М.И. и др. Математика",
    (4, "окружающий мир"): "Плешаков А.А. Окружающий мир",
    (5, "русский язык"): "Ладыженская Т.А. и др. Русский язык",
    (5, "математика"): "Виленкин Н.Я. и др. Математика",
}
OTHER_TEXTBOOK = "Другой"


def _choice(rng: np.random.Generator, weighted: tuple) -> object:
    """One value of ((value, weight), …), drawn with one uniform (cheaper than rng.choice)."""
    x = rng.random() * sum(weight for _, weight in weighted)
    for value, weight in weighted:
        x -= weight
        if x < 0:
            return value
    return weighted[-1][0]


def draw_sitting(seed: int, school: DemoSchool, academic_year: str, paper: VprPaper,
                 roster: list[Pupil], attempt: int, showcase: dict) -> Sitting:
    """One school's results on one paper; the cells as written (dirt included) are decided here too."""
    rng = rng_for(seed, "vpr", school.login, academic_year, paper.key, attempt)
    model = vpr_model(paper)
    n = len(roster)
    theta = np.array([p.theta for p in roster])
    inflated = school.role == ROLE_INFLATED and paper in VPR_CORE
    # Nobody is absent where the paper is "managed" (nor in the tiny school: it shows suppression).
    absent = (rng.random(n) < ABSENT_RATE) & (school.role != ROLE_TINY) & (not inflated)
    points = model.draw(theta + rng.normal(0, FORM_NOISE, n), rng)
    not_done = rng.random(points.shape) < NOT_DONE_RATE
    points[not_done] = 0
    earned = None
    if inflated:
        points, earned = _inflate(points, not_done, theta, absent, paper, model, rng)
    journals = _journal_marks(rng, roster, school, points, absent, inflated)

    style = _Style(upper_gender=rng.random() < 0.2,
                   classes=_choice(rng, (("lower", 0.7), ("upper", 0.2), ("none", 0.1 if _one_class(roster) else 0))))
    results = []
    for i, pupil in enumerate(roster):
        code = paper.grade * 10000 + i + 1  # 4xxxx: the grade, then the place in the class list
        r = _result(rng, code, pupil, style, [int(v) for v in points[i]], [bool(v) for v in not_done[i]],
                    journals[i], bool(absent[i]), variant=1 + i % 2)
        r.earned = None if earned is None or r.absent else int(earned[i])
        r.textbook = OTHER_TEXTBOOK if pupil.class_letter == "б" else TEXTBOOKS[(paper.grade, paper.subject)]
        results.append(r)
    sitting = Sitting(school, academic_year, paper, results, attempt)
    _apply_showcase(sitting, showcase.get((school.login, academic_year, paper.key), ()))
    return sitting


@dataclass(frozen=True)
class _Style:
    """How one school writes one file: gender in capitals or not; class letters а / А / нет."""

    upper_gender: bool
    classes: str  # lower | upper | none


def _one_class(roster: list[Pupil]) -> bool:
    return all(p.class_letter == "а" for p in roster)


def _result(rng, code: int, pupil: Pupil, style: _Style, points: list[int], not_done: list[bool],
            journal: int, absent: bool, variant: int) -> VprResult:
    """One pupil's row: the truth and its cells, with the dirt of real exports in small doses."""
    journal_cell, journal = _journal_cell(rng, journal)
    gender = pupil.gender.upper() if style.upper_gender else pupil.gender
    klass = {"lower": pupil.class_letter, "upper": pupil.class_letter.upper(),
             "none": "НЕТ" if rng.random() < 0.5 else "нет"}[style.classes]
    if absent:
        return VprResult(code, True, [], [], journal, journal_cell, gender, klass, "отсутствовал", None,
                         [None] * len(points))
    variant_cell: Cell = 0 if rng.random() < VARIANT_ZERO_RATE else variant
    cells: list[Cell] = [_choice(rng, NOT_DONE_MARKERS) if nd else p for p, nd in zip(points, not_done)]
    total = sum(points)
    if rng.random() < TOTAL_MISMATCH_RATE:  # the file's own total disagrees (a warning, not an error)
        total = max(0, total + int(rng.choice([-2, -1, 1, 2])))
    return VprResult(code, False, points, not_done, journal, journal_cell, gender, klass, variant_cell, total, cells)


def _journal_cell(rng, mark: int) -> tuple[Cell, int | None]:
    """The journal cell as written, and the mark a careful reader gets back from it."""
    dirt = _choice(rng, (*JOURNAL_DIRT, (None, 1 - sum(rate for _, rate in JOURNAL_DIRT))))
    if dirt is None:
        return mark, mark
    if dirt == NBSP:
        return f"{mark}\u00a0", mark  # trimmed, it is still the mark
    return dirt, None


def _inflate(points, not_done, theta, absent, paper: VprPaper, model: ItemModel, rng):
    """The planted inflation: the weakest 13 pupils "earn" min_3−2 … min_3 and are all lifted to
    exactly min_3 (bunching at the 2/3 boundary); the others are "helped" to high scores."""
    maxima = model.maxima
    b = paper.min_3
    present = np.flatnonzero(~absent)
    order = present[np.argsort(theta[present], kind="stable")]
    bunch, strong = order[: len(BUNCH_EARNED)], order[len(BUNCH_EARNED):]
    earned = points.sum(axis=1).copy()
    targets = rng.permutation(np.array(BUNCH_EARNED) + b)
    for k, i in enumerate(bunch):
        points[i] = _adjust(points[i], maxima, not_done[i], int(targets[k]), rng)
        earned[i] = targets[k]
        points[i] = _adjust(points[i], maxima, not_done[i], b, rng)
    helped = model.draw(theta[strong] + INFLATED_BOOST + rng.normal(0, FORM_NOISE, len(strong)), rng)
    for row, i in zip(helped, strong):
        row[not_done[i]] = 0
        points[i] = row
        earned[i] = row.sum()  # their true score is unknown; the "help" is what we see
        if row.sum() <= b:
            points[i] = _adjust(row, maxima, not_done[i], b + 3, rng)
    return points, earned


def _adjust(points: np.ndarray, maxima: np.ndarray, not_done: np.ndarray, target: int, rng) -> np.ndarray:
    """Add or remove single points at random criteria until the sum is `target`
    (never on a not-done cell, never above a criterion's maximum)."""
    pts = np.array(points, dtype=int)
    while pts.sum() < target:
        room = np.flatnonzero((pts < maxima) & ~not_done)
        pts[room[int(rng.integers(len(room)))]] += 1
    while pts.sum() > target:
        have = np.flatnonzero(pts > 0)
        pts[have[int(rng.integers(len(have)))]] -= 1
    return pts


def _journal_marks(rng, roster, school: DemoSchool, points, absent, inflated: bool) -> list[int]:
    """Previous-term marks. Normal schools: ability with noise (teachers mark relative to their
    class, hence the partial offset correction). Inflated schools: unrelated or inverse —
    the pupils lifted to a "3" carry 5s, the helped ones 3s and 4s."""
    n = len(roster)
    if not inflated:
        theta = np.array([p.theta for p in roster])
        bias = np.array([p.bias for p in roster])
        raw = 3.75 + 0.85 * (theta - 0.5 * school.offset) + bias + rng.normal(0, 0.4, n)
        return [int(v) for v in np.clip(np.rint(raw), 2, 5)]
    scores = points.sum(axis=1).astype(float)
    present = ~absent
    z = (scores - scores[present].mean()) / max(scores[present].std(), 1.0)
    raw = 4.3 - 0.9 * z + rng.normal(0, 0.5, n)
    return [int(v) for v in np.clip(np.rint(raw), 3, 5)]


def _apply_showcase(sitting: Sitting, items) -> None:
    """Planted single cells: every dirt kind at least once, the above-maximum row, a total
    above the maximum that is only a warning. `items` are (kind, pupil position)."""
    present = [r for r in sitting.results if not r.absent]
    for kind, pos in items:
        r = present[pos]
        if kind == "above_max":  # a perfect paper with one criterion above its maximum
            maxima = [c.max_points for c in sitting.paper.criteria]
            r.points = maxima[:]
            r.points[0] += 1
            r.not_done = [False] * len(maxima)
            r.criteria_cells = list(r.points)
            r.total_cell = sum(r.points)
            r.set_aside = True
        elif kind == "total_above_max":
            r.total_cell = sitting.paper.max_score + 3
        elif kind == "gender_stray":
            r.gender_cell = "д"
        elif kind == "variant_zero":
            r.variant_cell = 0
        elif kind.startswith("journal:"):
            cell = kind.split(":", 1)[1]
            if cell == "nbsp":
                r.journal_cell = f"{r.journal}\u00a0" if r.journal is not None else "4\u00a0"
                r.journal = r.journal if r.journal is not None else 4
            else:
                r.journal_cell, r.journal = (1 if cell == "1" else cell), None
        elif kind.startswith("marker:"):
            k = next(k for k, p in enumerate(r.points) if p == 0) if 0 in r.points else 0
            r.points[k], r.not_done[k] = 0, True
            r.criteria_cells[k] = kind.split(":", 1)[1]
            r.total_cell = sum(r.points)
        else:
            raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# OGE / EGE
# --------------------------------------------------------------------------------------------


@dataclass
class ExamResult:
    school: DemoSchool
    participant_code: str
    subject: ExamSubject
    primary: int
    test_score: int | None
    mark: int | None
    annual: int
    short: str
    long: str

    @property
    def below_min(self) -> bool:
        return self.subject.below_min(self.primary)


@dataclass
class ExamSitting:
    school: DemoSchool
    academic_year: str
    procedure: str
    results: list[ExamResult]
    attempt: int = 0


def participant_codes(rosters, academic_year: str, grade: int) -> dict[tuple[str, int], str]:
    """Region-wide participant codes, stable for the year (RCOI codes are not per school)."""
    codes, k = {}, 0
    y = spring_year(academic_year)
    for school in ALL_SCHOOLS:
        for i, _ in enumerate(rosters.get((school.login, grade, academic_year), [])):
            k += 1
            codes[(school.login, i)] = f"{y % 100:02d}{grade:02d}{k:04d}"
    return codes


def draw_exam_sitting(seed, school: DemoSchool, academic_year: str, procedure: str, roster: list[Pupil],
                      codes: dict, attempt: int) -> ExamSitting:
    rng = rng_for(seed, procedure, school.login, academic_year, attempt)
    choices = [_exam_choice(rng, procedure) for _ in roster]
    results = []
    for subject in (OGE_SUBJECTS if procedure == "oge" else EGE_SUBJECTS):
        takers = [i for i, chosen in enumerate(choices) if subject.subject in chosen]
        if not takers:
            continue
        model = exam_model(subject)
        theta = np.array([roster[i].theta for i in takers])
        pts = model.draw(theta + rng.normal(0, FORM_NOISE, len(takers)), rng)
        for i, row in zip(takers, pts):
            results.append(_exam_result(rng, school, codes[(school.login, i)], subject, row))
    return ExamSitting(school, academic_year, procedure, results, attempt)


def _exam_choice(rng, procedure: str) -> set[str]:
    if procedure == "oge":
        n = 2 if rng.random() < 0.8 else 1
        weights = np.array([0.35, 0.2, 0.25, 0.15, 0.05])
        picked = rng.choice(len(OGE_ELECTIVES), size=n, replace=False, p=weights)
        return {"русский язык", "математика", *(OGE_ELECTIVES[int(k)].subject for k in picked)}
    maths = "математика профильная" if rng.random() < 0.45 else "математика базовая"
    n = int(rng.choice(4, p=[0.2, 0.4, 0.35, 0.05]))
    weights = np.array([0.35, 0.15, 0.1, 0.15, 0.1, 0.15])
    picked = rng.choice(len(EGE_ELECTIVES), size=n, replace=False, p=weights)
    return {"русский язык", maths, *(EGE_ELECTIVES[int(k)].subject for k in picked)}


def _exam_result(rng, school, code: str, subject: ExamSubject, row: np.ndarray) -> ExamResult:
    short_pts, long_pts = row[: subject.n_short], row[subject.n_short:]
    short = "".join("+" if p else ("0" if rng.random() < 0.3 else "-") for p in short_pts)
    long = "".join(f"{p}({m})" for p, m in zip(long_pts, subject.long_max))
    primary = int(row.sum())
    test = subject.test_score(primary)
    mark = subject.mark(primary)
    exam_mark = mark if mark is not None else ege_mark(subject, test)
    # Annual marks mostly agree with the exam, within one mark; a "2" is rare in the journal.
    annual = int(np.clip(exam_mark + _choice(rng, ((0, 0.65), (1, 0.25), (-1, 0.10))), 3, 5))
    return ExamResult(school, code, subject, primary, test, mark, annual, short, long)


# --------------------------------------------------------------------------------------------
# The whole region, with its promises checked
# --------------------------------------------------------------------------------------------


@dataclass
class Region:
    seed: int
    rosters: dict
    sittings: dict[tuple[str, str, str], Sitting]  # (login, academic_year, paper.key)
    exams: dict[tuple[str, str, str], ExamSitting]  # (login, academic_year, procedure)
    rounds: int = 0
    redraws: int = 0

    def paper_sittings(self, academic_year: str, paper: VprPaper) -> list[Sitting]:
        return [s for (_, y, key), s in self.sittings.items() if y == academic_year and key == paper.key]

    def exam_results(self, academic_year: str, procedure: str, subject: str) -> list[ExamResult]:
        return [r for (_, y, proc), e in self.exams.items() if y == academic_year and proc == procedure
                for r in e.results if r.subject.subject == subject]


def simulate_region(seed: int, showcase: dict, lost: dict) -> Region:
    """Draw everything, then re-draw the papers that break a promise until none does."""
    rosters = build_rosters(seed)
    attempts: dict[tuple, int] = defaultdict(int)

    def vpr(login, year, paper):
        school = UNKNOWN_SCHOOL if login == UNKNOWN_SCHOOL.login else next(s for s in ALL_SCHOOLS if s.login == login)
        s = draw_sitting(seed, school, year, paper, rosters[(login, paper.grade, year)],
                         attempts[(login, year, paper.key)], showcase)
        s.lost = lost.get((login, year, paper.key))
        return s

    codes = {(y, g): participant_codes(rosters, y, g) for y in ACADEMIC_YEARS for g in (9, 11)}

    def exam(login, year, procedure):
        school = next(s for s in ALL_SCHOOLS if s.login == login)
        grade = 9 if procedure == "oge" else 11
        return draw_exam_sitting(seed, school, year, procedure, rosters[(login, grade, year)],
                                 codes[(year, grade)], attempts[(login, year, procedure)])

    sittings = {(s.login, y, p.key): None for y in ACADEMIC_YEARS for s in ALL_SCHOOLS for p in VPR_PAPERS}
    for key in sittings:
        sittings[key] = vpr(key[0], key[1], next(p for p in VPR_PAPERS if p.key == key[2]))
    for (login, year, key) in lost:
        if login == UNKNOWN_SCHOOL.login:
            sittings[(login, year, key)] = vpr(login, year, next(p for p in VPR_PAPERS if p.key == key))
    exams = {}
    for y in ACADEMIC_YEARS:
        for s in ALL_SCHOOLS:
            exams[(s.login, y, "oge")] = exam(s.login, y, "oge")
            if s.has_grade_11:
                exams[(s.login, y, "ege")] = exam(s.login, y, "ege")
    region = Region(seed, rosters, sittings, exams)

    groups = None  # the first round checks everything, later rounds what was re-drawn
    for round_no in range(1, MAX_ROUNDS + 1):
        broken = find_broken_promises(region, groups)
        region.rounds = round_no
        if not broken:
            return region
        groups = {(year, what) for _, year, what in broken}
        for unit in sorted(broken):
            attempts[unit] += 1
            region.redraws += 1
            login, year, what = unit
            if what in ("oge", "ege"):
                region.exams[unit] = exam(login, year, what)
            else:
                region.sittings[unit] = vpr(login, year, next(p for p in VPR_PAPERS if p.key == what))
    raise RuntimeError(f"demo generator: promises still broken after {MAX_ROUNDS} rounds: {sorted(broken)[:5]}")


# --------------------------------------------------------------------------------------------
# Promises
# --------------------------------------------------------------------------------------------


@dataclass
class PaperStats:
    """Regional statistics of one paper in one year, as the objectivity checks need them."""

    n: int
    mean: float
    upper: float
    fit: np.ndarray
    boundaries: tuple[int, ...]
    max_score: int


def paper_stats(scores: list[int], max_score: int, boundaries: tuple[int, ...]) -> PaperStats:
    mean, _, upper = checks.mean_ci95(scores)
    hist = np.bincount(np.asarray(scores, dtype=int), minlength=max_score + 1)[: max_score + 1]
    return PaperStats(len(scores), mean, upper, checks.boundary_fit(hist, boundaries), boundaries, max_score)


def school_objectivity(stats: PaperStats, scores: list[int], pairs: list[tuple[int, int]]) -> dict:
    """O1, O2 and O4 numbers for one school's paper (None where there are too few pupils)."""
    mean, lower, _ = checks.mean_ci95(scores)
    rho = checks.spearman([a for a, _ in pairs], [b for _, b in pairs]) if len(pairs) >= MIN_PARTICIPANTS else None
    bunching = {}
    for b in stats.boundaries:
        window, at_b, share, p = checks.bunching_test(scores, stats.fit, b)
        bunching[b] = dict(window=window, at_boundary=at_b, expected_share=share, p_value=p)
    return dict(participants=len(scores), mean=mean, ci_lower=lower, region_ci_upper=stats.upper,
                spearman=rho, pairs=len(pairs), bunching=bunching)


def find_broken_promises(region: Region, groups: set[tuple[str, str]] | None = None) -> set[tuple[str, str, str]]:
    """Units (login, academic_year, paper key | oge | ege) whose promises do not hold.
    `groups` limits the check to (academic_year, paper key | oge | ege) groups."""
    broken: set[tuple[str, str, str]] = set()
    for year in ACADEMIC_YEARS:
        for paper in VPR_PAPERS:
            if groups is not None and (year, paper.key) not in groups:
                continue
            sittings = [s for s in region.paper_sittings(year, paper) if s.counted]
            stats = paper_stats([r.score for s in sittings for r in s.counted], paper.max_score,
                                (paper.min_3, paper.min_4, paper.min_5))
            for s in sittings:
                scores = [r.score for r in s.counted]
                pairs = [(r.journal, r.score) for r in s.counted if r.journal is not None]
                planted = s.school.role == ROLE_INFLATED and paper in VPR_CORE
                ok = _objectivity_ok(stats, scores, pairs, planted, o1_o2=paper in VPR_CORE, paper_min_3=paper.min_3)
                low = sum(r.score < paper.min_3 for r in s.counted)
                ok = ok and _share_ok(s.school, year, paper in LOW_RESULTS_PAPERS, low, len(scores))
                if not ok:
                    broken.add((s.school.login, year, paper.key))
        for procedure, subjects in (("oge", OGE_SUBJECTS), ("ege", EGE_SUBJECTS)):
            if groups is not None and (year, procedure) not in groups:
                continue
            for subject in subjects:
                results = region.exam_results(year, procedure, subject.subject)
                by_school = defaultdict(list)
                for r in results:
                    by_school[r.school.login].append(r)
                stats = None
                if subject in OGE_CORE:
                    stats = paper_stats([r.primary for r in results], subject.max_primary,
                                        (subject.min_3, subject.min_4, subject.min_5))
                for login, rs in by_school.items():
                    ok = True
                    if stats is not None:
                        ok = _objectivity_ok(stats, [r.primary for r in rs], [(r.annual, r.primary) for r in rs],
                                             False, o1_o2=True, paper_min_3=subject.min_3)
                    ok = ok and _share_ok(rs[0].school, year, False, sum(r.below_min for r in rs), len(rs))
                    if not ok:
                        broken.add((login, year, procedure))
    return broken


def _objectivity_ok(stats: PaperStats, scores, pairs, planted: bool, *, o1_o2: bool, paper_min_3: int) -> bool:
    if len(scores) < MIN_PARTICIPANTS:
        return not planted
    o = school_objectivity(stats, scores, pairs)
    margin = MARGIN_O1 * stats.max_score
    if planted:  # O1, O2 and O4 (at the 2/3 boundary) must all flag, clearly
        b = o["bunching"][paper_min_3]
        return (o["ci_lower"] > o["region_ci_upper"] + margin
                and o["spearman"] is not None and o["spearman"] < RHO_INFLATED
                and b["window"] >= MIN_PARTICIPANTS and b["p_value"] < P_INFLATED)
    if o1_o2:
        if o["ci_lower"] > o["region_ci_upper"] - margin:
            return False
        if o["spearman"] is not None and o["spearman"] < RHO_CLEAN:
            return False
    return all(b["window"] < MIN_PARTICIPANTS or b["p_value"] > P_CLEAN for b in o["bunching"].values())


def _share_ok(school: DemoSchool, year: str, low_paper: bool, below: int, n: int) -> bool:
    """Only the planted low-results school may have ≥30 % below the minimum (≥10 participants);
    it must, in the planted year and papers."""
    if school.role == ROLE_LOW:
        if year == LOW_RESULTS_YEAR and low_paper:
            return n >= MIN_PARTICIPANTS and below / n >= SHARE_LOW
        return True
    return n < MIN_PARTICIPANTS or below / n <= SHARE_CLEAN
