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
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
PUBLIC_FOLDERS = ("published", "exports")
KEEP_RELEASES = 3


def staged(home: Path, run_id: str) -> Path:
    """The run's release folder, with its (empty) public folders."""
    release = home / RELEASES / run_id
    for folder in PUBLIC_FOLDERS:
        (release / folder).mkdir(parents=True, exist_ok=True)
    return release


def activate(home: Path, run_id: str) -> Path:
    """Make the run's release current (one atomic rename), then prune old releases."""
    release = home / RELEASES / run_id
    if not release.is_dir():
        raise FileNotFoundError(f"release {release} was never staged")
    _adopt_folders_from_before_releases(home)
    link = home / f".{CURRENT}.partial-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(Path(RELEASES) / run_id, link)
    os.replace(link, home / CURRENT)
    _ensure_public_links(home)
    _prune(home, keep=run_id)
    return release


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
    releases = sorted((p for p in (home / RELEASES).iterdir() if p.is_dir()),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    kept = {keep} | {p.name for p in releases[:KEEP_RELEASES]}
    for old in releases:
        if old.name not in kept:
            # Read-only copies (0444) are removable: deletion needs the folder's permission.
            shutil.rmtree(old, ignore_errors=True)
