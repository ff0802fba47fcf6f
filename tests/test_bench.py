"""The benchmark's own parts on tiny sizes: the synthetic region generator, the lean floor's
arithmetic and the `bench:` line (the full benchmark is `make bench`, not a test)."""
from __future__ import annotations

import hashlib

import pytest

from benchmarks import bench_region, floor, region
from ingest.headers import find_header
from ingest.metadata import resolve
from ingest.readers import UnreadableFile, read_table_file
from msoko.demo import layouts as L


def _digests(inbox):
    return {p.relative_to(inbox).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(inbox.rglob("*")) if p.is_file()}


def test_region_generator_writes_real_layouts_deterministically(tmp_path):
    inbox = region.generate(3, seed=7, out=tmp_path / "a", workers=1)
    xlsx = sorted(inbox.rglob("*.xlsx"))
    # 3 schools × 20 papers (18 VPR, regional monitoring, autumn diagnostics)
    assert len(region.PAPERS) == 20
    assert len(xlsx) == 3 * 20
    assert {p.relative_to(inbox).parts[1] for p in xlsx} == {
        "vpr-spring", "regional-monitoring-jan", "dkr-autumn"}
    layouts = set()
    for path in xlsx:
        try:
            sheets = read_table_file(path)
        except UnreadableFile:
            continue                      # the planted empty upload
        hm = find_header(sheets[0].rows, ("pupil_code", "variant"))
        assert hm is not None and hm.criteria, path
        layouts.add(sheets[0].name if sheets[0].name == "Протокол"
                    else "latin" if "code" in [h.strip() for h in hm.headers] else "cyrillic")
        # subject, grade and year come from the FIS OKO name or the folder's manifest
        meta = resolve(path)
        if "результаты" not in path.name:
            assert meta is not None and meta.year == 2025, path
    assert layouts == {"Протокол", "latin", "cyrillic"}
    # the same seed gives the same bytes; a cached region is not rewritten
    again = region.generate(3, seed=7, out=tmp_path / "b", workers=1)
    assert _digests(inbox) == _digests(again)
    assert region.generate(3, seed=7, out=tmp_path / "a") == inbox


def test_region_journal_marks_follow_scores_except_in_planted_schools():
    # Journal marks drawn at random made O2 flag half the region's papers and the workbook
    # chart thousands of them. A teacher's mark follows the score («3» from 30 %, «4» from
    # 55 %, «5» from 80 % of the maximum, the shares write_reference's scale rounds): the
    # same mark 60 % of the time, one higher 25 %, one lower 15 %, never further off.
    import random
    paper = region.PAPERS[1]                                # grade 4 mathematics
    assert paper.max_score == 22             # «3» from 6.6, «4» from 12.1, «5» from 17.6 points
    planted_index = region.INFLATED_EVERY // 3
    honest, planted = region.schools(planted_index + 1, seed=1)[-2:]
    assert planted.index == planted_index
    rng = random.Random(3)
    vpr_mark = {0: 2, 6: 2, 7: 3, 12: 3, 13: 4, 17: 4, 18: 5, 22: 5}   # score -> mark, by hand
    for score, mark in vpr_mark.items():
        marks = [region._journal_mark(rng, honest, paper, score) for _ in range(2000)]
        assert all(abs(m - mark) <= 1 and 2 <= m <= 5 for m in marks), score
        assert 0.55 < marks.count(mark) / len(marks) < 0.65 or mark in (2, 5), score
    # the planted school gives 4s and 5s whatever the pupil wrote
    assert {region._journal_mark(rng, planted, paper, 0) for _ in range(200)} == {4, 5}


def test_subset_links_the_first_schools(tmp_path):
    inbox = region.generate(4, seed=7, out=tmp_path, workers=1)
    half = region.subset(inbox, 0.5, tmp_path / "half")
    schools = sorted({p.parts[-2] for p in half.rglob("*.xlsx")})
    assert schools == ["sch700000", "sch700001"]
    assert (half / "reference" / "schools.csv").exists()


