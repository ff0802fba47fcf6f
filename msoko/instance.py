"""Prepare the process environment every entry point shares: Dagster's home under
MSOKO_HOME (with the repo's dagster.yaml) and the warehouse path dbt reads."""
from __future__ import annotations

import json
import os

from msoko.atomic import atomic_target
from msoko.config import REPO_ROOT, Paths

# Appended to the instance's copy of dagster.yaml: Dagster's SQLite event log with its
# connections kept open (msoko/event_storage.py), in the folder the default storage uses.
# The folder must be written out: Dagster's legacy storage keys take no path relative to
# the instance, and an instance opened by path (DagsterInstance.from_config) has no
# DAGSTER_HOME to derive it from.
EVENT_LOG_STORAGE = """
# Added by msoko (msoko/instance.py): the SQLite event log with its connections kept open.
event_log_storage:
  module: msoko.event_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {base_dir}
"""


def prepare_environment(paths: Paths) -> None:
    paths.home.mkdir(parents=True, exist_ok=True)
    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    settings = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    # JSON's quoted string is a YAML string: any path, spaces and quotes included.
    events = EVENT_LOG_STORAGE.format(
        base_dir=json.dumps(str(paths.dagster_home / "history" / "runs")))
    # Whole or not at all: the daemon or the webserver of this home may be reading it.
    with atomic_target(paths.dagster_home / "dagster.yaml") as tmp:
        tmp.write_text(settings + events, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(paths.dagster_home)
    os.environ["MSOKO_WAREHOUSE"] = str(paths.warehouse)
    os.environ["MSOKO_INBOX"] = str(paths.inbox)
    os.environ["MSOKO_HOME"] = str(paths.home)
