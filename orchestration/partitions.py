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
                          display_path, inbox_file, walk_files)

SUBMISSIONS = DynamicPartitionsDefinition(name="submissions")
WINDOW_ROOT = "_window"
UNPLACED = "_unplaced"


def partition_of(rel_parts: Sequence[str]) -> str | None:
    """The partition of an inbox-relative path; None for reference files."""
    if rel_parts[0] == REFERENCE_DIR:
        return None
    if len(rel_parts) >= 3 and _is_valid_academic_year(rel_parts[0]):
        school = rel_parts[2] if len(rel_parts) >= 4 else WINDOW_ROOT
        # "..." is not allowed in a Dagster partition key, and a key must be valid Unicode
        # (a folder name in bytes that are not UTF-8): such folders are no school login.
        school = display_path(Path(school)).replace("...", "_")
        return "/".join((rel_parts[0], rel_parts[1], school))
    return UNPLACED


def inbox_partition_keys(inbox: Path) -> list[str]:
    """Every partition the inbox holds files for (stat only, no hashing), sorted, with
    _unplaced first."""
    keys = {partition_of(p.relative_to(inbox).parts) for p in walk_files(inbox)}
    keys.discard(None)
    keys.discard(UNPLACED)
    return [UNPLACED] + sorted(keys)


def full_run_tags(ordered_keys: Sequence[str]) -> dict[str, str]:
    """Run tags selecting every partition in one run: a range from the first to the last
    key in the instance's order covers them all."""
    return {ASSET_PARTITION_RANGE_START_TAG: ordered_keys[0],
            ASSET_PARTITION_RANGE_END_TAG: ordered_keys[-1]}


def _roots(inbox: Path, keys: set[str]) -> list[Path]:
    """The folders to walk for these partitions (the whole inbox when a key needs it)."""
    if UNPLACED in keys:
        return [inbox]
    roots = {inbox / REFERENCE_DIR}
    for key in keys:
        year, window, school = key.split("/", 2)
        folder = inbox / year / window / school
        # A key that is not the folder's literal name (see partition_of): walk the window;
        # only files of the requested partitions are taken.
        roots.add(folder if school != WINDOW_ROOT and folder.is_dir() else inbox / year / window)
    return sorted(roots)


def scan_partitions(inbox: Path, keys: Iterable[str]) -> tuple[list[InboxFile], list[InboxFile]]:
    """(result files, reference files) of the given partitions; reference files always."""
    keys = set(keys)
    seen: set[Path] = set()
    results: list[InboxFile] = []
    references: list[InboxFile] = []
    for root in _roots(inbox, keys):
        for path in walk_files(root):
            parts = path.relative_to(inbox).parts
            if path in seen or (path.name == MANIFEST_NAME and len(parts) >= 3):
                continue
            seen.add(path)
            key = partition_of(parts)
            if key is None:
                references.append(inbox_file(inbox, path))
            elif key in keys:
                results.append(inbox_file(inbox, path))
    results.sort(key=lambda f: f.rel_path)
    references.sort(key=lambda f: f.rel_path)
    return results, references
