"""Great Expectations suite for per-pupil result rows (VPR, diagnostics, monitoring).

Each expectation is one rule of INPUTS.md; a row failing any of them is set aside with the
rule's Russian message, naming file, row, column and value. Suite order is the order in
which a row's reason is reported when it breaks several rules.
"""
from __future__ import annotations

from expectations.gx_import import import_gx
from expectations.gx_runner import Rule

KEY = ["sha256", "school_login", "pupil_code"]


def pupil_result_rules(known_schools: set[str]) -> list[Rule]:
    E = import_gx().expectations

    return [
        Rule("missing_pupil_code", "pupil_code", "код обучающегося",
             "Нет кода обучающегося; строка не может быть учтена.",
             lambda: E.ExpectColumnValuesToNotBeNull(column="pupil_code")),
        Rule("missing_school", "school_login", "логин школы",
             "Не указан логин школы; строка не может быть отнесена к школе.",
             lambda: E.ExpectColumnValuesToNotBeNull(column="school_login")),
        Rule("unknown_school", "school_login", "логин школы",
             "Школа «{value}» не найдена в реестре школ (reference/schools.csv).",
             lambda: E.ExpectColumnValuesToBeInSet(column="school_login",
                                                   value_set=sorted(known_schools))),
        Rule("bad_criterion_value", "bad_value", "@bad_column",
             "Балл за задание «{value}» не является целым неотрицательным числом или отметкой "
             "«Х» (не выполнял).",
             lambda: E.ExpectColumnValuesToBeBetween(column="bad_cells", max_value=0)),
        Rule("criterion_above_max", "excess_value", "@excess_column",
             "Балл за задание {value} больше максимального балла за это задание.",
             lambda: E.ExpectColumnValuesToBeBetween(column="criterion_excess", max_value=0)),
        Rule("score_above_scale_max", "primary_score", "первичный балл",
             "Первичный балл {value} больше максимального балла работы по шкале перевода.",
             lambda: E.ExpectColumnPairValuesAToBeGreaterThanB(
                 column_A="scale_max", column_B="primary_score", or_equal=True,
                 ignore_row_if="either_value_is_missing")),
        Rule("duplicate_pupil_code", "pupil_code", "код обучающегося",
             "Код обучающегося {value} встречается в файле несколько раз для одной школы; "
             "все такие строки отложены до исправления.",
             lambda: E.ExpectCompoundColumnsToBeUnique(column_list=KEY)),
    ]
