"""Keep the original bytes of every file version, by content hash, before anything reads it.

archive/<sha[:2]>/<sha>        the bytes, exactly as received
archive/<sha[:2]>/<sha>.json   where and when they were first seen
The archive is the one place names of pupils may remain (real protocols carry them); see
README «Персональные данные» for who may read it.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ingest.inbox import InboxFile


def archived_path(archive_dir: Path, sha256: str) -> Path:
    return archive_dir / sha256[:2] / sha256


def archive_file(item: InboxFile, archive_dir: Path) -> Path:
    """Copy the file into the archive unless these bytes are already there. The copy is
    written to a temporary name and renamed, so a killed run never leaves half a file
    under a hash name."""
    target = archived_path(archive_dir, item.sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(item.path, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    sidecar = {
        "first_path": item.rel_path,
        "received_at": item.received_at.isoformat(),
        "archived_at": datetime.now(timezone.utc).isoformat(),
        "size": item.size,
    }
    # A file name that is not valid UTF-8 reaches Python with surrogate escapes; writing
    # them back as the original bytes keeps the sidecar exact and the run alive.
    target.with_suffix(".json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1),
                                            encoding="utf-8", errors="surrogateescape")
    return target
