"""A one-page report per school for its director, as HTML: it opens in any browser without
Excel, prints on one A4 page, and a director can forward it as it is. The page shows the
school's indicators next to its municipality and the region, its objectivity flags explained
in plain Russian, whether it is on the ШНОР list, and what went wrong with its files."""
from __future__ import annotations

from collections import defaultdict
from datetime import timezone
from html import escape
from pathlib import Path

import duckdb

from exports.cells import SUPPRESSED_TEXT, paper_label
from exports.texts import COLUMN_RU, FILE_STATUS, check_meaning, check_name
from exports.warehouse_reads import columns, existing_tables
from msoko.atomic import atomic_target

CSS = """
@page { size: A4 portrait; margin: 12mm; }
body { font: 10pt/1.3 "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 14pt; margin: 0 0 2mm; } h2 { font-size: 11pt; margin: 4mm 0 1mm; }
.meta { color: #666; font-size: 8pt; margin-bottom: 2mm; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #ccc; padding: 1px 4px; vertical-align: top; }
th { background: #DDEBF7; text-align: left; } td.n { text-align: right; white-space: nowrap; }
td.s { color: #888; font-style: italic; } .flag { color: #9C0006; font-weight: bold; }
.ok { color: #006100; } ul { margin: 0; padding-left: 5mm; }
tr.paper td { background: #F2F2F2; font-weight: bold; }
"""


def _value(value, unit, suppressed) -> tuple[str, str]:
    if suppressed:
        return SUPPRESSED_TEXT, "s"
    if value is None:
        return "—", "n"
    if unit == "%":
        return f"{value:.1f} %".replace(".", ","), "n"
    return f"{value:.2f}".replace(".", ","), "n"


def _indicator_rows(con, year):
    """{login: [(paper, name, unit, school, muni, region, prev)]} in the annex order."""
    muni, region = {}, {}
    for code, p, g, s, unit, level, m, v, sup in con.execute("""
            select indicator_code, procedure, grade, subject, unit, level, municipality, value,
                   suppressed
            from marts.msoko_indicators
            where academic_year = ? and level <> 'school'""", [year]).fetchall():
        (region if level == "region" else muni)[(code, p, g, s, unit) + (() if level == "region" else (m,))] = (v, sup)
    out = defaultdict(list)
    for login, m, code, name, p, g, s, unit, v, sup, prev in con.execute("""
            select school_login, municipality, indicator_code, indicator_name, procedure, grade,
                   subject, unit, value, suppressed, prev_value
            from marts.msoko_indicators where academic_year = ? and level = 'school'
            order by procedure, grade, subject, indicator_code, unit""", [year]).fetchall():
        key = (code, p, g, s, unit)
        out[login].append((paper_label(p, g, s), f"{code} {name}", unit, (v, sup),
                           muni.get(key + (m,), (None, False)), region.get(key, (None, False)),
                           (prev, False)))
    return out


def _flags(con, year, tables):
    out = defaultdict(list)
    if "marts.objectivity_flags" in tables:
        for login, p, g, s, code, details in con.execute("""
                select school_login, procedure, grade, subject, check_code, details
                from marts.objectivity_flags where academic_year = ? and flagged
                order by check_code, procedure, grade, subject""", [year]).fetchall():
            out[login].append((code, paper_label(p, g, s), details))
    return out


def _low_results(con, year, tables):
    if "marts.low_results_schools" not in tables:
        return {}
    return {login: (reason, procs) for login, reason, procs in con.execute("""
        select school_login, reason, procedures from marts.low_results_schools
        where academic_year = ?""", [year]).fetchall()}


def _load_issues(con, year, tables):
    """Rejected files with their reason, set-aside rows, and the load report's own rows."""
    out = defaultdict(list)
    # A rejected file may not know its school; its folder (named by login) does.
    for login, path, status, aside, message in con.execute("""
            select coalesce(school_login, regexp_extract(path, '([^/]+)/[^/]+$', 1)), path,
                   status, rows_set_aside, message from audit.files
            where academic_year = ? and (status = 'rejected' or rows_set_aside > 0)
            order by path""", [year]).fetchall():
        if status == "rejected":
            out[login].append(f"Файл «{path}» {FILE_STATUS['rejected']}: {message or ''}")
        else:
            out[login].append(f"Файл «{path}»: отложено строк — {aside} (они не учтены в "
                              f"показателях; причины — в книге, лист «Отложенные строки»)")
    if "audit.load_report" in tables:
        cols = columns(con, "audit.load_report")
        if "school_login" in cols:
            where = "where academic_year = ?" if "academic_year" in cols else ""
            for row in con.execute(f"select * from audit.load_report {where}",
                                   [year] if where else []).fetchall():
                record = dict(zip(cols, row))
                issue = record.get("issues") or record.get("message")
                if issue:
                    out[record["school_login"]].append(
                        f"{COLUMN_RU['window']} {record.get('window', '')}: {issue}")
    return out


