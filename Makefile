# Hội thi trực tuyến — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
WORKERS ?= 2
THREADS ?= 8
# Access log without query strings: a search for a phone or CCCD must not land in logs (L2).
ACCESS_LOG := %(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms

.PHONY: run serve worker test test-sqlite test-postgres lint bench setup translations messages clean

# Create the virtualenv and install the project; redone when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d contest/translations -D messages >/dev/null

# After changing a translatable string: extract every message (Python and templates) and
# merge it into the English catalogue, then translate the new entries in messages.po.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -k _l -k lazy_gettext \
		--ignore-dirs '.* __pycache__' \
		-o contest/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i contest/translations/messages.pot \
		-d contest/translations -D messages
	rm contest/translations/messages.pot

# Migrations and demo data run once, here, before gunicorn starts its workers (C7).
run: setup
	mkdir -p instance
	$(FLASK) db upgrade heads
	$(FLASK) demo load
	$(BIN)/gunicorn --workers $(WORKERS) --worker-class gthread --threads $(THREADS) \
		--bind 127.0.0.1:$(PORT) --access-logfile - --access-logformat '$(ACCESS_LOG)' \
		--forwarded-allow-ips '' wsgi:app

# The job worker (RQ) for exports and closing rounds, with the app's environment: it needs
# REDIS_URL (and the servers' DATABASE_URL). Without REDIS_URL, `make run` runs jobs itself.
worker: setup
	$(BIN)/python -m contest.jobs.worker

# The whole suite on SQLite, then (when TEST_DATABASE_URL is set) on PostgreSQL too.
test: setup
	@command -v chromium >/dev/null || echo "note: Debian's chromium is missing; browser tests need 'apt-get install -y chromium'"
	TEST_DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL =="; \
		$(BIN)/pytest -q -p no:cacheprovider -m "not browser" --db-url "$$TEST_DATABASE_URL"; \
	fi

# Style, complexity (pyproject.toml) and the layering and size limits (docs/architecture.md).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -p no:cacheprovider tests/contest/test_layering.py tests/question_bank/test_qb_package.py

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
