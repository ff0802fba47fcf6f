"""Find the files in the inbox (INPUTS.md §1) and say where each one sits.

<inbox>/<academic year>/<window>/[<school folder>/]<file>
<inbox>/reference/<file>
A file anywhere else is still returned (and later rejected with a message): nothing that
arrived is silently skipped.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ACADEMIC_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
REFERENCE_DIR = "reference"
MANIFEST_NAME = "manifest.csv"


@dataclass(frozen=True)
class InboxFile:
    path: Path                 # absolute path in the inbox
    rel_path: str              # inbox-relative, with '/' separators
    academic_year: str | None  # None when the file is not under a valid year folder
    window: str | None
    school_folder: str | None  # the sub-folder of a per-school submission
    size: int
    mtime: float
    sha256: str

    @property
    def received_at(self) -> datetime:
        """When the file arrived: its modification time in the inbox (UTC)."""
        return datetime.fromtimestamp(self.mtime, tz=timezone.utc)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_valid_academic_year(name: str) -> bool:
    m = ACADEMIC_YEAR.match(name)
    return bool(m) and int(m.group(2)) == int(m.group(1)) + 1


def display_path(rel: Path) -> str:
    """The inbox-relative path as text that is always valid Unicode: a file name in bytes
    that are not UTF-8 (an archive unpacked on Windows) must not crash the batch when it is
    written to the warehouse; undecodable bytes become U+FFFD. The real path is kept apart."""
    text = rel.as_posix()
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def walk_files(root: Path):
    """Regular files below root, in sorted path order; symlinks are never followed (a
    hostile inbox could point them anywhere on the machine). Walked with os.scandir, whose
    entries already know their type: over a region's 20,000 files 0.25 s against 0.93 s
    for `sorted(Path.rglob)` with is_symlink/is_file, and a run walks the inbox three times
    (the sensor, the archive, the read)."""
    for entry in walk_file_entries(root):
        yield Path(entry.path)


def walk_file_entries(root: Path):
    """walk_files' files as os.DirEntry: `entry.path` is root joined with the path below
    it, and `entry.stat(follow_symlinks=False)` the file's own. For the inbox sensor, which
    only groups and stats the files on each tick: 20,000 Path objects were half its time."""
    stack = [iter(_sorted_entries(root))]
    while stack:
        for entry in stack[-1]:
            if entry.is_dir(follow_symlinks=False):
                # Depth first, siblings by name: the order of sorted(Path) over the tree.
                stack.append(iter(_sorted_entries(entry.path)))
                break
            if entry.is_file(follow_symlinks=False):
                yield entry
        else:
            stack.pop()


def _sorted_entries(folder) -> list[os.DirEntry]:
    """A folder's entries by name; none for a folder that is missing or unreadable (as
    Path.rglob skipped them)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []


def inbox_file(inbox: Path, path: Path) -> InboxFile:
    """One inbox file: where it sits (academic year, window, school folder), size, time and
    content hash."""
    rel = path.relative_to(inbox)
    parts = rel.parts
    stat = path.stat()
    year = window = school = None
    if len(parts) >= 3 and _is_valid_academic_year(parts[0]):
        year, window = parts[0], parts[1]
        school = display_path(Path(parts[2])) if len(parts) >= 4 else None
    return InboxFile(
        path=path, rel_path=display_path(rel), academic_year=year, window=window,
        school_folder=school, size=stat.st_size, mtime=stat.st_mtime,
        sha256=file_sha256(path),
    )


def scan_inbox(inbox: Path) -> tuple[list[InboxFile], list[InboxFile]]:
    """Return (assessment files, reference files). manifest.csv files are metadata of their
    folder, not submissions, and are read by the metadata resolver instead."""
    results: list[InboxFile] = []
    references: list[InboxFile] = []
    for path in walk_files(inbox):
        parts = path.relative_to(inbox).parts
        if path.name == MANIFEST_NAME and len(parts) >= 3:
            continue
        (references if parts[0] == REFERENCE_DIR else results).append(inbox_file(inbox, path))
    return results, references
