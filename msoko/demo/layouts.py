"""Writers of the real input layouts (INPUTS.md §2, §3, §5, §6, §7).

Each writer takes rows that are already decided — dirt included — and writes them exactly as
the real files look. Nothing here invents data except where a real file carries something the
pipeline must throw away (the participants' names of an exam protocol, the FIS OKO form's
filler columns). The demo municipality (`msoko.demo.municipality`) and test fixtures both use
these writers, so a layout is described in one place only.

Byte-determinism: writing the same rows twice gives identical bytes. The pipeline identifies
file versions by sha256, so a re-generated demo must not look like a resubmission. For xlsx
that means a fixed creation date in docProps/core.xml and fixed zip-entry timestamps
(xlsxwriter's ``in_memory`` mode stamps every entry 1980-01-01); for csv a fixed line ending.

Cell values: ``None`` leaves the cell empty; ``int``/``float`` are numbers; ``str`` is text
(also when it looks like a number — that is how "numbers stored as text" are made);
``datetime`` is an Excel date.
"""
from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Union

import xlsxwriter

Cell = Union[str, int, float, datetime, None]
Row = Sequence[Cell]

#: docProps/core.xml "created"/"modified" of every workbook we write (see module docstring).
FIXED_CREATED = datetime(2020, 9, 1, 9, 0, 0)

# --------------------------------------------------------------------------------------------
# Header strings, exactly as in INPUTS.md
# --------------------------------------------------------------------------------------------

VPR_CYRILLIC_HEADER = (
    "логин школы",
    "регион",
    "номер обучающегося",
    "код обучающегося",
    "отметка за предыдущую четверть/триместр",
    "пол",
    "класс",
    "вариант",
    "всего баллов",
)
VPR_CYRILLIC_CRITERION = "балл за {k}"
VPR_TEXTBOOK = "Учебник"

VPR_LATIN_HEADER = ("user", "groups", "id", "code", "otc", "gender", "klass", "var-1", "sum")
VPR_LATIN_CRITERION = "a-{k}-grade"

