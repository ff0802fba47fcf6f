"""Ingestion partitions: one Dagster partition per assessment window, «<учебный год>/<окно>»;
inside it, rows are kept and replaced per submission folder («…/<школа>»).

Why two levels. A region's year is ≈1,000 school folders in ≈5 windows. Dagster writes a
planned and a materialization event per partition and asset of a run; with a partition per
school folder a full run wrote ≈96,000 of them (≈1 h of SQLite writes, README «Scale»).
With a partition per window a full run writes a few dozen. A school's resubmission still
touches only its own rows: the inbox sensor runs the school's WINDOW partition with the
changed folders named in the run tag `msoko/schools`, and ingestion reads and replaces just
those folders (the raw tables' `partition_key` column holds the submission folder).

Dagster partition keys (dynamic: the sensor, the schedules and `msoko run` add them):
  2024-2025/vpr-spring      a window folder
  _unplaced                 files outside <year>/<window>/ (rejected with a message);
                            always present, so a run over an empty inbox has a key
Submission keys (raw.*.partition_key, the unit a load replaces):
  2024-2025/vpr-spring/sch700001   a school's sub-folder of a window
  2024-2025/oge/_window            files lying directly in the window folder (RCOI
                                   protocols, municipal multi-school exports)
  _unplaced
Reference files (inbox/reference/) belong to no partition: every run reads them.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster import DynamicPartitionsDefinition
from dagster._core.storage.tags import (ASSET_PARTITION_RANGE_END_TAG,
                                        ASSET_PARTITION_RANGE_START_TAG)

from ingest.inbox import (MANIFEST_NAME, REFERENCE_DIR, InboxFile, _is_valid_academic_year,
                          display_path, inbox_file, walk_files)

# A new name: instances that knew the per-school partitions keep them under the old one.
WINDOWS = DynamicPartitionsDefinition(name="submission_windows")
WINDOW_ROOT = "_window"
UNPLACED = "_unplaced"
SCHOOLS_TAG = "msoko/schools"
# Beyond this many changed folders in one window the sensor runs the whole window: the tag
# stays short, and reading a whole window (≈6,000 files of a region) takes about a minute.
MAX_SCHOOLS_IN_TAG = 200


def submission_of(rel_parts: Sequence[str]) -> str | None:
    """The submission folder key of an inbox-relative path; None for reference files."""
    if rel_parts[0] == REFERENCE_DIR:
        return None
    if len(rel_parts) >= 3 and _is_valid_academic_year(rel_parts[0]):
        school = rel_parts[2] if len(rel_parts) >= 4 else WINDOW_ROOT
        return "/".join((rel_parts[0], rel_parts[1], _folder_key(school)))
    return UNPLACED


@functools.lru_cache(maxsize=8192)
def _folder_key(school: str) -> str:
    # "..." is not allowed in a Dagster partition key (the key was one once, and a school
    # name travels in a run tag), and a key must be valid Unicode (a folder name in bytes
    # that are not UTF-8): such folders are no school login. Cached: the sensor asks for
    # every file of the inbox on every tick, ≈20 files a folder.
    return display_path(Path(school)).replace("...", "_")


def window_of(submission: str) -> str:
    """The Dagster partition (window) a submission key belongs to."""
    return submission if submission == UNPLACED else submission.rsplit("/", 1)[0]


def school_of(submission: str) -> str | None:
    return None if submission == UNPLACED else submission.rsplit("/", 1)[1]


def inbox_submissions(inbox: Path) -> list[str]:
    """Every submission folder the inbox holds files for (stat only, no hashing), sorted."""
    keys = {submission_of(p.relative_to(inbox).parts) for p in walk_files(inbox)}
    keys.discard(None)
    return sorted(keys)


def inbox_partition_keys(inbox: Path) -> list[str]:
    """Every window partition the inbox holds files for, sorted, with _unplaced first."""
    windows = {window_of(k) for k in inbox_submissions(inbox)}
    windows.discard(UNPLACED)
    return [UNPLACED] + sorted(windows)


def full_run_tags(ordered_keys: Sequence[str]) -> dict[str, str]:
    """Run tags selecting every partition in one run: a range from the first to the last
    key in the instance's order covers them all."""
    return {ASSET_PARTITION_RANGE_START_TAG: ordered_keys[0],
            ASSET_PARTITION_RANGE_END_TAG: ordered_keys[-1]}


def schools_tag(schools: Iterable[str]) -> dict[str, str]:
    return {SCHOOLS_TAG: json.dumps(sorted(schools), ensure_ascii=False)}


@dataclass(frozen=True)
class Scope:
    """What one ingestion run reads and replaces: whole windows, or (`schools` given) only
    those submission folders of its windows."""
    windows: tuple[str, ...]
    schools: frozenset[str] | None = None

    @classmethod
    def of_run(cls, partition_keys: Sequence[str], tags: Mapping[str, str]) -> Scope:
        schools = tags.get(SCHOOLS_TAG)
        return cls(tuple(sorted(partition_keys)),
                   frozenset(json.loads(schools)) if schools is not None else None)

    def covers(self, submission: str) -> bool:
        if window_of(submission) not in self.windows:
            return False
        return self.schools is None or submission == UNPLACED or school_of(submission) in self.schools

    def named_submissions(self) -> list[str]:
        """The submission folders the scope replaces by name (gone folders included)."""
        if self.schools is None:
            return []
        return sorted(f"{w}/{s}" for w in self.windows if w != UNPLACED for s in self.schools)

    def whole_windows(self) -> list[str]:
        """The windows replaced whole, every submission under them (_unplaced has no
        folders, so it is always whole)."""
        return list(self.windows) if self.schools is None else [w for w in self.windows if w == UNPLACED]

    def describe(self) -> str:
        windows = ", ".join(self.windows)
        if self.schools is None:
            return f"окна: {windows} (все папки)"
        return f"окна: {windows}; папки: {', '.join(sorted(self.schools))}"


def _roots(inbox: Path, scope: Scope) -> list[Path]:
    """The folders to walk for this scope (the whole inbox when _unplaced is in it)."""
    if UNPLACED in scope.windows:
        return [inbox]
    roots = {inbox / REFERENCE_DIR}
    for window in scope.windows:
        year, name = window.split("/", 1)
        folder = inbox / year / name
        if scope.schools is None:
            roots.add(folder)
            continue
        for school in scope.schools:
            # A folder whose key is not its literal name (see submission_of), or files at
            # the window root: walk the window; only files in scope are taken.
            sub = folder / school
            roots.add(sub if school != WINDOW_ROOT and sub.is_dir() else folder)
    # A window walked whole already covers its school folders.
    return sorted(r for r in roots if not any(p in roots for p in r.parents))


def scan_partitions(inbox: Path, scope: Scope) -> tuple[list[InboxFile], list[InboxFile]]:
    """(result files, reference files) in the scope; reference files always."""
    seen: set[Path] = set()
    results: list[InboxFile] = []
    references: list[InboxFile] = []
    for root in _roots(inbox, scope):
        for path in walk_files(root):
            parts = path.relative_to(inbox).parts
            if path in seen or (path.name == MANIFEST_NAME and len(parts) >= 3):
                continue
            seen.add(path)
            key = submission_of(parts)
            if key is None:
                references.append(inbox_file(inbox, path))
            elif scope.covers(key):
                results.append(inbox_file(inbox, path))
    results.sort(key=lambda f: f.rel_path)
    references.sort(key=lambda f: f.rel_path)
    return results, references
