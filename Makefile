# The project's commands. Python 3.11+ and make are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install install-dev migrate translations test lint bench extract clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core for the browser tests' accessibility checks; without npm those tests skip.
node_modules/.package-lock.json: package-lock.json
	-command -v npm >/dev/null && npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d academy/translations > /dev/null

migrate: $(VENV)/.installed
	mkdir -p instance
	$(BIN)/alembic upgrade head

run: migrate translations
	$(FLASK) demo-data --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev translations node_modules/.package-lock.json
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check academy tests benchmarks migrations wsgi.py
	$(BIN)/mypy

bench: install-dev translations
	$(PY) -m benchmarks pages --scale 100
	$(PY) -m benchmarks pages --scale 20000
	$(PY) -m benchmarks gradebook --students 1000 --assessments 20
	$(PY) -m benchmarks certificates --count 1000

# Re-extract the messages and merge them into the catalogues (then translate what is new).
extract: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o academy/translations/messages.pot --no-location --sort-output -w 100 .
	$(BIN)/pybabel update -i academy/translations/messages.pot -d academy/translations --no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
