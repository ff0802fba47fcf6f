"""Keep the original bytes of every file version, by content hash, before anything reads it.

archive/<sha[:2]>/<sha>                  the bytes, exactly as received
archive/received/<time>-<pid>-<…>.jsonl  where and when versions were first seen: one line
                                         per version a run archived (sha256, first_path,
                                         received_at, size, archived_at)
The archive is the one place names of pupils may remain (real protocols carry them); see
README «Персональные данные» for who may read it.

Why a run's index file and not a .json beside each version (as before): at region size a
run archives ≈20,000 versions, and on this machine creating a file is the kernel's slowest
step. Without the sidecars, and copying through the temporary file's own descriptor instead
of opening it again, the region's archive went 16.8 → 11.4 s (three runs each, interleaved).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from ingest.inbox import InboxFile
from ingest.workers import ordered_map, workers_for
from msoko import faults
from msoko.atomic import renamed_into

INDEX_DIR = "received"
COPY_CHUNK = 1 << 20


def archived_path(archive_dir: Path, sha256: str) -> Path:
    return archive_dir / sha256[:2] / sha256


class ChangedSinceScan(OSError):
    """The path no longer holds the regular file the scan found: deleted or renamed since,
    rewritten, or swapped for a link, a folder or a pipe."""


def archive_files(items: Iterable[InboxFile],
                  archive_dir: Path) -> tuple[dict[str, Path], list[InboxFile]]:
    """Copy each file version into the archive unless its bytes are already there (the same
    bytes under two paths are one version: the first item names it, and if its path has
    changed since the scan the next path with those bytes is copied). Returns sha256 → the
    archived path, and the items whose path had changed since the scan (ChangedSinceScan)
    when they were copied; a version none of whose paths still held it is not archived.
    Many new versions are copied on every core (ingest/workers.py), in the same order."""
    by_sha: dict[str, list[InboxFile]] = {}
    for item in items:
        by_sha.setdefault(item.sha256, []).append(item)
    new = [group for sha, group in by_sha.items() if not archived_path(archive_dir, sha).exists()]
    if new:
        # The index first: a run killed while copying leaves index lines for versions the
        # next run copies (and lists again), never archived bytes that no line describes.
        _write_index(archive_dir, [group[0] for group in new])
        for folder in {archived_path(archive_dir, group[0].sha256).parent for group in new}:
            folder.mkdir(parents=True, exist_ok=True)
    # Creating ≈20,000 files is mostly the kernel's work, done per process: on two
    # processes a region's copy took 4.1–4.3 s instead of 6.3–6.5 s (four interleaved runs
    # each, the pool's start included). The pool's fork server then serves the reading.
    copied = ordered_map(_copy_version, archive_dir, new, workers_for(len(new)), chunksize=64)
    not_copied: set[str] = set()
    gone: list[InboxFile] = []
    try:
        for group, (ok, changed) in zip(new, copied):
            gone.extend(changed)
            if not ok:
                not_copied.add(group[0].sha256)
    finally:
        copied.close()      # the workers stop now, not when the generator is collected
    paths = {sha: archived_path(archive_dir, sha) for sha in by_sha if sha not in not_copied}
    return paths, gone


def _copy_version(archive_dir: Path, group: list[InboxFile]) -> tuple[bool, list[InboxFile]]:
    """One version copied from the first of its paths that still holds it: (copied, the
    paths that had changed since the scan). Its folder exists already."""
    target = archived_path(archive_dir, group[0].sha256)
    changed = []
    for item in group:
        try:
            _copy_in(item, target)
            faults.reached("archiving")
            return True, changed
        except ChangedSinceScan:
            changed.append(item)
    return False, changed


def _copy_in(item: InboxFile, target: Path) -> None:
    """The bytes are hashed on the way, so a file rewritten in place since the scan never
    lies in the archive under the scan's hash."""
    with os.fdopen(_open_regular(item.path), "rb") as source, renamed_into(target) as copy:
        digest = hashlib.sha256()
        while chunk := source.read(COPY_CHUNK):
            digest.update(chunk)
            copy.write(chunk)
        if digest.hexdigest() != item.sha256:
            raise ChangedSinceScan(errno.EINVAL, "файл изменён после сканирования", str(item.path))


def _open_regular(path: Path) -> int:
    """Open an inbox file that must still be the regular file the scan found: a path
    swapped for a link meanwhile is not followed (its target could be any file on the
    machine), and a pipe put in its place does not hang the run."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR):
            raise ChangedSinceScan(exc.errno, "файл исчез или заменён ссылкой", str(path)) from exc
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ChangedSinceScan(errno.EINVAL, "на месте файла теперь не обычный файл", str(path))
    return fd


def _write_index(archive_dir: Path, items: Iterable[InboxFile]) -> None:
    folder = archive_dir / INDEX_DIR
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    lines = [json.dumps({"sha256": item.sha256, "first_path": item.rel_path,
                         "received_at": item.received_at.isoformat(), "size": item.size,
                         "archived_at": now.isoformat()}, ensure_ascii=False) + "\n"
             for item in items]
    name = f"{now:%Y%m%dT%H%M%S}-{os.getpid()}-{secrets.token_hex(3)}.jsonl"
    # (surrogateescape: a path that is not valid UTF-8 never stops the run)
    with renamed_into(folder / name, "w", encoding="utf-8", errors="surrogateescape") as out:
        out.writelines(lines)
