# The two commands of CONTRACT.md section 1, plus lint and bench.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: the whole product with demo data (web server, worker, beat); Ctrl-C stops it.
run: $(STAMP)
	$(BIN)/python -m bedrot_site.launcher

## make test: the whole suite; honours DATABASE_URL and REDIS_URL.
test: $(STAMP)
	$(BIN)/python -m pytest

## The suite without the slow browser and worker tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser and not worker"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench.run
