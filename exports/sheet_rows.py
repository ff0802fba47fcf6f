"""The rows of the yearly workbook's two largest table sheets, written by a process of their
own while the run's process writes the rest of the book.

Why: the book is Python bound to one core (≈5 s at region size, most of it rendering
≈1.2M cells); «ВПР и журнал» and «Решаемость заданий» are ≈27 MB of its ≈71 MB of sheet
XML. This process writes those two sheets with the same writers and formats into a book it
never stores, and hands over each sheet's finished <row> elements and dimensions; the run's
process makes the same sheets with every other call (widths, heights, panes, filters) but
drops their cells, and stores the handed-over rows as their <sheetData>
(exports/xlsx_fast.py). The book is byte for byte the one a single process writes
(tests/test_exports.py).

`start()` launches it for a year; `finish()` waits and returns each sheet's rows file and
dimensions, or raises with the process's error (the book is then not written).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from exports.sheets import received_files_sheet, solvability_sheet, vpr_journal_sheet
from msoko.config import REPO_ROOT

# The sheets written here, by their name in the book, and their writers.
SHEETS = {"ВПР и журнал": vpr_journal_sheet, "Решаемость заданий": solvability_sheet,
          "Загрузка": received_files_sheet}


def start(warehouse: Path, year: str, rows_dir: Path) -> subprocess.Popen:
    rows_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "exports.sheet_rows", str(warehouse), year, str(rows_dir)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8")


def finish(process: subprocess.Popen) -> dict[str, tuple[str, tuple]]:
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"листы {', '.join(SHEETS)} не сформированы "
                           f"(код {process.returncode}):\n{err[-3000:]}")
    return {entry["sheet"]: (entry["rows"], tuple(entry["dimensions"]))
            for entry in map(json.loads, out.splitlines())}


def write(warehouse: Path, year: str, rows_dir: Path) -> list[dict]:
    """Each sheet as the book's writer makes it; a sheet whose table the warehouse lacks is
    not written (the book's own process notes it)."""
    import duckdb

    from exports.cells import formats, new_workbook
    from exports.warehouse_reads import existing_tables, school_names
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names, tables = school_names(con), existing_tables(con)
        done = []
        for sheet, writer in SHEETS.items():
            wb = new_workbook(rows_dir / "unused.xlsx", tmpdir=rows_dir)
            if writer(wb, formats(wb), con, year, names, tables) is None:
                (worksheet,) = wb.worksheets()
                rows, dimensions = worksheet.finish_rows()
                done.append({"sheet": sheet, "rows": rows, "dimensions": dimensions})
        return done
    finally:
        con.close()


def main(argv: list[str]) -> int:
    warehouse, year, rows_dir = argv
    for entry in write(Path(warehouse), year, Path(rows_dir)):
        print(json.dumps(entry, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
