"""The lean floor: read every file with the fastest reader there is, then compute the 1.3.x
indicators in one DuckDB query. No archive, no validation messages, no Dagster, no dbt —
the least work that turns the inbox into the numbers, so `msoko run` can be measured
against it.

    python -m benchmarks.floor <inbox> <warehouse.duckdb>

Prints one JSON line: files, rows, criterion_scores, indicator rows, read_s, sql_s.
python-calamine is the fastest xlsx reader installed (fastexcel is the same Rust library
with an Arrow front end; it is not a dependency).
"""
from __future__ import annotations

import csv
import json
import re
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import python_calamine

VPR_NAME = re.compile(r"по\s+(?P<subject>[^,]+?)\s*,\s*(?P<grade>\d{1,2})\s*класс\w*\.?\s*ВПР\s*(?P<year>\d{4})")
DATIVE = {"русскому языку": "русский язык", "математике": "математика",
          "окружающему миру": "окружающий мир", "истории": "история", "биологии": "биология",
          "географии": "география", "обществознанию": "обществознание", "физике": "физика",
          "химии": "химия", "английскому языку": "английский язык"}
CODE = {"код обучающегося", "code", "код"}
LOGIN = {"логин школы", "user", "пользователь"}
VARIANT = {"вариант", "var-1"}
CRITERION = re.compile(r"^(?:балл за \d+|a-\d+-grade|.+\(\d+\s*б\))$")
# Scores stored as text ("numbers as text" exports) map straight to numbers; anything else
# in a score cell («Х», «не пройд.», «2,5») is no points.
TEXT_NUMBER = {str(i): float(i) for i in range(100)}


def _meta(path: Path, manifests: dict) -> tuple[str, int, str, int] | None:
    m = VPR_NAME.search(path.name)
    if m and m.group("subject").lower() in DATIVE:
        return "vpr", int(m.group("grade")), DATIVE[m.group("subject").lower()], int(m.group("year"))
    folder = path.parent
    if folder not in manifests:
        manifests[folder] = {}
        mf = folder / "manifest.csv"
        if mf.exists():
            with mf.open(encoding="utf-8-sig") as fh:
                for r in csv.DictReader(fh):
                    manifests[folder][r["file"]] = (r["procedure"], int(r["grade"]), r["subject"], int(r["year"]))
    return manifests[folder].get(path.name)


def _header(rows: list[list]) -> tuple[int, dict[str, int], list[int]] | None:
    for i, row in enumerate(rows[:10]):
        keys = [str(v).strip().lower() for v in row]
        if CODE & set(keys):
            cols = {}
            for j, k in enumerate(keys):
                for name, names in (("code", CODE), ("login", LOGIN), ("variant", VARIANT)):
                    if k in names and name not in cols:
                        cols[name] = j
            return i, cols, [j for j, k in enumerate(keys) if CRITERION.match(k)]
    return None


def read_inbox(inbox: Path) -> tuple[pa.Table, pa.Table]:
    manifests: dict = {}
    f_idx, f_proc, f_grade, f_subject, f_year, f_folder = [], [], [], [], [], []
    r_file, r_login, r_code, r_variant, r_points = [], [], [], [], []
    text_number = TEXT_NUMBER.get
    for path in sorted(inbox.glob("*/*/*/*.xlsx")):
        meta = _meta(path, manifests)
        if meta is None or path.stat().st_size == 0:
            continue
        try:
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            rows = wb.get_sheet_by_index(0).to_python()
        except Exception:       # a file the floor cannot read is simply skipped
            continue
        found = _header(rows)
        if found is None:
            continue
        head, cols, crit = found
        fid = len(f_idx)
        f_idx.append(fid); f_proc.append(meta[0]); f_grade.append(meta[1])
        f_subject.append(meta[2]); f_year.append(meta[3]); f_folder.append(path.parent.name)
        c_code, c_login, c_var = cols.get("code"), cols.get("login"), cols.get("variant")
        lo, hi = crit[0], crit[-1] + 1
        for row in rows[head + 1:]:
            code = row[c_code]
            if code == "":
                continue
            r_file.append(fid)
            r_code.append(str(code))
            r_login.append(str(row[c_login]) if c_login is not None else None)
            r_variant.append(str(row[c_var]))
            r_points.append([v if v.__class__ is float else text_number(v) for v in row[lo:hi]])
    files = pa.table({"file_id": f_idx, "procedure": f_proc, "grade": f_grade,
                      "subject": f_subject, "year": f_year, "folder": f_folder})
    pupils = pa.table({"file_id": pa.array(r_file, pa.int32()), "login": r_login,
                       "pupil_code": r_code, "variant": r_variant,
                       "points": pa.array(r_points, pa.list_(pa.float64()))})
    return files, pupils


INDICATORS_SQL = """
create or replace table criterion_scores as
    select file_id, pupil_code, generate_subscripts(points, 1) as column_no, unnest(points) as points
    from pupils;
create or replace table indicators as
with results as (
    select f.procedure, f.grade, f.subject, f.year,
           coalesce(regexp_replace(lower(trim(split_part(p.login, '|', 1))), '^edu', 'sch'), f.folder) as school_login,
           list_sum(p.points) as primary_score
    from pupils p join files f using (file_id)
    where p.variant <> 'отсутствовал' and f.procedure = 'vpr' and f.grade in (4, 5)
),
scored as (
    select r.*, s.municipality, c.max_score,
           case when primary_score >= c.min_5 then 5 when primary_score >= c.min_4 then 4
                when primary_score >= c.min_3 then 3 else 2 end as mark
    from results r
    join schools s on s.login = r.school_login
    join scales c on c.year = r.year and c.procedure = r.procedure and c.grade = r.grade
                 and c.subject = r.subject
    where primary_score <= c.max_score
)
select grade, subject, municipality, school_login, count(*) as participants,
       avg(primary_score) as "1.3.1",
       100 * avg((mark = 2)::int) as "1.3.2",
       100 * avg((primary_score > 0.75 * max_score)::int) as "1.3.3"
from scored
group by grouping sets ((grade, subject, municipality, school_login), (grade, subject, municipality),
                        (grade, subject));
"""


def run(inbox: Path, warehouse: Path) -> dict:
    started = time.perf_counter()
    files, pupils = read_inbox(inbox)
    read_s = time.perf_counter() - started
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    con.register("files_in", files)
    con.register("pupils_in", pupils)
    ref = inbox / "reference"
    con.execute(f"""
        create table files as select * from files_in;
        create table pupils as select * from pupils_in;
        create table schools as select "логин" as login, "муниципалитет" as municipality
            from read_csv('{ref / 'schools.csv'}', all_varchar = true);
        create table scales as select * from read_csv('{ref / 'scales.csv'}');
    """)
    con.execute(INDICATORS_SQL)
    out = {
        "files": files.num_rows, "rows": pupils.num_rows,
        "criterion_scores": con.execute("select count(*) from criterion_scores").fetchone()[0],
        "indicator_rows": con.execute("select count(*) from indicators").fetchone()[0],
        "read_s": round(read_s, 2), "sql_s": round(time.perf_counter() - started - read_s, 2),
    }
    con.close()
    return out


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
