# Imaging Ops — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

var:
	mkdir -p var/broker var/media

run: export DEBUG ?= true
run: export WEB_PORT ?= 8000
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(WEB_PORT)
run: $(VENV)/.runtime | var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho start

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest --validation-report=docs/validation.md

# Scale data on PostgreSQL (BENCH_DATABASE_URL), built once; e.g. `make bench BENCH_ARGS=--rebuild`.
bench: $(VENV)/.dev | var
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
