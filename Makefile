# Rempart — the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Main job: the server (API, console, public report pages) on a fresh demo database.
## For a real deployment: `rempart user create NAME --admin`, then `rempart serve [--db URL]`.
run: $(STAMP)
	$(BIN)/rempart serve --demo

## Whole test suite, with lint and types.
test: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/rempart bench hashing
	$(BIN)/rempart bench robustness

clean:
	rm -rf $(VENV) build *.egg-info
