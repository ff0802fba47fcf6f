"""Charts where a person would rather look than read (INDICATORS.md §E): the distribution of
marks of every school against its municipality and the region, and primary-score histograms
coloured by mark, so each mark boundary is where the colour changes.

Both read pupils' marks from intermediate.int_pupil_papers (one row per pupil × paper)."""
from __future__ import annotations

from exports.cells import (MIN_PUBLISHED, SUPPRESSED_TEXT, paper_label, write_blank, write_number,
                           write_text)
from exports.tables import write_title

MARK_COLOURS = {2: "#C00000", 3: "#F4B183", 4: "#A9D18E", 5: "#548235"}
MARKS = (2, 3, 4, 5)
ROW_PX = 20


def papers_with_scales(con, year):
    """(procedure, grade, subject, max_score, min_3, min_4, min_5) of every paper of the year."""
    return con.execute("""
        select procedure, grade, subject, max(max_score), max(min_3), max(min_4), max(min_5)
        from intermediate.int_pupil_papers
        where academic_year = ? and mark is not null
        group by all order by procedure, grade, subject""", [year]).fetchall()


def _mark_counts(con, year, by: str):
    """{(procedure, grade, subject, key): {mark: count}} at one level."""
    out: dict = {}
    for p, g, s, key, mark, n in con.execute(f"""
            select procedure, grade, subject, {by}, mark, count(*)
            from intermediate.int_pupil_papers
            where academic_year = ? and mark is not null group by all""", [year]).fetchall():
        out.setdefault((p, g, s, key), {})[mark] = n
    return out


