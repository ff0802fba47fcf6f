"""Split a validated batch into per-partition raw tables (each row tagged with its
partition), so ingest.load can replace one school's rows without touching the others.

Validation stays one batch (one Great Expectations run per format over every partition in
the run); only the table building is done per partition.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

import pyarrow as pa

from ingest.batch import ParsedBatch, ValidatedBatch, _build_tables
from ingest.inbox import InboxFile
from ingest.load import PARTITIONED, with_partition
from ingest.reference import ReferenceTables


def tables_by_partition(validated: ValidatedBatch, keys: list[str],
                        key_of: Callable[[InboxFile], str]) -> dict[str, pa.Table]:
    """Result tables with a partition_key column (every key in `keys` present, possibly
    with no rows) plus the reference tables of the batch."""
    batch = validated.parsed
    failed_rows: dict[str, set[int]] = defaultdict(set)
    for rows in validated.set_aside.values():
        for r in rows:
            failed_rows[r["sha256"]].add(r["row_number"])
    aside_by_path: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for kind, rows in validated.set_aside.items():
        for r in rows:
            aside_by_path[r["path"]][kind].append(r)
    groups: dict[str, list] = defaultdict(list)
    for item, parsed in batch.files:
        groups[key_of(item)].append((item, parsed))
    pieces: dict[str, list[pa.Table]] = defaultdict(list)
    for key in keys:
        files = groups.get(key, [])
        set_aside = {kind: [r for item, _ in files for r in aside_by_path[item.rel_path][kind]]
                     for kind in validated.set_aside}
        # An empty reference: reference tables are taken once from the whole batch below.
        part = ParsedBatch(batch.archived, ReferenceTables(), files)
        for name, tbl in _build_tables(part, set_aside, failed_rows).items():
            if name in PARTITIONED:
                pieces[name].append(with_partition(tbl, key))
    tables = {name: pa.concat_tables(tbls) for name, tbls in pieces.items()}
    for name, tbl in validated.tables.items():
        if name not in PARTITIONED:
            tables[name] = tbl
    return tables
