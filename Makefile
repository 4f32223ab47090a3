# The two set-up commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: install run test worker migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

migrate: install  ## apply Alembic migrations to DATABASE_URL
	$(BIN)/flask db upgrade

run: migrate  ## migrate, seed the demo tenant if empty, print a demo token, serve on 127.0.0.1:$(PORT)
	SIGNUP_ENABLED=$${SIGNUP_ENABLED:-1} $(BIN)/flask demo seed --if-empty
	SIGNUP_ENABLED=$${SIGNUP_ENABLED:-1} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install  ## lint, format and import contracts, then the whole suite (PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL are set)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

worker: install  ## an RQ worker for background jobs (needs REDIS_URL); the scheduler runs retries
	$(BIN)/rq worker -w app.worker.AppWorker --with-scheduler --url "$${REDIS_URL:?set REDIS_URL}" "$${RQ_QUEUE:-cip}"

bench: install  ## benchmark scripts; each prints its figures and a ratio to a baseline
	@for script in $(filter-out bench/common.py bench/bare_wsgi.py,$(wildcard bench/*.py)); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance/*.db
