"""The change log's own rules (ingest/school_changes.py): another dbt project, or another
version of its engine, makes every school change once; ids never repeat after pruning.
What loads log is tested in tests/test_partition_reload.py, and the models that read it in
tests/test_orchestration_partitions.py."""
from __future__ import annotations


import duckdb

from ingest import school_changes
from ingest.school_changes import (CHANGES, CONSUMED, ensure_change_tables, last_change,
                                   note_project, project_fingerprint, prune_consumed,
                                   record_complete_build, record_everything, record_schools,
                                   schools_changed_since_complete)


def log(con):
    return con.execute(f"select change_id, school_login, everything from {CHANGES} "
                       "order by change_id, school_login").fetchall()


def test_another_project_changes_every_school_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    assert note_project(con, "a")
    assert not note_project(con, "a")
    assert note_project(con, "b")
    assert note_project(con, "a")           # back to an earlier version: rebuilt again
    assert [everything for _, _, everything in log(con)] == [True, True, True]


def test_fingerprint_follows_content_not_location(tmp_path, monkeypatch):
    for root in (tmp_path / "one", tmp_path / "two"):
        (root / "models").mkdir(parents=True)
        (root / "models" / "m.sql").write_text("select 1")
    one, two = tmp_path / "one", tmp_path / "two"
    assert project_fingerprint(one, [one / "models" / "m.sql"]) == \
        project_fingerprint(two, [two / "models" / "m.sql"])
    (two / "models" / "m.sql").write_text("select 2")
    assert project_fingerprint(one, [one / "models" / "m.sql"]) != \
        project_fingerprint(two, [two / "models" / "m.sql"])
    # An upgrade of DuckDB may change what the same SQL returns.
    before = project_fingerprint(one, [one / "models" / "m.sql"])
    real = school_changes.importlib.metadata.version
    monkeypatch.setattr(school_changes.importlib.metadata, "version",
                        lambda name: "9.9" if name == "duckdb" else real(name))
    assert project_fingerprint(one, [one / "models" / "m.sql"]) != before


def test_pruned_ids_are_never_reused(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_change_tables(con)
    con.execute("create schema intermediate")
    con.execute("create table intermediate.m (school_login varchar)")
    record_schools(con, ["sch1", "sch2"], "файлы школ")
    record_schools(con, ["sch2"], "файлы школ")
    con.execute(f"insert into {CONSUMED} (model, through) values ('intermediate.m', 2)")
    # A retired model (its table gone) holds nothing back.
    con.execute(f"insert into {CONSUMED} (model, through) values ('intermediate.retired', 1)")
    record_complete_build(con, 2)
    prune_consumed(con)
    assert log(con) == []
    record_schools(con, ["sch3"], "файлы школ")
    assert log(con) == [(3, "sch3", False)]


def test_an_everything_keeps_builds_whole_until_a_whole_build_passes(tmp_path):
    # A reference change (everything) applied by the partitioned model in a build that then
    # failed must not be forgotten: the next build has to select every dbt node again.
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_change_tables(con)
    con.execute("create schema intermediate")
    con.execute("create table intermediate.m (school_login varchar)")
    since = schools_changed_since_complete
    assert since(con) is None                        # no whole build has passed yet
    record_schools(con, ["sch1"], "файлы школ")
    con.execute(f"insert into {CONSUMED} (model, through) values ('intermediate.m', 1)")
    prune_consumed(con)
    assert log(con) == [(1, "sch1", False)]         # nothing pruned before a whole build
    record_complete_build(con, last_change(con))
    assert since(con) == 0
    record_everything(con, "справочники изменились")                        # change 2
    con.execute(f"update {CONSUMED} set through = 2")   # applied; the build then failed
    prune_consumed(con)
    assert log(con) == [(2, None, True)] and since(con) is None
    record_schools(con, ["sch2"], "файлы школ")                             # change 3
    prune_consumed(con)
    assert since(con) is None
    record_complete_build(con, last_change(con))     # a whole build passed
    assert since(con) == 0
    record_schools(con, ["sch4", "sch5"], "файлы школ")                     # change 4
    record_schools(con, ["sch4"], "файлы школ")                             # change 5
    assert since(con) == 2
    con.execute(f"update {CONSUMED} set through = 5")
    prune_consumed(con)
    assert log(con) == [(4, "sch4", False), (4, "sch5", False), (5, "sch4", False)]
