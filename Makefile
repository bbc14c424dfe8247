# Sheetflow: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint types check bench clean deps-run deps-test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The Debian packages each needs (Tesseract; Chromium for the browser tests), installed
# when missing; first, so that nothing starts without them.
deps-run:
	scripts/system-deps run

deps-test:
	scripts/system-deps test

run: deps-run $(STAMP)
	DEBUG=1 $(BIN)/sheetflow migrate --verbosity 0
	DEBUG=1 $(BIN)/sheetflow demo
	DEBUG=1 $(BIN)/sheetflow serve --no-migrate

test: deps-test $(STAMP)
	SHEETFLOW_TESTING=1 $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	SHEETFLOW_TESTING=1 $(BIN)/mypy sheetflow bench

check: lint types
	SHEETFLOW_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

bench: $(STAMP)
	DEBUG=1 $(BIN)/sheetflow bench

clean:
	rm -rf $(VENV) var
