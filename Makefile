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