UPLOAD_HEAD = ("Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "Код", "Вариант")
UPLOAD_TAIL = (
    "Наименование класса",
    "Пол",
    "Отметка за предыдущий триместр/ четверть/полугодие",
    "Итого баллов",
)
UPLOAD_SHEET = "Протокол"
CLASSES_SHEET = "Классы"
CLASSES_HEADER = ("Наименование класса", "Учебник")

EXAM_COLUMNS = (
    "код ОО",
    "код участника",
    "ФИО",
    "предмет",
    "первичный балл",
    "тестовый балл",
    "отметка",
    "годовая отметка",
    "задания с кратким ответом",
    "задания с развернутым ответом",
)

REGISTRY_COLUMNS = (
    "логин",
    "наименование",
    "муниципалитет",
    "код ОГЭ",
    "код ЕГЭ",
    "вид ОО",
    "тип населённого пункта",
    "численность обучающихся",
)

CONTEXT_SHEET = "Сбор контекстных данных об ОО"
CONTEXT_COLUMNS = (
    "Пользователь",
    "Код региона",
    "Регион",
    "Муниципалитет",
    "Школа",
    "1. Полное наименование образовательной организации",
    "2. Вид образовательной организации",
    "3. ИНН образовательной организации",
    "4. Количество обучающихся в образовательной организации",
    "5. Количество классов-комплектов",
    "6. Количество педагогических работников",
    "7. Код ОГЭ",
    "8. Код ЕГЭ",
    "9. Реализуются ли программы углублённого изучения отдельных предметов?",
    "10. Является ли образовательная организация малокомплектной?",
    "11. Осуществляется ли подвоз обучающихся к образовательной организации?",
    "12. Работает ли образовательная организация в две смены?",
    "13. Есть ли в образовательной организации обучающиеся, для которых русский язык не родной?",
    "14. Где расположена образовательная организация?",
    "15. Каков размер населенного пункта, в котором расположена образовательная организация?",
)

SCALES_COLUMNS = ("year", "procedure", "grade", "subject", "max_score", "min_3", "min_4", "min_5", "source")
TASKS_COLUMNS = ("year", "procedure", "grade", "subject", "column_no", "task_label", "max_points", "level", "section", "skill")
MANIFEST_COLUMNS = ("file", "procedure", "subject", "grade", "year")
EGE_TO_MARK_COLUMNS = ("year", "subject", "min_3", "min_4", "min_5")

#: Subject (nominative, as in the tables) -> the dative case FIS OKO puts in file names.
SUBJECT_DATIVE = {
    "русский язык": "русскому языку",
    "математика": "математике",
    "окружающий мир": "окружающему миру",
    "история": "истории",
    "биология": "биологии",
    "география": "географии",
    "обществознание": "обществознанию",
    "физика": "физике",
    "химия": "химии",
    "английский язык": "английскому языку",
    "немецкий язык": "немецкому языку",
    "французский язык": "французскому языку",
}


def fis_oko_file_name(subject_nominative: str, grade: int, year: int) -> str:
    """The name FIS OKO gives a VPR results file.

    >>> fis_oko_file_name("русский язык", 4, 2021)
    'Проведение работы по русскому языку, 4 класс. ВПР 2021.xlsx'
    """
    try:
        dative = SUBJECT_DATIVE[subject_nominative]
    except KeyError:
        raise ValueError(f"no FIS OKO file name for subject {subject_nominative!r}") from None
    return f"Проведение работы по {dative}, {grade} класс. ВПР {year}.xlsx"


def edu_login(login: str) -> str:
    """`sch708001` -> `edu708001`: the same school as FIS OKO's forms and context export name it."""
    return "edu" + login[3:] if login[:3] in ("sch", "edu") else login


def fis_oko_ref(code: str, name: str) -> str:
    """A FIS OKO reference cell: `reg70_m008 | Зырянский район`, `edu708001 | МБОУ «…»`."""
    return f"{code} | {name}"


# --------------------------------------------------------------------------------------------
# Shared low-level writers
# --------------------------------------------------------------------------------------------


def write_xlsx(path: Path | str, sheets: Sequence[tuple[str, Iterable[Row]]]) -> Path:
    """Write one workbook, one (name, rows) pair per sheet, byte-deterministically.

    Strings are always written as text (never turned into numbers, formulas or links),
    so a cell like ``"=1"`` or ``"4"`` stays what the caller meant.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "in_memory": True,  # fixed 1980-01-01 zip entry times (see module docstring)
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"created": FIXED_CREATED, "author": "ФИС ОКО"})
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    for sheet_name, rows in sheets:
        sheet = workbook.add_worksheet(sheet_name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                _write_cell(sheet, r, c, value, date_format)
    workbook.close()
    return path


def _write_cell(sheet, r: int, c: int, value: Cell, date_format) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(r, c, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(r, c, value, date_format)
    elif value == "":
        return  # an empty string is an empty cell in a real export
    else:
        sheet.write_string(r, c, str(value))


def write_csv(
    path: Path | str,
    header: Sequence[str],
    rows: Iterable[Row],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> Path:
    """Write a csv with a fixed line ending (so bytes are the same on every platform)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
    return path


def _records_to_rows(columns: Sequence[str], records: Iterable[Mapping[str, Cell]]) -> list[list[Cell]]:
    return [[record.get(column) for column in columns] for record in records]


# --------------------------------------------------------------------------------------------
# §2 VPR export (FIS OKO results, one sheet, one row per pupil)
# --------------------------------------------------------------------------------------------


@dataclass
class PupilRow:
    """One pupil's row as a VPR file shows it. Every field is the cell value, dirt included.

    ``criteria`` holds one cell per criterion column: an int, a not-done marker
    (``"X"``, ``"Х"``, ``"не пройд."``, ``"X "`` …) or ``None`` (absent pupil).
    ``total`` is the file's own total and may disagree with the criteria.
    """

    login: Cell
    code: Cell
    variant: Cell
    criteria: Sequence[Cell]
    total: Cell = None
    journal_mark: Cell = None
    gender: Cell = None
    class_letter: Cell = None
    region: Cell = None
    textbook: Cell = None
    groups: Cell = None  # the 2020 Latin layout's opaque group list; derived when None

    @classmethod
    def of(cls, value: "PupilRow | Mapping[str, Cell]") -> "PupilRow":
        return value if isinstance(value, PupilRow) else cls(**dict(value))


def write_vpr_export(
    path: Path | str,
    pupils: Sequence[PupilRow | Mapping[str, Cell]],
    *,
    n_criteria: int,
    layout: Literal["cyrillic", "latin"] = "cyrillic",
    title_rows: Sequence[Row | str] = (),
    header_spaces: bool = False,
    numbers_as_text: bool = False,
    include_login: bool = True,
    with_textbook: bool = False,
) -> Path:
    """Write a FIS OKO VPR results export (INPUTS.md §2): one sheet, one row per pupil.

    layout="cyrillic" is the 2021+ header (`логин школы, регион, …, балл за N`, optionally
    `Учебник`); layout="latin" the 2020 header (`user, groups, id, code, otc, …, a-N-grade`).
    `title_rows` are written above the header (a str is a one-cell row). `header_spaces`
    puts stray spaces around some header names. `numbers_as_text` stores every numeric data
    cell as a text string. `include_login=False` drops the school-login column (a per-school
    file then relies on its folder name). `номер обучающегося`/`id` is the row's running number.
    """
    rows = [PupilRow.of(p) for p in pupils]
    for p in rows:
        if len(p.criteria) != n_criteria:
            raise ValueError(f"pupil {p.code!r} has {len(p.criteria)} criterion cells, expected {n_criteria}")
    if layout == "cyrillic":
        header = [h for h in VPR_CYRILLIC_HEADER if include_login or h != "логин школы"]
        header += [VPR_CYRILLIC_CRITERION.format(k=k) for k in range(1, n_criteria + 1)]
        if with_textbook:
            header.append(VPR_TEXTBOOK)
        body = [_cyrillic_row(i, p, include_login, with_textbook) for i, p in enumerate(rows, 1)]
    elif layout == "latin":
        header = [h for h in VPR_LATIN_HEADER if include_login or h != "user"]
        header += [VPR_LATIN_CRITERION.format(k=k) for k in range(1, n_criteria + 1)]
        body = [_latin_row(i, p, include_login) for i, p in enumerate(rows, 1)]
    else:
        raise ValueError(f"unknown VPR layout {layout!r}")
    if header_spaces:
        header = stray_spaces(header)
    if numbers_as_text:
        body = [[_as_text(v) for v in row] for row in body]
    titles = [[t] if isinstance(t, str) else list(t) for t in title_rows]
    return write_xlsx(path, [("Лист1", [*titles, header, *body])])


def _cyrillic_row(number: int, p: PupilRow, include_login: bool, with_textbook: bool) -> list[Cell]:
    head = [p.login] if include_login else []
    row = head + [p.region, number, p.code, p.journal_mark, p.gender, p.class_letter, p.variant, p.total]
    row += list(p.criteria)
    if with_textbook:
        row.append(p.textbook)
    return row


def _latin_row(number: int, p: PupilRow, include_login: bool) -> list[Cell]:
    head = [p.login] if include_login else []
    groups = p.groups if p.groups is not None else _opaque_groups(p)
    row = head + [groups, number, p.code, p.journal_mark, p.gender, p.class_letter, p.variant, p.total]
    return row + list(p.criteria)


def _opaque_groups(p: PupilRow) -> str:
    # Real 2020 exports list internal group ids; a checksum of login and class imitates that.
    key = f"{p.login}|{p.class_letter}".encode()
    return f"{10000 + zlib.crc32(key) % 90000},{10000 + zlib.crc32(key[::-1]) % 90000}"


def stray_spaces(header: Sequence[str]) -> list[str]:
    """Stray spaces around some header names, in a fixed pattern (deterministic)."""
    out = []
    for i, name in enumerate(header):
        if i % 4 == 1:
            name = name + " "
        elif i % 4 == 3:
            name = " " + name + "  "
        out.append(name)
    return out


def _as_text(value: Cell) -> Cell:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------------------------
# §3 the FIS OKO upload form (a school's own per-subject form)
# --------------------------------------------------------------------------------------------


def write_upload_form(
    path: Path | str,
    pupils: Sequence[PupilRow | Mapping[str, Cell]],
    *,
    criteria_headers: Sequence[str],
    region_code: Cell,
    region: str,
    municipality: str,
    school: str,
    school_login_edu: str,
    classes: Sequence[tuple[str, str]],
    uploaded_at: Cell = "20.04.2021 12:00",
) -> Path:
    """Write a per-school FIS OKO upload form (INPUTS.md §3).

    Sheet `Протокол`: `Пользователь, Код региона, Регион, Муниципалитет, Школа,
    Дата загрузки, Код, Вариант, <criteria_headers>, Наименование класса, Пол,
    Отметка за предыдущий триместр/ четверть/полугодие, Итого баллов`. `municipality` and
    `school` are the full cells (`reg70_m008 | Зырянский район`, `edu708001 | МБОУ «…»`;
    see `fis_oko_ref`), `criteria_headers` the task labels with their maxima (`1К1 (4б)`).
    Sheet `Классы`: one (class letter, textbook) row per class.
    A pupil's `login` and `region` fields are ignored: the form repeats the school's.
    """
    rows = [PupilRow.of(p) for p in pupils]
    header = [*UPLOAD_HEAD, *criteria_headers, *UPLOAD_TAIL]
    body = []
    for p in rows:
        if len(p.criteria) != len(criteria_headers):
            raise ValueError(f"pupil {p.code!r}: {len(p.criteria)} criterion cells, {len(criteria_headers)} headers")
        head = [school_login_edu, region_code, region, municipality, school, uploaded_at, p.code, p.variant]
        body.append([*head, *p.criteria, p.class_letter, p.gender, p.journal_mark, p.total])
    classes_rows = [list(CLASSES_HEADER), *[list(c) for c in classes]]
    return write_xlsx(path, [(UPLOAD_SHEET, [header, *body]), (CLASSES_SHEET, classes_rows)])


def criterion_header(label: str, max_points: int) -> str:
    """The upload form's criterion header: `1К1 (4б)`."""
    return f"{label} ({max_points}б)"


# --------------------------------------------------------------------------------------------
# §5 OGE / EGE protocols from the regional processing centre (РЦОИ)
# --------------------------------------------------------------------------------------------


@dataclass
class ExamRow:
    """One participant × subject row of an RCOI protocol (cell values as written)."""

    school_code: Cell
    participant_code: Cell
    subject: str
    primary: Cell
    mark: Cell = None
    annual_mark: Cell = None
    short_answers: Cell = None  # "++-+-0+"
    long_answers: Cell = None  # "2(2)1(3)0(2)"
    test_score: Cell = None  # EGE only
    name: str | None = None  # ФИО; a deterministic fake name is made up when None

    @classmethod
    def of(cls, value: "ExamRow | Mapping[str, Cell]") -> "ExamRow":
        return value if isinstance(value, ExamRow) else cls(**dict(value))


def write_exam_protocol(
    path: Path | str,
    rows: Sequence[ExamRow | Mapping[str, Cell]],
    *,
    fmt: Literal["xlsx", "csv"] = "xlsx",
    encoding: str = "utf-8",
    with_names: bool = True,
) -> Path:
    """Write an OGE/EGE protocol (INPUTS.md §5), xlsx or `;`-separated csv.

    Columns: `код ОО, код участника, ФИО, предмет, первичный балл, тестовый балл, отметка,
    годовая отметка, задания с кратким ответом, задания с развернутым ответом`. `тестовый балл`
    is written only when some row has one (EGE); `ФИО` only when `with_names` — real
    protocols carry names, which the pipeline must drop. csv lines end in CRLF, as files
    saved on the centre's Windows machines do.
    """
    exam_rows = [ExamRow.of(r) for r in rows]
    with_test = any(r.test_score is not None for r in exam_rows)
    columns = [c for c in EXAM_COLUMNS if (with_names or c != "ФИО") and (with_test or c != "тестовый балл")]
    body = []
    for r in exam_rows:
        values = {
            "код ОО": r.school_code,
            "код участника": r.participant_code,
            "ФИО": r.name if r.name is not None else fake_full_name(str(r.participant_code)),
            "предмет": r.subject,
            "первичный балл": r.primary,
            "тестовый балл": r.test_score,
            "отметка": r.mark,
            "годовая отметка": r.annual_mark,
            "задания с кратким ответом": r.short_answers,
            "задания с развернутым ответом": r.long_answers,
        }
        body.append([values[c] for c in columns])
    if fmt == "xlsx":
        return write_xlsx(path, [("Результаты", [columns, *body])])
    if fmt == "csv":
        return write_csv(path, columns, body, delimiter=";", encoding=encoding, lineterminator="\r\n")
    raise ValueError(f"unknown protocol format {fmt!r}")


# Plausible, deliberately common Russian names: (male, female) forms.
_SURNAMES = (
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
    ("Васильев", "Васильева"), ("Петров", "Петрова"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"),
    ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"), ("Егоров", "Егорова"),
    ("Павлов", "Павлова"), ("Козлов", "Козлова"), ("Степанов", "Степанова"), ("Николаев", "Николаева"),
    ("Орлов", "Орлова"), ("Андреев", "Андреева"), ("Макаров", "Макарова"), ("Никитин", "Никитина"),
    ("Захаров", "Захарова"), ("Зайцев", "Зайцева"), ("Соловьёв", "Соловьёва"), ("Борисов", "Борисова"),
    ("Яковлев", "Яковлева"), ("Григорьев", "Григорьева"), ("Романов", "Романова"), ("Воробьёв", "Воробьёва"),
    ("Сергеев", "Сергеева"), ("Кириллов", "Кириллова"), ("Белоусов", "Белоусова"), ("Ковалевский", "Ковалевская"),
)
_MALE_NAMES = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил", "Никита", "Иван", "Егор", "Даниил", "Роман")
_FEMALE_NAMES = ("Анастасия", "Мария", "Дарья", "Анна", "Елизавета", "Полина", "Виктория", "Екатерина", "Софья", "Алина", "Ксения", "Валерия", "Вероника", "Юлия", "Арина")
_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"), ("Владимирович", "Владимировна"),
    ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"), ("Николаевич", "Николаевна"),
    ("Дмитриевич", "Дмитриевна"), ("Игоревич", "Игоревна"), ("Викторович", "Викторовна"),
    ("Евгеньевич", "Евгеньевна"), ("Олегович", "Олеговна"), ("Юрьевич", "Юрьевна"),
)


def fake_full_name(key: str) -> str:
    """A plausible, entirely made-up `Фамилия Имя Отчество`, fixed by `key` (deterministic)."""
    h = zlib.crc32(key.encode())
    female = h & 1
    surname = _SURNAMES[(h >> 1) % len(_SURNAMES)][female]
    first = (_FEMALE_NAMES if female else _MALE_NAMES)[(h >> 8) % 15]
    patronymic = _PATRONYMICS[(h >> 16) % len(_PATRONYMICS)][female]
    return f"{surname} {first} {patronymic}"


# --------------------------------------------------------------------------------------------
# §6 school registry: the simple csv and the FIS OKO context export
# --------------------------------------------------------------------------------------------


@dataclass
class SchoolRecord:
    """A school as the registries know it. `login` is the VPR export's `sch…` login."""

    login: str
    name: str
    municipality: str
    kind: str = "СОШ"
    settlement: str = "село"  # город | село
    oge_code: str | None = None
    ege_code: str | None = None
    pupils: int | None = None
    municipality_code: str = "reg70_m000"  # FIS OKO's municipality id, context export only
    region_code: int = 70
    region: str = "Томская область"
    extra: dict = field(default_factory=dict)  # context-export answers that override defaults

    @classmethod
    def of(cls, value: "SchoolRecord | Mapping[str, object]") -> "SchoolRecord":
        return value if isinstance(value, SchoolRecord) else cls(**dict(value))


def write_school_registry_csv(path: Path | str, schools: Sequence[SchoolRecord | Mapping[str, object]]) -> Path:
    """The simple registry (INPUTS.md §6): `логин, наименование, муниципалитет, код ОГЭ, код ЕГЭ,
    вид ОО, тип населённого пункта, численность обучающихся`. A school is a `SchoolRecord` or
    a dict with its field names."""
    records = [SchoolRecord.of(s) for s in schools]
    rows = [[s.login, s.name, s.municipality, s.oge_code, s.ege_code, s.kind, s.settlement, s.pupils] for s in records]
    return write_csv(path, REGISTRY_COLUMNS, rows)


def write_context_registry_xlsx(path: Path | str, schools: Sequence[SchoolRecord | Mapping[str, object]]) -> Path:
    """The FIS OKO export «Сбор контекстных данных об ОО» (INPUTS.md §6), first sheet.

    Logins are written with the `edu` prefix; `Муниципалитет` as `reg70_m008 | <name>`,
    `Школа` as `edu708001 | <name>`; exam codes as text (they are codes, not numbers).
    """
    rows = [list(CONTEXT_COLUMNS)]
    for s in map(SchoolRecord.of, schools):
        edu = edu_login(s.login)
        h = zlib.crc32(s.login.encode())
        town = s.settlement == "город"
        answers = {
            "Пользователь": edu,
            "Код региона": s.region_code,
            "Регион": s.region,
            "Муниципалитет": fis_oko_ref(s.municipality_code, s.municipality),
            "Школа": fis_oko_ref(edu, s.name),
            "1. Полное наименование образовательной организации": _full_name(s),
            "2. Вид образовательной организации": s.kind,
            "3. ИНН образовательной организации": f"70{h % 10**8:08d}",
            "4. Количество обучающихся в образовательной организации": s.pupils,
            "5. Количество классов-комплектов": max(1, (s.pupils or 0) // 22) if s.pupils else None,
            "6. Количество педагогических работников": max(4, (s.pupils or 0) // 11) if s.pupils else None,
            "7. Код ОГЭ": s.oge_code,
            "8. Код ЕГЭ": s.ege_code,
            "9. Реализуются ли программы углублённого изучения отдельных предметов?": "Да" if s.kind in ("гимназия", "лицей") else "Нет",
            "10. Является ли образовательная организация малокомплектной?": "Да" if (s.pupils or 999) < 100 else "Нет",
            "11. Осуществляется ли подвоз обучающихся к образовательной организации?": "Нет" if town else "Да",
            "12. Работает ли образовательная организация в две смены?": "Да" if town and (s.pupils or 0) > 600 else "Нет",
            "13. Есть ли в образовательной организации обучающиеся, для которых русский язык не родной?": "Нет",
            "14. Где расположена образовательная организация?": "В городе" if town else "В сельской местности",
            "15. Каков размер населенного пункта, в котором расположена образовательная организация?": (
                "от 10 до 50 тыс. человек" if town else "менее 5 тыс. человек"
            ),
        }
        answers.update(s.extra)
        rows.append([answers.get(c) for c in CONTEXT_COLUMNS])
    return write_xlsx(path, [(CONTEXT_SHEET, rows)])


def _full_name(s: SchoolRecord) -> str:
    prefix = {"МБОУ": "Муниципальное бюджетное общеобразовательное учреждение",
              "МАОУ": "Муниципальное автономное общеобразовательное учреждение",
              "МОУ": "Муниципальное общеобразовательное учреждение"}
    head, _, rest = s.name.partition(" ")
    return f"{prefix[head]} {rest}" if head in prefix else s.name


# --------------------------------------------------------------------------------------------
# §7 reference tables and the manifest
# --------------------------------------------------------------------------------------------


def write_scales_csv(path: Path | str, rows: Iterable[Mapping[str, Cell]]) -> Path:
    """`scales.csv`: year,procedure,grade,subject,max_score,min_3,min_4,min_5,source."""
    return write_csv(path, SCALES_COLUMNS, _records_to_rows(SCALES_COLUMNS, rows))


def write_tasks_csv(path: Path | str, rows: Iterable[Mapping[str, Cell]]) -> Path:
    """`tasks.csv`: year,procedure,grade,subject,column_no,task_label,max_points,level,section,skill
    (level: базовый / повышенный / высокий)."""
    return write_csv(path, TASKS_COLUMNS, _records_to_rows(TASKS_COLUMNS, rows))


def write_manifest_csv(path: Path | str, rows: Iterable[Mapping[str, Cell]]) -> Path:
    """`manifest.csv` beside files whose names say nothing: file,procedure,subject,grade,year."""
    return write_csv(path, MANIFEST_COLUMNS, _records_to_rows(MANIFEST_COLUMNS, rows))


def write_ege_to_mark_csv(path: Path | str, rows: Iterable[Mapping[str, Cell]]) -> Path:
    """`ege_to_mark.csv`: year,subject,min_3,min_4,min_5 on the EGE test score."""
    return write_csv(path, EGE_TO_MARK_COLUMNS, _records_to_rows(EGE_TO_MARK_COLUMNS, rows))
