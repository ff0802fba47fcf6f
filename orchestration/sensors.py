"""The inbox sensor: starts a run when files arrive, change or disappear.

Cursor (JSON):
  files    rel_path -> [size, mtime_ns, sha256] of every file already acted on
  pending  rel_path -> [size, mtime_ns] of files seen once and not yet acted on
A file is read only when a later tick sees the same size and modification time again:
a half-copied file is still growing, so it waits. A file whose time changed but whose
bytes did not (touched, copied again) starts nothing; a corrected file has a new sha256
and starts a run of its partition, with the hash in the run key. A change under
reference/ affects every school, so it starts one run over all partitions.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dagster import (DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult,
                     SkipReason, sensor)

from ingest.inbox import file_sha256
from msoko.config import paths_from_env
from orchestration.partitions import (SUBMISSIONS, UNPLACED, full_run_tags, partition_of,
                                      walk_inbox)

FULL_RUN_JOB = "msoko__full_run"
TICK_SECONDS = 60
REFERENCE = "reference"


def _load(cursor: str | None) -> tuple[dict, dict]:
    data = json.loads(cursor) if cursor else {}
    return data.get("files", {}), data.get("pending", {})


def _digest(items) -> str:
    return hashlib.sha256(json.dumps(sorted(items)).encode()).hexdigest()[:16]


def evaluate_inbox(inbox: Path, cursor: str | None, known_keys: list[str]) -> SensorResult:
    """One tick, as a plain function of the inbox, the cursor and the registered keys."""
    files, pending = _load(cursor)
    new_pending: dict[str, list] = {}
    changed: dict[str, list[str]] = {}          # partition (or REFERENCE) -> sha256s / markers
    seen = set()
    for path in walk_inbox(inbox):
        rel_parts = path.relative_to(inbox).parts
        rel = "/".join(rel_parts)
        seen.add(rel)
        stat = path.stat()
        now = [stat.st_size, stat.st_mtime_ns]
        if rel in files and files[rel][:2] == now:
            continue
        if pending.get(rel) != now:
            new_pending[rel] = now              # first sight, or still being written
            continue
        sha = file_sha256(path)
        if rel not in files or files[rel][2] != sha:
            changed.setdefault(partition_of(rel_parts) or REFERENCE, []).append(sha)
        files[rel] = now + [sha]
    for rel in [r for r in files if r not in seen]:
        changed.setdefault(partition_of(rel.split("/")) or REFERENCE, []).append(f"deleted:{rel}")
        del files[rel]
    new_cursor = json.dumps({"files": files, "pending": new_pending}, ensure_ascii=False,
                            sort_keys=True)
    if not changed:
        reason = (f"Ждём, пока докопируются файлы: {len(new_pending)}" if new_pending
                  else "Новых и изменённых файлов нет.")
        return SensorResult(skip_reason=SkipReason(reason), cursor=new_cursor)
    keys_needed = [k for k in changed if k != REFERENCE]
    if REFERENCE in changed:
        keys_needed += [partition_of(rel.split("/")) for rel in files]
    new_keys = sorted({k for k in keys_needed if k and k not in known_keys})
    if UNPLACED not in known_keys and UNPLACED not in new_keys:
        new_keys.insert(0, UNPLACED)
    all_keys = list(known_keys) + new_keys
    if REFERENCE in changed:
        requests = [RunRequest(run_key=f"all:{_digest(sum(changed.values(), []))}",
                               tags={**full_run_tags(all_keys), "msoko/trigger": "inbox:reference"})]
    else:
        requests = [RunRequest(run_key=f"{key}:{_digest(shas)}", partition_key=key,
                               tags={"msoko/trigger": "inbox"})
                    for key, shas in sorted(changed.items())]
    return SensorResult(run_requests=requests, cursor=new_cursor,
                        dynamic_partitions_requests=[SUBMISSIONS.build_add_request(new_keys)]
                        if new_keys else [])


@sensor(name="msoko__inbox", job_name=FULL_RUN_JOB, minimum_interval_seconds=TICK_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Новые, исправленные и удалённые файлы во входящих: запуск по разделу "
                    "школы; изменение справочников — полный запуск.")
def inbox_sensor(context: SensorEvaluationContext):
    known = context.instance.get_dynamic_partitions(SUBMISSIONS.name)
    return evaluate_inbox(paths_from_env().inbox, context.cursor, list(known))
