# The two set-up commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# `make seed`, `make run` and `make dev`: signup on unless SIGNUP_ENABLED says otherwise, and PORT
# (gunicorn.conf.py and the demo hint read it from the environment).
SERVE_ENV = SIGNUP_ENABLED=$${SIGNUP_ENABLED:-1} PORT=$(PORT)

.PHONY: install run dev seed test worker migrate bench soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

migrate: install  ## apply Alembic migrations to DATABASE_URL
	$(BIN)/flask db upgrade

seed: migrate  ## seed the demo tenant if the database has no tenant; print a demo owner token
	$(SERVE_ENV) $(BIN)/flask demo seed --if-empty

run: seed  ## migrate, seed, print a demo token, then serve with gunicorn on $${HOST:-127.0.0.1}:$(PORT) (gunicorn.conf.py)
	$(SERVE_ENV) $(BIN)/gunicorn -c gunicorn.conf.py

dev: seed  ## like run, but on Flask's development server (reloads on changes; never in production)
	$(SERVE_ENV) $(BIN)/flask run --debug --host 127.0.0.1 --port $(PORT)

test: install  ## lint, format and import contracts, then the whole suite (PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL are set)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

worker: install  ## an RQ worker for background jobs (needs REDIS_URL); the scheduler runs retries
	$(BIN)/rq worker -w app.worker.AppWorker --with-scheduler --url "$${REDIS_URL:?set REDIS_URL}" "$${RQ_QUEUE:-cip}"

bench: install  ## benchmark scripts; each prints its figures and a ratio to a baseline
	@for script in $(filter-out bench/common.py bench/bare_wsgi.py bench/soak.py,$(wildcard bench/*.py)); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

soak: install  ## mixed load on gunicorn + rq workers (PostgreSQL, Redis) for SOAK_DURATION s (600); see bench/soak.py
	$(BIN)/python bench/soak.py --duration $${SOAK_DURATION:-600}

clean:
	rm -rf $(VENV) instance/*.db
