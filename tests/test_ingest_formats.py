"""Every input format of INPUTS.md, read by the ingest functions directly (no pipeline):
header found wherever it starts, columns matched by alias, numbers stored as text, both VPR
header layouts, the upload form «Протокол», regional diagnostics, OGE/EGE protocols (xlsx and
`;`-csv in UTF-8 or cp1251) with task strings decoded, both registry layouts, scales, tasks
and regional figures; name columns dropped."""
from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from ingest.batch import parse_file
from ingest.exam_results import decode_long, decode_short
from ingest.inbox import scan_inbox
from ingest.readers import read_table_file
from ingest.reference import load_reference
from msoko.demo import layouts as L
from tests.fixtures.ingest.dirty_inbox import pupil

MATHS = "математика"
NAME = L.fis_oko_file_name(MATHS, 4, 2024)


def parse(inbox: Path, rel: str):
    """Parse one inbox file with the inbox's own reference folder, as the batch does."""
    files, refs = scan_inbox(inbox)
    tables = load_reference(refs, {r.sha256: r.path for r in refs})
    item = next(f for f in files if f.rel_path == rel)
    return parse_file(item, item.path, tables, tables.lookup())


def registry(inbox: Path) -> None:
    L.write_school_registry_csv(inbox / "reference" / "schools.csv", [
        {"login": "sch100001", "name": "Школа 1", "municipality": "М1", "oge_code": "1001",
         "ege_code": "2001"}])


def scores(parsed):
    return [(r["pupil_code"], r["primary_score"]) for r in parsed.rows]


# ---- VPR export, both header layouts (INPUTS.md §2) -------------------------------------

