# NetSafe. `make demo` and `make test` do everything on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

# The translation catalogues: each .po (committed) compiles to its .mo (generated, ignored).
PO := $(wildcard src/netsafe/locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

.PHONY: install system-deps messages demo serve test test-sqlite test-postgres bench lint format clean

install: $(STAMP) messages

$(STAMP): pyproject.toml package.json
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	npm ci --silent --no-audit --no-fund
	$(BIN)/python scripts/vendor_frontend.py
	touch $(STAMP)

system-deps:
	./scripts/system-deps.sh

messages: $(MO)

# --check-format: a translation that loses a %(name)s placeholder fails the build.
%.mo: %.po
	@command -v msgfmt >/dev/null || ./scripts/system-deps.sh
	msgfmt --check-format -o $@ $<

# The demo runs the production server (gunicorn) and the triage worker side by side;
# Ctrl-C stops both. NETSAFE_ENV=development is named here, never assumed: it allows
# the public development secret and the debug page (an unset NETSAFE_ENV allows neither).
demo: install
	NETSAFE_ENV=development $(BIN)/netsafe demo --host $(HOST) --port $(PORT) --server-starts
	NETSAFE_ENV=development ./scripts/serve-with-worker.sh $(BIN)/netsafe $(HOST) $(PORT)

# The production server alone, with the environment as it is (NETSAFE_ENV and a secret).
serve: install
	$(BIN)/netsafe serve --host $(HOST) --port $(PORT)

# The whole suite, on the database in DATABASE_URL (SQLite when unset).
test: install system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest -n 2 --dist loadgroup

# The database-backed tests again on SQLite (CI runs `make test` on PostgreSQL first).
test-sqlite: install system-deps
	env -u DATABASE_URL -u PREVENTION_DATABASE_URL $(BIN)/pytest -n 2 --dist loadgroup \
		--ignore=tests/triage -m "not browser"

bench: install system-deps
	$(BIN)/python -m bench

# tests/test_imports.py: no import cycles, every module imports (also part of the suite).
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -p no:xdist -q tests/test_imports.py

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache .mypy_cache $(MO)
