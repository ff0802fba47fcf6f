"""How fast is ingest.readers.read_table_file against the other ways to read xlsx?

Writes N small VPR-like files (participant code, class, variant, 15 criterion columns with
~2% «Х», gender, journal mark) and one large file into a temporary folder, then reads them
with each tool and prints the median of R runs (same process, warm file cache) and the
ratio against openpyxl measured in the same run.

    python benchmarks/bench_readers.py [--files 200] [--big-rows 100000] [--repeat 3]

Every tool reads every sheet of every file. openpyxl only collects rows (no conversion to
text), pandas reads with dtype=str, fastexcel loads each sheet as Arrow strings;
read_table_file converts every cell to text and runs its guards (ZIP directory, sheet
extent). "extent guard only" times the guard alone, to show its share.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import python_calamine  # noqa: E402
import xlsxwriter  # noqa: E402

from ingest import readers  # noqa: E402
from ingest.readers import read_table_file  # noqa: E402

try:
    import fastexcel
except ImportError:  # optional
    fastexcel = None

HEADER = (["код обучающегося", "класс", "вариант"] + [f"балл за {k}" for k in range(1, 16)]
          + ["пол", "отметка за предыдущую четверть/триместр"])


def vpr_row(rng: random.Random, code: int) -> list:
    scores = [("Х" if rng.random() < 0.02 else rng.randint(0, 2)) for _ in range(15)]
    return [str(code), rng.choice("абв"), rng.randint(1, 2)] + scores + [rng.choice("мж"), rng.randint(2, 5)]


def write_vpr(path: Path, n_rows: int, rng: random.Random, width: int = 20) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Лист1")
    ws.write_row(0, 0, HEADER[:width])
    for r in range(1, n_rows + 1):
        ws.write_row(r, 0, vpr_row(rng, 40000 + r)[:width])
    wb.close()


# ----------------------------------------------------------------------- readers


def with_openpyxl(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(sum(1 for _ in ws.iter_rows(values_only=True)) for ws in wb.worksheets)
    finally:
        wb.close()


def with_pandas_openpyxl(path: Path) -> int:
    frames = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
    return sum(len(f) for f in frames.values())


def with_read_table_file(path: Path) -> int:
    return sum(len(s.rows) for s in read_table_file(path))


def with_calamine_raw(path: Path) -> int:
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        return sum(len(wb.get_sheet_by_index(i).to_python(skip_empty_area=False))
                   for i in range(len(wb.sheet_names)))


def with_fastexcel(path: Path) -> int:
    reader = fastexcel.read_excel(str(path))
    return sum(reader.load_sheet(name, header_row=None, dtypes="string").to_arrow().num_rows
               for name in reader.sheet_names)


def extent_guard_only(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        readers._check_zip_directory(zf, readers.ReadLimits())
        extents = readers._inspect_members(path, zf, readers.ReadLimits())
    return sum(e.rows for e in extents)


TOOLS = [
    ("openpyxl (read_only, values_only)", with_openpyxl),
    ("pandas + openpyxl (dtype=str)", with_pandas_openpyxl),
    ("read_table_file (calamine + guards)", with_read_table_file),
    ("  python-calamine raw to_python", with_calamine_raw),
    ("  extent guard only", extent_guard_only),
]
if fastexcel is not None:
    TOOLS.append(("fastexcel -> Arrow strings", with_fastexcel))


def time_tool(fn, paths: list[Path]) -> float:
    start = time.perf_counter()
    for p in paths:
        fn(p)
    return time.perf_counter() - start


def run(label: str, paths: list[Path], repeat: int) -> None:
    samples: dict[str, list[float]] = {name: [] for name, _ in TOOLS}
    for _ in range(repeat):  # interleaved, so drift hits every tool alike
        for name, fn in TOOLS:
            samples[name].append(time_tool(fn, paths))
    base = statistics.median(samples[TOOLS[0][0]])
    print(f"\n{label}")
    print(f"  {'tool':<40}{'median s':>10}{'min s':>9}{'vs openpyxl':>13}")
    for name, _ in TOOLS:
        med = statistics.median(samples[name])
        print(f"  {name:<40}{med:>10.3f}{min(samples[name]):>9.3f}{base / med:>12.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--rows-per-file", type=int, default=60)
    ap.add_argument("--big-rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(20250415)
    with tempfile.TemporaryDirectory(prefix="bench_readers_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        small = []
        for i in range(args.files):
            path = folder / f"Проведение работы по математике, 4 класс. ВПР 2025 ({i}).xlsx"
            write_vpr(path, args.rows_per_file, rng)
            small.append(path)
        big = folder / "region.xlsx"
        write_vpr(big, args.big_rows, rng)
        print(f"python {sys.version.split()[0]}; wrote {args.files} x {args.rows_per_file} rows and "
              f"1 x {args.big_rows} x 20 in {time.perf_counter() - t0:.1f} s; "
              f"median of {args.repeat}, same process, warm file cache")
        assert with_read_table_file(big) == args.big_rows + 1
        run(f"{args.files} small files ({args.files * args.rows_per_file} rows)", small, args.repeat)
        run(f"one file {args.big_rows} x 20 ({big.stat().st_size / 2**20:.1f} MB)", [big], args.repeat)


if __name__ == "__main__":
    main()
