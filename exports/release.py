"""One run's outputs become visible together, or not at all.

Each export asset writes into the run's own release folder; the last export step makes that
release current with a single rename of a symbolic link. Until then officials and analysts
see the previous release whole: a run killed while writing the third workbook leaves the
published warehouse and every workbook exactly as they were.

    $MSOKO_HOME/releases/<run id>/published/msoko.duckdb    staged by the export assets
    $MSOKO_HOME/releases/<run id>/exports/…
    $MSOKO_HOME/current   -> releases/<run id>              swapped by one rename
    $MSOKO_HOME/published -> current/published              fixed links: the paths people
    $MSOKO_HOME/exports   -> current/exports                and tools already know

An analyst's open session keeps reading the file it opened (its inode lives on), so old
releases can be pruned; the last few are kept for a look back.

Runs launched by the daemon (a schedule's and the sensor's) can overlap: their warehouse
steps take turns in the writer pool, but the steps after the copy do not. So each release
records when its copy of the warehouse was taken (`mark_snapshot`, inside the pool), and a
release whose copy is older than the current one's is never made current: the later data
stays published, whichever run finishes last. Pruning spares releases still being written.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
PUBLIC_FOLDERS = ("published", "exports")
KEEP_RELEASES = 3
SNAPSHOT = ".snapshot"            # in a release: when its warehouse copy was taken (ns)
DONE = ".done"                    # in a release: its run reached the release step
LOCK = ".release.lock"            # in the home: one activation at a time
STALE_SECONDS = 24 * 3600         # an unfinished release this old belongs to a dead run


def staged(home: Path, run_id: str) -> Path:
    """The run's release folder, with its (empty) public folders."""
    release = home / RELEASES / run_id
    for folder in PUBLIC_FOLDERS:
        (release / folder).mkdir(parents=True, exist_ok=True)
    return release


def mark_snapshot(home: Path, run_id: str) -> None:
    """Record that the run's warehouse copy was taken now. Called by the step that copies
    the warehouse, which holds the writer pool, so the marks order the copies as the
    warehouse changed."""
    (staged(home, run_id) / SNAPSHOT).write_text(str(time.time_ns()))


def activate(home: Path, run_id: str) -> bool:
    """Make the run's release current (one atomic rename), then prune old releases.
    Returns False, changing nothing, when the current release holds a later copy of the
    warehouse (an overlapping run that copied after this one and finished first)."""
    release = home / RELEASES / run_id
    if not release.is_dir():
        raise FileNotFoundError(f"release {release} was never staged")
    with _locked(home):
        (release / DONE).touch()
        current = home / CURRENT
        if current.is_symlink() and _snapshot(current.resolve()) > _snapshot(release):
            return False
        _adopt_folders_from_before_releases(home)
        link = home / f".{CURRENT}.partial-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(Path(RELEASES) / run_id, link)
        os.replace(link, current)
        _ensure_public_links(home)
        _prune(home, keep=run_id)
    return True


def _snapshot(release: Path) -> int:
    """When the release's warehouse copy was taken; 0 when it was never marked (a release
    from before the marks, or one adopted from plain folders)."""
    try:
        return int((release / SNAPSHOT).read_text())
    except (OSError, ValueError):
        return 0


@contextmanager
def _locked(home: Path):
    with (home / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _adopt_folders_from_before_releases(home: Path) -> None:
    """A home written before releases existed has real published/ and exports/ folders:
    they become the first release, so nothing an analyst relies on disappears."""
    real = [home / f for f in PUBLIC_FOLDERS if (home / f).exists() and not (home / f).is_symlink()]
    if not real or (home / CURRENT).is_symlink():
        return
    legacy = home / RELEASES / "before-releases"
    legacy.mkdir(parents=True, exist_ok=True)
    for folder in real:
        os.replace(folder, legacy / folder.name)
    os.symlink(Path(RELEASES) / legacy.name, home / CURRENT)


def _ensure_public_links(home: Path) -> None:
    for folder in PUBLIC_FOLDERS:
        path = home / folder
        if path.is_symlink():
            continue
        if path.exists():                  # created by something else since: keep it aside
            os.replace(path, home / RELEASES / f"stray-{folder}-{os.getpid()}")
        os.symlink(Path(CURRENT) / folder, path)


def _prune(home: Path, keep: str) -> None:
    """Keep the newest finished releases; remove an unfinished one only when it is a day
    old (its run died), never while another run may still be writing it."""
    finished, stale = [], []
    for release in (p for p in (home / RELEASES).iterdir() if p.is_dir()):
        if (release / DONE).exists():
            finished.append(release)
        elif time.time() - release.stat().st_mtime > STALE_SECONDS:
            stale.append(release)
    finished.sort(key=lambda p: (p / DONE).stat().st_mtime, reverse=True)
    kept = {keep} | {p.name for p in finished[:KEEP_RELEASES]}
    for old in finished[KEEP_RELEASES:] + stale:
        if old.name not in kept:
            # Read-only copies (0444) are removable: deletion needs the folder's permission.
            shutil.rmtree(old, ignore_errors=True)
