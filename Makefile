# The two commands of the README: `make run` and `make test`. Both create
# .venv and install on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench screenshots install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m exoinventory.localrun

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The README's pictures, taken by the browser tests in Chromium; `make test`
# runs the same tests without writing them.
screenshots: $(STAMP)
	EXOINVENTORY_SCREENSHOTS=1 $(BIN)/pytest -m browser
