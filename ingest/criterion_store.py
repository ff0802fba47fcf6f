"""Every criterion score of a batch in a few flat typed arrays.

A region sends ≈18M criterion scores a year. As one Python tuple each they take ≈2 GB, and
as one small Arrow table per file ≈220 KB a file of allocator overhead (≈4 GB for 20,000
files, measured); here they take ≈15 bytes each: row number, points, column number and
maximum as machine integers, the task label and subject as indexes into small lists, the
file as its position in the batch. The raw table is built once, at the end, with set-aside
rows and rejected files filtered out in numpy.
"""
from __future__ import annotations

from array import array

import numpy as np
import pyarrow as pa

NULL = -(2 ** 31)  # a missing value (max_points unknown: no task specification for the paper)


class CriterionStore:
    def __init__(self) -> None:
        self.file = array("i")
        self.row_number = array("i")
        self.column_no = array("i")
        self.max_points = array("i")
        self.points = array("i")
        self.not_done = array("b")
        self.label = array("i")
        self.subject = array("i")
        self.labels: dict[str, int] = {}
        self.subjects: dict[str | None, int] = {}

    def __len__(self) -> int:
        return len(self.file)

    def add(self, file_index: int, criteria: list[tuple], subject_of_row) -> None:
        """criteria: (row_number, column_no, label, max_points, points, not_done) tuples of
        one file; subject_of_row: a subject for the whole file, or a dict row -> subject."""
        if not criteria:
            return
        rows, cols, labels, maxes, points, not_done = zip(*criteria)
        n = len(rows)
        self.file.extend(array("i", [file_index]) * n)
        self.row_number.extend(rows)
        self.column_no.extend(cols)
        self.max_points.extend(maxes if None not in maxes else [NULL if m is None else m for m in maxes])
        self.points.extend(points if None not in points else [NULL if p is None else p for p in points])
        self.not_done.extend(not_done)
        for text in set(labels):
            self.labels.setdefault(text, len(self.labels))
        self.label.extend(map(self.labels.__getitem__, labels))
        if isinstance(subject_of_row, dict):
            for s in set(subject_of_row.values()):
                self.subjects.setdefault(s, len(self.subjects))
            self.subject.extend(self.subjects[subject_of_row.get(r)] for r in rows)
        else:
            idx = self.subjects.setdefault(subject_of_row, len(self.subjects))
            self.subject.extend(array("i", [idx]) * n)

    def table(self, sha_of_file: list[str], included: set[int],
              set_aside: dict[int, set[int]], schema: pa.Schema) -> pa.Table:
        """The raw criterion_scores table: files in `included` only, without the rows
        set aside (file index -> row numbers). sha256, subject and task label come out
        dictionary-encoded; DuckDB stores them as VARCHAR all the same."""
        if not len(self):
            return schema.empty_table()
        f = np.frombuffer(self.file, dtype=np.int32)
        rn = np.frombuffer(self.row_number, dtype=np.int32)
        keep = np.isin(f, np.fromiter(included, dtype=np.int32, count=len(included)))
        bad = [(fi << 32) | r for fi, rows in set_aside.items() for r in rows]
        if bad:
            keys = (f.astype(np.int64) << 32) | rn.astype(np.int64)
            keep &= ~np.isin(keys, np.array(bad, dtype=np.int64))

        def dictionary(indices: np.ndarray, values: list) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(pa.array(indices[keep], pa.int32()),
                                                  pa.array(values, pa.string()))

        subjects = list(self.subjects)
        subject_idx = np.frombuffer(self.subject, dtype=np.int32)
        subject = dictionary(subject_idx, ["" if s is None else s for s in subjects])
        if None in self.subjects:       # a file without one subject: null, as before
            null_at = np.frombuffer(self.subject, dtype=np.int32)[keep] == self.subjects[None]
            subject = pa.DictionaryArray.from_arrays(
                pa.array(subject_idx[keep], pa.int32(), mask=null_at), subject.dictionary)
        mx = np.frombuffer(self.max_points, dtype=np.int32)[keep]
        pts = np.frombuffer(self.points, dtype=np.int32)[keep]
        return pa.table({
            "sha256": dictionary(f, sha_of_file),
            "row_number": pa.array(rn[keep].astype(np.int64)),
            "subject": subject,
            "column_no": pa.array(np.frombuffer(self.column_no, dtype=np.int32)[keep]),
            "task_label": dictionary(np.frombuffer(self.label, dtype=np.int32), list(self.labels)),
            "max_points": pa.array(mx, pa.int32(), mask=mx == NULL),
            "points": pa.array(pts, pa.int32(), mask=pts == NULL),
            "not_done": pa.array(np.frombuffer(self.not_done, dtype=np.int8)[keep].astype(bool)),
        })
