"""Charts for the schools the objectivity checks flagged (INDICATORS.md §B): what an official
shows a director. Per flagged school and paper:

- the school's primary-score histogram, columns coloured by the mark each score earns (a
  mark boundary is where the colour changes), against the region's smooth expected
  distribution without boundary peaks (check O4's counterfactual);
- its VPR marks against journal marks (Понизили / Подтвердили / Повысили) beside the
  municipality and the region.

Reads marts.objectivity_flags, marts.objectivity_histograms and marts.vpr_mark_vs_journal."""
from __future__ import annotations

from exports.cells import paper_label, write_blank, write_number, write_text
from exports.charts import MARKS, ROW_PX, mark_histogram_chart, papers_with_scales
from exports.tables import write_title
from exports.texts import FLAGS_SHEET
from exports.warehouse_reads import missing_note

SHEET = "Графики объективности"
NEEDED = ("marts.objectivity_flags", "marts.objectivity_histograms", "marts.vpr_mark_vs_journal")
CHART_ROWS = 300 // ROW_PX + 2
JOURNAL_COLOURS = {"Понизили": "#2E75B6", "Подтвердили": "#A9D18E", "Повысили": "#C00000"}
JOURNAL_COL = 16                          # column Q: right of the histogram chart


# A municipality's few flagged papers are all charted. A region's can be thousands (O1
# alone flagged ≈1,400 of ≈4,000 papers in the benchmark region), and a sheet of thousands
# of charts is one nobody scrolls and Excel opens in minutes: the sheet then charts this
# many, the most flagged first, and names how many it leaves to the flags sheet.
CHARTED_PAPERS_MAX = 300

# The VPR papers a flag of O1, O2 or O4 marks, one row per school × paper, the strongest
# evidence first: more checks, then O4 (a statistical test on the score distribution), then
# O2 (journal marks against scores) before O1 alone (a high mean, which a strong school has).
FLAGGED = """
    select *, row_number() over (order by n_checks desc, has_o4 desc, has_o2 desc,
                                 municipality, school_login, grade, subject) as severity_rank
    from (
        select school_login, municipality, procedure, grade, subject,
               string_agg(check_code, ', ' order by check_code) as checks,
               count(*) as n_checks, bool_or(check_code = 'O4') as has_o4,
               bool_or(check_code = 'O2') as has_o2
        from marts.objectivity_flags
        where academic_year = $year and flagged and check_code in ('O1', 'O2', 'O4')
          and procedure = 'vpr'
        group by all)"""


def _charted() -> str:
    """The flagged papers the sheet charts, each with the number flagged in all (the window
    counts before QUALIFY keeps the first CHARTED_PAPERS_MAX). Built per call: tests lower
    the cap."""
    return (f"select *, count(*) over () as flagged_total from ({FLAGGED}) "
            f"qualify severity_rank <= {CHARTED_PAPERS_MAX}")


def _flagged_papers(con, year) -> tuple[list[tuple], int]:
    """(the papers to chart in reading order: municipality, school, paper; how many are
    flagged in all)."""
    rows = con.execute(f"""
        select school_login, municipality, procedure, grade, subject, checks, flagged_total
        from ({_charted()})
        order by municipality, school_login, procedure, grade, subject""",
                       {"year": year}).fetchall()
    return [r[:-1] for r in rows], (rows[0][-1] if rows else 0)


def _school_histograms(con, year) -> dict[tuple, list]:
    """(login, procedure, grade, subject) -> [(primary_score, pupils, share, counterfactual
    share)] of every charted paper, in one query: a query per paper cost ≈3 ms, ≈8 s over
    a region's ≈2,700 flagged papers."""
    rows = con.execute(f"""
        select h.school_login, h.procedure, h.grade, h.subject,
               h.primary_score, h.pupils, h.share, h.counterfactual_share
        from marts.objectivity_histograms h
        semi join ({_charted()}) f using (school_login, procedure, grade, subject)
        where h.academic_year = $year and h.level = 'school'
        order by h.primary_score""", {"year": year}).fetchall()
    out: dict[tuple, list] = {}
    for login, procedure, grade, subject, *bar in rows:
        out.setdefault((login, procedure, grade, subject), []).append(tuple(bar))
    return out


class _Journal:
    """VPR marks against journal marks of a year, read once: (lowered, confirmed, raised) %
    by school, municipality and region."""

    def __init__(self, con, year):
        self.by_level: dict[tuple, list[tuple]] = {}
        for level, municipality, login, grade, subject, *pcts in con.execute("""
                select level, municipality, school_login, grade, subject,
                       lowered_pct, confirmed_pct, raised_pct
                from marts.vpr_mark_vs_journal where academic_year = ?""", [year]).fetchall():
            key = {"school": login, "municipality": municipality}.get(level)
            self.by_level.setdefault((level, key, grade, subject), []).append(tuple(pcts))

    def rows(self, login, municipality, grade, subject):
        """Rows (label, lowered_pct, confirmed_pct, raised_pct) for school, municipality,
        region — those that exist."""
        wanted = (("school", login, "школа"), ("municipality", municipality, municipality),
                  ("region", None, "регион"))
        return [(label, *pcts) for level, key, label in wanted
                for pcts in self.by_level.get((level, key, grade, subject), [])]


