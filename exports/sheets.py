"""The workbook's sheets beyond the annex: objectivity, ШНОР, VPR against the journal, task
solvability, the load report. Each writer returns None, or a note for the title block when
the table it presents is not in the warehouse."""
from __future__ import annotations

from exports.cells import (LEVEL_RU, MIN_PUBLISHED, paper_label, write_cell, write_measure,
                           write_text)
from exports.tables import SUPPRESSED, write_table, write_title
from exports.texts import COLUMN_RU, FLAGS_SHEET, check_meaning, check_name
from exports.warehouse_reads import columns, missing_note
from exports.objectivity_charts import flagged_schools_sheet

LEVEL_ORDER = "case level when 'region' then 0 when 'municipality' then 1 else 2 end"


def _suppress(value, n):
    return SUPPRESSED if n is not None and n < MIN_PUBLISHED else value


def objectivity_index_sheet(wb, fmt, con, year, names, tables):
    sheet = "Индекс объективности"
    if "marts.objectivity_index" not in tables:
        return missing_note("marts.objectivity_index", sheet)
    ws = wb.add_worksheet(sheet)
    top = write_title(ws, fmt, f"Индекс объективности результатов, {year} учебный год", [
        "Индекс = 100 − доля школ (в %), у которых выявлен хотя бы один признак O1–O3 "
        "(методика Рособрнадзора). Учитываются школы, участвовавшие в работах, к которым "
        "применяются эти проверки."])
    rows = con.execute(f"""
        select level, municipality, schools_total, schools_flagged, index_value
        from marts.objectivity_index where academic_year = ?
        order by {LEVEL_ORDER}, municipality""", [year]).fetchall()
    r = write_table(ws, fmt, top, ["Уровень", "Муниципалитет", "Школ оценено",
                                   "Школ с признаками", "Индекс объективности"],
                    ["text", "text", "int", "int", "num"],
                    [(LEVEL_RU.get(l, l), m or "регион", t, f, v) for l, m, t, f, v in rows],
                    [16, 28, 14, 16, 16], autofilter=False)
    if "marts.stably_objective_schools" in tables:
        stable = con.execute("""
            select municipality, school_login, years_clean from marts.stably_objective_schools
            where academic_year = ? order by municipality, school_login""", [year]).fetchall()
        write_text(ws, r + 1, 0, "Стабильно объективные школы (без признаков три года подряд; "
                                 "их опыт распространяется, п. 7.5 положения)", fmt, "subtitle")
        write_table(ws, fmt, r + 2, ["Муниципалитет", "Школа", "Логин", "Лет без признаков"],
                    ["text", "text", "text", "int"],
                    [(m, names.get(s, s), s, y) for m, s, y in stable],
                    [16, 28, 14, 16], freeze=False, autofilter=False)
    return None


def objectivity_flags_sheet(wb, fmt, con, year, names, tables):
    sheet = FLAGS_SHEET
    if "marts.objectivity_flags" not in tables:
        return missing_note("marts.objectivity_flags", sheet)
    counts = dict(con.execute("""select status, count(*) from marts.objectivity_flags
                                 where academic_year = ? group by 1""", [year]).fetchall())
    ws = wb.add_worksheet(sheet)
    top = write_title(ws, fmt, f"Признаки необъективности результатов, {year} учебный год", [
        f"Показаны выявленные признаки: {counts.get('flagged', 0)}. Проверок без признака: "
        f"{counts.get('ok', 0)}; недостаточно данных (менее 10 участников): "
        f"{counts.get('insufficient_data', 0)}. O1–O3 — методика Рособрнадзора, O4–O6 — "
        f"дополнительные проверки МСОКО."])
    rows = con.execute("""
        select municipality, school_login, procedure, grade, subject, "window", check_code,
               statistic, threshold, n_participants, details
        from marts.objectivity_flags where academic_year = ? and flagged
        order by municipality, school_login, check_code, procedure, grade, subject""",
                       [year]).fetchall()
    write_table(ws, fmt, top, ["Муниципалитет", "Школа", "Логин", "Работа", "Окно", "Признак",
                               "Что это значит", "Значение", "Порог", "Участников",
                               "Подробности"],
                ["text", "text", "text", "text", "text", "text", "text", "num", "num", "int",
                 "text"],
                [(m, names.get(s, s), s, paper_label(p, g, subj), w,
                  f"{c} — {check_name(c)}", check_meaning(c), st, th, n, d)
                 for m, s, p, g, subj, w, c, st, th, n, d in rows],
                [20, 30, 11, 28, 12, 30, 50, 10, 10, 11, 50])
    return None


