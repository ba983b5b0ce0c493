PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; newer requirements files make it stale.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv run test check bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip<26.3'
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: venv
	$(BIN)/python -m chalicelib.devserver

test: venv
	$(BIN)/python -m pytest -q -m "not fuzz" $(PYTEST_ARGS) tests/

# The longer property-based fuzz run of every documented dialect against the real server.
check: venv
	$(BIN)/python -m pytest -q -m fuzz $(PYTEST_ARGS) tests/

# Seeds 1,000 and 20,000 tickets into moto, measures, prints markdown and writes docs/benchmarks.md.
bench: venv
	$(BIN)/python -m bench.run

# Build artefacts only: the dev server's data in .local/ (HELPDESK_DATA_DIR) is kept.
clean:
	rm -rf $(VENV) .pytest_cache build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
