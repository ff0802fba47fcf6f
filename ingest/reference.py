"""Reference tables the department keeps in <inbox>/reference/ (INPUTS.md §6–§7): the school
registry (simple layout or the FIS OKO context export), grade scales, task specifications,
the EGE→mark conversion, regional figures. Project defaults ship in ingest/defaults/; the
department's files win.

regional.csv (INPUTS.md §7), `,` or `;`, UTF-8 or cp1251, English or Russian headers:
  year (год), procedure (процедура), grade (класс), subject (предмет),
  participants (участников), mean_score (средний балл), sd_score (стандартное отклонение),
  pct_2 … pct_5 (доля 2 … доля 5, % of participants). «25 031» and «11,4» are read as numbers.
Every reference table then passes its Great Expectations suite (expectations/reference.py):
a failing row is left out and reported in raw.reference_problems, and its failing value
feeds the suite's Dagster asset check (orchestration/ingest_assets.py).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest import cells
from ingest.headers import locate_columns, records
from ingest.inbox import InboxFile
from ingest.pupil_results import PaperKey, Reference
from ingest.readers import UnreadableFile, read_table_file

DEFAULTS_DIR = Path(__file__).parent / "defaults"

SCHOOL_COLUMNS = {
    "login": ("логин", "логин школы", "пользователь"),
    "name": ("наименование", "школа", "наименование оо"),
    "municipality": ("муниципалитет", "муниципальное образование"),
    "oge_code": ("код огэ", "7. код огэ"),
    "ege_code": ("код егэ", "8. код егэ"),
    "kind": ("вид оо", "вид", "2. вид образовательной организации"),
    "settlement": ("тип населенного пункта", "14. где расположена*"),
    "pupils": ("численность обучающихся", "4. количество обучающихся*"),
}
SCALE_COLUMNS = {k: (k,) for k in
                 ("year", "procedure", "grade", "subject", "max_score", "min_3", "min_4",
                  "min_5", "source")}
TASK_COLUMNS = {k: (k,) for k in
                ("year", "procedure", "grade", "subject", "column_no", "task_label",
                 "max_points", "level", "section", "skill")}
EGE_MARK_COLUMNS = {k: (k,) for k in ("year", "subject", "min_3", "min_4", "min_5")}
# Regional figures (INPUTS.md §7) for a municipality that holds only its own schools:
# participants, mean and standard deviation of the primary score, the mark distribution (%).
REGIONAL_COLUMNS = {
    "year": ("year", "год"), "procedure": ("procedure", "процедура"),
    "grade": ("grade", "класс"), "subject": ("subject", "предмет"),
    "participants": ("participants", "участников", "количество участников"),
    "mean_score": ("mean_score", "средний балл", "средний первичный балл"),
    "sd_score": ("sd_score", "стандартное отклонение", "ско"),
    "pct_2": ("pct_2", "доля 2", "«2»", "2"), "pct_3": ("pct_3", "доля 3", "«3»", "3"),
    "pct_4": ("pct_4", "доля 4", "«4»", "4"), "pct_5": ("pct_5", "доля 5", "«5»", "5"),
}
REGIONAL_INTS = {"year", "grade", "participants"}
REGIONAL_FLOATS = {"mean_score", "sd_score", "pct_2", "pct_3", "pct_4", "pct_5"}


@dataclass
class ReferenceTables:
    schools: list[dict] = field(default_factory=list)
    scales: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    ege_to_mark: list[dict] = field(default_factory=list)
    regional_figures: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)   # file, message (Russian)
    # suite -> rows its suite left out: path, row_number, column_name, value, rule — the
    # keys of a set-aside result row, so one asset-check builder serves both
    left_out: dict[str, list[dict]] = field(default_factory=dict)

    def lookup(self) -> Reference:
        ref = Reference(known_schools={s["login"] for s in self.schools})
        for s in self.scales:
            ref.scale_max[PaperKey(s["year"], s["procedure"], s["grade"], s["subject"])] = s["max_score"]
        for t in self.tasks:
            key = (PaperKey(t["year"], t["procedure"], t["grade"], t["subject"]), t["column_no"])
            ref.task_max[key] = t["max_points"]
            ref.task_label[key] = t["task_label"]
        return ref


def _settlement(text: str) -> str | None:
    t = cells.squash(text).lower()
    if not t:
        return None
    if "город" in t or t.startswith("г"):
        return "город"
    if "сел" in t or "деревн" in t or "посел" in t:
        return "село"
    return t


def _schools(rows: list[list[str]]) -> list[dict]:
    located = locate_columns(rows, SCHOOL_COLUMNS, ("login", "name", "municipality"))
    if not located:
        raise ValueError("в реестре школ нет столбцов «логин», «наименование», «муниципалитет»")
    header, cols, _names = located
    out = []
    for row_number, rec in records(rows, header, cols):
        login = cells.canonical_login(rec["login"])
        if not login:
            continue
        name = cells.squash(rec["name"].split("|", 1)[-1]) if "|" in rec["name"] else cells.squash(rec["name"])
        muni = rec["municipality"]
        out.append({
            "login": login,
            "name": name,
            "municipality": cells.squash(muni.split("|", 1)[-1]) or None,
            "oge_code": cells.squash(rec.get("oge_code", "")) or None,
            "ege_code": cells.squash(rec.get("ege_code", "")) or None,
            "kind": cells.squash(rec.get("kind", "")) or None,
            "settlement": _settlement(rec.get("settlement", "")),
            "pupils": cells.parse_int(rec.get("pupils", "")),
            "_row": row_number,
        })
    return out


_GROUPED = re.compile(r"^\d{1,3}(?: \d{3})+(?:[.,]\d+)?$")


def _ungrouped(text: str) -> str:
    """«25 031» (digit groups, as Russian tables print counts) -> «25031»; nothing else changes."""
    return text.replace(" ", "") if _GROUPED.match(text) else text


def _typed(rows, spec, required, ints, origin, floats=frozenset()):
    located = locate_columns(rows, spec, required)
    if not located:
        raise ValueError("нет обязательных столбцов: " + ", ".join(required))
    header, cols, _ = located
    out = []
    for row_number, rec in records(rows, header, cols):
        item = {"_row": row_number}
        for k in spec:
            raw = cells.squash(rec.get(k, ""))
            if k in ints:
                item[k] = cells.parse_int(_ungrouped(raw))
            elif k in floats:
                item[k] = cells.parse_float(_ungrouped(raw))
            else:
                item[k] = raw or None
        if "subject" in item and item["subject"]:
            item["subject"] = item["subject"].lower()
        if "procedure" in item and item["procedure"]:
            item["procedure"] = item["procedure"].lower()
        if all(item.get(k) is not None for k in required):
            item["origin"] = origin
            out.append(item)
    return out


def _scales(rows, origin):
    return _typed(rows, SCALE_COLUMNS, ("year", "procedure", "grade", "subject", "max_score"),
                  {"year", "grade", "max_score", "min_3", "min_4", "min_5"}, origin)


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row for row in csv.reader(fh)]


def _merge(defaults: list[dict], department: list[dict], key) -> list[dict]:
    """Department rows replace project defaults with the same key."""
    merged = {key(r): r for r in defaults}
    merged.update({key(r): r for r in department})
    return list(merged.values())


def _scale_key(r):
    return (r["year"], r["procedure"], r["grade"], r["subject"])


_TAGGED = ("schools", "tasks", "ege_to_mark", "regional_figures")


def load_reference(files: list[InboxFile], archived: dict[str, Path]) -> ReferenceTables:
    """Read the reference folder. A reference file that cannot be read is reported, and the
    pipeline goes on with what it has (the defaults, or no registry → every school unknown)."""
    tables = ReferenceTables()
    dept_scales: list[dict] = []
    for item in files:
        stem = Path(item.rel_path).stem.lower()
        try:
            sheets = read_table_file(archived[item.sha256])
            rows = sheets[0].rows if sheets else []
            before = {name: len(getattr(tables, name)) for name in _TAGGED}
            before_scales = len(dept_scales)
            if stem == "schools" or "контекстн" in stem:
                tables.schools.extend(_schools(rows))
            elif stem == "scales":
                dept_scales.extend(_scales(rows, "department"))
            elif stem == "tasks":
                tables.tasks.extend(_typed(rows, TASK_COLUMNS,
                                           ("year", "procedure", "grade", "subject", "column_no", "max_points"),
                                           {"year", "grade", "column_no", "max_points"}, "department"))
            elif stem == "ege_to_mark":
                tables.ege_to_mark.extend(_typed(rows, EGE_MARK_COLUMNS, ("year", "subject", "min_3"),
                                                 {"year", "min_3", "min_4", "min_5"}, "department"))
            elif stem == "regional":
                tables.regional_figures.extend(_typed(
                    rows, REGIONAL_COLUMNS, ("year", "procedure", "grade", "subject", "participants"),
                    REGIONAL_INTS, "department", REGIONAL_FLOATS))
            else:
                tables.problems.append({"file": item.rel_path,
                                        "message": "Неизвестный справочник: ожидаются schools, scales, "
                                                   "tasks, ege_to_mark, regional."})
            for name in _TAGGED:
                for r in getattr(tables, name)[before[name]:]:
                    r["_file"] = item.rel_path
            for r in dept_scales[before_scales:]:
                r["_file"] = item.rel_path
        except (UnreadableFile, ValueError) as exc:
            reason = exc.message_ru if isinstance(exc, UnreadableFile) else str(exc)
            tables.problems.append({"file": item.rel_path, "message": f"Справочник не прочитан: {reason}"})
    tables.scales = _merge(_scales(_csv_rows(DEFAULTS_DIR / "scales.csv"), "default"),
                           dept_scales, _scale_key)
    # one row per login: a later registry file wins
    tables.schools = list({s["login"]: s for s in tables.schools}.values())
    return tables


def validate_reference(tables: ReferenceTables) -> dict[str, list]:
    """Run the reference suites (expectations/reference.py), one Great Expectations call per
    table; failing rows leave the table and become problems naming file, row, column and
    value, and are listed per suite in `tables.left_out`. Returns suite name -> rule
    outcomes; both feed the suites' asset checks."""
    import pandas as pd

    from expectations.gx_runner import run_suite
    from expectations.reference import SUITES

    outcomes: dict[str, list] = {}
    for name, build in SUITES.items():
        rows = getattr(tables, name)
        left_out = tables.left_out.setdefault(f"reference_{name}", [])
        if not rows:
            outcomes[f"reference_{name}"] = []
            continue
        frame = pd.DataFrame(rows)
        for col in frame.columns:
            if col not in ("_row",) and frame[col].dtype == object:
                frame[col] = frame[col].where(frame[col].notna(), None)
        results = run_suite(f"reference_{name}", frame, build())
        outcomes[f"reference_{name}"] = results
        failed: dict[int, object] = {}
        for outcome in results:
            for idx in outcome.failed_index:
                failed.setdefault(idx, outcome)
        for idx, outcome in sorted(failed.items()):
            row, rule = rows[idx], outcome.rule
            value = row.get(rule.value_column)
            path = row.get("_file", DEFAULTS_DIR.name)
            where = (f"Файл «{path}», строка {row.get('_row')}, "
                     f"столбец «{rule.column_name}», значение «{'' if value is None else value}»")
            left_out.append({"path": path, "row_number": row.get("_row"),
                             "column_name": rule.column_name,
                             "value": None if value is None else str(value), "rule": rule.code})
            tables.problems.append({"file": row.get("_file"),
                                    "message": f"{where}: {rule.message.format(value=value)} "
                                               "Строка справочника не учтена."})
        setattr(tables, name, [r for i, r in enumerate(rows) if i not in failed])
    return outcomes