def test_cyrillic_header_below_title_rows_with_stray_spaces(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{NAME}"
    L.write_vpr_export(tmp_path / rel, [pupil("sch100001", "40001", [1, "X ", 2]),
                                        pupil("sch100001", "40002", [0, 0, 1])],
                       n_criteria=3, title_rows=["ВПР 2024", "Школа 1", []], header_spaces=True)
    parsed = parse(tmp_path, rel)
    # header in spreadsheet row 4; pupils in rows 5 and 6; «X » is not done = 0 points
    assert parsed.status == "parsed" and [r["row_number"] for r in parsed.rows] == [5, 6]
    assert scores(parsed) == [("40001", 3), ("40002", 1)]
    assert (5, 2, "2", None, 0, True) in parsed.criteria


def test_latin_2020_layout_with_numbers_stored_as_text(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{NAME}"
    L.write_vpr_export(tmp_path / rel, [pupil("sch100001", "040001", [3, 4], journal=5)],
                       n_criteria=2, layout="latin", numbers_as_text=True)
    parsed = parse(tmp_path, rel)
    row = parsed.rows[0]
    # the code keeps its leading zero; «3», «4» as text are numbers; otc «5» is the journal mark
    assert (row["pupil_code"], row["primary_score"], row["journal_mark"], row["school_login"]) == (
        "040001", 7, 5, "sch100001")


def test_merged_title_cells_and_a_header_after_them(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{NAME}"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Результаты")
    ws.merge_range(0, 0, 1, 5, "Всероссийские проверочные работы — 2024")
    for c, h in enumerate(["логин школы", "код обучающегося", "вариант", "балл за 1", "балл за 2"]):
        ws.write_string(2, c, h)
    ws.write_row(3, 0, ["sch100001", "40001", "2", 1, 1])
    wb.close()
    parsed = parse(tmp_path, rel)
    assert parsed.sheet == "Результаты" and scores(parsed) == [("40001", 2)]


def test_per_school_file_without_login_column_takes_the_folder(tmp_path):
    rel = f"2023-2024/vpr-spring/edu100001/{NAME}"
    L.write_vpr_export(tmp_path / rel, [pupil("x", "40001", [1])], n_criteria=1, include_login=False)
    assert parse(tmp_path, rel).rows[0]["school_login"] == "sch100001"   # edu = sch, same number


def test_no_login_column_and_no_school_folder_is_rejected(tmp_path):
    rel = f"2023-2024/vpr-spring/{NAME}"
    L.write_vpr_export(tmp_path / rel, [pupil("x", "40001", [1])], n_criteria=1, include_login=False)
    parsed = parse(tmp_path, rel)
    assert parsed.reject_code == "no_school" and "логином школы" in parsed.message


def test_missing_required_columns_names_them(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{NAME}"
    L.write_xlsx(tmp_path / rel, [("Лист1", [["логин школы", "код обучающегося", "всего баллов"],
                                             ["sch100001", "40001", 5]])])
    parsed = parse(tmp_path, rel)
    assert parsed.reject_code == "missing_columns"
    assert "«вариант»" in parsed.message and "балл за 1" in parsed.message


def test_name_columns_are_dropped_and_named(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{NAME}"
    L.write_xlsx(tmp_path / rel, [("Лист1", [
        ["логин школы", "ФИО обучающегося", "код обучающегося", "вариант", "балл за 1", "Фамилия"],
        ["sch100001", "Иванов Иван", "40001", "1", 1, "Иванов"]])])
    parsed = parse(tmp_path, rel)
    assert parsed.dropped_name_columns == ["ФИО обучающегося", "Фамилия"]
    assert "Иванов" not in repr(parsed.rows) + repr(parsed.criteria)


# ---- the upload form «Протокол» (INPUTS.md §3) -------------------------------------------

def test_upload_form_maxima_in_headers_are_data(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100002/{NAME}"
    headers = [L.criterion_header(lbl, mx) for lbl, mx in (("1", 1), ("11.1", 1), ("1К1", 4), ("4(1)", 3))]
    L.write_upload_form(tmp_path / rel, [pupil("", "41001", [1, 0, 4, 3]), pupil("", "41002", [1, 1, 5, "Х"])],
                        criteria_headers=headers, region_code=22, region="Алтайский край",
                        municipality=L.fis_oko_ref("reg22_m001", "Алейский муниципальный район"),
                        school=L.fis_oko_ref("edu100002", 'МБОУ "Вавилонская СОШ"'),
                        school_login_edu="edu100002", classes=[("а", "Моро")])
    parsed = parse(tmp_path, rel)
    assert parsed.sheet == "Протокол"                    # not the second sheet «Классы»
    first, second = parsed.rows
    assert (first["school_login"], first["primary_score"], first["criterion_excess"]) == ("sch100002", 8, 0)
    # «1К1 (4б)» holds 5: one point above its maximum, reported with the header and the value
    assert (second["criterion_excess"], second["excess_column"], second["excess_value"]) == (1, "1К1 (4б)", "5")
    labels = {(c[1], c[2], c[3]) for c in parsed.criteria if c[0] == 2}
    assert labels == {(1, "1", 1), (2, "11.1", 1), (3, "1К1", 4), (4, "4(1)", 3)}


# ---- regional diagnostics (INPUTS.md §4) -------------------------------------------------

def test_diagnostics_in_the_vpr_layout_take_the_window_procedure(tmp_path):
    rel = f"2023-2024/dkr-autumn/sch100001/{L.fis_oko_file_name(MATHS, 7, 2023)}".replace("ВПР", "ДКР")
    L.write_vpr_export(tmp_path / rel, [pupil("sch100001", "70001", [2, 3])], n_criteria=2)
    parsed = parse(tmp_path, rel)
    assert (parsed.procedure, parsed.grade, parsed.year, parsed.subject) == ("dkr", 7, 2024, MATHS)


# ---- OGE / EGE protocols (INPUTS.md §5) --------------------------------------------------

def test_task_strings_decode_into_per_task_points():
    assert decode_short("++-0 ") == [(1, 1, False), (1, 1, False), (0, 1, False), (0, 1, True)]
    assert decode_long("2(2)1(3)0(2)") == [(2, 2, False), (1, 3, False), (0, 2, False)]
    assert decode_short("++a") is None and decode_long("2(2)x") is None
    assert decode_long("") == []


@pytest.mark.parametrize("fmt,encoding", [("xlsx", "utf-8"), ("csv", "utf-8"), ("csv", "cp1251")])
def test_exam_protocol_in_every_format(tmp_path, fmt, encoding):
    registry(tmp_path)
    rel = f"2023-2024/ege/Протокол ЕГЭ 2024.{fmt}"
    L.write_exam_protocol(tmp_path / rel, [
        L.ExamRow("2001", "900001", "Русский язык", 30, test_score=72, annual_mark=5,
                  short_answers="+-0+", long_answers="2(3)1(1)"),
        L.ExamRow("2001", "900002", "Математика профильная", 11, test_score=64, annual_mark=4,
                  short_answers="++", long_answers="0(2)"),
    ], fmt=fmt, encoding=encoding)
    parsed = parse(tmp_path, rel)
    assert parsed.dropped_name_columns == ["ФИО"] and parsed.subject is None   # several subjects
    first, second = parsed.rows
    assert (first["school_login"], first["subject"], first["primary_score"], first["test_score"]) == (
        "sch100001", "русский язык", 30, 72)
    assert second["subject"] == "математика профильная"
    # row 2: +,-,0,+ then 2 of 3 and 1 of 1 → six tasks, the third not done
    assert [c[1:] for c in parsed.criteria if c[0] == 2] == [
        (1, "1", 1, 1, False), (2, "2", 1, 0, False), (3, "3", 1, 0, True), (4, "4", 1, 1, False),
        (5, "5", 3, 2, False), (6, "6", 1, 1, False)]


def test_exam_marks_impossible_or_junk(tmp_path):
    registry(tmp_path)
    rel = "2023-2024/oge/Протокол ОГЭ 2024.csv"
    L.write_exam_protocol(tmp_path / rel, [
        L.ExamRow("1001", "1", "математика", 8, mark=7, annual_mark="нет"),
        L.ExamRow("1001", "2", "математика", 8, mark="три", annual_mark=4),
        L.ExamRow("1001", "3", "математика", 8, mark=" 3 ", annual_mark="4\u00a0"),
    ], fmt="csv", encoding="cp1251")
    parsed = parse(tmp_path, rel)
    # 7 and «три» are impossible marks (set aside later by the suite); « 3 » is cleaned;
    # annual «нет» is no mark with a warning, «4\xa0» is a 4
    assert [(r["mark"], r["annual_mark"]) for r in parsed.rows] == [(7, None), (-1, 4), (3, 4)]
    assert [w["rule"] for w in parsed.warnings] == ["journal_mark_unclear"]


# ---- registries and reference tables (INPUTS.md §6–§7) -----------------------------------

SCHOOLS = [
    L.SchoolRecord("sch224052", 'МБОУ "Воеводская СОШ "', "Целинный муниципальный район", kind="СОШ",
                   settlement="село", oge_code="22001", ege_code="22501", pupils=140,
                   municipality_code="reg22_m056"),
    L.SchoolRecord("sch220206", "МБОУ «Гимназия 1»", "г. Бийск", kind="гимназия", settlement="город",
                   oge_code="22002", pupils=900, municipality_code="reg22_m003"),
]
EXPECTED_SCHOOLS = [
    {"login": "sch224052", "name": 'МБОУ "Воеводская СОШ "'.strip(), "municipality": "Целинный муниципальный район",
     "oge_code": "22001", "ege_code": "22501", "kind": "СОШ", "settlement": "село", "pupils": 140},
    {"login": "sch220206", "name": "МБОУ «Гимназия 1»", "municipality": "г. Бийск", "oge_code": "22002",
     "ege_code": None, "kind": "гимназия", "settlement": "город", "pupils": 900},
]


def _reference(tmp_path):
    files, refs = scan_inbox(tmp_path)
    return load_reference(refs, {r.sha256: r.path for r in refs})


def public(rows: list[dict]) -> list[dict]:
    """Without the lineage keys (_file, _row) kept for reporting reference problems."""
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def test_simple_registry_csv(tmp_path):
    L.write_school_registry_csv(tmp_path / "reference" / "schools.csv", SCHOOLS)
    assert public(_reference(tmp_path).schools) == EXPECTED_SCHOOLS


def test_fis_oko_context_export_registry(tmp_path):
    # «Сбор контекстных данных об ОО»: edu logins, «reg22_m056 | …» and «edu224052 | …» cells,
    # «7. Код ОГЭ», «14. Где расположена…» answered «В сельской местности»
    L.write_context_registry_xlsx(tmp_path / "reference" / "Сбор контекстных данных об ОО.xlsx", SCHOOLS)
    tables = _reference(tmp_path)
    assert public(tables.schools) == EXPECTED_SCHOOLS and tables.problems == []


def test_unreadable_registry_is_reported_not_fatal(tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "schools.csv").write_text("логин;имя\nsch1;x\n")
    tables = _reference(tmp_path)
    assert tables.schools == [] and "«наименование»" in tables.problems[0]["message"]


def test_scales_tasks_and_regional_figures(tmp_path):
    ref = tmp_path / "reference"
    L.write_scales_csv(ref / "scales.csv", [
        {"year": 2021, "procedure": "VPR", "grade": 4, "subject": "Математика", "max_score": 21,
         "min_3": 6, "min_4": 10, "min_5": 15, "source": "dept"}])
    L.write_tasks_csv(ref / "tasks.csv", [
        {"year": 2024, "procedure": "vpr", "grade": 4, "subject": MATHS, "column_no": 3,
         "task_label": "3.1", "max_points": 2, "level": "повышенный", "section": "Геометрия", "skill": "…"}])
    L.write_csv(ref / "regional.csv", ["год", "процедура", "класс", "предмет", "участников",
                                       "средний балл", "стандартное отклонение", "доля 2", "доля 3",
                                       "доля 4", "доля 5"],
                [[2024, "vpr", 4, "Математика", "25 031", "11,42", "3,9", "8,1", "35,2", "40", "16,7"]],
                delimiter=";", encoding="cp1251")
    tables = _reference(tmp_path)
    scale = next(s for s in tables.scales if (s["year"], s["grade"], s["subject"]) == (2021, 4, MATHS))
    assert (scale["max_score"], scale["origin"]) == (21, "department")   # the department wins over defaults
    assert [(t["column_no"], t["task_label"], t["max_points"], t["level"]) for t in tables.tasks] == [
        (3, "3.1", 2, "повышенный")]
    assert tables.lookup().task_max[(next(iter(tables.lookup().task_max))[0], 3)] == 2
    [figures] = public(tables.regional_figures)
    assert figures == {"year": 2024, "procedure": "vpr", "grade": 4, "subject": MATHS,
                       "participants": 25031, "mean_score": 11.42, "sd_score": 3.9, "pct_2": 8.1,
                       "pct_3": 35.2, "pct_4": 40.0, "pct_5": 16.7, "origin": "department"}


# ---- several sheets, hidden sheets, formulas (hostile-ish but legal) ----------------------

def test_hidden_sheet_is_not_picked_and_formulas_give_their_values(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{NAME}"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    header = ["логин школы", "код обучающегося", "вариант", "балл за 1", "балл за 2", "всего баллов"]
    hidden = wb.add_worksheet("черновик")
    hidden.write_row(0, 0, header)
    hidden.write_row(1, 0, ["sch100001", "49999", "1", 9, 9, 18])
    hidden.hide()
    notes = wb.add_worksheet("Пояснения")
    notes.write_string(0, 0, "Результаты на следующем листе")
    data = wb.add_worksheet("Результаты")
    data.write_row(0, 0, header)
    data.write_row(1, 0, ["sch100001", "40001", "1", 2, 1])
    data.write_formula(1, 5, "=D2+E2", None, 3)          # a formula with its cached value
    data.activate()
    wb.close()
    assert [s.hidden for s in read_table_file(path)] == [True, False, False]
    parsed = parse(tmp_path, rel)
    assert parsed.sheet == "Результаты"
    assert (parsed.rows[0]["primary_score"], parsed.rows[0]["file_total"]) == (3, 3)
    assert parsed.warnings == []                         # the cached total agrees with the criteria
