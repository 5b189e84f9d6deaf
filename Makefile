# One task runner. Every target sets up the virtual environment it needs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: generate check test lint bench serve clean

$(STAMP): pyproject.toml generated/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	if [ -f generated/python/pyproject.toml ]; then $(PY) -m pip install --quiet -e generated/python; fi
	touch $(STAMP)

generated/python/pyproject.toml:
	@true

generate: $(STAMP)
	$(PY) -m generator generate
	@# the generated package is installed editable, so stalwart-cli sees every regeneration
	@if [ -f generated/python/pyproject.toml ] && ! $(PY) -m pip show --quiet stalwart-registry >/dev/null 2>&1; then \
		$(PY) -m pip install --quiet -e generated/python; fi

check: $(STAMP)
	$(PY) -m generator check

lint: $(STAMP)
	$(VENV)/bin/ruff check generator tests bench
	$(VENV)/bin/ruff format --check generator tests bench

test: check lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

serve: $(STAMP)
	$(PY) -m stalwart_registry.server

clean:
	rm -rf $(VENV) var .pytest_cache
