# The two set-up commands (see README.md): `make run` and `make test`.
# Django 6.1 needs Python 3.12 or newer: PYTHON picks the newest one found on PATH or in pyenv.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The test suite runs on this many processes (pytest-xdist; each has its own test database).
TEST_WORKERS ?= 2

.PHONY: run test install install-test lint migrate seed worker beat clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "KAM needs Python 3.12 or newer; none found." >&2; exit 1; }
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo --if-empty --recompute

run: seed
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

test: install-test
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A kam worker --loglevel=info

beat: install
	$(BIN)/celery -A kam beat --loglevel=info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