def low_results_sheet(wb, fmt, con, year, names, tables):
    sheet = "ШНОР"
    if "marts.low_results_schools" not in tables:
        return missing_note("marts.low_results_schools", sheet)
    ws = wb.add_worksheet(sheet)
    top = write_title(ws, fmt, f"Школы с низкими результатами обучения (ШНОР), {year} учебный год", [
        "Школа входит в список, если не менее 30% её участников не достигли минимального "
        "результата в двух и более работах за год или в одной и той же работе два года подряд "
        "(учитываются работы с числом участников не менее 10)."])
    rows = con.execute("""select municipality, school_login, reason, procedures
                          from marts.low_results_schools where academic_year = ?
                          order by municipality, school_login""", [year]).fetchall()
    write_table(ws, fmt, top, ["Муниципалитет", "Школа", "Логин", "Основание", "Работы"],
                ["text"] * 5,
                [(m, names.get(s, s), s, reason, procs) for m, s, reason, procs in rows],
                [20, 34, 11, 50, 60])
    return None


def vpr_journal_sheet(wb, fmt, con, year, names, tables):
    sheet = "ВПР и журнал"
    if "marts.vpr_mark_vs_journal" not in tables:
        return missing_note("marts.vpr_mark_vs_journal", sheet)
    ws = wb.add_worksheet(sheet)
    top = write_title(ws, fmt, f"Сравнение отметок ВПР с отметками по журналу, {year} учебный год", [
        "Понизили — отметка за ВПР ниже отметки в журнале; Подтвердили — совпала; Повысили — "
        "выше. Доля от участников с отметкой в журнале (форма ФИС ОКО)."])
    rows = con.execute(f"""
        select level, municipality, school_login, grade, subject, lowered, lowered_pct,
               confirmed, confirmed_pct, raised, raised_pct, total
        from marts.vpr_mark_vs_journal where academic_year = ?
        order by grade, subject, {LEVEL_ORDER}, municipality, school_login""", [year]).fetchall()
    out = []
    for level, m, s, g, subj, lo, lo_p, co, co_p, ra, ra_p, total in rows:
        shown = [_suppress(v, total) for v in (lo, lo_p, co, co_p, ra, ra_p)]
        out.append((LEVEL_RU.get(level, level), m or "регион", names.get(s, s) if s else "",
                    g, subj, *shown, total))
    write_table(ws, fmt, top, ["Уровень", "Муниципалитет", "Школа", "Класс", "Предмет",
                               "Понизили, чел.", "Понизили, %", "Подтвердили, чел.",
                               "Подтвердили, %", "Повысили, чел.", "Повысили, %", "Всего"],
                ["text", "text", "text", "int", "text", "int", "pct", "int", "pct", "int",
                 "pct", "int"],
                out, [14, 20, 32, 7, 16, 10, 10, 11, 11, 10, 10, 8])
    return None


