"""Every criterion score of a batch in a few flat typed arrays.

A region sends ≈18M criterion scores a year. As one Python tuple each they take ≈2 GB, and
as one small Arrow table per file ≈220 KB a file of allocator overhead (≈4 GB for 20,000
files, measured on h/bench); here they take ≈25 bytes each: row number, points, column
number and maximum as machine integers, the task label and subject as indexes into small
lists. A parsed file keeps only a `CriterionRows` view of its own stretch of the store, so
any subset of a batch's files (a partition's sub-batch) still builds its own table; the raw
table is built once per call, with set-aside rows and rejected files filtered out in numpy.
"""
from __future__ import annotations

from array import array

import numpy as np
import pyarrow as pa

NULL = -(2 ** 31)  # a missing value (max_points unknown: no task specification for the paper)
# The store's array typecodes as numpy dtypes, to work on its columns in place.
NUMPY_TYPES = {"q": np.int64, "i": np.int32, "b": np.int8}
# sha256 too: as plain text it took 68 bytes a score, 1.2 GB of a region's 18M scores
# (ingest.partitioned compares it as integer codes, never as Python strings)
ENCODED = ("sha256", "subject", "task_label")


def encoded_schema(schema: pa.Schema, names=ENCODED) -> pa.Schema:
    """The raw schema with the repeated texts `names` dictionary-encoded, as every table
    built here has it (also when empty, so a partition's tables concatenate with the
    others); ingest.batch encodes the result tables' repeated texts the same way."""
    return pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), f.type))
                      if f.name in names else f for f in schema])


