"""The demo generator: real layouts, byte-determinism, and planted cases that are really there.

The planted cases are checked on the files, not on the generator's memory: a small reader
below parses every accepted VPR file the way INPUTS.md describes (title rows, stray header
spaces, numbers as text, markers, both header layouts, the upload form, manifests, folder
logins, the newer of two versions), and the statistics are computed here from scratch.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from msoko.demo import layouts as L
from msoko.demo.municipality import write_demo_inbox

FIS_NAME = re.compile(r"^Проведение работы по (.+), (\d+) класс\. ВПР (\d{4})\.xlsx$")
NOMINATIVE = {dative: nominative for nominative, dative in L.SUBJECT_DATIVE.items()}
REASONS = {"not_spreadsheet", "unknown_school", "missing_columns", "empty_file", "no_metadata"}


# --------------------------------------------------------------------------------------------
# Fixtures: the demo written three times (A, A again over a user's file, B)
# --------------------------------------------------------------------------------------------


def _digest(root: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), int(p.stat().st_mtime))
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    inbox_a, inbox_b = base / "a" / "inbox", base / "b" / "inbox"
    truth_a = write_demo_inbox(inbox_a, seed=2025)
    first = _digest(inbox_a)
    first_truth = truth_a.read_bytes()
    user_file = inbox_a / "2020-2021" / "vpr-spring" / "заметки.txt"
    user_file.write_text("файл пользователя", encoding="utf-8")
    write_demo_inbox(inbox_a, seed=2025)  # again, over the user's file
    truth_b = write_demo_inbox(inbox_b, seed=2025)
    return dict(inbox=inbox_a, truth_path=truth_a, truth=json.loads(truth_a.read_text(encoding="utf-8")),
                first=first, first_truth=first_truth, user_file=user_file, inbox_b=inbox_b, truth_b=truth_b)


@pytest.fixture(scope="module")
def vpr(demo):
    """Every accepted VPR row of the inbox: (academic_year, grade, subject) -> [pupil dicts]."""
    return read_vpr_inbox(demo["inbox"], demo["truth"])


# --------------------------------------------------------------------------------------------
# Determinism and idempotence
# --------------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_in_two_folders(demo):
    a = {k: v for k, v in _digest(demo["inbox"]).items() if k != "2020-2021/vpr-spring/заметки.txt"}
    b = _digest(demo["inbox_b"])
    assert a.keys() == b.keys()
    assert a == b  # sha256 and modification time of every file
    assert demo["truth_path"].read_bytes() == demo["truth_b"].read_bytes()
    assert demo["truth_path"] == demo["inbox"].parent / "inbox_truth.json"


def test_rerun_is_idempotent_and_keeps_the_users_files(demo):
    again = _digest(demo["inbox"])
    assert demo["user_file"].read_text(encoding="utf-8") == "файл пользователя"
    again.pop("2020-2021/vpr-spring/заметки.txt")
    assert again == demo["first"]
    assert demo["truth_path"].read_bytes() == demo["first_truth"]


def test_demo_is_small(demo):
    total = sum(p.stat().st_size for p in demo["inbox"].rglob("*") if p.is_file())
    assert total < 8_000_000


def test_writers_are_byte_deterministic(tmp_path):
    rows = [_pupil(40001, [1, "X", 2])]
    for name in ("one.xlsx", "two.xlsx"):
        L.write_vpr_export(tmp_path / name, rows, n_criteria=3, title_rows=["Заголовок"])
        L.write_exam_protocol(tmp_path / f"{name}.csv", [_exam()], fmt="csv", encoding="cp1251")
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()
    assert (tmp_path / "one.xlsx.csv").read_bytes() == (tmp_path / "two.xlsx.csv").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2020-09-01T09:00:00Z" in z.read("docProps/core.xml")


# --------------------------------------------------------------------------------------------
# Layout writers round-trip through openpyxl with the exact headers of INPUTS.md
# --------------------------------------------------------------------------------------------

CYRILLIC = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
            "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов"]
LATIN = ["user", "groups", "id", "code", "otc", "gender", "klass", "var-1", "sum"]


def _pupil(code, criteria, **kw):
    base = dict(login="sch708001", region="Томская область", code=code, journal_mark="4\u00a0", gender="м",
                class_letter="а", variant=1, total=sum(c for c in criteria if isinstance(c, int)), criteria=criteria)
    return {**base, **kw}


def _exam(**kw):
    base = dict(school_code="908001", participant_code="21090001", subject="русский язык", primary=25, mark=4,
                annual_mark=4, short_answers="++-+-0+", long_answers="2(2)1(3)0(2)")
    return {**base, **kw}


def _sheet_rows(path, sheet=None):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_vpr_export_cyrillic_layout(tmp_path):
    rows = [_pupil(40001, [1, "X ", 3]), _pupil(40002, [None] * 3, variant="отсутствовал", total=None, journal_mark="ж")]
    path = L.write_vpr_export(tmp_path / "c.xlsx", rows, n_criteria=3, title_rows=["ВПР 2021", ("Школа", "МБОУ")])
    got = _sheet_rows(path)
    assert got[0][0] == "ВПР 2021" and got[1][:2] == ["Школа", "МБОУ"]
    assert got[2] == CYRILLIC + ["балл за 1", "балл за 2", "балл за 3"]
    assert got[3] == ["sch708001", "Томская область", 1, 40001, "4\u00a0", "м", "а", 1, 4, 1, "X ", 3]
    assert got[4][7] == "отсутствовал" and got[4][9:] == [None, None, None] and got[4][4] == "ж"


def test_vpr_export_options(tmp_path):
    rows = [_pupil(40001, [1, 0], textbook="Моро М.И.")]
    path = L.write_vpr_export(tmp_path / "o.xlsx", rows, n_criteria=2, include_login=False, with_textbook=True,
                              numbers_as_text=True, header_spaces=True)
    header, body = _sheet_rows(path)
    assert [h.strip() for h in header] == CYRILLIC[1:] + ["балл за 1", "балл за 2", "Учебник"]
    assert any(h != h.strip() for h in header)  # stray spaces really there
    assert body[2] == "40001" and body[8] == "1" and all(isinstance(v, str) for v in body)
    assert body[-1] == "Моро М.И."


def test_vpr_export_latin_layout(tmp_path):
    path = L.write_vpr_export(tmp_path / "l.xlsx", [_pupil(40001, [2, "Х"])], n_criteria=2, layout="latin")
    header, body = _sheet_rows(path)
    assert header == LATIN + ["a-1-grade", "a-2-grade"]
    assert body[0] == "sch708001" and isinstance(body[1], str) and body[3] == 40001 and body[-1] == "Х"


def test_upload_form_layout(tmp_path):
    headers = ["1К1 (4б)", "11.1 (1б)", "4(1) (3б)"]
    path = L.write_upload_form(
        tmp_path / "u.xlsx", [_pupil(40001, [4, "не пройд.", 2])], criteria_headers=headers, region_code=70,
        region="Томская область", municipality="reg70_m008 | Зырянский район",
        school="edu708001 | МБОУ «Зырянская СОШ»", school_login_edu="edu708001", classes=[("а", "Школа России")])
    assert openpyxl.load_workbook(path).sheetnames == ["Протокол", "Классы"]
    header, body = _sheet_rows(path, "Протокол")
    assert header == ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "Код",
                      "Вариант", *headers, "Наименование класса", "Пол",
                      "Отметка за предыдущий триместр/ четверть/полугодие", "Итого баллов"]
    assert body[:5] == ["edu708001", 70, "Томская область", "reg70_m008 | Зырянский район", "edu708001 | МБОУ «Зырянская СОШ»"]
    assert body[6:11] == [40001, 1, 4, "не пройд.", 2]
    assert _sheet_rows(path, "Классы")[1] == ["а", "Школа России"]


def test_exam_protocol_layouts(tmp_path):
    ege = [_exam(test_score=68, mark=None), _exam(subject="математика базовая", primary=15, mark=4)]
    header, first, second = _sheet_rows(L.write_exam_protocol(tmp_path / "e.xlsx", ege))
    assert header == ["код ОО", "код участника", "ФИО", "предмет", "первичный балл", "тестовый балл", "отметка",
                      "годовая отметка", "задания с кратким ответом", "задания с развернутым ответом"]
    assert len(first[2].split()) == 3 and re.fullmatch(r"[А-ЯЁа-яё ]+", first[2])
    assert first[2] == second[2]  # the same participant code, the same made-up name
    assert first[5] == 68 and second[5] is None and second[6] == 4

    path = L.write_exam_protocol(tmp_path / "o.csv", [_exam()], fmt="csv", encoding="cp1251", with_names=False)
    text = path.read_bytes().decode("cp1251")
    assert "\r\n" in text
    lines = list(csv.reader(text.splitlines(), delimiter=";"))
    assert lines[0] == ["код ОО", "код участника", "предмет", "первичный балл", "отметка", "годовая отметка",
                        "задания с кратким ответом", "задания с развернутым ответом"]
    assert lines[1] == ["908001", "21090001", "русский язык", "25", "4", "4", "++-+-0+", "2(2)1(3)0(2)"]


def test_registry_layouts(tmp_path):
    school = L.SchoolRecord("sch708001", "МБОУ «Зырянская СОШ»", "Зырянский район", "СОШ", "село", "908001",
                            "108001", 315, "reg70_m008")
    with L.write_school_registry_csv(tmp_path / "s.csv", [school]).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["логин", "наименование", "муниципалитет", "код ОГЭ", "код ЕГЭ", "вид ОО",
                       "тип населённого пункта", "численность обучающихся"]
    assert rows[1] == ["sch708001", "МБОУ «Зырянская СОШ»", "Зырянский район", "908001", "108001", "СОШ", "село", "315"]

    as_dict = dict(login="sch708002", name="МОУ «Михайловская СОШ»", municipality="Зырянский район", oge_code="908002")
    with L.write_school_registry_csv(tmp_path / "d.csv", [as_dict]).open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f))[1][:4] == ["sch708002", "МОУ «Михайловская СОШ»", "Зырянский район", "908002"]

    header, row = _sheet_rows(L.write_context_registry_xlsx(tmp_path / "c.xlsx", [school]))
    assert header[:5] == ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа"]
    assert "7. Код ОГЭ" in header and "8. Код ЕГЭ" in header
    assert "14. Где расположена образовательная организация?" in header
    assert any(h.startswith("15. Каков размер населенного пункта") for h in header)
    cells = dict(zip(header, row))
    assert cells["Пользователь"] == "edu708001" and cells["Муниципалитет"] == "reg70_m008 | Зырянский район"
    assert cells["Школа"] == "edu708001 | МБОУ «Зырянская СОШ»" and cells["7. Код ОГЭ"] == "908001"


def test_reference_csv_layouts(tmp_path):
    def header(path):
        return path.read_text(encoding="utf-8").splitlines()[0]

    shared = (Path(__file__).resolve().parents[1] / ".." / "shared" / "domain" / "scales.csv").resolve()
    scales = header(L.write_scales_csv(tmp_path / "scales.csv", []))
    assert scales == "year,procedure,grade,subject,max_score,min_3,min_4,min_5,source"
    if shared.exists():
        assert scales == header(shared)
    assert header(L.write_tasks_csv(tmp_path / "t.csv", [])) == \
        "year,procedure,grade,subject,column_no,task_label,max_points,level,section,skill"
    assert header(L.write_manifest_csv(tmp_path / "m.csv", [])) == "file,procedure,subject,grade,year"


def test_fis_oko_file_names():
    assert L.fis_oko_file_name("русский язык", 4, 2021) == "Проведение работы по русскому языку, 4 класс. ВПР 2021.xlsx"
    assert L.fis_oko_file_name("окружающий мир", 4, 2023) == "Проведение работы по окружающему миру, 4 класс. ВПР 2023.xlsx"
    assert L.fis_oko_file_name("немецкий язык", 7, 2022).startswith("Проведение работы по немецкому языку, 7 класс")
    with pytest.raises(ValueError):
        L.fis_oko_file_name("астрономия", 11, 2021)


# --------------------------------------------------------------------------------------------
# A small, independent reader of the demo's VPR files
# --------------------------------------------------------------------------------------------


def _metadata(path: Path) -> tuple[str, int, int] | None:
    """(subject, grade, year) from the FIS OKO name, else from manifest.csv beside the file."""
    m = FIS_NAME.match(path.name)
    if m:
        return NOMINATIVE[m.group(1)], int(m.group(2)), int(m.group(3))
    manifest = path.parent / "manifest.csv"
    if manifest.exists():
        with manifest.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["file"] == path.name:
                    return row["subject"], int(row["grade"]), int(row["year"])
    return None


def _int(value) -> int | None:
    text = str(value).replace("\u00a0", " ").strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _read_vpr_file(path: Path) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    if "Протокол" in wb.sheetnames:  # the upload form
        rows = list(wb["Протокол"].iter_rows(values_only=True))
        header = [str(h).strip() for h in rows[0]]
        lo, hi = header.index("Вариант") + 1, header.index("Наименование класса")
        col = {"login": "Пользователь", "code": "Код", "variant": "Вариант",
               "journal": "Отметка за предыдущий триместр/ четверть/полугодие"}
    else:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        h = next(i for i, r in enumerate(rows) if any(str(c).strip() in ("код обучающегося", "code") for c in r if c))
        header = [str(c).strip() if c is not None else "" for c in rows[h]]
        rows = rows[h:]
        crit = [i for i, name in enumerate(header) if name.startswith("балл за ") or re.fullmatch(r"a-\d+-grade", name)]
        lo, hi = crit[0], crit[-1] + 1
        latin = "code" in header
        col = {"login": "user" if latin else "логин школы", "code": "code" if latin else "код обучающегося",
               "variant": "var-1" if latin else "вариант",
               "journal": "otc" if latin else "отметка за предыдущую четверть/триместр"}
    idx = {k: header.index(v) if v in header else None for k, v in col.items()}
    out = []
    for r in rows[1:]:
        if str(r[idx["variant"]]).strip() == "отсутствовал":
            continue
        login = r[idx["login"]] if idx["login"] is not None else path.parent.name
        journal = _int(r[idx["journal"]])
        out.append(dict(login="sch" + str(login)[3:], code=_int(r[idx["code"]]),
                        score=sum(_int(c) or 0 for c in r[lo:hi]),
                        journal=journal if journal in (2, 3, 4, 5) else None))
    return out


def read_vpr_inbox(inbox: Path, truth: dict) -> dict[tuple[str, int, str], list[dict]]:
    broken = {b["path"] for b in truth["broken_files"]}
    max_score = {}
    with (inbox / "reference" / "scales.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            max_score[(int(row["year"]), row["procedure"], int(row["grade"]), row["subject"])] = int(row["max_score"])
    newest: dict[tuple, tuple[float, list[dict]]] = {}  # the newer version wins (by mtime)
    for path in sorted(inbox.glob("*/vpr-spring/**/*.xlsx")):
        rel = path.relative_to(inbox).as_posix()
        meta = _metadata(path)
        if rel in broken or meta is None:
            continue
        subject, grade, year = meta
        academic_year = rel.split("/")[0]
        for row in _read_vpr_file(path):
            if row["score"] > max_score[(year, "vpr", grade, subject)]:
                continue  # set aside
            key = (academic_year, grade, subject, row["login"])
            mtime = path.stat().st_mtime
            if key not in newest or newest[key][0] < mtime:
                newest[key] = (mtime, [])
            if newest[key][0] == mtime:
                newest[key][1].append(row)
    out = defaultdict(list)
    for (academic_year, grade, subject, _), (_, rows) in sorted(newest.items()):
        out[(academic_year, grade, subject)].extend(rows)
    return out


def _registry(inbox: Path) -> dict[str, dict]:
    with (inbox / "reference" / "schools.csv").open(encoding="utf-8", newline="") as f:
        return {row["логин"]: row for row in csv.DictReader(f)}


def _ci(scores) -> tuple[float, float]:
    x = np.asarray(scores, dtype=float)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean() - half, x.mean() + half


def _spearman(a, b) -> float:
    return float(pd.Series(a).rank().corr(pd.Series(b).rank()))


def _by_school(rows):
    groups = defaultdict(list)
    for r in rows:
        groups[r["login"]].append(r)
    return groups


# --------------------------------------------------------------------------------------------
# The truth file lists the plants, and the plants are in the files
# --------------------------------------------------------------------------------------------


def test_truth_lists_the_plants(demo):
    t = demo["truth"]
    assert t["seed"] == 2025 and t["municipality"] == "Зырянский район"
    assert t["academic_years"] == ["2020-2021", "2021-2022", "2022-2023"]
    names = {s["name"] for s in t["schools"] if s["municipality"] == "Зырянский район"}
    assert len(names) == 12 and {"МОУ «Михайловская СОШ»", "МБОУ «Зырянская СОШ»", "МБОУ «Семёновская ООШ»",
                                 "МБОУ «Причулымская ООШ»"} <= names
    assert len(t["schools"]) == 30 and len({s["municipality"] for s in t["schools"]}) == 3
    codes = [s["oge_code"] for s in t["schools"]] + [s["ege_code"] for s in t["schools"] if s["ege_code"]]
    assert len(codes) == len(set(codes)) and all(re.fullmatch(r"\d{6}", c) for c in codes)

    inflated = {s["login"]: s for s in t["inflated_schools"]}
    kinds = {s["login"]: s["kind"] for s in t["schools"]}
    assert len(inflated) == 2 and "sch708002" in inflated and all(kinds[k] != "гимназия" for k in inflated)
    for s in inflated.values():
        assert s["checks"] == ["O1", "O2", "O4"] and s["years"] == t["academic_years"]
        assert {(p["grade"], p["subject"]) for p in s["papers"]} == {
            (4, "русский язык"), (4, "математика"), (5, "русский язык"), (5, "математика")}
    assert set(t["clean_schools"]).isdisjoint(inflated) and len(t["clean_schools"]) == 28

    planted = [e for e in t["low_results_schools"] if e["planted"]]
    assert len(planted) == 1 and planted[0]["academic_year"] == "2021-2022"
    shares = {(p["grade"], p["subject"]): p for p in planted[0]["papers"] if p["procedure"] == "vpr"}
    for paper in ((4, "математика"), (5, "русский язык")):
        assert shares[paper]["share"] >= 0.3 and shares[paper]["participants"] >= 10
    assert {e["login"] for e in t["low_results_schools"]} == {planted[0]["login"]}  # nobody else

    assert {b["reason"] for b in t["broken_files"]} == REASONS
    assert all(b["path"].startswith("2022-2023/vpr-spring/") for b in t["broken_files"])
    assert len(t["set_aside_rows"]) == 1 and t["set_aside_rows"][0]["reason"] == "above_max"
    assert any(w["file_total"] > 38 for w in t["warning_rows"])  # a total above the maximum: only a warning
    assert t["resubmission"]["first"] != t["resubmission"]["second"]
    assert any(s["participants"] < 5 for s in t["small_schools"] if s["grade"] == 4)
    for kind in ("not_done:X", "not_done:x", "not_done:Х", "not_done:х", "not_done:H", "not_done:не пройд.",
                 "not_done:X ", "journal:нет отметки", "journal:empty", "journal:ж", "journal:1",
                 "journal:nbsp", "gender:д", "gender:М", "class:А", "class:нет", "class:НЕТ", "variant:0",
                 "absent", "title_rows", "header_spaces", "numbers_as_text"):
        assert t["dirt"][kind]["count"] >= 1, kind
    assert t["manifest_files"] and t["no_login_files"] and t["upload_form_files"] and t["latin_files"]


def test_dirt_examples_are_where_the_truth_says(demo):
    inbox, t = demo["inbox"], demo["truth"]
    cache = {}
    for kind, entry in t["dirt"].items():
        for ex in entry["examples"]:
            if "row" not in ex:
                continue
            if ex["path"] not in cache:
                cache[ex["path"]] = _sheet_rows(inbox / ex["path"], "Протокол" if ex["path"] in t["upload_form_files"] else None)
            rows = cache[ex["path"]]
            header_row = next(i for i, r in enumerate(rows) if any(str(c).strip() == ex["column"] for c in r if c))
            col = [str(c).strip() if c is not None else None for c in rows[header_row]].index(ex["column"])
            value = rows[ex["row"] - 1][col]
            assert str(value if value is not None else "") == str(ex["value"]), (kind, ex)  # numbers may be text


def test_broken_files_are_really_broken(demo):
    inbox, t = demo["inbox"], demo["truth"]
    registry = _registry(inbox)
    for b in t["broken_files"]:
        path = inbox / b["path"]
        assert path.exists(), b
        if b["reason"] == "empty_file":
            assert path.stat().st_size == 0 and path.suffix == ".xlsx"
        elif b["reason"] == "not_spreadsheet":
            assert FIS_NAME.match(path.name) and not zipfile.is_zipfile(path)
        elif b["reason"] == "missing_columns":
            header = [str(h).strip() for h in _sheet_rows(path)[0]]
            assert "вариант" not in header and not any(h.startswith("балл за") for h in header)
        elif b["reason"] == "unknown_school":
            logins = {r[0] for r in _sheet_rows(path)[1:]}
            assert logins and logins.isdisjoint(registry) and path.parent.name not in registry
        elif b["reason"] == "no_metadata":
            assert not FIS_NAME.match(path.name) and not (path.parent / "manifest.csv").exists()


def test_set_aside_row_is_above_the_maximum(demo):
    inbox, row = demo["inbox"], demo["truth"]["set_aside_rows"][0]
    rows = _sheet_rows(inbox / row["path"])
    header = next(r for r in rows if "всего баллов" in r)
    line = rows[row["row"] - 1]
    assert line[header.index(row["column"])] == row["value"] > row["criterion_max"]
    criteria = [c for name, c in zip(header, line) if str(name).startswith("балл за")]
    assert sum(criteria) == row["primary_score"] > row["max_score"] == 38


def test_resubmission_is_a_newer_corrected_version(demo):
    inbox, r = demo["inbox"], demo["truth"]["resubmission"]
    first, second = inbox / r["first"], inbox / r["second"]
    assert first.name == second.name and FIS_NAME.match(first.name)
    assert second.stat().st_mtime > first.stat().st_mtime
    a, b = _read_vpr_file(first), _read_vpr_file(second)
    assert [x["code"] for x in a] == [x["code"] for x in b] and {x["login"] for x in a} == {r["school_login"]}
    changed = {x["code"] for x, y in zip(a, b) if x["score"] != y["score"]}
    assert changed == {c["code"] for c in r["changed_cells"]}


def test_expected_counts_match_the_files(demo, vpr):
    registry = _registry(demo["inbox"])
    for e in (e for e in demo["truth"]["expected_counts"] if e["procedure"] == "vpr"):
        rows = vpr[(e["academic_year"], e["grade"], e["subject"])]
        assert all(r["login"] in registry for r in rows)
        demo_rows = [r for r in rows if registry[r["login"]]["муниципалитет"] == "Зырянский район"]
        assert (len(demo_rows), len(rows)) == (e["municipality_participants"], e["region_participants"]), e


def test_inflated_schools_trip_o1_o2_and_bunch_at_the_boundary(demo, vpr):
    t = demo["truth"]
    min_3 = {(4, "русский язык"): 14, (4, "математика"): 6, (5, "русский язык"): 18, (5, "математика"): 7}
    o1_vpr4_russian = defaultdict(int)
    for year in t["academic_years"]:
        for (grade, subject), b in min_3.items():
            rows = vpr[(year, grade, subject)]
            _, region_upper = _ci([r["score"] for r in rows])
            schools = _by_school(rows)
            for s in t["inflated_schools"]:
                mine = schools[s["login"]]
                scores = [r["score"] for r in mine]
                lower, _ = _ci(scores)
                assert 25 <= len(mine) <= 50
                if (grade, subject) == (4, "русский язык") and lower > region_upper:
                    o1_vpr4_russian[s["login"]] += 1
                pairs = [(r["journal"], r["score"]) for r in mine if r["journal"] is not None]
                assert _spearman(*zip(*pairs)) < 0, (s["login"], year, subject)
                window = [x for x in scores if b - 2 <= x <= b]
                assert len(window) >= 10 and window.count(b) >= 0.8 * len(window)
    assert set(o1_vpr4_russian) == {s["login"] for s in t["inflated_schools"]}
    assert all(n >= 1 for n in o1_vpr4_russian.values())


def test_clean_schools_stay_clean(demo, vpr):
    t = demo["truth"]
    clean = set(t["clean_schools"])
    checked = 0
    for year in t["academic_years"]:
        for grade, subject in ((4, "русский язык"), (4, "математика"), (5, "русский язык"), (5, "математика")):
            rows = vpr[(year, grade, subject)]
            _, region_upper = _ci([r["score"] for r in rows])
            for login, mine in _by_school(rows).items():
                if login not in clean or len(mine) < 10:
                    continue
                pairs = [(r["journal"], r["score"]) for r in mine if r["journal"] is not None]
                assert _spearman(*zip(*pairs)) > 0, (login, year, grade, subject)
                assert _ci([r["score"] for r in mine])[0] < region_upper, (login, year, grade, subject)
                checked += 1
    assert checked > 200


def test_low_results_school_has_a_third_below_three(demo, vpr):
    planted = next(e for e in demo["truth"]["low_results_schools"] if e["planted"])
    for (grade, subject), b in (((4, "математика"), 6), ((5, "русский язык"), 18)):
        mine = [r for r in vpr[(planted["academic_year"], grade, subject)] if r["login"] == planted["login"]]
        assert len(mine) >= 10
        assert sum(r["score"] < b for r in mine) / len(mine) >= 0.3


def test_exam_protocols(demo):
    inbox, t = demo["inbox"], demo["truth"]
    registry = _registry(inbox)
    oge_codes = {r["код ОГЭ"] for r in registry.values()}
    ege_codes = {r["код ЕГЭ"] for r in registry.values() if r["код ЕГЭ"]}
    expected = {(e["academic_year"], e["procedure"], e["subject"]): e["region_participants"]
                for e in t["expected_counts"] if e["procedure"] != "vpr"}
    seen_formats = set()
    for path in sorted(inbox.glob("*/*/Протокол *")):
        year, procedure = path.relative_to(inbox).parts[:2]
        if path.suffix == ".csv":
            raw = path.read_bytes()
            encoding = "utf-8" if raw.decode("utf-8", errors="ignore").startswith("код ОО") else "cp1251"
            seen_formats.add(encoding)
            table = pd.read_csv(path, sep=";", encoding=encoding, dtype=str)
        else:
            seen_formats.add("xlsx")
            table = pd.read_excel(path, dtype=str)
        assert set(table["код ОО"]) <= (oge_codes if procedure == "oge" else ege_codes)
        assert table["ФИО"].str.split().str.len().eq(3).all()
        assert table.groupby("код участника")["код ОО"].nunique().eq(1).all()  # one pupil, one school
        assert {"русский язык", "математика"} <= set(table["предмет"]) or procedure == "ege"
        for subject, n in table["предмет"].value_counts().items():
            assert expected[(year, procedure, subject)] == n
        if procedure == "ege":
            assert "тестовый балл" in table.columns
        else:
            assert "тестовый балл" not in table.columns
    assert seen_formats == {"cp1251", "utf-8", "xlsx"}


def test_inbox_layout(demo):
    inbox = demo["inbox"]
    assert {p.name for p in (inbox / "reference").iterdir()} == {"schools.csv", "scales.csv", "tasks.csv", "ege_to_mark.csv"}
    for year in ("2020-2021", "2021-2022", "2022-2023"):
        assert {p.name for p in (inbox / year).iterdir()} == {"vpr-spring", "oge", "ege"}
        neighbours = [p for p in (inbox / year / "vpr-spring").iterdir() if p.is_file() and p.suffix == ".xlsx"]
        assert len(neighbours) == 5
    with (inbox / "reference" / "tasks.csv").open(encoding="utf-8", newline="") as f:
        tasks = pd.DataFrame(csv.DictReader(f))
    tasks["max_points"] = tasks["max_points"].astype(int)
    sums = tasks.groupby(["year", "grade", "subject"])["max_points"].sum()
    assert sums[("2021", "4", "русский язык")] == 38 and sums[("2023", "4", "математика")] == 20
    assert sums[("2022", "4", "окружающий мир")] == 32 and sums[("2021", "5", "русский язык")] == 45
    assert set(tasks["level"]) == {"базовый", "повышенный", "высокий"}
    assert os.path.getsize(inbox / "reference" / "schools.csv") > 0
