# BacaQuest: `make run` serves the API with demo data; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATABASE_URL ?= sqlite:///./bacaquest.db
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export DATABASE_URL PUBLIC_BASE_URL

.PHONY: run test install lint typecheck openapi bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate

run: install
	$(BIN)/python -m app migrate
	$(BIN)/python -m app demo
	$(BIN)/uvicorn app.main:create_app --factory --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n 2 -p no:cacheprovider

openapi: install
	$(BIN)/python -m app openapi

bench: install
	$(BIN)/python -m bench.run

.PHONY: mutation
mutation: install
	$(BIN)/python -m tests.mutation.run $(TARGETS)

clean:
	rm -rf $(VENV) bacaquest.db bacaquest.db-wal bacaquest.db-shm
