"""The analysts' copy: published read-only after each successful run, swapped in by rename,
so an analyst's open session never blocks a run and never sees a half-written file."""
from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from exports.publish import publish_warehouse
from msoko.demo.layouts import fis_oko_file_name, write_vpr_export
from tests.conftest import pointed_at, run_pipeline
from tests.test_pipeline_skeleton import MATHS, build_inbox, pupil

COUNT = "select count(*) from marts.msoko_indicators"
# An analyst in another process: opens the published copy read-only, answers once, keeps the
# session open until told to go on, answers again over the same connection.
ANALYST = f"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute({COUNT!r}).fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute({COUNT!r}).fetchone()[0], flush=True)
"""


def test_publish_copies_a_warehouse_with_an_unflushed_log(tmp_path):
    # A warehouse whose last writes are still only in its write-ahead log: a byte copy of the
    # .duckdb file would miss them, so the copy is made through DuckDB.
    source = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(source))
    con.execute("pragma disable_checkpoint_on_shutdown")
    con.execute("create schema marts; create table marts.t as select 42 as answer; "
                "create view marts.v as select answer from marts.t")
    con.close()
    assert (tmp_path / "warehouse.duckdb.wal").exists()
    target = publish_warehouse(source, tmp_path / "published" / "msoko.duckdb")
    with duckdb.connect(str(target), read_only=True) as pub:
        assert pub.execute("select answer from marts.v").fetchall() == [(42,)]
    assert oct(os.stat(target).st_mode & 0o777) == "0o444"
    assert os.listdir(target.parent) == ["msoko.duckdb"]


@pytest.mark.slow
def test_open_analyst_session_neither_blocks_a_run_nor_sees_it_half_done(tmp_path):
    with pointed_at(tmp_path) as (inbox, home):
        build_inbox(inbox)
        assert run_pipeline() == 0
        published = home / "published" / "msoko.duckdb"
        analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(published)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            before = int(analyst.stdout.readline())
            # A school sends one more paper (2021-2022, 5 pupils): the new run publishes more
            # indicator rows while the analyst's session stays open on the old copy.
            later = inbox / "2021-2022" / "vpr-spring" / "sch000002"
            later.mkdir(parents=True)
            write_vpr_export(later / fis_oko_file_name(MATHS, 4, 2022), [
                pupil("sch000002", f"4020{i}", [3, 3, 3, 3]) for i in range(5)], n_criteria=4)
            assert run_pipeline() == 0                 # not blocked by the open session
            analyst.stdin.write("\n")
            analyst.stdin.flush()
            assert int(analyst.stdout.readline()) == before   # its snapshot, whole
            assert analyst.wait(timeout=60) == 0
        finally:
            analyst.kill()
        with duckdb.connect(str(published), read_only=True) as fresh:
            after = fresh.execute(COUNT).fetchone()[0]
            added = dict(fresh.execute("""
                select indicator_code, count(*) from marts.msoko_indicators
                where academic_year = '2021-2022' and school_login = 'sch000002'
                group by all""").fetchall())
        # 2021-2022 gains only sch000002's school-level rows, 1.3.1–1.3.3 among them
        assert {"1.3.1", "1.3.2", "1.3.3"} <= set(added)
        assert after == before + sum(added.values())
        assert sorted(os.listdir(published.parent)) == ["msoko.duckdb"]   # no partial files
