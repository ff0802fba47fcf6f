"""The papers of the demo: VPR criteria, OGE/EGE task structure, scales and their reference rows.

Everything here is fixed knowledge (no randomness): what a paper consists of and how its
score converts to a mark. Scales follow INPUTS.md §7 and `shared/domain/scales.csv`: the 2021
VPR grade-4/5 values every year, the 2023 OGE values for OGE Russian and mathematics every
year, the 2026 EGE minimums every year. Values that file does not have (OGE electives, EGE
base mathematics) are plausible published-style values and say so in `source`.
"""
from __future__ import annotations

from dataclasses import dataclass

ACADEMIC_YEARS = ("2020-2021", "2021-2022", "2022-2023")
LEVEL_BASIC, LEVEL_ADVANCED, LEVEL_HIGH = "базовый", "повышенный", "высокий"


def spring_year(academic_year: str) -> int:
    """`2020-2021` -> 2021 (VPR 2021 is written in spring of 2020-2021)."""
    return int(academic_year[-4:])


@dataclass(frozen=True)
class Criterion:
    label: str
    max_points: int
    level: str
    section: str
    skill: str


@dataclass(frozen=True)
class VprPaper:
    grade: int
    subject: str
    criteria: tuple[Criterion, ...]
    min_3: int
    min_4: int
    min_5: int
    target_share_2: float  # regional share of mark 2 the difficulty is calibrated to
    target_mean: float  # regional mean share of the maximum it is calibrated to
    procedure: str = "vpr"

    @property
    def max_score(self) -> int:
        return sum(c.max_points for c in self.criteria)

    @property
    def key(self) -> str:
        return f"vpr-{self.grade}-{self.subject}"

    def mark(self, score: int) -> int:
        return 5 if score >= self.min_5 else 4 if score >= self.min_4 else 3 if score >= self.min_3 else 2


def _criteria(*rows: tuple[str, int, str, str, str]) -> tuple[Criterion, ...]:
    return tuple(Criterion(*row) for row in rows)


B, A, H = LEVEL_BASIC, LEVEL_ADVANCED, LEVEL_HIGH

VPR4_RUSSIAN = VprPaper(4, "русский язык", _criteria(
    ("1К1", 4, B, "Диктант", "Писать под диктовку текст с изученными орфограммами"),
    ("1К2", 3, B, "Диктант", "Соблюдать пунктуационные и каллиграфические нормы"),
    ("2", 3, B, "Грамматика", "Распознавать однородные члены и части речи в предложении"),
    ("3(1)", 1, B, "Синтаксис", "Находить главные члены предложения"),
    ("3(2)", 3, B, "Морфология", "Распознавать части речи"),
    ("4", 2, B, "Орфоэпия", "Ставить ударение в словах"),
    ("5", 2, B, "Синтаксис", "Определять вид предложения по цели высказывания"),
    ("6", 2, A, "Синтаксис", "Объяснять постановку знаков препинания"),
    ("7", 2, B, "Работа с текстом", "Определять основную мысль текста"),
    ("8", 3, A, "Работа с текстом", "Составлять план текста"),
    ("9", 2, B, "Работа с текстом", "Задавать вопрос по содержанию текста"),
    ("10", 2, B, "Лексика", "Определять значение слова по тексту"),
    ("11", 2, B, "Морфемика", "Выделять морфемы в слове"),
    ("12(1)", 2, B, "Морфология", "Распознавать имена существительные и их признаки"),
    ("12(2)", 2, A, "Морфология", "Определять признаки имени прилагательного"),
    ("13", 3, H, "Развитие речи", "Строить речевое высказывание по жизненной ситуации"),
), 14, 24, 33, 0.04, 0.62)

VPR4_MATH = VprPaper(4, "математика", _criteria(
    ("1", 1, B, "Числа и вычисления", "Выполнять арифметические действия"),
    ("2", 1, B, "Числа и вычисления", "Вычислять значение числового выражения"),
    ("3", 2, B, "Текстовые задачи", "Решать задачи в 1–2 действия"),
    ("4", 1, B, "Величины", "Читать, записывать и сравнивать величины"),
    ("5", 2, B, "Геометрия", "Вычислять периметр и площадь прямоугольника"),
    ("6", 2, B, "Работа с данными", "Читать и заполнять таблицы и диаграммы"),
    ("7", 1, B, "Числа и вычисления", "Выполнять письменно действия с многозначными числами"),
    ("8", 2, B, "Текстовые задачи", "Решать задачи в 3–4 действия"),
    ("9", 2, A, "Логика", "Интерпретировать информацию, делать выводы"),
    ("10", 2, A, "Геометрия", "Изображать геометрические фигуры"),
    ("11", 2, A, "Пространственные представления", "Описывать взаимное расположение предметов"),
    ("12", 2, H, "Логика", "Решать задачи на логику и перебор вариантов"),
), 6, 10, 15, 0.025, 0.62)