def solvability_sheet(wb, fmt, con, year, names, tables):
    """Task solvability the way FIS OKO prints it: a block per paper, the tasks across and
    the region, municipalities and schools down. One row per school × paper instead of one
    per school × task: ≈8× fewer cells, which is most of the workbook's time at region size
    (274,648 rows × 11 columns before)."""
    sheet = "Решаемость заданий"
    if "marts.task_solvability" not in tables:
        return missing_note("marts.task_solvability", sheet)
    ws = wb.add_worksheet(sheet)
    r = write_title(ws, fmt, f"Решаемость заданий (коэффициент решаемости), {year} учебный год", [
        "Решаемость — доля набранных баллов от максимально возможных по заданию. Достаточный "
        "уровень: не ниже 60% для заданий базового уровня, не ниже 30% для повышенного; "
        "ниже достаточного — красным."])
    # One row per paper × unit with its tasks as lists (≈35,000 rows at region size rather
    # than 275,000 task rows turned into Python tuples one by one), and the tasks' labels
    # per paper from the first unit in the sheet's order (the region's).
    units = con.execute(f"""
        select procedure, grade, subject, level, municipality, school_login,
               coalesce(max(participants), 0),
               list(column_no order by column_no), list(solvability_pct order by column_no),
               list(sufficient order by column_no), list(participants order by column_no)
        from marts.task_solvability where academic_year = ?
        group by procedure, grade, subject, level, municipality, school_login
        order by procedure, grade, subject, {LEVEL_ORDER}, municipality, school_login""",
                        [year]).fetchall()
    tasks = con.execute(f"""
        select procedure, grade, subject, column_no,
               first(task_label order by {LEVEL_ORDER}, municipality, school_login),
               first(criterion_level order by {LEVEL_ORDER}, municipality, school_login),
               first(max_points order by {LEVEL_ORDER}, municipality, school_login)
        from marts.task_solvability where academic_year = ?
        group by procedure, grade, subject, column_no""", [year]).fetchall()
    papers: dict[tuple, dict] = {}
    for p, g, subj, level, m, s, n, cols, pcts, oks, ns in units:
        paper = papers.setdefault((p, g, subj), {"tasks": {}, "units": {}})
        paper["units"][(level, m, s)] = {"n": n, "cells": dict(zip(cols, zip(pcts, oks, ns)))}
    for p, g, subj, col, task, clevel, mx in tasks:
        papers[(p, g, subj)]["tasks"][col] = (task, clevel, mx)
    widest = 0
    for (p, g, subj), paper in papers.items():
        cols = sorted(paper["tasks"])
        widest = max(widest, len(cols))
        write_text(ws, r, 0, paper_label(p, g, subj), fmt, "subtitle")
        r += 1
        for c, text in enumerate(["Уровень", "Муниципалитет", "Школа", "Участников"]
                                 + [str(paper["tasks"][k][0]) for k in cols]):
            write_text(ws, r, c, text, fmt, "header")
        for label, i in (("Уровень сложности", 1), ("Макс. балл", 2)):
            r += 1
            write_text(ws, r, 3, label, fmt, "key")
            for c, k in enumerate(cols, start=4):
                write_cell(ws, r, c, paper["tasks"][k][i], fmt)
        for (level, m, s), unit in paper["units"].items():
            r += 1
            write_text(ws, r, 0, LEVEL_RU.get(level, level), fmt)
            write_text(ws, r, 1, m or "регион", fmt)
            write_text(ws, r, 2, names.get(s, s) if s else "", fmt)
            write_cell(ws, r, 3, unit["n"], fmt)
            for c, k in enumerate(cols, start=4):
                pct, ok, n = unit["cells"].get(k, (None, None, None))
                write_measure(ws, r, c, pct, "%", fmt, suppressed=_suppress(pct, n) is SUPPRESSED,
                              alarm=ok is False)
        r += 2
    for c, w in enumerate([14, 20, 32, 11] + [9] * widest):
        ws.set_column(c, c, w)
    ws.freeze_panes(0, 3)           # the tasks scroll, the school stays in view
    return None


def load_report_sheet(wb, fmt, con, year, names, tables):
    sheet = "Отчёт о загрузке"
    if "audit.load_report" not in tables:
        return missing_note("audit.load_report", sheet)
    cols = columns(con, "audit.load_report")
    where = "where academic_year = ?" if "academic_year" in cols else ""
    order = ", ".join(f'"{c}"' for c in ("window", "municipality", "school_login") if c in cols) or "1"
    rows = con.execute(f"select * from audit.load_report {where} order by {order}",
                       [year] if where else []).fetchall()
    ws = wb.add_worksheet(sheet)
    top = write_title(ws, fmt, f"Отчёт о загрузке по окнам и школам, {year} учебный год", [
        "Какие файлы каждая школа прислала в каждое окно оценочных процедур, что принято и что "
        "нужно прислать повторно. Список файлов с их SHA-256 — на листе «Загрузка»."])
    header = [COLUMN_RU.get(c, c) for c in cols]
    if "school_login" in cols:
        at = cols.index("school_login") + 1
        header.insert(at, "Школа")
        rows = [(*r[:at], names.get(r[at - 1], r[at - 1] or ""), *r[at:]) for r in rows]
    kinds = ["auto"] * len(header)
    write_table(ws, fmt, top, header, kinds, rows, [max(12, min(40, len(h) + 4)) for h in header])
    return None


SHEETS = [objectivity_index_sheet, objectivity_flags_sheet, flagged_schools_sheet, low_results_sheet,
          vpr_journal_sheet, solvability_sheet, load_report_sheet]
