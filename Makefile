# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean messages ui-deps readme-screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fedlocal demo $(DEMO_ARGS)

# One worker per core; a test file stays on one worker (its module fixtures are built once),
# and the files go out in the order tests/conftest.py gives them (the long ones first);
# the slowest tests are listed at the end. The tests start many Python processes (servers,
# commands): their compiled modules are kept under build/pycache, even where the
# environment asks for none, so that each process does not compile ours again.
test: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/build/pycache \
		$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

# ruff, then mypy (what it checks, and how strictly, is in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check activitypub fedlocal web tests bench
	$(BIN)/ruff format --check activitypub fedlocal web tests bench
	$(BIN)/mypy

# axe-core for the browser tests (tests/ui/package.json); Chromium comes from apt.
ui-deps:
	cd tests/ui && npm ci --no-audit --no-fund --loglevel=error
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error

# The README's pictures of a group purchase, a ride and the shops page, taken again with
# the browser tests' Chromium straight into docs/screenshots/ (tests/ui/test_kinds_look.py).
readme-screenshots: $(STAMP)
	CI=true FEDLOCAL_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q \
		-p no:cacheprovider tests/ui/test_kinds_look.py

# Extract the web app's messages and add new ones to both catalogues (then translate them).
messages: $(STAMP)
	$(BIN)/pybabel extract -F web/babel.cfg -k N_ -k t -k gettext -k ngettext:1,2 \
		--no-location --sort-output --width=100 --project fedlocal -o web/locales/messages.pot web
	$(BIN)/pybabel update -i web/locales/messages.pot -d web/locales \
		--no-fuzzy-matching --ignore-obsolete --width=100

bench: $(STAMP)
	$(BIN)/python bench/inbox.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache data build tests/ui/node_modules
