"""Write-then-rename: a reader (an official opening the workbook, the Dagster daemon reading
its dagster.yaml, a run looking in the archive) only ever sees a complete previous file or a
complete new one, and a killed process leaves no half file under the final name.

Two forms of the one idea, for two kinds of writer:
- atomic_target yields a path, for writers that open the file themselves (xlsxwriter,
  DuckDB, pathlib);
- renamed_into yields the open file mkstemp created, for many small files written here:
  opening each again by path cost a region's archive (≈20,000 files) ≈3 s.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_target(target: Path):
    """Yields a temporary path beside target; on success it replaces target atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def renamed_into(target: Path, mode: str = "wb", **open_args):
    """Yields a new file beside target (its folder must exist), open in `mode`; renamed to
    target when the block ends without an error."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, mode, **open_args) as out:
            yield out
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