class CriterionStore:
    def __init__(self) -> None:
        self.row_number = array("q")
        self.column_no = array("i")
        self.max_points = array("i")
        self.points = array("i")
        self.not_done = array("b")      # 1 / 0, -1 for a missing value
        self.label = array("i")
        self.subject = array("i")
        self.labels: dict[str | None, int] = {}
        self.subjects: dict[str | None, int] = {}

    def __len__(self) -> int:
        return len(self.row_number)

    def add(self, criteria: list[tuple], subject_of_row) -> "CriterionRows":
        """criteria: (row_number, column_no, label, max_points, points, not_done) tuples of
        one file; subject_of_row: a subject for the whole file, or a dict row -> subject.
        Returns the file's view of what was stored."""
        start = len(self)
        if not criteria:
            return CriterionRows(self, start, start)
        if isinstance(criteria, CriterionColumns):
            return self._add_columns(criteria, subject_of_row)
        rows, cols, labels, maxes, points, not_done = zip(*criteria)
        n = len(rows)
        self.row_number.extend(rows)
        self.column_no.extend(cols)
        self.max_points.extend(maxes if None not in maxes else [NULL if m is None else m for m in maxes])
        self.points.extend(points if None not in points else [NULL if p is None else p for p in points])
        self.not_done.extend(not_done if None not in not_done else
                             [-1 if d is None else int(bool(d)) for d in not_done])
        for text in dict.fromkeys(labels):
            self.labels.setdefault(text, len(self.labels))
        self.label.extend([self.labels[text] for text in labels])
        self._add_subjects(subject_of_row, rows)
        return CriterionRows(self, start, start + n)

    def _add_columns(self, c: "CriterionColumns", subject_of_row) -> "CriterionRows":
        """A file's scores handed over as arrays: appended as machine integers in bulk."""
        start, n = len(self), len(c)
        self.row_number.frombytes(np.ascontiguousarray(c.row_number, dtype=np.int64).tobytes())
        self.column_no.frombytes(np.ascontiguousarray(c.column_no, dtype=np.int32).tobytes())
        self.max_points.frombytes(np.ascontiguousarray(c.max_points, dtype=np.int32).tobytes())
        self.points.frombytes(np.ascontiguousarray(c.points, dtype=np.int32).tobytes())
        self.not_done.frombytes(np.ascontiguousarray(c.not_done, dtype=np.int8).tobytes())
        to_store = np.array([self.labels.setdefault(text, len(self.labels)) for text in c.labels],
                            dtype=np.int32)
        self.label.frombytes(to_store[c.label].tobytes())
        self._add_subjects(subject_of_row, c.row_number.tolist())
        return CriterionRows(self, start, start + n)

    def _add_subjects(self, subject_of_row, rows) -> None:
        """The subject of each added score: one for the whole file, or looked up by its row
        number in a dict row -> subject (None for a row the dict does not name)."""
        if isinstance(subject_of_row, dict):
            for s in dict.fromkeys(subject_of_row.values()):
                self.subjects.setdefault(s, len(self.subjects))
            missing = self.subjects.setdefault(None, len(self.subjects))
            index = {r: self.subjects[s] for r, s in subject_of_row.items()}
            self.subject.extend([index.get(r, missing) for r in rows])
        else:
            idx = self.subjects.setdefault(subject_of_row, len(self.subjects))
            self.subject.extend(array("i", [idx]) * len(rows))

    def _label_list(self) -> list:
        if getattr(self, "_labels_cache", (None, -1))[1] != len(self.labels):
            self._labels_cache = (list(self.labels), len(self.labels))
        return self._labels_cache[0]

    def compact(self, pieces: list[tuple[str, "CriterionRows", set[int]]]) -> None:
        """Keep only the scores of `pieces` — (sha256, a view, row numbers set aside) in
        store order — that are not on a set-aside row, moved to the front in that order,
        and point each view at its new stretch. Only for pieces holding every view into
        the store (a batch's validated files): any other view would point at moved
        scores. The raw table of the compacted pieces is then the store itself, shared
        without a copy (a region's scores were ≈0.4 GB in the store and ≈0.55 GB again
        in the table)."""
        pieces = [p for p in pieces if len(p[1])]
        if any(v.store is not self for _, v, _ in pieces) or \
                any(b[1].start < a[1].stop for a, b in zip(pieces, pieces[1:])):
            raise ValueError("compact: views of another store, or out of store order")
        columns = [np.frombuffer(a, dtype=NUMPY_TYPES[a.typecode]) for a in self._arrays()]
        row_numbers, col = columns[0], None
        to = 0
        for _, view, bad in pieces:
            start, stop = view.start, view.stop
            if bad:
                keep = ~np.isin(row_numbers[start:stop], np.fromiter(bad, dtype=np.int64))
                n = int(keep.sum())
                for col in columns:
                    col[to:to + n] = col[start:stop][keep]
            else:
                n = stop - start
                if to != start:
                    for col in columns:
                        col[to:to + n] = col[start:stop]      # to < start: a left move
            view.start, view.stop = to, to + n
            to += n
        del columns, row_numbers, col        # numpy views export the arrays' buffers
        if to < len(self):
            for a in self._arrays():
                del a[to:]

    def _arrays(self) -> list[array]:
        return [self.row_number, self.column_no, self.max_points, self.points, self.not_done,
                self.label, self.subject]

    def table(self, pieces: list[tuple[str, "CriterionRows", set[int]]],
              schema: pa.Schema) -> pa.Table:
        """The raw criterion_scores table of `pieces` — (sha256, a file's view into this
        store, row numbers set aside) in file order — without the set-aside rows. Subject
        and task label come out dictionary-encoded; DuckDB stores them as VARCHAR
        all the same."""
        pieces = [p for p in pieces if len(p[1])]
        schema = encoded_schema(schema)
        if not pieces:
            return schema.empty_table()
        # The pieces' stretches of the store, and which scores stay: slices and one boolean
        # mask instead of an index per score (five 8-byte temporaries of 17M scores were
        # ≈0.6 GB of a region's peak).
        starts = np.array([v.start for _, v, _ in pieces], dtype=np.int64)
        lengths = np.array([len(v) for _, v, _ in pieces], dtype=np.int64)
        contiguous = bool((starts[1:] == starts[:-1] + lengths[:-1]).all())
        row_numbers = np.frombuffer(self.row_number, dtype=np.int64)
        keep = None
        offset = 0
        for _, v, rows in pieces:
            if rows:
                if keep is None:
                    keep = np.ones(int(lengths.sum()), dtype=bool)
                keep[offset:offset + len(v)] = ~np.isin(row_numbers[v.start:v.stop],
                                                        np.fromiter(rows, dtype=np.int64))
            offset += len(v)
        file_no = np.repeat(np.arange(len(pieces), dtype=np.int32), lengths)
        if contiguous:
            first, last = int(starts[0]), int(starts[-1] + lengths[-1])
            take = (lambda a: a[first:last]) if keep is None else (lambda a: a[first:last][keep])
        else:
            idx = np.concatenate([np.arange(v.start, v.stop, dtype=np.int64) for _, v, _ in pieces])
            if keep is not None:
                idx = idx[keep]
            take = lambda a: a[idx]     # noqa: E731
        if keep is not None:
            file_no = file_no[keep]
        rn = take(row_numbers)

        def column(store: array) -> np.ndarray:
            return take(np.frombuffer(store, dtype=np.int32))

        def dictionary(indices: np.ndarray, values: list) -> pa.DictionaryArray:
            nulls = [i for i, v in enumerate(values) if v is None]
            mask = np.isin(indices, nulls) if nulls else None
            return pa.DictionaryArray.from_arrays(
                pa.array(indices, pa.int32(), mask=mask),
                pa.array(["" if v is None else v for v in values], pa.string()))

        mx, pts = column(self.max_points), column(self.points)
        nd = take(np.frombuffer(self.not_done, dtype=np.int8))
        return pa.table({
            "sha256": dictionary(file_no, [sha for sha, _, _ in pieces]),
            "row_number": pa.array(rn, pa.int64()),
            "subject": dictionary(column(self.subject), list(self.subjects)),
            "column_no": pa.array(column(self.column_no), pa.int32()),
            "task_label": dictionary(column(self.label), list(self.labels)),
            "max_points": pa.array(mx, pa.int32(), mask=mx == NULL),
            "points": pa.array(pts, pa.int32(), mask=pts == NULL),
            "not_done": pa.array(nd == 1, pa.bool_(), mask=nd == -1),
        }, schema=schema)


