# One task runner. Every target sets up the virtual environment it needs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: generate check check-compat test fuzz lint typecheck bench serve clean chromium postgres wrk webui icons

$(STAMP): pyproject.toml runtime/pyproject.toml extensions/stalwart_actions/pyproject.toml generated/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# the runtime distribution first: the generator and the generated package both depend on it
	$(PY) -m pip install --quiet -e 'runtime[server,postgresql]'
	@# hand-written application code the generated server loads by entry point (Action handlers)
	$(PY) -m pip install --quiet -e extensions/stalwart_actions
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
	$(VENV)/bin/ruff check generator runtime extensions tests bench
	$(VENV)/bin/ruff format --check generator runtime extensions tests bench

# mypy --strict ([tool.mypy] in pyproject.toml) over the generator, its runtime and the generated
# package as committed; tests are not type-checked.
typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The release schema/ must stay compatible with (docs/compat.md): the newest tag v* reachable from
# HEAD, else the git revision written in COMPAT_BASE (while there is no tag: the first commit with
# schema/). Move COMPAT_BASE forward when a release deliberately breaks, or waive the change.
COMPAT_BASE_FILE := COMPAT_BASE

check-compat: $(STAMP)
	@base=$$(git describe --tags --abbrev=0 --match 'v*' 2>/dev/null || cat $(COMPAT_BASE_FILE)); \
	echo "python -m generator diff --against $$base schema"; \
	$(PY) -m generator diff --against "$$base" schema

test: check lint typecheck check-compat chromium postgres wrk
	$(PY) -m pytest

# The fuzz suite (tests/fuzz/) at FUZZ_SCALE times the example counts `make test` runs; it prints
# its figures (requests sent, schemas mutated, CLI runs, failures by class) at the end.
FUZZ_SCALE ?= 25

fuzz: $(STAMP)
	FUZZ_SCALE=$(FUZZ_SCALE) $(PY) -m pytest tests/fuzz -p no:cacheprovider

# BENCH_QUICK=1: a smoke run (small stores, short runs) that checks every figure can be made.
bench: $(STAMP) postgres wrk
	$(PY) -m bench

# The WebUI browser test (tests/test_webui_browser.py) drives Debian's chromium: installed here
# when missing (CI on a fresh machine; needs root). The WebUI itself is built by the test, or by
# `make webui`, which prints the built dist/ directory (cached under .cache/webui/ by source hash):
#   WEBUI_DIR=$$(make -s webui) ADMIN_USER=admin ADMIN_PASSWORD=... make serve
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# Debian's PostgreSQL server binaries, for the tests and the benchmark on PostgreSQL: each starts a
# throw-away cluster of its own (tests/pg_service.py: initdb and pg_ctl as the postgres user on a
# free loopback port), never the package's system cluster.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)

# wrk, the benchmark's load generator (p50/p99 latencies).
wrk:
	@test -x /usr/bin/wrk || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)

webui: $(STAMP)
	@$(PY) tests/webui_build.py

# schema/icons.yaml: the drawings of the icons the WebUI menus name, from Lucide's lucide-static
# package (fetched with npm into .cache/lucide/), so that `make generate` stays offline. The docs
# site draws Lucide 1.26.0 (the WebUI pins lucide-react 1.28.0; zap was redrawn in 1.27.0, see
# schema/README.md); run after the menus name a new icon, then `make generate`.
LUCIDE_VERSION ?= 1.26.0

icons: $(STAMP)
	@dir=$$($(PY) tests/lucide_package.py $(LUCIDE_VERSION)) && $(PY) -m generator import-icons "$$dir" --schema schema

# WORKERS=N: N server processes sharing one listening socket and one database (DB).
WORKERS ?= 1

serve: $(STAMP)
	WORKERS=$(WORKERS) $(PY) -m stalwart_registry.server

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
