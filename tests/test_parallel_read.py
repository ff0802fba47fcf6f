"""Reading on several cores (ingest/workers.py) gives exactly the batch one process reads:
the demo municipality's inbox (every input format, several years, dirty values, bad files,
duplicate copies) parsed with one worker and with two, then validated — the same file
verdicts and messages in the same order, the same rows set aside, every raw table equal."""
from __future__ import annotations

from ingest.batch import archive_inbox, parse_inbox, validate_batch
from msoko.demo.municipality import write_demo_inbox


def test_two_workers_read_the_same_batch_as_one(tmp_path):
    inbox = tmp_path / "inbox"
    write_demo_inbox(inbox)
    archived = archive_inbox(inbox, tmp_path / "archive")
    serial = validate_batch(parse_inbox(archived, workers=1))
    parallel = validate_batch(parse_inbox(archived, workers=2))

    def verdicts(batch):
        return [(item.rel_path, parsed.status, parsed.reject_code, parsed.message, parsed.rows_read)
                for item, parsed in batch.parsed.files]

    assert verdicts(parallel) == verdicts(serial)
    assert sum(p.status == "rejected" for _, p in serial.parsed.files) > 0     # bad files are in
    assert parallel.set_aside == serial.set_aside
    assert serial.tables["criterion_scores"].num_rows > 0
    for name, table in serial.tables.items():
        assert parallel.tables[name].equals(table), name
