# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Django 6 needs Python >= 3.12: use the newest suitable interpreter found.
PYTHON ?= $(shell for p in python3.13 python3.12 $(HOME)/.pyenv/versions/3.13*/bin/python3 $(HOME)/.pyenv/versions/3.12*/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: java demo test lint typecheck pytest pytest-pg serve bench clean catalogue messages

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 is required (Django 6)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The compiled translation catalogues (not committed), rebuilt when a .po changes.
LOCALE_PO := $(wildcard hotline/locale/*/LC_MESSAGES/*.po)
LOCALE_MO := $(LOCALE_PO:.po=.mo)

$(LOCALE_MO): %.mo: %.po $(STAMP)
	$(BIN)/python -m hotline.web.catalogue

catalogue: $(LOCALE_MO)

# Collect new UI strings into the English .po (needs GNU gettext's xgettext); translate them there.
messages: $(STAMP)
	cd hotline && DJANGO_SETTINGS_MODULE=hotline.settings PYTHONPATH=.. \
		../$(BIN)/django-admin makemessages -l en --no-obsolete --ignore 'static/*'

demo: $(STAMP) catalogue
	$(BIN)/hotline demo --port $${PORT:-8000}

serve: $(STAMP) catalogue
	$(BIN)/hotline serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy hotline

# Spark (the supervision engine's --engine spark and its tests) runs on Java 17+, from Debian.
java:
	@command -v java >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && mkdir -p /usr/share/man/man1 && \
			apt-get install -y -qq default-jre-headless >/dev/null; \
		else echo "error: the Spark tests need Java 17+: apt-get install default-jre-headless"; exit 1; fi; }

pytest: $(STAMP) catalogue java
	DATABASE_URL= $(BIN)/pytest

# Runs only when TEST_DATABASE_URL names a PostgreSQL server (.ci/run starts one).
pytest-pg: $(STAMP) catalogue
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== suite on PostgreSQL"; DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest; \
	else echo "== TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test: lint typecheck pytest pytest-pg

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_verify.py
	$(BIN)/python bench/bench_callcenter.py
	$(BIN)/python bench/bench_august_calls.py
	$(BIN)/python bench/supervise.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/web_pages.py

clean:
	rm -rf $(VENV) var
