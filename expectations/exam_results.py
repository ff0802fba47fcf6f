"""Great Expectations suite for OGE/EGE protocol rows (INPUTS.md §5)."""
from __future__ import annotations

from expectations.gx_import import import_gx
from expectations.gx_runner import Rule
from ingest.exam_results import VALID_MARKS

KEY = ["sha256", "school_code", "pupil_code", "subject"]


def exam_result_rules() -> list[Rule]:
    E = import_gx().expectations

    return [
        Rule("missing_pupil_code", "pupil_code", "код участника",
             "Нет кода участника; строка не может быть учтена.",
             lambda: E.ExpectColumnValuesToNotBeNull(column="pupil_code")),
        Rule("unknown_school", "school_code", "код ОО",
             "Код ОО «{value}» не найден в реестре школ (столбцы «код ОГЭ» / «код ЕГЭ»).",
             lambda: E.ExpectColumnValuesToNotBeNull(column="school_login")),
        Rule("bad_primary_score", "primary_raw", "первичный балл",
             "Первичный балл «{value}» не является целым числом.",
             lambda: E.ExpectColumnValuesToNotBeNull(column="primary_score")),
        Rule("bad_task_string", "bad_value", "@bad_column",
             "Строка ответов «{value}» не распознана (ожидается «++-0» или «2(2)1(3)»).",
             lambda: E.ExpectColumnValuesToBeBetween(column="bad_cells", max_value=0)),
        Rule("criterion_above_max", "excess_value", "задания с развернутым ответом",
             "Балл за задание превышает максимальный на {value}.",
             lambda: E.ExpectColumnValuesToBeBetween(column="criterion_excess", max_value=0)),
        Rule("impossible_mark", "mark_raw", "отметка",
             "Отметка «{value}» невозможна: допускаются 2, 3, 4, 5.",
             lambda: E.ExpectColumnValuesToBeInSet(column="mark", value_set=list(VALID_MARKS))),
        Rule("test_score_out_of_range", "test_score", "тестовый балл",
             "Тестовый балл {value} вне диапазона 0–100.",
             lambda: E.ExpectColumnValuesToBeBetween(column="test_score", min_value=0, max_value=100)),
        Rule("score_above_scale_max", "primary_score", "первичный балл",
             "Первичный балл {value} больше максимального балла по шкале перевода.",
             lambda: E.ExpectColumnPairValuesAToBeGreaterThanB(
                 column_A="scale_max", column_B="primary_score", or_equal=True,
                 ignore_row_if="either_value_is_missing")),
        Rule("duplicate_pupil_code", "pupil_code", "код участника",
             "Участник {value} встречается в протоколе несколько раз по одному предмету.",
             lambda: E.ExpectCompoundColumnsToBeUnique(column_list=KEY)),
    ]
