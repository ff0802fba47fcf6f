"""Ingestion partitions: one per submission folder, «<учебный год>/<окно>/<школа>».

A school's resubmission re-runs its own partition (and the unpartitioned marts downstream);
a full run materializes every partition in ONE run (BackfillPolicy.single_run, a partition
range), so a region's 20,000 files still get one Great Expectations call per format.

Keys (dynamic: the sensor, the schedules and `msoko run` add them as folders appear):
  2024-2025/vpr-spring/sch700001   a school's sub-folder of a window
  2024-2025/oge/_window            files lying directly in the window folder (RCOI
                                   protocols, municipal multi-school exports)
  _unplaced                        files outside <year>/<window>/ (rejected with a message);
                                   always present, so a run over an empty inbox has a key
Reference files (inbox/reference/) belong to no partition: every run reads them.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from dagster import DynamicPartitionsDefinition
from dagster._core.storage.tags import (ASSET_PARTITION_RANGE_END_TAG,
                                        ASSET_PARTITION_RANGE_START_TAG)

from ingest.inbox import (MANIFEST_NAME, REFERENCE_DIR, InboxFile, _is_valid_academic_year,
                          file_sha256)

SUBMISSIONS = DynamicPartitionsDefinition(name="submissions")
WINDOW_ROOT = "_window"
UNPLACED = "_unplaced"


def partition_of(rel_parts: Sequence[str]) -> str | None:
    """The partition of an inbox-relative path; None for reference files."""
    if rel_parts[0] == REFERENCE_DIR:
        return None
    if len(rel_parts) >= 3 and _is_valid_academic_year(rel_parts[0]):
        school = rel_parts[2] if len(rel_parts) >= 4 else WINDOW_ROOT
        # "..." is not allowed in a Dagster partition key; such a folder is no school login.
        return "/".join((rel_parts[0], rel_parts[1], school.replace("...", "_")))
    return UNPLACED


def walk_inbox(inbox: Path) -> Iterable[Path]:
    """Regular files below the inbox, sorted, symlinks never followed (as ingest.inbox)."""
    if not inbox.exists():
        return
    for path in sorted(inbox.rglob("*")):
        if not path.is_symlink() and path.is_file():
            yield path


def inbox_partition_keys(inbox: Path) -> list[str]:
    """Every partition the inbox holds files for (stat only, no hashing), sorted, with
    _unplaced first."""
    keys = {partition_of(p.relative_to(inbox).parts) for p in walk_inbox(inbox)}
    keys.discard(None)
    keys.discard(UNPLACED)
    return [UNPLACED] + sorted(keys)


def full_run_tags(ordered_keys: Sequence[str]) -> dict[str, str]:
    """Run tags selecting every partition in one run: a range from the first to the last
    key in the instance's order covers them all."""
    return {ASSET_PARTITION_RANGE_START_TAG: ordered_keys[0],
            ASSET_PARTITION_RANGE_END_TAG: ordered_keys[-1]}


def _inbox_file(inbox: Path, path: Path) -> InboxFile:
    # Mirrors ingest.inbox.scan_inbox for one file (tests/test_orchestration_partitions.py
    # checks the two agree), so a one-school run hashes only that school's folder.
    parts = path.relative_to(inbox).parts
    stat = path.stat()
    year = window = school = None
    if len(parts) >= 3 and _is_valid_academic_year(parts[0]):
        year, window = parts[0], parts[1]
        school = parts[2] if len(parts) >= 4 else None
    return InboxFile(path=path, rel_path=Path(*parts).as_posix(), academic_year=year,
                     window=window, school_folder=school, size=stat.st_size,
                     mtime=stat.st_mtime, sha256=file_sha256(path))


def _roots(inbox: Path, keys: set[str]) -> list[Path]:
    """The folders to walk for these partitions (the whole inbox when a key needs it)."""
    if UNPLACED in keys:
        return [inbox]
    roots = {inbox / REFERENCE_DIR}
    for key in keys:
        year, window, school = key.split("/", 2)
        roots.add(inbox / year / window if school == WINDOW_ROOT else inbox / year / window / school)
    return sorted(roots)


def scan_partitions(inbox: Path, keys: Iterable[str]) -> tuple[list[InboxFile], list[InboxFile]]:
    """(result files, reference files) of the given partitions; reference files always."""
    keys = set(keys)
    seen: set[Path] = set()
    results: list[InboxFile] = []
    references: list[InboxFile] = []
    for root in _roots(inbox, keys):
        for path in walk_inbox(root):
            parts = path.relative_to(inbox).parts
            if path in seen or (path.name == MANIFEST_NAME and len(parts) >= 3):
                continue
            seen.add(path)
            key = partition_of(parts)
            if key is None:
                references.append(_inbox_file(inbox, path))
            elif key in keys:
                results.append(_inbox_file(inbox, path))
    results.sort(key=lambda f: f.rel_path)
    references.sort(key=lambda f: f.rel_path)
    return results, references
