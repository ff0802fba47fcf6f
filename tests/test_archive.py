"""The archive of original bytes (ingest/archive.py): every version once, byte for byte, with
an index line saying where and when it was first seen. A path that changed after the scan
(deleted, or swapped for a link or a pipe) is never followed: its file leaves the batch,
unless it is a reference file, which stops the run (ingest.batch.archive_batch)."""
from __future__ import annotations

import json
import os

import pytest

from ingest.archive import INDEX_DIR, archive_files, archived_path
from ingest.batch import ReferenceChanged, archive_batch
from ingest import workers
from ingest.inbox import scan_inbox

FOLDER = "2023-2024/vpr-spring"


@pytest.fixture(params=["one process", "two workers"])
def copies_on(request, monkeypatch):
    """A region's archive copies on worker processes (from PARALLEL_FROM new versions): the
    same tests run both ways, the workers' with two of them whatever this machine has."""
    if request.param == "two workers":
        monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
        monkeypatch.setattr(workers, "available_cores", lambda: 2)
    return request.param


def _inbox(root):
    (root / FOLDER / "sch100001").mkdir(parents=True)
    (root / FOLDER / "sch100002").mkdir(parents=True)
    (root / FOLDER / "sch100001" / "a.xlsx").write_bytes(b"first school's bytes")
    (root / FOLDER / "sch100002" / "a.xlsx").write_bytes(b"first school's bytes")  # same bytes
    (root / FOLDER / "sch100002" / "b.csv").write_bytes(b"\xff\xfe second")
    return root


def _index_lines(archive):
    return [json.loads(line) for f in sorted((archive / INDEX_DIR).glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()]


def test_each_version_is_archived_once_with_an_index_line(tmp_path, copies_on):
    inbox = _inbox(tmp_path / "inbox")
    archive = tmp_path / "archive"
    files, _ = scan_inbox(inbox)

    paths, gone = archive_files(files, archive)

    assert gone == []
    assert set(paths) == {f.sha256 for f in files} and len(paths) == 2
    for item in files:
        assert paths[item.sha256] == archived_path(archive, item.sha256)
        assert paths[item.sha256].read_bytes() == item.path.read_bytes()
    lines = _index_lines(archive)
    assert sorted(line["first_path"] for line in lines) == [
        f"{FOLDER}/sch100001/a.xlsx", f"{FOLDER}/sch100002/b.csv"]       # the first copy names it
    first = next(line for line in lines if line["first_path"].endswith("a.xlsx"))
    assert first["size"] == len(b"first school's bytes")
    assert first["received_at"] == files[0].received_at.isoformat()
    # nothing half-written is left, and the next run finds everything archived already
    assert not list(archive.rglob(".incoming-*"))
    assert archive_files(files, archive) == (paths, [])
    assert len(list((archive / INDEX_DIR).glob("*.jsonl"))) == 1


@pytest.mark.parametrize("swap", ["deleted", "rewritten", "link", "pipe"])
def test_a_file_changed_after_the_scan_leaves_the_batch(tmp_path, swap, copies_on):
    inbox = _inbox(tmp_path / "inbox")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not for the archive")
    files, _ = scan_inbox(inbox)
    target = inbox / FOLDER / "sch100002" / "b.csv"
    target.unlink()
    if swap == "rewritten":
        target.write_bytes(b"the school's next upload")   # new bytes under the scan's hash: no
    elif swap == "link":
        target.symlink_to(secret)
    elif swap == "pipe":
        os.mkfifo(target)          # opened for reading without a writer: must not hang

    batch = archive_batch(files, [], tmp_path / "archive")

    swapped = next(f for f in files if f.rel_path.endswith("b.csv"))
    assert [f.rel_path for f in batch.gone] == [swapped.rel_path]
    assert swapped not in batch.files and len(batch.files) == 2
    assert swapped.sha256 not in batch.archived
    assert not archived_path(tmp_path / "archive", swapped.sha256).exists()
    assert not any(p.read_bytes() in (b"not for the archive", b"the school's next upload")
                   for p in (tmp_path / "archive").rglob("*") if p.is_file())
    assert not list((tmp_path / "archive").rglob(".incoming-*"))


def test_bytes_gone_from_one_path_are_archived_from_another(tmp_path, copies_on):
    """The same bytes in two folders: the first path was deleted after the scan, so the
    version is copied from the second, and only the first path leaves the batch."""
    inbox = _inbox(tmp_path / "inbox")
    files, _ = scan_inbox(inbox)
    (inbox / FOLDER / "sch100001" / "a.xlsx").unlink()

    batch = archive_batch(files, [], tmp_path / "archive")

    assert [f.rel_path for f in batch.gone] == [f"{FOLDER}/sch100001/a.xlsx"]
    sha = batch.gone[0].sha256
    assert batch.archived[sha].read_bytes() == b"first school's bytes"
    assert sorted(f.rel_path for f in batch.files) == [f"{FOLDER}/sch100002/a.xlsx",
                                                       f"{FOLDER}/sch100002/b.csv"]


def test_a_reference_file_changed_after_the_scan_stops_the_run(tmp_path, copies_on):
    inbox = _inbox(tmp_path / "inbox")
    (inbox / "reference").mkdir()
    (inbox / "reference" / "schools.csv").write_text("login,name\nsch100001,Школа 1\n",
                                                      encoding="utf-8")
    files, references = scan_inbox(inbox)
    (inbox / "reference" / "schools.csv").unlink()

    with pytest.raises(ReferenceChanged, match="reference/schools.csv"):
        archive_batch(files, references, tmp_path / "archive")