class CriterionRows:
    """One file's criterion scores: a stretch of a CriterionStore. Sized and iterable as
    the parser's list of tuples was, for callers that count or walk them."""

    __slots__ = ("store", "start", "stop")

    def __init__(self, store: CriterionStore, start: int, stop: int):
        self.store, self.start, self.stop = store, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __iter__(self):
        # whole columns sliced at once: partition tagging walks every score of the batch
        s, a, b = self.store, self.start, self.stop
        labels = s._label_list()
        mx, pts, nd = s.max_points[a:b], s.points[a:b], s.not_done[a:b]
        return zip(s.row_number[a:b], s.column_no[a:b], map(labels.__getitem__, s.label[a:b]),
                   mx if NULL not in mx else [None if m == NULL else m for m in mx],
                   pts if NULL not in pts else [None if p == NULL else p for p in pts],
                   map(bool, nd) if -1 not in nd else [None if d == -1 else d == 1 for d in nd])


class CriterionColumns:
    """One file's criterion scores as the parser computed them, column-wise (numpy): what
    `CriterionStore.add` takes without a Python tuple per score. Sized and iterable as
    (row_number, column_no, label, max_points, points, not_done) tuples, like the list of
    tuples a parser may also hand over."""

    __slots__ = ("row_number", "column_no", "label", "labels", "max_points", "points", "not_done")

    def __init__(self, row_number: np.ndarray, column_no: np.ndarray, label: np.ndarray,
                 labels: list[str], max_points: np.ndarray, points: np.ndarray,
                 not_done: np.ndarray):
        # label: indexes into labels; max_points: NULL where the maximum is unknown
        self.row_number, self.column_no, self.label, self.labels = row_number, column_no, label, labels
        self.max_points, self.points, self.not_done = max_points, points, not_done

    def __len__(self) -> int:
        return len(self.row_number)

    def __repr__(self) -> str:      # the scores themselves, as the list of tuples showed them
        return f"CriterionColumns({list(self)!r})"

    def __iter__(self):
        labels = self.labels
        return zip(self.row_number.tolist(), self.column_no.tolist(),
                   [labels[i] for i in self.label.tolist()],
                   [None if m == NULL else m for m in self.max_points.tolist()],
                   self.points.tolist(), self.not_done.astype(bool).tolist())


def count_kept(criteria, bad: set[int]) -> int:
    """How many of a file's scores are not on a set-aside row (numpy on a store view: a
    region's 18M scores are never walked one by one)."""
    if not bad:
        return len(criteria)
    if isinstance(criteria, CriterionRows):
        rows = np.frombuffer(criteria.store.row_number, dtype=np.int64)[criteria.start:criteria.stop]
        return int(len(rows) - np.isin(rows, np.fromiter(bad, dtype=np.int64)).sum())
    return sum(1 for c in criteria if c[0] not in bad)
