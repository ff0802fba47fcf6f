"""Tag every row of a validated batch's raw tables with its partition, so ingest.load can
replace one school's rows without touching the others.

Validation stays one batch (one Great Expectations run per format over every partition in
the run) and the tables are built once. Rows that carry their file's path (files,
rejected_rows, row_warnings, file_schools, cleaned_cells) get the key from the path. Result
rows carry only the file's sha256, and identical bytes may sit in two folders, so their keys
come from the order in which the batch built them (file by file, as many rows as the file
loaded); the sha256 column is checked against that order, and if it does not match
(ingest.batch changed how it builds tables) the tables are rebuilt per partition instead,
slower but exact.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

import numpy as np
import pyarrow as pa

from ingest.batch import ParsedBatch, ValidatedBatch, _build_tables
from ingest.inbox import InboxFile
from ingest.load import PARTITION_COLUMN, PARTITIONED, with_partition
from ingest.reference import ReferenceTables

BY_PATH = {"files": "path", "rejected_rows": "path", "row_warnings": "path",
           "file_schools": "path", "cleaned_cells": "path"}


def _failed_rows(validated: ValidatedBatch) -> dict[str, set[int]]:
    failed: dict[str, set[int]] = defaultdict(set)
    for rows in validated.set_aside.values():
        for r in rows:
            failed[r["sha256"]].add(r["row_number"])
    return failed


def _row_counts(validated: ValidatedBatch) -> dict[str, list[tuple[str, int]]]:
    """Per result table, (sha256, rows) of each file in the order the batch added them."""
    failed = _failed_rows(validated)
    counts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for item, parsed in validated.parsed.files:
        if parsed.status != "parsed":
            continue
        bad = failed.get(item.sha256, set())
        kept = sum(1 for r in parsed.rows if r["row_number"] not in bad)
        counts[parsed.kind].append((item.sha256, kept))
        counts["criterion_scores"].append(
            (item.sha256, sum(1 for c in parsed.criteria if c[0] not in bad)))
    return counts


def _keys_in_order(table: pa.Table, files: list[tuple[str, int]], keys: list[str]) -> pa.Array | None:
    shas = np.repeat(np.array([s for s, _ in files], dtype=object), [n for _, n in files])
    if len(shas) != table.num_rows or (len(shas) and
                                       not np.array_equal(shas, np.array(table["sha256"].to_pylist(), dtype=object))):
        return None
    return pa.array(np.repeat(np.array(keys, dtype=object), [n for _, n in files]).tolist(), pa.string())


def _rebuild_per_partition(validated: ValidatedBatch, order: list[str],
                           key_of: Callable[[InboxFile], str]) -> dict[str, pa.Table]:
    batch = validated.parsed
    failed = _failed_rows(validated)
    aside_by_path: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for kind, rows in validated.set_aside.items():
        for r in rows:
            aside_by_path[r["path"]][kind].append(r)
    groups: dict[str, list] = defaultdict(list)
    for item, parsed in batch.files:
        groups[key_of(item)].append((item, parsed))
    pieces: dict[str, list[pa.Table]] = defaultdict(list)
    for key in order:
        files = groups.get(key, [])
        set_aside = {kind: [r for item, _ in files for r in aside_by_path[item.rel_path][kind]]
                     for kind in validated.set_aside}
        part = ParsedBatch(batch.archived, ReferenceTables(), files)
        for name, tbl in _build_tables(part, set_aside, failed).items():
            if name in PARTITIONED:
                pieces[name].append(with_partition(tbl, key))
    return {name: pa.concat_tables(tbls) for name, tbls in pieces.items()}


def tables_by_partition(validated: ValidatedBatch, keys: list[str],
                        key_of: Callable[[InboxFile], str]) -> dict[str, pa.Table]:
    """The batch's result tables with a partition_key column, plus its reference tables."""
    key_by_path = {item.rel_path: key_of(item) for item, _ in validated.parsed.files}
    key_by_sha_order = _row_counts(validated)
    file_keys = {name: [key_by_path[item.rel_path] for item, parsed in validated.parsed.files
                        if parsed.status == "parsed"
                        and (name == "criterion_scores" or parsed.kind == name)]
                 for name in PARTITIONED if name not in BY_PATH}
    tables: dict[str, pa.Table] = {}
    for name, tbl in validated.tables.items():
        if name not in PARTITIONED:
            tables[name] = tbl
        elif name in BY_PATH:
            column = [key_by_path[p] for p in tbl[BY_PATH[name]].to_pylist()]
            tables[name] = tbl.append_column(PARTITION_COLUMN, pa.array(column, pa.string()))
        else:
            column = _keys_in_order(tbl, key_by_sha_order.get(name, []), file_keys[name])
            if column is None:
                tables.update(_rebuild_per_partition(validated, keys, key_of))
                return {**tables, **{n: t for n, t in validated.tables.items()
                                     if n not in PARTITIONED}}
            tables[name] = tbl.append_column(PARTITION_COLUMN, column)
    return tables
