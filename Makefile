# msoko — the two commands a person needs: `make demo` and `make test`.
# MSOKO_INBOX and MSOKO_HOME are honoured when set in the environment.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export MSOKO_INBOX ?= $(CURDIR)/data/inbox
export MSOKO_HOME  ?= $(CURDIR)/data/home

.PHONY: demo run ui test test-quick bench bench-readers env clean

# The environment is rebuilt only when the dependency pins change.
$(STAMP): pyproject.toml constraints.txt
	@echo "==> creating the Python environment in $(VENV) (once)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	$(BIN)/msoko prepare
	@touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/msoko demo
	$(BIN)/msoko run

run: $(STAMP)
	$(BIN)/msoko run

# The UI has no login: it listens on the loopback interface only.
ui: $(STAMP)
	$(BIN)/msoko ui

# --durations: every CI log names the slowest tests, so the suite's long poles are known
# before the 15-minute budget is reached.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --durations=15

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 -m "not slow"

# A whole region's year (≈1,000 schools, ≈20,000 files) against the floor and the naive way;
# the region is generated once and cached in benchmarks/out/ (gitignored). Ends with the
# `bench:` line the README's scale section explains.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_region

bench-readers: $(STAMP)
	$(BIN)/python benchmarks/bench_readers.py

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