def test_floor_computes_the_13x_indicators(tmp_path):
    inbox = tmp_path / "inbox"
    ref = inbox / "reference"
    L.write_school_registry_csv(ref / "schools.csv", [L.SchoolRecord("sch700001", "Школа", "Район")])
    L.write_scales_csv(ref / "scales.csv", [dict(year=2025, procedure="vpr", grade=4,
                                                 subject="математика", max_score=10, min_3=3,
                                                 min_4=5, min_5=8, source="test")])
    name = L.fis_oko_file_name("математика", 4, 2025)
    pupils = [
        dict(login="sch700001", code="1", variant=1, criteria=[3, 4]),        # 7  -> mark 4
        dict(login="edu700001", code="2", variant=2, criteria=["Х", 2]),      # 2  -> mark 2
        dict(login="sch700001", code="3", variant="отсутствовал", criteria=[None, None]),
        dict(login="sch700001", code="4", variant=1, criteria=[5, 5]),        # 10 -> mark 5, > 7.5
    ]
    L.write_vpr_export(inbox / "2024-2025" / "vpr-spring" / "sch700001" / name, pupils, n_criteria=2)
    out = floor.run(inbox, tmp_path / "floor.duckdb")
    assert (out["files"], out["rows"], out["criterion_scores"]) == (1, 4, 8)
    import duckdb
    con = duckdb.connect(str(tmp_path / "floor.duckdb"), read_only=True)
    got = con.execute("""select participants, "1.3.1", "1.3.2", "1.3.3" from indicators
                         where school_login = 'sch700001'""").fetchone()
    # participants: pupils 1, 2, 4 (3 was absent); mean (7 + 2 + 10) / 3;
    # mark 2: pupil 2 of 3; above 75 % of 10: pupil 4 of 3
    assert got == (3, pytest.approx(19 / 3), pytest.approx(100 / 3), pytest.approx(100 / 3))


def test_bench_line_round_trip_and_targets():
    line = bench_region.bench_line(files=20000, rows=1200000, run_s=95.04, floor_s=40.0,
                                   run_over_floor=2.376, naive_over_run=41.26, resubmit_s=12.34,
                                   peak_rss_mb=1530.4)
    assert line == ("bench: files=20000 rows=1200000 run_s=95.0 floor_s=40.0 run_over_floor=2.38 "
                    "naive_over_run=41.3 resubmit_s=12.3 peak_rss_mb=1530")
    figures = bench_region.parse_bench_line("noise\n" + line + "\n")
    assert figures == {"files": 20000, "rows": 1200000, "run_s": 95.0, "floor_s": 40.0,
                       "run_over_floor": 2.38, "naive_over_run": 41.3, "resubmit_s": 12.3,
                       "peak_rss_mb": 1530}
    assert all(v.endswith("ok") for v in bench_region.verdicts(figures))
    missed = bench_region.verdicts({**figures, "run_over_floor": 3.5, "peak_rss_mb": 2100})
    assert [v.split("=")[0] for v in missed if v.endswith("MISSED")] == ["run_over_floor", "peak_rss_mb"]
    with pytest.raises(ValueError):
        bench_region.parse_bench_line("no figures here")


def test_dagster_events_counts_the_last_run_and_prices_an_event(tmp_path):
    import sqlite3
    runs = tmp_path / "dagster" / "history" / "runs"
    runs.mkdir(parents=True)
    con = sqlite3.connect(runs / "run1.db")
    con.execute("create table event_logs (id integer primary key, timestamp text, dagster_event_type text)")
    # 201 planned events 10 ms apart (2.00 s from first to last → 2.00 / 201 ≈ 10 ms each),
    # 50 materializations, 1 log line without a type: 252 events, ≈10 ms × 252 ≈ 3 s
    for i in range(201):
        con.execute("insert into event_logs (timestamp, dagster_event_type) values (?, ?)",
                    (f"2026-01-01 10:00:{i // 100:02d}.{(i % 100) * 10:03d}000", "ASSET_MATERIALIZATION_PLANNED"))
    con.executemany("insert into event_logs (timestamp, dagster_event_type) values (?, ?)",
                    [("2026-01-01 10:00:05.000000", "ASSET_MATERIALIZATION")] * 50)
    con.execute("insert into event_logs (timestamp, dagster_event_type) values ('2026-01-01 10:00:06', null)")
    con.commit()
    con.close()
    (runs / "index.db").write_bytes(b"")       # the index shard is not a run
    line = bench_region.dagster_events(tmp_path)
    assert line.startswith("252 Dagster events (ASSET_MATERIALIZATION_PLANNED 201, ASSET_MATERIALIZATION 50, LOG 1")
    assert "≈10 ms an event, ≈3 s in all" in line
