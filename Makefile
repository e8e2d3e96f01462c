# The two commands: `make run` (serve the studio with a demo project) and `make test`.
# Both work on a fresh machine with only Python 3.11+.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

# The test suite runs on the real services (scripts/services.sh starts them when needed).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/studio
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15

.PHONY: run test lint worker demo migrate bench clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet ".[test]"
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo
	@scripts/run.sh

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A studio worker --beat --pool threads --concurrency 4 --loglevel INFO

demo: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo

test: $(VENV)/.installed
	@scripts/services.sh
	@scripts/browser.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.installed
	@scripts/services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/board.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/ledger.py
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) bench/pipeline.py
	$(PY) bench/render.py
	$(PY) bench/serve.py

clean:
	rm -rf $(VENV) var
