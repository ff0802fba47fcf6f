"""What a file is about (INPUTS.md §2, §4): the FIS OKO file name, else manifest.csv, else a
rejection that says how to name the file; subjects in the dative map to INDICATORS.md §D's
nominative codes; the window decides the procedure; years are stored as the spring year."""
from __future__ import annotations

import pytest

from ingest import metadata
from ingest.batch import parse_file
from ingest.inbox import scan_inbox
from ingest.reference import ReferenceTables
from msoko.demo import layouts as L

DATIVES = {
    "русскому языку": "русский язык", "математике": "математика",
    "окружающему миру": "окружающий мир", "истории": "история", "биологии": "биология",
    "географии": "география", "обществознанию": "обществознание", "физике": "физика",
    "химии": "химия", "английскому языку": "английский язык",
    "немецкому языку": "немецкий язык", "французскому языку": "французский язык",
}


@pytest.mark.parametrize("dative,nominative", DATIVES.items())
def test_every_dative_subject_of_inputs_md_maps_to_its_code(dative, nominative):
    meta = metadata.from_file_name(f"Проведение работы по {dative}, 6 класс. ВПР 2024.xlsx")
    assert (meta.procedure, meta.subject, meta.grade, meta.year, meta.source) == (
        "vpr", nominative, 6, 2024, "file_name")


def test_file_name_tolerates_nbsp_double_spaces_and_case():
    meta = metadata.from_file_name("проведение  работы по\u00a0Математике ,4 класс.ВПР2021 (1).xlsx")
    assert (meta.subject, meta.grade, meta.year) == ("математика", 4, 2021)


def test_unknown_subject_or_other_name_gives_nothing():
    assert metadata.from_file_name("Проведение работы по пению, 4 класс. ВПР 2021.xlsx") is None
    assert metadata.from_file_name("Русский язык 4 класс.xlsx") is None


def test_diagnostics_name_takes_the_procedure_of_its_window():
    # «ДКР» in place of «ВПР»: the window dkr-autumn says the procedure (INPUTS.md §4)
    meta = metadata.from_file_name("Проведение работы по математике, 7 класс. ДКР 2024.xlsx")
    assert metadata.for_window(meta, "dkr").procedure == "dkr"
    assert metadata.for_window(meta, "vpr").procedure == "vpr"


@pytest.mark.parametrize("delimiter,encoding", [(",", "utf-8"), (";", "cp1251")])
def test_manifest_in_the_same_folder(tmp_path, delimiter, encoding):
    L.write_csv(tmp_path / "manifest.csv", L.MANIFEST_COLUMNS,
                [["мат 7.xlsx", "DKR", "Математика", 7, 2024],
                 ["рус 7.xlsx", "dkr", "русскому языку", 7, 2024]],
                delimiter=delimiter, encoding=encoding)
    maths = metadata.resolve(tmp_path / "мат 7.xlsx")
    russian = metadata.resolve(tmp_path / "рус 7.xlsx")
    assert (maths.procedure, maths.subject, maths.grade, maths.year, maths.source) == (
        "dkr", "математика", 7, 2024, "manifest")
    assert russian.subject == "русский язык"          # a dative in the manifest is mapped too
    assert metadata.for_window(maths, "vpr").procedure == "dkr"   # the manifest is explicit
    assert metadata.resolve(tmp_path / "другой.xlsx") is None


def _parse_one(inbox, rel):
    files, _ = scan_inbox(inbox)
    item = next(f for f in files if f.rel_path == rel)
    ref = ReferenceTables()
    return parse_file(item, item.path, ref, ref.lookup())


def test_no_name_no_manifest_is_rejected_with_naming_advice(tmp_path):
    rel = "2023-2024/vpr-spring/sch100001/Русский язык 4 класс.xlsx"
    L.write_vpr_export(tmp_path / rel, [L.PupilRow("sch100001", "40001", "1", [1])], n_criteria=1)
    parsed = _parse_one(tmp_path, rel)
    assert parsed.status == "rejected" and parsed.reject_code == "no_metadata"
    assert "Проведение работы по русскому языку, 4 класс. ВПР 2021.xlsx" in parsed.message
    assert "manifest.csv" in parsed.message


def test_year_outside_the_academic_year_folder_is_rejected(tmp_path):
    rel = f"2023-2024/vpr-spring/sch100001/{L.fis_oko_file_name('математика', 4, 2021)}"
    L.write_vpr_export(tmp_path / rel, [L.PupilRow("sch100001", "40001", "1", [1])], n_criteria=1)
    parsed = _parse_one(tmp_path, rel)
    assert parsed.reject_code == "year_mismatch" and "2021" in parsed.message


def test_autumn_file_is_stored_under_the_spring_year(tmp_path):
    # Autumn VPR 2023 is written in 2023-2024; reference tables key it by 2024 (INDICATORS.md §A)
    rel = f"2023-2024/vpr-autumn/sch100001/{L.fis_oko_file_name('математика', 5, 2023)}"
    L.write_vpr_export(tmp_path / rel, [L.PupilRow("sch100001", "50001", "1", [1])], n_criteria=1)
    parsed = _parse_one(tmp_path, rel)
    assert (parsed.status, parsed.procedure, parsed.grade, parsed.year) == ("parsed", "vpr", 5, 2024)


def test_file_outside_year_and_window_is_rejected_with_where_to_put_it(tmp_path):
    L.write_vpr_export(tmp_path / "misc" / "x.xlsx", [L.PupilRow("sch1", "1", "1", [1])], n_criteria=1)
    parsed = _parse_one(tmp_path, "misc/x.xlsx")
    assert parsed.reject_code == "bad_location" and "2024-2025/vpr-spring/" in parsed.message


def test_impossible_grade_in_the_manifest_rejects_the_file(tmp_path):
    folder = tmp_path / "2023-2024" / "dkr-autumn" / "sch100001"
    L.write_vpr_export(folder / "дкр.xlsx", [L.PupilRow("sch100001", "1", "1", [1])], n_criteria=1)
    L.write_manifest_csv(folder / "manifest.csv", [
        {"file": "дкр.xlsx", "procedure": "dkr", "subject": "математика", "grade": 12, "year": 2024}])
    parsed = _parse_one(tmp_path, "2023-2024/dkr-autumn/sch100001/дкр.xlsx")
    assert parsed.reject_code == "impossible_grade" and "Класс 12 невозможен" in parsed.message
