"""Tagging raw rows with their partition (ingest/partitioned.py): the fast path (keys from
paths and from the order the batch built its tables) agrees with rebuilding the tables
partition by partition, including identical bytes sent in two folders."""
from __future__ import annotations

import shutil

import pytest

from ingest.batch import archive_batch, parse_inbox, validate_batch
from ingest.partitioned import _rebuild_per_partition, tables_by_partition
from orchestration.partitions import (Scope, inbox_partition_keys, inbox_submissions,
                                      scan_partitions, submission_of)
from tests.test_pipeline_skeleton import build_inbox

pytestmark = pytest.mark.slow


def _key(item):
    return submission_of(item.rel_path.split("/"))


def test_fast_tagging_matches_rebuild(msoko_env):
    inbox, home = msoko_env
    build_inbox(inbox)
    window = inbox / "2020-2021" / "vpr-spring"
    school_file = next((window / "sch000001").iterdir())
    # sch000001's file also dropped at the window root: same sha256, two partitions.
    shutil.copy(school_file, window / school_file.name)
    keys = inbox_submissions(inbox)
    files, refs = scan_partitions(inbox, Scope(tuple(inbox_partition_keys(inbox))))
    archived = archive_batch(files, refs, home / "archive")
    validated = validate_batch(parse_inbox(archived))
    fast = tables_by_partition(validated, keys, _key)
    slow = _rebuild_per_partition(validated, keys, _key)
    for name, tbl in slow.items():
        assert sorted(map(str, fast[name].to_pylist())) == sorted(map(str, tbl.to_pylist())), name
    # Hand count (skeleton docstring): the root export loads 5 rows (sch999999's row set
    # aside), sch000002 4 (one set aside), the 2021-2022 file 5. sch000001's two identical
    # copies are one file version, read once (ingest/batch.py _first_copies): the earlier
    # copy — the school's own, since shutil.copy gave the root copy a later mtime — loads its
    # 7 rows; the root copy is marked a duplicate and contributes no rows.
    def count(name):
        keys = fast[name]["partition_key"].to_pylist()
        return {k: keys.count(k) for k in set(keys)}
    assert count("pupil_results") == {"2020-2021/vpr-spring/_window": 5,
                                      "2020-2021/vpr-spring/sch000001": 7,
                                      "2020-2021/vpr-spring/sch000002": 4,
                                      "2021-2022/vpr-spring/sch000001": 5}
    assert count("rejected_rows") == {"2020-2021/vpr-spring/_window": 1,
                                      "2020-2021/vpr-spring/sch000002": 1}
    # 4 criteria per loaded row that sat the paper; sch000001's 40005 was absent and has none
    assert count("criterion_scores") == {"2020-2021/vpr-spring/_window": 4 * 5,
                                         "2020-2021/vpr-spring/sch000001": 4 * 6,
                                         "2020-2021/vpr-spring/sch000002": 4 * 4,
                                         "2021-2022/vpr-spring/sch000001": 4 * 5}
