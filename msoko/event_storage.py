"""Dagster's SQLite event log, with its connections kept open.

Dagster's SQLite event storage builds a SQLAlchemy engine, opens a connection and closes it
again for every read and write of its event log: ≈2,000 times in a run of msoko's full job,
whatever the region's size (a planned and a materialization event per asset, an evaluation
per dbt test). Closing the last connection to a WAL database also checkpoints it and
deletes its WAL file, with an fsync each time: ≈6 ms an operation on this machine, 11.5–
12.8 s of a run over a tenth of a region, and as much of every school's resubmission. Here
each database keeps one open connection per process (SQLAlchemy's StaticPool; Dagster's
own lock already serialises the storage's use across threads): 3.1–3.2 s for the same run.

Two things the per-operation close did on the side are kept on purpose:
- the webserver follows a running run by watching the run's own `<run_id>.db` file for
  modification, which only a checkpoint brings; so after every use of a run's database its
  WAL is checkpointed (PASSIVE: never waits for readers; a no-op when nothing was written);
- the run's database and the shared index are written by several processes (the daemon,
  the webserver, run workers); SQLite's locking and busy timeout work the same with a
  connection kept open between transactions.

`synchronous=NORMAL` (WAL mode): a committed event survives a killed process; only a power
loss can take back the last few events, never corrupt the database. msoko.instance adds it
to the instance's dagster.yaml (`event_log_storage`), over the files the default storage
writes.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

# A run worker uses its run's database and the index; the webserver reads many runs' logs:
# keep the most recently used few open.
OPEN_DATABASES = 8
BUSY_TIMEOUT_SECONDS = 30


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, opened once; called with Dagster's _db_lock held."""
        if self._engines_pid != os.getpid():
            # A forked child must not use its parent's SQLite connections: start afresh
            # (the parent's are left alone, not closed, from here).
            self._engines, self._engines_pid = OrderedDict(), os.getpid()
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard), poolclass=StaticPool,
                connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
            event.listen(engine, "connect", _tune_connection)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before every asset event and check evaluation (≈450 times a run),
        each time through a new engine and connection. A table, once there, stays (schema
        migrations add tables; wipe() empties them): remember the yes."""
        if table_name in self._tables_seen:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables_seen.add(table_name)
        return found

    def _close_all(self) -> None:
        # Under the same lock as every use: never closed while another thread is in it.
        with self._db_lock:
            engines, self._engines = list(self._engines.values()), OrderedDict()
            for engine in engines:
                engine.dispose()

    def wipe(self) -> None:
        # wipe() deletes the run databases' files: close them first
        self._close_all()
        self._tables_seen.clear()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def _tune_connection(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
