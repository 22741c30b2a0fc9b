# Two commands for a fresh clone: `make run` (console bot over the bundled sample stories) and
# `make test` (lint, types, all tests). Both set up .venv first, pinned by constraints.txt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench eval clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bot run

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check bot benchmarks evaluation tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

eval: $(STAMP)
	$(BIN)/python -m evaluation

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
