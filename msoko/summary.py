"""The closing summary of a run, read back from the warehouse (so it reports what was
actually published, not what the code meant to do)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from msoko.config import Paths
from msoko.plant_check import plant_report


def run_summary(paths: Paths) -> str:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        status = dict(con.execute(
            "select status, count(*) from audit.files group by status").fetchall())
        rows = con.execute("""select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
                                     coalesce(sum(rows_set_aside), 0)
                              from audit.files where status <> 'rejected'""").fetchone()
        warnings = con.execute("select count(*) from audit.row_warnings").fetchone()[0]
        cleaned = con.execute("select coalesce(sum(cleaned_cells), 0) from audit.files").fetchone()[0]
        indicators = con.execute("""select count(*), count(*) filter (where suppressed)
                                    from marts.msoko_indicators""").fetchone()
        rejected = con.execute("""select path, message from audit.files
                                  where status = 'rejected' order by path""").fetchall()
        missing = con.execute("select message from audit.missing_scales").fetchall()
    finally:
        con.close()
    lines = [
        "",
        "Итоги запуска msoko",
        f"  файлы: принято {status.get('accepted', 0)}, отклонено {status.get('rejected', 0)}, "
        f"заменено новыми версиями {status.get('superseded', 0)}",
        f"  строки: прочитано {rows[0]}, загружено {rows[1]}, отложено {rows[2]} "
        f"(очищено ячеек: {cleaned}; сомнительных значений оставлено с предупреждением: {warnings})",
        f"  показатели: рассчитано {indicators[0]} значений, из них скрыто (<5 участников) {indicators[1]}",
    ]
    if rejected:
        lines.append("  отклонённые файлы:")
        lines += [f"    - {p}: {m}" for p, m in rejected]
    if missing:
        lines.append("  нет шкал перевода:")
        lines += [f"    - {m}" for (m,) in missing]
    lines += plant_report(paths)
    workbooks = sorted(paths.exports.glob("msoko_*.xlsx"))
    lines += [
        "  результаты:",
        f"    хранилище (пишет конвейер): {paths.warehouse}",
        f"    копия для аналитиков:      {paths.published / 'msoko.duckdb'}",
        f"    архив исходных файлов:     {paths.archive}",
    ] + [f"    книга Excel:               {p}" for p in workbooks] + [
        f"    отчёты школ:               {p}" for p in sorted(paths.exports.glob("schools/*/index.html"))
    ] + [f"    таблицы CSV и Parquet:     {paths.exports / 'tables'}"] * (paths.exports / "tables").is_dir()
    return "\n".join(lines)