def _journal_cells(journal) -> dict[int, list]:
    """{row offset from the header: [(column, value, kind)]} for the journal table."""
    if not journal:
        return {}
    cells = {0: [(JOURNAL_COL + c, text, "header")
                 for c, text in enumerate(["", *JOURNAL_COLOURS])]}
    for i, (label, *pcts) in enumerate(journal, start=1):
        cells[i] = [(JOURNAL_COL, label, "text")] + [
            (JOURNAL_COL + c, value, "num") for c, value in enumerate(pcts, start=1)]
    return cells


def _write_right(ws, fmt, row, cells) -> None:
    for col, value, kind in cells:
        if value is None:
            write_blank(ws, row, col, fmt, "int")
        elif kind == "num":
            write_number(ws, row, col, value, fmt, "num")
        else:
            write_text(ws, row, col, value, fmt, kind)


def flagged_schools_sheet(wb, fmt, con, year, names, tables):
    if any(t not in tables for t in NEEDED):
        return missing_note(next(t for t in NEEDED if t not in tables), SHEET)
    papers, flagged = _flagged_papers(con, year)
    if not papers:
        return None                       # no school flagged: nothing to chart, no sheet
    boundaries = {(p, g, s): rest for p, g, s, *rest in papers_with_scales(con, year)}
    histograms = _school_histograms(con, year)
    journals = _Journal(con, year)
    ws = wb.add_worksheet(SHEET)
    r = write_title(ws, fmt, f"Школы с признаками необъективности: графики, {year} учебный год", [
        "Слева — распределение первичных баллов школы (доля участников), столбцы окрашены по "
        "отметке; пунктир — ожидаемое распределение по региону без пиков у границ отметок "
        "(проверка O4).",
        "Справа — отметки ВПР против отметок по журналу: школа, муниципалитет, регион.",
        *([f"Графики — для {len(papers)} из {flagged} работ с признаками: сначала с наибольшим "
           "числом признаков, затем с признаками O4 и O2. Признаки всех работ — на листе "
           f"«{FLAGS_SHEET}»."] if flagged > len(papers) else [])])
    ws.set_column(0, 5, 11)
    ws.set_column(JOURNAL_COL, JOURNAL_COL, 20)
    ws.set_column(JOURNAL_COL + 1, JOURNAL_COL + 3, 13)
    for login, municipality, procedure, grade, subject, checks in papers:
        hist = histograms.get((login, procedure, grade, subject))
        if not hist or (procedure, grade, subject) not in boundaries:
            continue
        title = f"{names.get(login, login)} ({login}) — {paper_label(procedure, grade, subject)}"
        max_score, m3, m4, m5 = boundaries[(procedure, grade, subject)]
        write_text(ws, r, 0, title, fmt, "subtitle")
        write_text(ws, r + 1, 0, f"Признаки: {checks}. Границы отметок: «3» — от {m3}, «4» — от "
                                 f"{m4}, «5» — от {m5} баллов из {max_score}.", fmt, "aside")
        head = r + 2
        journal = journals.rows(login, municipality, grade, subject)
        # The workbook is written in constant-memory mode: each row must be complete before
        # the next begins, so the journal table (right) is written with the histogram rows.
        right = _journal_cells(journal)
        for c, text in enumerate(["Балл", "«2», %", "«3», %", "«4», %", "«5», %", "Ожидаемо, %"]):
            write_text(ws, head, c, text, fmt, "header")
        _write_right(ws, fmt, head, right.get(0, []))
        row = head + 1
        for i, (score, _, share, expected) in enumerate(hist, start=1):
            mark = 5 if score >= m5 else 4 if score >= m4 else 3 if score >= m3 else 2
            write_number(ws, row, 0, score, fmt, "int")
            for c, m in enumerate(MARKS, start=1):
                if m == mark and share is not None:
                    write_number(ws, row, c, 100 * share, fmt, "num")
                else:
                    write_blank(ws, row, c, fmt, "int")
            if expected is not None:
                write_number(ws, row, 5, 100 * expected, fmt, "num")
            _write_right(ws, fmt, row, right.get(i, []))
            row += 1
        histogram = mark_histogram_chart(wb, ws.name, head + 1, row - 1, "ожидаемо по региону")
        histogram.set_title({"name": "Первичные баллы", "name_font": {"size": 11}})
        histogram.set_x_axis({"name": "первичный балл"})
        histogram.set_y_axis({"name": "% участников", "major_gridlines": {"visible": True}})
        histogram.set_size({"width": 560, "height": 300})
        ws.insert_chart(head, 7, histogram)
        if journal:
            last = head + len(journal)
            bars = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
            for c, name in enumerate(JOURNAL_COLOURS, start=JOURNAL_COL + 1):
                bars.add_series({"name": name,
                                 "categories": [ws.name, head + 1, JOURNAL_COL, last, JOURNAL_COL],
                                 "values": [ws.name, head + 1, c, last, c],
                                 "fill": {"color": JOURNAL_COLOURS[name]}, "gap": 40})
            bars.set_title({"name": "ВПР и журнал", "name_font": {"size": 11}})
            bars.set_y_axis({"reverse": True})
            bars.set_legend({"position": "bottom"})
            bars.set_size({"width": 420, "height": 220})
            ws.insert_chart(last + 2, JOURNAL_COL, bars)
        r = max(row, head + CHART_ROWS) + 2
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    return None
