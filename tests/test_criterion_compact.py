"""CriterionStore.compact: after validation a batch's store keeps only the loaded scores,
and the criterion_scores table is cut from it without a copy (ingest/criterion_store.py)."""
import pyarrow as pa

from ingest.criterion_store import CriterionStore
from ingest.raw_schema import SCHEMAS


def test_compact_drops_set_aside_and_rejected_scores_and_moves_views():
    store = CriterionStore()
    # (row_number, column_no, label, max_points, points, not_done)
    a = store.add([(5, 3, "1", 1, 1, False), (5, 4, "2", 2, 0, True),
                   (6, 3, "1", 1, 0, False), (6, 4, "2", 2, None, None)], "Математика")
    gone = store.add([(5, 3, "1", 1, 1, False)], "Физика")    # a file rejected after reading
    b = store.add([(7, 3, "1", None, 2, False)], "Русский язык")
    assert (a.start, a.stop, gone.start, gone.stop, b.start, b.stop) == (0, 4, 4, 5, 5, 6)
    # file a's row 5 is set aside: its two scores go; the rejected file's one score goes;
    # 4 + 1 + 1 scores - 2 - 1 = 3 stay, a's row 6 first, then b's row 7
    store.compact([("aaa", a, {5}), ("bbb", b, set())])
    assert len(store) == 3
    assert (a.start, a.stop, b.start, b.stop) == (0, 2, 2, 3)
    assert list(a) == [(6, 3, "1", 1, 0, False), (6, 4, "2", 2, None, None)]
    assert list(b) == [(7, 3, "1", None, 2, False)]
    table = store.table([("aaa", a, set()), ("bbb", b, set())], SCHEMAS["criterion_scores"])
    assert table.to_pylist() == [
        {"sha256": "aaa", "row_number": 6, "subject": "Математика", "column_no": 3,
         "task_label": "1", "max_points": 1, "points": 0, "not_done": False},
        {"sha256": "aaa", "row_number": 6, "subject": "Математика", "column_no": 4,
         "task_label": "2", "max_points": 2, "points": None, "not_done": None},
        {"sha256": "bbb", "row_number": 7, "subject": "Русский язык", "column_no": 3,
         "task_label": "1", "max_points": None, "points": 2, "not_done": False},
    ]
    assert table.schema.field("row_number").type == pa.int64()
