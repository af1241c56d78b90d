# BacaQuest: `make run` serves the API with demo data; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATABASE_URL ?= sqlite:///./bacaquest.db
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export DATABASE_URL PUBLIC_BASE_URL

.PHONY: run test install lint typecheck openapi bench clean browser-deps

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

test: lint typecheck browser-deps
	$(BIN)/pytest -n 2 -p no:cacheprovider

# The browser tests (tests/browser) need Debian's Chromium and axe-core from npm; without
# them they are skipped, and this says so.
browser-deps:
	@if command -v npm >/dev/null 2>&1; then \
	  [ -f tests/browser/node_modules/axe-core/axe.min.js ] || \
	  npm ci --prefix tests/browser --no-audit --no-fund --silent || \
	  echo "NOTE: npm ci failed: the browser tests (tests/browser) will be SKIPPED"; \
	else echo "NOTE: npm not found: the browser tests (tests/browser) will be SKIPPED"; fi
	@[ -x "$${BROWSER_CHROMIUM:-/usr/bin/chromium}" ] || \
	  echo "NOTE: Chromium not found (apt-get install chromium): the browser tests (tests/browser) will be SKIPPED"

openapi: install
	$(BIN)/python -m app openapi

bench: install
	$(BIN)/python -m bench.run

.PHONY: mutation
mutation: install
	nice -n 10 $(BIN)/python -m tests.mutation.run $(TARGETS)

clean:
	rm -rf $(VENV) bacaquest.db bacaquest.db-wal bacaquest.db-shm