VPR4_WORLD = VprPaper(4, "окружающий мир", _criteria(
    ("1", 2, B, "Природа", "Узнавать изученные объекты и явления природы"),
    ("2", 2, B, "Природа", "Использовать знаково-символические средства"),
    ("3(1)", 1, B, "Природа", "Находить материки на карте"),
    ("3(2)", 1, B, "Природа", "Узнавать животных материков"),
    ("3(3)", 2, B, "Природа", "Соотносить животных и материки"),
    ("4", 2, B, "Человек", "Знать строение тела человека"),
    ("5", 2, B, "Природа", "Вычленять содержащиеся в тексте сведения"),
    ("6(1)", 1, B, "Опыты", "Проводить несложные наблюдения"),
    ("6(2)", 2, B, "Опыты", "Описывать ход опыта"),
    ("6(3)", 2, A, "Опыты", "Делать выводы по результатам опыта"),
    ("7(1)", 1, B, "Природа", "Определять показания термометра"),
    ("7(2)", 2, B, "Природа", "Строить речевое высказывание о природе"),
    ("8К1", 1, B, "Общество", "Называть профессии"),
    ("8К2", 1, B, "Общество", "Описывать работу людей профессии"),
    ("8К3", 1, B, "Общество", "Объяснять пользу профессии для общества"),
    ("9", 3, A, "Общество", "Оценивать поступки и правила безопасного поведения"),
    ("10(1)", 1, B, "Родной край", "Знать государственную символику"),
    ("10(2)К1", 2, B, "Родной край", "Называть достопримечательности региона"),
    ("10(2)К2", 3, H, "Родной край", "Описывать достопримечательности родного края"),
), 8, 18, 27, 0.012, 0.60)

VPR5_RUSSIAN = VprPaper(5, "русский язык", _criteria(
    ("1К1", 4, B, "Диктант", "Соблюдать орфографические нормы"),
    ("1К2", 3, B, "Диктант", "Соблюдать пунктуационные нормы"),
    ("1К3", 2, B, "Диктант", "Правильно списывать текст"),
    ("2К1", 3, B, "Языковые разборы", "Фонетический разбор"),
    ("2К2", 3, B, "Языковые разборы", "Морфемный разбор"),
    ("2К3", 3, A, "Языковые разборы", "Морфологический разбор"),
    ("2К4", 3, A, "Языковые разборы", "Синтаксический разбор"),
    ("3", 2, B, "Орфоэпия", "Ставить ударение"),
    ("4(1)", 2, B, "Морфология", "Распознавать части речи"),
    ("4(2)", 1, B, "Морфология", "Находить служебные части речи"),
    ("5", 3, A, "Синтаксис", "Распознавать предложения с прямой речью"),
    ("6", 2, A, "Синтаксис", "Расставлять знаки препинания при обращении"),
    ("7(1)", 2, B, "Синтаксис", "Распознавать сложные предложения"),
    ("7(2)", 1, B, "Синтаксис", "Объяснять постановку знаков препинания"),
    ("8", 3, A, "Работа с текстом", "Определять основную мысль текста"),
    ("9", 2, B, "Работа с текстом", "Составлять план текста"),
    ("10", 2, B, "Работа с текстом", "Определять тип речи"),
    ("11", 2, B, "Лексика", "Определять значение слова"),
    ("12", 2, H, "Лексика", "Подбирать антонимы"),
), 18, 29, 39, 0.07, 0.60)

