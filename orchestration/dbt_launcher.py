"""`msoko-dbt`: the environment's dbt, except that the warehouse's location is not part of
dbt's partial-parse check.

dbt reparses the whole project (≈6 s) when its saved parse state was made with other
connection details, and the warehouse path is one of them (dbt-duckdb's connection keys).
Every MSOKO_HOME has its own warehouse path, so every fresh home (each test, each benchmark
run, a new department) paid a full parse although nothing dbt parses depends on that path.
What does depend on it, the database name dbt derives from the file name (`warehouse`),
stays in the check: the project's state, parsed for a file of that name, is reused in
every home (dagster-dbt copies it into the home's target). Measured: `dbt parse` in a
fresh home 12.3 s → 5.7 s.

When the run has a warm dbt process (orchestration/dbt_warm.py), the command runs there
instead, and this process only waits for it.
"""
from __future__ import annotations

import os
import sys

from orchestration.dbt_warm import WARM_ENV, run_warm


def main() -> int:
    # The run's warm dbt process, if it has one, runs the command (orchestration/dbt_warm.py).
    warm = os.environ.get(WARM_ENV)
    if warm:
        code = run_warm(warm, sys.argv)
        if code is not None:
            return code
    # dbt-duckdb's documented adapter hook: the keys `dbt debug` shows and dbt hashes.
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    keys = DuckDBCredentials._connection_keys

    def without_path(self) -> tuple[str, ...]:
        return tuple(k for k in keys(self) if k != "path")

    DuckDBCredentials._connection_keys = without_path
    from dbt.cli.main import cli
    return cli()


if __name__ == "__main__":
    sys.exit(main())