def mark_distribution_sheet(wb, fmt, con, year, names, municipality_schools):
    """One block per paper × municipality: region, municipality, then each school, shares of
    marks 2–5 as a 100% stacked bar chart. Schools under 5 participants are listed, not drawn."""
    ws = wb.add_worksheet("Распределение отметок")
    r = write_title(ws, fmt, f"Распределение участников по отметкам, {year} учебный год", [
        "Доля участников с каждой отметкой: каждая школа рядом со своим муниципалитетом и "
        "регионом. Школы, где участников меньше 5, на диаграмме не показаны."])
    region = _mark_counts(con, year, "'region'")
    munis = _mark_counts(con, year, "municipality")
    schools = _mark_counts(con, year, "school_login")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 4, 9)
    ws.set_column(5, 5, 12)
    for p, g, s, *_ in papers_with_scales(con, year):
        for muni, logins in municipality_schools.items():
            if (p, g, s, muni) not in munis:
                continue
            drawn = [("Регион", region.get((p, g, s, "region"), {})),
                     (muni, munis[(p, g, s, muni)])]
            hidden = []
            for login in logins:
                counts = schools.get((p, g, s, login))
                if counts is None:
                    continue
                (drawn if sum(counts.values()) >= MIN_PUBLISHED else hidden).append(
                    (names.get(login, login), counts))
            write_text(ws, r, 0, f"{paper_label(p, g, s)} — {muni}", fmt, "subtitle")
            head = r + 1
            ws.set_row(head, 30)
            for c, text in enumerate(["", "«2»", "«3»", "«4»", "«5»", "Участников"]):
                write_text(ws, head, c, text, fmt, "header")
            row = head + 1
            for label, counts in drawn:
                n = sum(counts.values())
                write_text(ws, row, 0, label, fmt, "text")
                for c, mark in enumerate(MARKS, start=1):
                    write_number(ws, row, c, counts.get(mark, 0) / n if n else 0, fmt, "pct")
                write_number(ws, row, 5, n, fmt, "int")
                row += 1
            for label, _ in hidden:
                write_text(ws, row, 0, label, fmt, "text")
                write_text(ws, row, 1, SUPPRESSED_TEXT, fmt, "muted_line")
                row += 1
            chart = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
            first, last = head + 1, head + len(drawn)
            for c, mark in enumerate(MARKS, start=1):
                chart.add_series({
                    "name": f"«{mark}»",
                    "categories": [ws.name, first, 0, last, 0],
                    "values": [ws.name, first, c, last, c],
                    "fill": {"color": MARK_COLOURS[mark]}, "gap": 40,
                })
            chart.set_title({"name": f"{paper_label(p, g, s)}: {muni}",
                             "name_font": {"size": 11}})
            chart.set_y_axis({"reverse": True})
            chart.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
            chart.set_legend({"position": "bottom"})
            height = max(240, ROW_PX * len(drawn) + 110)
            chart.set_size({"width": 620, "height": height})
            ws.insert_chart(head, 7, chart)
            r = max(row, head + height // ROW_PX + 1) + 2
    _print_setup(ws)


def _histograms(con, year, by: str):
    out: dict = {}
    for p, g, s, key, score, mark, n in con.execute(f"""
            select procedure, grade, subject, {by}, primary_score::int, mark, count(*)
            from intermediate.int_pupil_papers
            where academic_year = ? and mark is not null and primary_score is not null
            group by all""", [year]).fetchall():
        out.setdefault((p, g, s, key), {})[score] = (mark, n)
    return out


def _counterfactual(con, year, tables):
    """Regional expected share per score from the O4 fit, when that mart exists."""
    if "marts.objectivity_histograms" not in tables:
        return {}
    return {(p, g, s, score): cf for p, g, s, score, cf in con.execute("""
        select procedure, grade, subject, primary_score::int, counterfactual_share
        from marts.objectivity_histograms
        where academic_year = ? and level = 'region'""", [year]).fetchall()}


def score_histogram_sheet(wb, fmt, con, year, municipalities, tables):
    """Per paper: the region's and each municipality's histogram of primary scores, columns
    coloured by the mark the score earns; the region's chart also shows the smooth expected
    distribution when the objectivity mart provides it (check O4)."""
    ws = wb.add_worksheet("Распределение баллов")
    r = write_title(ws, fmt, f"Распределение первичных баллов, {year} учебный год", [
        "Столбцы окрашены по отметке, которую даёт балл: граница отметки — там, где меняется "
        "цвет. Всплеск ровно на минимальном балле отметки — повод проверить объективность."])
    region = _histograms(con, year, "'region'")
    munis = _histograms(con, year, "municipality")
    expected = _counterfactual(con, year, tables)
    ws.set_column(0, 6, 11)
    for p, g, s, max_score, m3, m4, m5 in papers_with_scales(con, year):
        for key, label, hist in [("region", "регион", region)] + \
                [(m, m, munis) for m in municipalities]:
            counts = hist.get((p, g, s, key))
            if not counts:
                continue
            total = sum(n for _, n in counts.values())
            with_expected = key == "region" and any((p, g, s, sc) in expected
                                                    for sc in range(int(max_score) + 1))
            title = f"{paper_label(p, g, s)} — {label}"
            write_text(ws, r, 0, title, fmt, "subtitle")
            write_text(ws, r + 1, 0, f"Границы отметок: «3» — от {m3}, «4» — от {m4}, «5» — от "
                                     f"{m5} баллов из {max_score}; участников {total}", fmt, "aside")
            head = r + 2
            ws.set_row(head, 30)
            header = ["Балл", "«2»", "«3»", "«4»", "«5»"] + (["Ожидаемо"] if with_expected else [])
            for c, text in enumerate(header):
                write_text(ws, head, c, text, fmt, "header")
            row = head + 1
            for score in range(int(max_score) + 1):
                mark, n = counts.get(score, (None, 0))
                mark = mark or (5 if score >= m5 else 4 if score >= m4 else 3 if score >= m3 else 2)
                write_number(ws, row, 0, score, fmt, "int")
                for c, m in enumerate(MARKS, start=1):
                    if m == mark:
                        write_number(ws, row, c, n, fmt, "int")
                    else:
                        write_blank(ws, row, c, fmt, "int")
                if with_expected:
                    cf = expected.get((p, g, s, score))
                    if cf is not None:
                        write_number(ws, row, 5, cf * total, fmt, "num")
                row += 1
            chart = mark_histogram_chart(wb, ws.name, head + 1, row - 1,
                                         "ожидаемо без пиков" if with_expected else None)
            chart.set_title({"name": title, "name_font": {"size": 11}})
            chart.set_x_axis({"name": "первичный балл", "interval_unit": 1 if max_score <= 25 else 2})
            chart.set_y_axis({"name": "участников", "major_gridlines": {"visible": True}})
            chart.set_size({"width": 640, "height": 300})
            ws.insert_chart(head, 7, chart)
            r = max(row, head + 300 // ROW_PX + 1) + 2
    _print_setup(ws)


def mark_histogram_chart(wb, sheet: str, first: int, last: int, expected_name: str | None):
    """A histogram whose rows first..last hold the score (column 0), the count or share under
    the column of the mark it earns (columns 1–4) and, when expected_name is given, the
    expected value (column 5) drawn as a dashed line over the columns."""
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for c, m in enumerate(MARKS, start=1):
        chart.add_series({"name": f"«{m}»", "categories": [sheet, first, 0, last, 0],
                          "values": [sheet, first, c, last, c],
                          "fill": {"color": MARK_COLOURS[m]}, "gap": 15, "overlap": 100})
    if expected_name:
        line = wb.add_chart({"type": "line"})
        line.add_series({"name": expected_name, "categories": [sheet, first, 0, last, 0],
                         "values": [sheet, first, 5, last, 5],
                         "line": {"color": "#1F4E79", "width": 1.75, "dash_type": "dash"}})
        chart.combine(line)
    chart.set_legend({"position": "bottom"})
    return chart


def _print_setup(ws):
    """Landscape, one page wide: a table and its chart print side by side."""
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
