"""The inbox sensor: starts a run when files arrive, change or disappear.

Cursor (JSON, one entry per submission folder so it stays small with 20,000 files; Dagster
keeps a copy of it with every tick):
  seen     folder -> [times digest, hashes digest] of the files last acted on, where the
           times digest covers (path, size, mtime) and the hashes digest (path, sha256)
  waiting  folder -> times digest seen once and not yet acted on
A folder's files are read only when a later tick sees the same sizes and times again: a
half-copied file is still growing, so its folder waits. Files touched without new bytes
(same hashes) start nothing; a corrected file has a new sha256. The changed folders of a
tick start one run per window partition, naming the folders in the `msoko/schools` tag
(orchestration/partitions.py), with their digests in the run key. A change under
reference/ affects every school, so it starts one run over all partitions.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path

from dagster import (DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult,
                     SkipReason, sensor)

from ingest.inbox import file_sha256, walk_file_entries
from msoko.config import paths_from_env
from orchestration.partitions import (MAX_SCHOOLS_IN_TAG, UNPLACED, WINDOWS, full_run_tags,
                                      school_of, schools_tag, submission_of, window_of)

FULL_RUN_JOB = "msoko__full_run"
REFERENCE = "reference"


def tick_seconds(environ=os.environ) -> int:
    """How often the daemon looks at the inbox: a minute, or MSOKO_SENSOR_SECONDS (at least
    10: each tick walks the inbox and Dagster stores its cursor)."""
    raw = (environ.get("MSOKO_SENSOR_SECONDS") or "60").strip()
    if not raw.isdigit():
        raise ValueError(f"MSOKO_SENSOR_SECONDS: ожидается целое число секунд, получено «{raw}»")
    return max(10, int(raw))


TICK_SECONDS = tick_seconds()


def _digest(items) -> str:
    return hashlib.sha256(json.dumps(sorted(items), ensure_ascii=False).encode()).hexdigest()[:16]


def _inbox_by_submission(inbox: Path) -> dict[str, list[tuple[str, str, int, int]]]:
    """(inbox-relative path, path, size, mtime) of every file, by submission folder. Runs on
    every tick over the whole inbox (≈20,000 files a region): strings, not Paths."""
    groups: dict[str, list] = defaultdict(list)
    below = len(os.path.join(inbox, ""))
    for entry in walk_file_entries(inbox):
        parts = entry.path[below:].split(os.sep)
        stat = entry.stat(follow_symlinks=False)
        groups[submission_of(parts) or REFERENCE].append(
            ("/".join(parts), entry.path, stat.st_size, stat.st_mtime_ns))
    return groups


def evaluate_inbox(inbox: Path, cursor: str | None, known_keys: list[str]) -> SensorResult:
    """One tick, as a plain function of the inbox, the cursor and the registered keys."""
    state = json.loads(cursor) if cursor else {}
    seen: dict[str, list[str]] = state.get("seen", {})
    waiting: dict[str, str] = state.get("waiting", {})
    new_waiting: dict[str, str] = {}
    changed: dict[str, str] = {}                # folder -> run key part
    groups = _inbox_by_submission(inbox)
    for key, files in groups.items():
        times = _digest([(rel, size, mtime) for rel, _, size, mtime in files])
        if key in seen and seen[key][0] == times:
            continue
        if waiting.get(key) != times:
            new_waiting[key] = times            # first sight, or still being written
            continue
        hashes = _digest([(rel, file_sha256(Path(path))) for rel, path, _, _ in files])
        if key not in seen or seen[key][1] != hashes:
            # Times too: a school going back to an earlier version must run again, and
            # Dagster starts a run key only once.
            changed[key] = f"{hashes}-{times}"
        seen[key] = [times, hashes]
    for key in [k for k in seen if k not in groups]:
        changed[key] = f"deleted-{seen[key][0]}"   # the folder emptied: its rows must go
        del seen[key]
    new_cursor = json.dumps({"seen": seen, "waiting": new_waiting}, ensure_ascii=False,
                            sort_keys=True)
    if not changed:
        reason = (f"Ждём, пока докопируются файлы (папок: {len(new_waiting)})" if new_waiting
                  else "Новых и изменённых файлов нет.")
        return SensorResult(skip_reason=SkipReason(reason), cursor=new_cursor)
    windows = {window_of(k) for k in set(changed) | (set(seen) if REFERENCE in changed else set())
               if k != REFERENCE}
    new_keys = sorted(w for w in windows if w not in known_keys)
    if UNPLACED not in known_keys and UNPLACED not in new_keys:
        new_keys.insert(0, UNPLACED)
    all_keys = list(known_keys) + new_keys
    if REFERENCE in changed:
        requests = [RunRequest(run_key=f"all:{_digest(list(changed.items()))}",
                               tags={**full_run_tags(all_keys), "msoko/trigger": "inbox:reference"})]
    else:
        requests = [_window_request(window, {k: v for k, v in changed.items()
                                             if window_of(k) == window})
                    for window in sorted(windows)]
    return SensorResult(run_requests=requests, cursor=new_cursor,
                        dynamic_partitions_requests=[WINDOWS.build_add_request(new_keys)]
                        if new_keys else [])


def _window_request(window: str, changed: dict[str, str]) -> RunRequest:
    """One run of a window partition for its changed folders: only they are read and
    replaced, unless there are so many that reading the whole window is as good."""
    tags = {"msoko/trigger": "inbox"}
    if window != UNPLACED and len(changed) <= MAX_SCHOOLS_IN_TAG:
        tags |= schools_tag(school_of(k) for k in changed)
    return RunRequest(run_key=f"{window}:{_digest(list(changed.items()))}",
                      partition_key=window, tags=tags)


@sensor(name="msoko__inbox", job_name=FULL_RUN_JOB, minimum_interval_seconds=TICK_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Новые, исправленные и удалённые файлы во входящих: запуск по окну "
                    "оценки только для изменившихся папок школ; изменение справочников — "
                    "полный запуск.")
def inbox_sensor(context: SensorEvaluationContext):
    known = context.instance.get_dynamic_partitions(WINDOWS.name)
    return evaluate_inbox(paths_from_env().inbox, context.cursor, list(known))
