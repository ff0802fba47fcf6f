"""Great Expectations suites for the department's reference tables (INPUTS.md §6–§7): the
school registry (both layouts, after normalisation), grade scales, task specifications and
regional figures. A row that fails is left out of the table and reported in
raw.reference_problems with file, row, column and value; the rest of the table is used.
"""
from __future__ import annotations

from expectations.gx_import import import_gx
from expectations.gx_runner import Rule

LEVELS = ["базовый", "повышенный", "высокий"]


def school_rules() -> list[Rule]:
    E = import_gx().expectations

    return [
        Rule("registry_bad_login", "login", "логин",
             "Логин «{value}» не похож на логин ФИС ОКО (sch или edu и цифры).",
             lambda: E.ExpectColumnValuesToMatchRegex(column="login", regex=r"^sch\d+$")),
        Rule("registry_no_municipality", "municipality", "муниципалитет",
             "Не указан муниципалитет школы.",
             lambda: E.ExpectColumnValuesToNotBeNull(column="municipality")),
        Rule("registry_duplicate_oge_code", "oge_code", "код ОГЭ",
             "Код ОГЭ {value} указан у нескольких школ; результаты ОГЭ нельзя отнести к школе.",
             lambda: E.ExpectColumnValuesToBeUnique(column="oge_code")),
        Rule("registry_duplicate_ege_code", "ege_code", "код ЕГЭ",
             "Код ЕГЭ {value} указан у нескольких школ; результаты ЕГЭ нельзя отнести к школе.",
             lambda: E.ExpectColumnValuesToBeUnique(column="ege_code")),
    ]


def _ordered(code: str, low: str, high: str, column: str, message: str) -> Rule:
    E = import_gx().expectations

    return Rule(code, high, column, message,
                lambda: E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=high, column_B=low, or_equal=False,
                    ignore_row_if="either_value_is_missing"))


def scale_rules() -> list[Rule]:
    E = import_gx().expectations

    return [
        Rule("scale_bad_max", "max_score", "max_score",
             "Максимальный балл {value} невозможен (ожидается от 1 до 1000).",
             lambda: E.ExpectColumnValuesToBeBetween(column="max_score", min_value=1, max_value=1000)),
        _ordered("scale_marks_not_increasing", "min_3", "min_4", "min_4",
                 "Нижняя граница отметки «4» ({value}) должна быть больше границы «3»."),
        _ordered("scale_marks_not_increasing", "min_4", "min_5", "min_5",
                 "Нижняя граница отметки «5» ({value}) должна быть больше границы «4»."),
        Rule("scale_above_max", "min_5", "min_5",
             "Нижняя граница отметки «5» ({value}) больше максимального балла.",
             lambda: E.ExpectColumnPairValuesAToBeGreaterThanB(
                 column_A="max_score", column_B="min_5", or_equal=True,
                 ignore_row_if="either_value_is_missing")),
    ]


def task_rules() -> list[Rule]:
    E = import_gx().expectations

    return [
        Rule("task_bad_max", "max_points", "max_points",
             "Максимальный балл за задание {value} невозможен (ожидается от 1 до 100).",
             lambda: E.ExpectColumnValuesToBeBetween(column="max_points", min_value=1, max_value=100)),
        Rule("task_bad_level", "level", "level",
             "Уровень «{value}» неизвестен (ожидается базовый, повышенный или высокий).",
             lambda: E.ExpectColumnValuesToBeInSet(column="level", value_set=LEVELS)),
    ]


def regional_rules() -> list[Rule]:
    E = import_gx().expectations

    rules = [
        Rule("regional_bad_participants", "participants", "participants",
             "Число участников {value} невозможно.",
             lambda: E.ExpectColumnValuesToBeBetween(column="participants", min_value=0)),
        Rule("regional_bad_sd", "sd_score", "sd_score",
             "Стандартное отклонение {value} не может быть отрицательным.",
             lambda: E.ExpectColumnValuesToBeBetween(column="sd_score", min_value=0)),
    ]
    for mark in (2, 3, 4, 5):
        col = f"pct_{mark}"
        rules.append(Rule("regional_bad_share", col, col, f"Доля отметки «{mark}» {{value}} вне 0–100 %.",
                          lambda col=col: E.ExpectColumnValuesToBeBetween(column=col, min_value=0,
                                                                          max_value=100)))
    return rules


# ReferenceTables attribute -> its suite
SUITES = {"schools": school_rules, "scales": scale_rules, "tasks": task_rules,
          "regional_figures": regional_rules}
