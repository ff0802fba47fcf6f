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
from ingest.criterion_store import count_kept
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
        numbers = (parsed.rows.column("row_number") if hasattr(parsed.rows, "column")
                   else [r["row_number"] for r in parsed.rows])
        kept = len(numbers) - sum(1 for n in numbers if n in bad) if bad else len(numbers)
        counts[parsed.kind].append((item.sha256, kept))
        counts["criterion_scores"].append((item.sha256, count_kept(parsed.criteria, bad)))
    return counts


def _sha_codes(column: pa.ChunkedArray, code: dict[str, int]) -> np.ndarray | None:
    """The column's sha256 values as integer codes (-1 for one not in `code`), chunk by
    chunk through its dictionary: 18M Python strings would take ≈2 GB."""
    parts = []
    for chunk in column.chunks:
        if chunk.null_count:
            return None
        if not pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_encode()
        # int32: a batch has far fewer than 2^31 files, and 17M 8-byte codes beside the
        # expected ones were ≈0.3 GB of a region run's peak
        lut = np.array([code.get(v, -1) for v in chunk.dictionary.to_pylist()] or [-1], dtype=np.int32)
        parts.append(lut[chunk.indices.to_numpy(zero_copy_only=False)])
    if not parts:
        return np.empty(0, dtype=np.int32)
    # One chunk, the usual case, is returned as it is: concatenating would copy it.
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _runs_match(found: np.ndarray, codes: list[int], counts: list[int],
                block: int = 1 << 20) -> bool:
    """found == each code repeated its count, in order: compared a block of ≈1M rows at a
    time, not against a second 17.6M-row array (≈70 MB more at ingestion's peak)."""
    start = first = 0
    while first < len(codes):
        last, rows = first, 0
        while last < len(codes) and (rows < block or last == first):
            rows += counts[last]
            last += 1
        expected = np.repeat(np.array(codes[first:last], dtype=np.int32), counts[first:last])
        if not np.array_equal(found[start:start + rows], expected):
            return False
        start, first = start + rows, last
    return start == len(found)


def _keys_in_order(table: pa.Table, files: list[tuple[str, int]], keys: list[str]) -> pa.Array | None:
    counts = [n for _, n in files]
    if sum(counts) != table.num_rows:
        return None
    code = {sha: i for i, sha in enumerate(dict.fromkeys(s for s, _ in files))}
    if table.num_rows:
        found = _sha_codes(table["sha256"], code)
        if found is None or not _runs_match(found, [code[s] for s, _ in files], counts):
            return None
        del found
    # dictionary-encoded: a key per row as text would be ≈0.5 GB over a region's scores
    key_code = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    indices = np.repeat(np.array([key_code[k] for k in keys], dtype=np.int32), counts)
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()),
                                          pa.array(list(key_code), pa.string()))


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
