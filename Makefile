# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   create .venv, install, import events/ and show the views
#   make test   create .venv, install, run the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo
LEDGER := $(BIN)/ledger --store $(DEMO)/ledger.db --views $(DEMO)/views.db

.PHONY: demo test lint bench clean

$(BIN)/ledger: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/ledger
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(LEDGER) import events/
	@echo
	@echo "# Importing the same history again records nothing new:"
	$(LEDGER) import events/
	@echo
	@echo "# The named views:"
	$(LEDGER) views
	@echo
	@echo "# CCG allocations for 2013-14 by region, as at the September 2013 baseline:"
	$(LEDGER) view ccg-budgets -p year 2013-14 -p as_at 2013-09-30 -p group region
	@echo
	@echo "# Cambridgeshire and Peterborough CCG (06H): its allocations as recorded"
	$(LEDGER) log --kind allocation --account 06H

test: $(BIN)/ledger lint
	$(BIN)/python -m pytest

lint: $(BIN)/ledger
	$(BIN)/ruff check src tests cli.py
	$(BIN)/ruff format --check src tests cli.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO) build src/*.egg-info .pytest_cache .hypothesis