VPR5_MATH = VprPaper(5, "математика", _criteria(
    ("1", 1, B, "Числа и вычисления", "Понятие натурального числа"),
    ("2", 1, B, "Числа и вычисления", "Обыкновенные дроби"),
    ("3", 1, B, "Числа и вычисления", "Десятичные дроби"),
    ("4", 1, B, "Текстовые задачи", "Нахождение части числа"),
    ("5", 1, B, "Числа и вычисления", "Округление чисел"),
    ("6", 1, B, "Работа с данными", "Чтение таблиц"),
    ("7", 2, B, "Числа и вычисления", "Вычисления с натуральными числами"),
    ("8", 1, B, "Текстовые задачи", "Задачи на движение"),
    ("9", 2, A, "Числа и вычисления", "Порядок действий"),
    ("10", 2, A, "Текстовые задачи", "Задачи на покупки"),
    ("11", 1, B, "Работа с данными", "Чтение диаграмм"),
    ("12", 2, A, "Геометрия", "Построения на клетчатой бумаге"),
    ("13", 2, A, "Пространственные представления", "Развёртки куба"),
    ("14", 2, H, "Логика", "Задачи на смекалку"),
), 7, 11, 15, 0.06, 0.55)

VPR_PAPERS = (VPR4_RUSSIAN, VPR4_MATH, VPR4_WORLD, VPR5_RUSSIAN, VPR5_MATH)
#: The papers objectivity checks O1/O2 apply to (and the inflated schools are planted on).
VPR_CORE = (VPR4_RUSSIAN, VPR4_MATH, VPR5_RUSSIAN, VPR5_MATH)

for _paper in VPR_PAPERS:  # the task spec must add up to the scale maximum
    assert _paper.max_score == {("русский язык", 4): 38, ("математика", 4): 20, ("окружающий мир", 4): 32,
                                ("русский язык", 5): 45, ("математика", 5): 20}[(_paper.subject, _paper.grade)]


@dataclass(frozen=True)
class ExamSubject:
    """An OGE/EGE subject: short-answer tasks worth 1 point each, extended tasks with maxima.

    OGE and EGE base mathematics: `min_3..min_5` on the primary score. Other EGE subjects:
    `min_test` is the year's minimum test score and the test score is a monotone conversion
    of the primary score.
    """

    procedure: str  # oge | ege
    subject: str
    n_short: int
    long_max: tuple[int, ...]
    min_3: int | None = None
    min_4: int | None = None
    min_5: int | None = None
    min_test: int | None = None
    target_below_min: float = 0.03
    target_mean: float = 0.52
    source: str = ""

    @property
    def max_primary(self) -> int:
        return self.n_short + sum(self.long_max)

    @property
    def has_test_score(self) -> bool:
        return self.min_test is not None

    @property
    def key(self) -> str:
        return f"{self.procedure}-{self.subject}"

    def mark(self, primary: int) -> int | None:
        if self.min_3 is None:
            return None
        return 5 if primary >= self.min_5 else 4 if primary >= self.min_4 else 3 if primary >= self.min_3 else 2

    def test_score(self, primary: int) -> int | None:
        """A smooth, monotone primary→test conversion (0→0, max→100), concave as real ones are."""
        if not self.has_test_score:
            return None
        return round(100 * (primary / self.max_primary) ** 0.8)

    def below_min(self, primary: int) -> bool:
        if self.has_test_score:
            return self.test_score(primary) < self.min_test
        return self.mark(primary) == 2


_OGE_SRC = "demo: OGE 2023 scale, used for every year"
_OGE_EL = "demo: plausible OGE scale (published-style values), used for every year"
OGE_SUBJECTS = (
    ExamSubject("oge", "русский язык", 7, (2, 3, 2, 3, 3, 2, 2, 2, 2, 2, 3), 15, 23, 29, target_below_min=0.02, target_mean=0.68, source=_OGE_SRC),
    ExamSubject("oge", "математика", 19, (2,) * 6, 8, 15, 22, target_below_min=0.04, target_mean=0.50, source=_OGE_SRC),
    ExamSubject("oge", "обществознание", 14, (1,) + (2,) * 11, 14, 24, 32, source=_OGE_EL),
    ExamSubject("oge", "биология", 20, (2, 2, 3, 3, 3, 3, 3, 3, 3, 3), 13, 26, 37, source=_OGE_EL),
    ExamSubject("oge", "география", 24, (2, 2, 1, 2), 12, 19, 26, source=_OGE_EL),
    ExamSubject("oge", "информатика", 12, (2, 3, 2), 5, 11, 17, source=_OGE_EL),
    ExamSubject("oge", "история", 17, (2, 2, 2, 2, 3, 3, 3, 3), 11, 21, 30, source=_OGE_EL),
)
OGE_CORE = OGE_SUBJECTS[:2]
OGE_ELECTIVES = OGE_SUBJECTS[2:]

