"""Write-then-rename, so a reader (an official opening the workbook, an analyst holding the
published warehouse) only ever sees a complete previous or a complete new file."""
from __future__ import annotations

import os
import shutil
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


def publish_copy(source: Path, target: Path) -> Path:
    with atomic_target(target) as tmp:
        shutil.copyfile(source, tmp)
    return target
