"""A file's parsed rows kept column by column (ingest.batch.RowColumns), and the validation
frame's columns built from them (ingest.batch._frame_column). The frame's columns are built
through Arrow for speed and must come out exactly as pandas inferred them from the lists:
Great Expectations' rules read these dtypes (a text column as pandas' string dtype, a
whole-number column with gaps as float64, the parser's counts as float64, reported scores
as Int64)."""
from __future__ import annotations

import pandas as pd
import pytest

from ingest.batch import FIXED_DTYPES, RowColumns, _frame_column


def test_rows_become_columns_whatever_keys_each_row_has():
    uniform = [{"row_number": 5, "school_login": "sch1"}, {"row_number": 6, "school_login": "sch1"}]
    assert RowColumns(uniform).columns == {"row_number": [5, 6], "school_login": ["sch1", "sch1"]}
    # the same keys in another order, a key missing: the first row's order, gaps as None
    mixed = [{"a": 1, "b": 2}, {"b": 3, "a": 4}, {"a": 5}, {"c": 6}]
    rows = RowColumns(mixed)
    assert rows.columns == {"a": [1, 4, 5, None], "b": [2, 3, None, None], "c": [None, None, None, 6]}
    assert list(rows)[1] == {"a": 4, "b": 3, "c": None} and len(rows) == 4
    # repeated texts of a file are one object each
    logins = RowColumns([{"school_login": "".join(["sch", "1"])} for _ in range(3)]).column("school_login")
    assert logins[0] is logins[1] is logins[2]


def _as_pandas_inferred(key: str, values: list) -> pd.Series:
    series = pd.DataFrame({key: values})[key]
    return series.astype(FIXED_DTYPES[key]) if key in FIXED_DTYPES else series


@pytest.mark.parametrize("key, values", [
    ("pupil_code", ["А-1", None, "А-3"]),            # text with a gap
    ("row_number", [5, 6, 7]),                       # whole numbers
    ("journal_mark", [5, None, 3]),                  # whole numbers with a gap
    ("absent", [False, True, False]),
    ("textbook", [None, None, None]),                # nothing but gaps
    ("primary_score", [12, None, 0]),                # reported: Int64
    ("bad_cells", [0, 1, 0]),                        # the parser's count: float64
    ("criterion_excess", [None, 2, None]),
    ("mark_raw", ["5", 4, None]),                    # two kinds: left to pandas
])
def test_a_column_comes_out_as_pandas_inferred_it(key, values):
    built = pd.DataFrame({key: _frame_column(key, values)})[key]
    expected = _as_pandas_inferred(key, values)
    assert str(built.dtype) == str(expected.dtype)
    pd.testing.assert_series_equal(built, expected, check_exact=True)