_EGE_SRC = "demo: minimum test score of the 2026 scale, used for every year"
EGE_SUBJECTS = (
    ExamSubject("ege", "русский язык", 26, (1, 3, 2, 1, 1, 1, 1, 1, 3, 2, 1, 1, 3, 3), min_test=24, target_below_min=0.015, target_mean=0.60, source=_EGE_SRC),
    ExamSubject("ege", "математика профильная", 11, (2, 3, 2, 2, 3, 4, 4), min_test=27, target_below_min=0.03, target_mean=0.48, source=_EGE_SRC),
    ExamSubject("ege", "математика базовая", 21, (), 7, 12, 17, target_below_min=0.02, target_mean=0.62,
                source="demo: plausible base-mathematics scale (primary 21; 3 from 7, 4 from 12, 5 from 17)"),
    ExamSubject("ege", "обществознание", 16, (3,) * 14, min_test=42, source=_EGE_SRC),
    ExamSubject("ege", "физика", 23, (1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3), min_test=36, source=_EGE_SRC),
    ExamSubject("ege", "история", 12, (2, 2, 2, 2, 3, 3, 3, 2, 3, 4, 4), min_test=32, source=_EGE_SRC),
    ExamSubject("ege", "биология", 21, (3,) * 12 + (2,), min_test=36, source=_EGE_SRC),
    ExamSubject("ege", "химия", 28, (2, 3, 3, 4, 4, 4, 4, 4), min_test=36, source=_EGE_SRC),
    ExamSubject("ege", "информатика", 25, (2, 2), min_test=40, source=_EGE_SRC),
)
EGE_ELECTIVES = EGE_SUBJECTS[3:]

#: EGE test score -> 5-point mark (INDICATORS.md 3.3, `ege_to_mark.csv`).
EGE_TO_MARK = {"русский язык": (24, 50, 72), "математика профильная": (27, 50, 68)}


def ege_mark(subject: ExamSubject, test_score: int) -> int:
    """A 5-point mark for any EGE subject (the table above where it has one; else a plausible split)."""
    m3, m4, m5 = EGE_TO_MARK.get(subject.subject, (subject.min_test, subject.min_test + 25, subject.min_test + 42))
    return 5 if test_score >= m5 else 4 if test_score >= m4 else 3 if test_score >= m3 else 2


# --------------------------------------------------------------------------------------------
# Reference-table rows
# --------------------------------------------------------------------------------------------


def scales_rows() -> list[dict]:
    rows = []
    for academic_year in ACADEMIC_YEARS:
        year = spring_year(academic_year)
        for p in VPR_PAPERS:
            rows.append(dict(year=year, procedure="vpr", grade=p.grade, subject=p.subject, max_score=p.max_score,
                             min_3=p.min_3, min_4=p.min_4, min_5=p.min_5,
                             source="demo: FIS OKO 2021 scale, used for every year"))
        for s in OGE_SUBJECTS:
            rows.append(dict(year=year, procedure="oge", grade=9, subject=s.subject, max_score=s.max_primary,
                             min_3=s.min_3, min_4=s.min_4, min_5=s.min_5, source=s.source))
        for s in EGE_SUBJECTS:
            if s.has_test_score:
                rows.append(dict(year=year, procedure="ege", grade=11, subject=s.subject, max_score=100,
                                 min_3=s.min_test, source=s.source))
            else:
                rows.append(dict(year=year, procedure="ege", grade=11, subject=s.subject, max_score=s.max_primary,
                                 min_3=s.min_3, min_4=s.min_4, min_5=s.min_5, source=s.source))
    return rows


def tasks_rows() -> list[dict]:
    rows = []
    for academic_year in ACADEMIC_YEARS:
        for p in VPR_PAPERS:
            for k, c in enumerate(p.criteria, 1):
                rows.append(dict(year=spring_year(academic_year), procedure="vpr", grade=p.grade, subject=p.subject,
                                 column_no=k, task_label=c.label, max_points=c.max_points, level=c.level,
                                 section=c.section, skill=c.skill))
    return rows


def ege_to_mark_rows() -> list[dict]:
    return [dict(year=spring_year(y), subject=subject, min_3=m3, min_4=m4, min_5=m5)
            for y in ACADEMIC_YEARS for subject, (m3, m4, m5) in EGE_TO_MARK.items()]
