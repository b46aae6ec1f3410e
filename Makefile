# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   create .venv, install, import events/ and show the views
#   make test   create .venv, install, run the tests (the browser tests need chromium)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo
LEDGER := $(BIN)/ledger --store $(DEMO)/ledger.db --views $(DEMO)/views.db

.PHONY: demo test lint bench clean

$(BIN)/ledger: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,web]'
	touch $@

demo: $(BIN)/ledger
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(LEDGER) import events/
	@echo
	@echo "# Importing the same history again records nothing new:"
	$(LEDGER) import events/
	@echo
	@echo "# The September 2013 baseline: East Anglia's CCGs (area team Q56)"
	$(LEDGER) view baseline -p name september-2013 -p area_team Q56
	@echo
	@echo "# CCG allocations for 2013-14 by region, as known when published (18 December 2013)"
	$(LEDGER) view ccg-budgets -p year 2013-14 -p as_at 2013-12-31 -p group region
	@echo
	@echo "# The net change to the specialised commissioning budget in 2013-14"
	$(LEDGER) view specialised-net-change -p year 2013-14
	@echo
	@echo "# How the count of CCGs forecasting a deficit changed between reports"
	$(LEDGER) audit ccg-sector ccgs-forecasting-deficit --year 2013-14
	@echo
	@echo "# Reported totals against their parts, 2014-15"
	$(LEDGER) view reconciliation -p year 2014-15
	@echo
	$(LEDGER) check
	@echo "# ledger is in $(BIN): run '. $(BIN)/activate' once in your shell, or type $(BIN)/ledger (this demo's store: --store $(DEMO)/ledger.db --views $(DEMO)/views.db)"
	@echo
	@echo "# Browse the demo store in a web browser, at http://127.0.0.1:8001/ (Ctrl-C stops):"
	@echo "$(LEDGER) serve"

test: $(BIN)/ledger lint
	$(BIN)/python -m pytest

lint: $(BIN)/ledger
	$(BIN)/ruff check src tests bench cli.py
	$(BIN)/ruff format --check src tests bench cli.py
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

# Not part of make test: a million events take several minutes. BENCH_ARGS=--events 100000
# is quicker; BENCH_ARGS="--postgres postgresql://postgres@127.0.0.1:5432/test" adds the
# server's rows. See bench/RESULTS.md.
bench: $(BIN)/ledger
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO) build src/*.egg-info .pytest_cache .hypothesis
