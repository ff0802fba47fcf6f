"""The warehouse's log of which schools' results changed, so that dbt rebuilds the heavy
per-pupil models for those schools only (dbt_project/macros/school_partitioned.sql).

A school's corrected file changes that school's rows and nothing else in the per-pupil
models (int_pupil_papers and the seven school-partitioned models built on it: ≈13 s of a
region's build, nearly all of it over other schools). Every load appends what it changed
to `pipeline_state.school_changes`, in the same transaction as the rows themselves:
- the school logins of the rows it replaced, old and new (a school's rows can come from a
  multi-school file in another folder, so the login, not the folder, is the unit);
- `everything` when a partial rebuild could be wrong: a whole window was reloaded (a
  rebuild is faster then anyway), or a reference table (registry, scales, tasks) changed,
  which touches every school's rows.
The dbt step adds `everything` when the dbt project or its engine changed since the last
build (note_project, called by orchestration/dbt_assets.py before `dbt build`), because a
model's new logic must reach every row.

A dbt build that passed and left out no node with something to apply (not a subset chosen
in the UI) is recorded in `pipeline_state.complete_builds` with the last change it saw.
While every change since then is a school's (schools_changed_since_complete), no reference
table, seed or model changed, so the next build may leave out the nodes no result table
feeds (orchestration/dbt_assets.py): they would be rebuilt, and their tests rerun, over
the same rows. A failed build records nothing, so an `everything` change keeps every build
whole until one whole build passed.

Each school-partitioned model records in `pipeline_state.consumed_changes` the last change
it has applied, in the transaction that applied it. A run killed between the load and dbt,
or a dbt build that failed half-way, leaves the changes unconsumed, and the next build
applies them. The log sits outside raw/marts/audit: it describes the runs, not the data,
and two runs that reach the same data may have logged different changes.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Iterable
from pathlib import Path

import duckdb

SCHEMA = "pipeline_state"
CHANGES = f"{SCHEMA}.school_changes"
CONSUMED = f"{SCHEMA}.consumed_changes"
PROJECT = f"{SCHEMA}.dbt_project"
COMPLETE = f"{SCHEMA}.complete_builds"
# Change ids only grow, also after pruning: a model's `through` must never meet a reused id.
CHANGE_IDS = f"{SCHEMA}.change_ids"
BUILD_IDS = f"{SCHEMA}.build_ids"
# Tables whose rows carry the school login the per-pupil models are keyed by.
RESULT_TABLES = ("pupil_results", "exam_results")
# The engine whose upgrade may change what the same SQL returns.
ENGINE = ("dbt-core", "dbt-duckdb", "duckdb")


def ensure_change_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"CREATE SEQUENCE IF NOT EXISTS {CHANGE_IDS}")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {CHANGES} (
        change_id BIGINT, school_login VARCHAR, everything BOOLEAN, reason VARCHAR,
        recorded_at TIMESTAMP WITH TIME ZONE DEFAULT current_timestamp)""")
    # Per school-partitioned model (macros/school_partitioned.sql): the last change applied,
    # its SQL for a whole rebuild as last built, how it was last built ('whole' or 'changed
    # schools'), that build's id and the id of its last whole build (BUILD_IDS).
    con.execute(f"CREATE SEQUENCE IF NOT EXISTS {BUILD_IDS}")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {CONSUMED} (
        model VARCHAR, through BIGINT, sql_hash VARCHAR, built VARCHAR,
        build_id BIGINT, whole_build_id BIGINT)""")
    con.execute(f"CREATE TABLE IF NOT EXISTS {PROJECT} (fingerprint VARCHAR)")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {COMPLETE} (
        through BIGINT, finished_at TIMESTAMP WITH TIME ZONE DEFAULT current_timestamp)""")


def _next_id(con) -> int:
    return con.execute(f"select nextval('{CHANGE_IDS}')").fetchone()[0]


def logins_of(con, raw_schema: str, keys_table: str) -> set[str]:
    """The school logins of the result rows under the submissions in `keys_table` (k)."""
    union = " union ".join(
        f"select school_login from {raw_schema}.{t} "
        f"where partition_key in (select k from {keys_table}) and school_login is not null"
        for t in RESULT_TABLES)
    return {login for (login,) in con.execute(union).fetchall()}


def record_schools(con, logins: Iterable[str], reason: str) -> None:
    logins = sorted(set(logins))
    if not logins:
        return
    con.execute(f"insert into {CHANGES} (change_id, school_login, everything, reason) "
                "select ?, unnest(?), false, ?", [_next_id(con), logins, reason])


def record_everything(con, reason: str) -> None:
    con.execute(f"insert into {CHANGES} (change_id, school_login, everything, reason) "
                "values (?, null, true, ?)", [_next_id(con), reason])


def prune_consumed(con) -> None:
    """Forget changes every school-partitioned model has applied and the last complete
    build saw. A model that has never built rebuilds whole, so it needs none of them; one
    no longer in the warehouse (retired from the project) holds nothing back. An
    `everything` the partitioned models applied in a build that then failed stays: it is
    what keeps the next build whole (schools_changed_since_complete)."""
    con.execute(f"""delete from {CHANGES} where change_id <= least(
                        (select coalesce(min(through), -1) from {CONSUMED}
                         where model in (select table_schema || '.' || table_name
                                         from information_schema.tables)),
                        (select coalesce(max(through), -1) from {COMPLETE}))""")


def last_change(con) -> int:
    """The newest change logged (0 when none is kept)."""
    return con.execute(f"select coalesce(max(change_id), 0) from {CHANGES}").fetchone()[0]


def schools_changed_since_complete(con) -> int | None:
    """How many schools changed since the last complete dbt build, or None when a whole
    build is due: none has passed yet, or an `everything` was logged since."""
    ensure_change_tables(con)
    whole_due, schools = con.execute(f"""
        with complete as (select max(through) as through from {COMPLETE})
        select
            (select through is null from complete)
                or exists (select * from {CHANGES}
                           where everything and change_id > (select through from complete)),
            (select count(distinct school_login) from {CHANGES}
             where change_id > (select through from complete))""").fetchone()
    return None if whole_due else schools


def record_complete_build(con, through: int) -> None:
    """A build of every dbt node passed, after the changes up to `through`."""
    con.execute("BEGIN TRANSACTION")
    con.execute(f"delete from {COMPLETE}")
    con.execute(f"insert into {COMPLETE} (through) values (?)", [through])
    con.execute("COMMIT")


def project_fingerprint(root: Path, sources: Iterable[Path]) -> str:
    """The dbt project's files (named relative to `root`, so a clone elsewhere has the same
    fingerprint) and the engine's versions, as one hash."""
    digest = hashlib.sha256()
    for name in ENGINE:
        digest.update(f"{name}={importlib.metadata.version(name)}\n".encode())
    for path in sorted(sources):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def note_project(con, fingerprint: str) -> bool:
    """Log `everything` if the project built last was another one. True when it did."""
    ensure_change_tables(con)
    last = con.execute(f"select fingerprint from {PROJECT}").fetchone()
    if last is not None and last[0] == fingerprint:
        return False
    con.execute("BEGIN TRANSACTION")
    record_everything(con, "проект dbt или его версия изменились")
    con.execute(f"delete from {PROJECT}")
    con.execute(f"insert into {PROJECT} values (?)", [fingerprint])
    con.execute("COMMIT")
    return True