def render_school(school: dict, year: str, indicators, flags, low, issues, stamp: str,
                  objectivity_checked: bool) -> str:
    e = escape
    parts = [f"<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
             f"<title>{e(school['name'])} — {e(year)}</title><style>{CSS}</style></head><body>",
             f"<h1>{e(school['name'])}</h1>",
             f"<div class='meta'>{e(school['municipality'] or '')} · логин {e(school['login'])} · "
             f"{e(school['kind'] or '')} · {e(year)} учебный год · {e(stamp)}</div>",
             "<h2>Показатели школы рядом с муниципалитетом и регионом</h2>"]
    if indicators:
        parts.append("<table><tr><th>Показатель</th><th>Школа</th><th>Муниципалитет</th>"
                     "<th>Регион</th><th>Школа, прошлый год</th></tr>")
        shown_paper = None
        for paper, name, unit, *cells in indicators:
            if paper != shown_paper:           # one heading row per paper keeps the page short
                parts.append(f"<tr class='paper'><td colspan='5'>{e(paper)}</td></tr>")
                shown_paper = paper
            tds = "".join(f"<td class='{cls}'>{e(text)}</td>"
                          for text, cls in (_value(v, unit, sup) for v, sup in cells))
            parts.append(f"<tr><td>{e(name)}</td>{tds}</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>В этом учебном году результатов школы нет.</p>")
    parts.append("<h2>Объективность результатов</h2>")
    if not objectivity_checked:
        parts.append("<p>Проверка объективности за этот год ещё не проводилась.</p>")
    elif flags:
        parts.append("<ul>")
        for code, paper, details in flags:
            parts.append(f"<li><span class='flag'>{e(check_name(code))}</span> ({e(paper)}): "
                         f"{e(check_meaning(code))}."
                         + (f" <span class='meta'>{e(details)}</span>" if details else "")
                         + "</li>")
        parts.append("</ul><p>Признак — не обвинение, а повод проверить, как проводилась "
                     "работа и как выставляются отметки.</p>")
    else:
        parts.append("<p class='ok'>Признаков необъективности не выявлено.</p>")
    if low:
        parts.append(f"<p class='flag'>Школа включена в список школ с низкими результатами "
                     f"обучения (ШНОР): {e(low[0])}.</p><p>Работы: {e(low[1] or '')}</p>")
    parts.append("<h2>Загрузка файлов школы</h2>")
    if issues:
        parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in issues) + "</ul>")
    else:
        parts.append("<p class='ok'>Все файлы школы приняты полностью.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_school_reports(warehouse: Path, out_dir: Path, run_id: str, started_at) -> list[Path]:
    """One HTML page per school and year, plus an index per year; returns the index pages."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = existing_tables(con)
        registry = {login: {"login": login, "name": name or login, "municipality": m, "kind": k}
                    for login, name, m, k in con.execute(
                        "select school_login, school_name, municipality, school_kind "
                        "from staging.stg_schools").fetchall()}
        stamp = f"сформировано {started_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC, запуск {run_id}"
        indexes = []
        for (year,) in con.execute("select distinct academic_year from marts.msoko_indicators "
                                   "order by 1").fetchall():
            indicators = _indicator_rows(con, year)
            flags, low = _flags(con, year, tables), _low_results(con, year, tables)
            issues = _load_issues(con, year, tables)
            checked = "marts.objectivity_flags" in tables
            links = []
            for login in sorted((set(indicators) | set(issues)) & set(registry),
                                key=lambda s: (registry[s]["municipality"] or "",
                                               registry[s]["name"])):
                school = registry[login]
                page = out_dir / year / f"{login}.html"
                with atomic_target(page) as tmp:
                    tmp.write_text(render_school(school, year, indicators.get(login, []),
                                                 flags.get(login, []), low.get(login),
                                                 issues.get(login, []), stamp, checked),
                                   encoding="utf-8")
                links.append(f"<li>{escape(school['municipality'] or '')} — "
                             f"<a href='{escape(login)}.html'>{escape(school['name'])}</a></li>")
            index = out_dir / year / "index.html"
            with atomic_target(index) as tmp:
                tmp.write_text(f"<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
                               f"<title>Отчёты школ — {year}</title><style>{CSS}</style></head>"
                               f"<body><h1>Отчёты школ, {year} учебный год</h1><ul>"
                               + "".join(links) + "</ul></body></html>", encoding="utf-8")
            indexes.append(index)
        return indexes
    finally:
        con.close()
