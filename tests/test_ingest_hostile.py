"""Hostile files go through the whole ingest batch (scan → archive → read → validate →
tables) and come out as rejected files with a reason, never as a crash; the good file
beside them still loads. The reader's own guards are tested in tests/test_readers.py."""
from __future__ import annotations

import csv
import time
import zipfile

import pytest

from ingest.batch import archive_inbox, parse_inbox, validate_batch
from ingest.inbox import scan_inbox, walk_files
from ingest.reference import ReferenceTables
from ingest.batch import parse_file
from msoko.demo import layouts as L
from tests.fixtures.ingest.dirty_inbox import pupil
from tests.test_readers import build_cfb

FOLDER = "2023-2024/vpr-spring/sch100001"
NAME = L.fis_oko_file_name("математика", 4, 2024)


def hostile_inbox(inbox):
    L.write_school_registry_csv(inbox / "reference" / "schools.csv",
                                [{"login": "sch100001", "name": "Школа 1", "municipality": "М1"}])
    folder = inbox / FOLDER
    good = L.write_vpr_export(folder / NAME, [pupil("sch100001", "40001", [1, 2])], n_criteria=2)
    sub = folder / "прислано повторно"
    sub.mkdir()
    (sub / NAME).write_bytes(b"")                                               # zero bytes
    (folder / "Проведение работы по русскому языку, 4 класс. ВПР 2024.xlsx").write_bytes(
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)                            # a picture named .xlsx
    (folder / "Проведение работы по окружающему миру, 4 класс. ВПР 2024.xlsx").write_bytes(
        build_cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
                   "EncryptedPackage": b"\x00" * 5000}))                          # password-protected
    whole = good.read_bytes()
    (folder / "Проведение работы по истории, 5 класс. ВПР 2024.xlsx").write_bytes(
        whole[: len(whole) // 2])                                                 # truncated zip
    bomb = folder / "Проведение работы по биологии, 5 класс. ВПР 2024.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(16):    # 16 MB of zeros in ≈16 KB: refused by the ratio guard unread
                member.write(bytes(1 << 20))
    odd = "=cmd|' \\C calc'!A0\nПроведение работы по физике, 7 класс. ВПР 2024.xlsx"
    (folder / odd).write_text("не таблица")
    return inbox


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    inbox = hostile_inbox(root / "inbox")
    validated = validate_batch(parse_inbox(archive_inbox(inbox, root / "archive")))
    return {r["path"][len(FOLDER) + 1:]: r for r in validated.tables["files"].to_pylist()}, validated


def test_every_hostile_file_is_rejected_with_its_reason(verdicts):
    files, _ = verdicts
    codes = {name: (f["parse_status"], f["reject_code"]) for name, f in files.items()}
    assert codes == {
        NAME: ("parsed", None),
        f"прислано повторно/{NAME}": ("rejected", "empty_file"),
        "Проведение работы по русскому языку, 4 класс. ВПР 2024.xlsx": ("rejected", "not_spreadsheet"),
        "Проведение работы по окружающему миру, 4 класс. ВПР 2024.xlsx": ("rejected", "encrypted"),
        "Проведение работы по истории, 5 класс. ВПР 2024.xlsx": ("rejected", "corrupt_zip"),
        "Проведение работы по биологии, 5 класс. ВПР 2024.xlsx": ("rejected", "zip_bomb"),
        "=cmd|' \\C calc'!A0\nПроведение работы по физике, 7 класс. ВПР 2024.xlsx": ("rejected", "not_spreadsheet"),
    }
    assert files[f"прислано повторно/{NAME}"]["message"] == (
        "Файл не прочитан: Файл пуст (0 байт). Пришлите файл повторно.")
    assert "парол" in files["Проведение работы по окружающему миру, 4 класс. ВПР 2024.xlsx"]["message"]
    for name, f in files.items():
        if f["parse_status"] == "rejected":
            assert f["message"].startswith("Файл не прочитан: ") and f["rows_read"] == 0, name


def test_the_good_file_beside_them_loads(verdicts):
    files, validated = verdicts
    assert (files[NAME]["rows_read"], files[NAME]["rows_loaded"]) == (1, 1)
    assert [r["primary_score"] for r in validated.tables["pupil_results"].to_pylist()] == [3]


@pytest.mark.slow
def test_a_200_000_row_file_is_read_and_normalised(tmp_path):
    """200,000 pupils × 15 criteria in one `;`-csv: read, every row normalised, well within
    the cell budget (ReadLimits.max_cells = 5M; this file has 200,001 × 24 = 4.8M cells)."""
    rel = f"{FOLDER}/{NAME}"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    header = [*L.VPR_CYRILLIC_HEADER, *(f"балл за {k}" for k in range(1, 16))]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        for i in range(200_000):
            w.writerow(["sch100001", "М1", i + 1, f"4{i:06d}", 4, "м", "а", 1, 15] + [1] * 15)
    item = next(f for f in scan_inbox(tmp_path)[0])
    ref = ReferenceTables()
    started = time.monotonic()
    parsed = parse_file(item, item.path, ref, ref.lookup())
    elapsed = time.monotonic() - started
    assert parsed.status == "parsed" and parsed.rows_read == 200_000
    assert {r["primary_score"] for r in parsed.rows} == {15} and len(parsed.criteria) == 3_000_000
    assert elapsed < 120, elapsed


def test_the_inbox_walk_never_follows_a_link_out_of_the_inbox(tmp_path):
    """A school folder that is a symlink to /etc, or a «file» that links to a secret, is
    not read: only regular files inside the inbox are, in sorted path order (the order
    of sorted(Path.rglob), which the walk replaced for speed)."""
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.xlsx").write_bytes(b"secret")
    (outside / "deep" / "more.xlsx").write_bytes(b"more")
    inbox = tmp_path / "inbox"
    folder = inbox / FOLDER
    folder.mkdir(parents=True)
    (folder / "b.xlsx").write_bytes(b"b")
    (folder / "a-b.xlsx").write_bytes(b"ab")
    (folder / "a").mkdir()
    (folder / "a" / "z.xlsx").write_bytes(b"z")
    (folder / "link.xlsx").symlink_to(outside / "secret.xlsx")
    (inbox / "2023-2024" / "vpr-spring" / "sch100002").symlink_to(outside, target_is_directory=True)

    walked = [p.relative_to(inbox).as_posix() for p in walk_files(inbox)]

    assert walked == [f"{FOLDER}/a/z.xlsx", f"{FOLDER}/a-b.xlsx", f"{FOLDER}/b.xlsx"]
    assert list(walk_files(inbox / "missing")) == []
    assert list(walk_files(folder / "b.xlsx")) == []
