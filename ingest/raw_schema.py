"""Arrow schemas of the raw tables ingestion writes into the warehouse (schema `raw`).

Explicit schemas keep the column types identical whether a run saw one file or 20,000, or
none at all: dbt models never meet a table whose type drifted with the data.
"""
from __future__ import annotations

import pyarrow as pa

_FILE_CONTEXT = [
    ("sha256", pa.string()), ("academic_year", pa.string()), ("window", pa.string()),
    ("procedure", pa.string()), ("subject", pa.string()), ("grade", pa.int32()),
    ("year", pa.int32()), ("received_at", pa.timestamp("us", tz="UTC")),
]

SCHEMAS: dict[str, pa.Schema] = {
    "files": pa.schema([
        ("path", pa.string()), ("sha256", pa.string()), ("received_at", pa.timestamp("us", tz="UTC")),
        ("size_bytes", pa.int64()), ("academic_year", pa.string()), ("window", pa.string()),
        ("school_folder", pa.string()), ("kind", pa.string()), ("procedure", pa.string()),
        ("subject", pa.string()), ("grade", pa.int32()), ("year", pa.int32()),
        ("school_login", pa.string()), ("parse_status", pa.string()), ("reject_code", pa.string()),
        ("message", pa.string()), ("sheet", pa.string()), ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()), ("rows_set_aside", pa.int64()),
        ("dropped_name_columns", pa.string()), ("warnings", pa.int64()),
        ("cleaned_cells", pa.int64()),
    ]),
    "cleaned_cells": pa.schema([
        ("sha256", pa.string()), ("path", pa.string()), ("kind", pa.string()), ("cells", pa.int64()),
    ]),
    "pupil_results": pa.schema(_FILE_CONTEXT + [
        ("row_number", pa.int64()), ("school_login", pa.string()), ("region_text", pa.string()),
        ("pupil_code", pa.string()), ("variant", pa.string()), ("absent", pa.bool_()),
        ("class_letter", pa.string()), ("gender", pa.string()), ("journal_mark", pa.int32()),
        ("file_total", pa.int32()), ("primary_score", pa.int32()), ("textbook", pa.string()),
    ]),
    "exam_results": pa.schema(_FILE_CONTEXT + [
        ("row_number", pa.int64()), ("school_code", pa.string()), ("school_login", pa.string()),
        ("pupil_code", pa.string()), ("primary_score", pa.int32()), ("test_score", pa.int32()),
        ("mark", pa.int32()), ("annual_mark", pa.int32()),
    ]),
    "criterion_scores": pa.schema([
        ("sha256", pa.string()), ("row_number", pa.int64()), ("subject", pa.string()),
        ("column_no", pa.int32()), ("task_label", pa.string()), ("max_points", pa.int32()),
        ("points", pa.int32()), ("not_done", pa.bool_()),
    ]),
    "rejected_rows": pa.schema([
        ("sha256", pa.string()), ("path", pa.string()), ("sheet", pa.string()),
        ("row_number", pa.int64()), ("column_name", pa.string()), ("value", pa.string()),
        ("rule", pa.string()), ("message", pa.string()), ("school_login", pa.string()),
    ]),
    "row_warnings": pa.schema([
        ("sha256", pa.string()), ("path", pa.string()), ("sheet", pa.string()),
        ("row_number", pa.int64()), ("column_name", pa.string()), ("value", pa.string()),
        ("rule", pa.string()), ("message", pa.string()),
    ]),
    "ref_schools": pa.schema([
        ("login", pa.string()), ("name", pa.string()), ("municipality", pa.string()),
        ("oge_code", pa.string()), ("ege_code", pa.string()), ("kind", pa.string()),
        ("settlement", pa.string()), ("pupils", pa.int32()),
    ]),
    "ref_scales": pa.schema([
        ("year", pa.int32()), ("procedure", pa.string()), ("grade", pa.int32()),
        ("subject", pa.string()), ("max_score", pa.int32()), ("min_3", pa.int32()),
        ("min_4", pa.int32()), ("min_5", pa.int32()), ("source", pa.string()), ("origin", pa.string()),
    ]),
    "ref_tasks": pa.schema([
        ("year", pa.int32()), ("procedure", pa.string()), ("grade", pa.int32()),
        ("subject", pa.string()), ("column_no", pa.int32()), ("task_label", pa.string()),
        ("max_points", pa.int32()), ("level", pa.string()), ("section", pa.string()),
        ("skill", pa.string()), ("origin", pa.string()),
    ]),
    "ref_ege_to_mark": pa.schema([
        ("year", pa.int32()), ("subject", pa.string()), ("min_3", pa.int32()),
        ("min_4", pa.int32()), ("min_5", pa.int32()), ("origin", pa.string()),
    ]),
    "ref_regional_figures": pa.schema([
        ("year", pa.int32()), ("procedure", pa.string()), ("grade", pa.int32()),
        ("subject", pa.string()), ("participants", pa.int64()), ("mean_score", pa.float64()),
        ("sd_score", pa.float64()), ("pct_2", pa.float64()), ("pct_3", pa.float64()),
        ("pct_4", pa.float64()), ("pct_5", pa.float64()), ("origin", pa.string()),
    ]),
    "file_schools": pa.schema([
        ("sha256", pa.string()), ("path", pa.string()), ("school_login", pa.string()),
        ("rows_read", pa.int64()), ("rows_loaded", pa.int64()), ("rows_set_aside", pa.int64()),
        ("warnings", pa.int64()),
    ]),
    "reference_problems": pa.schema([("file", pa.string()), ("message", pa.string())]),
}


def table(name: str, rows: list[dict]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
