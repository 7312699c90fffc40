# peerkit: two commands do everything.
#   make serve   set up (first time) and start the kit in Voila
#   make test    set up (first time) and run every test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.peerkit-installed
HOST   ?= 127.0.0.1
PORT   ?= 8866

.PHONY: serve test bench validate demo clean help lite a11y-deps deploy-deps

help:
	@echo "make serve   start the kit (Voila) on http://$(HOST):$(PORT)/"
	@echo "make test    run every test"
	@echo "make bench   run the benchmarks and update BENCHMARKS.md"
	@echo "make validate  check every instrument file in data/"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "peerkit needs Python 3.11 or newer; found " + sys.version.split()[0])'
	@test -x $(PY) || { echo "Creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing peerkit and its dependencies into $(VENV) (first run takes a minute) ..."
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet --editable '.[test,postgres]'
	@# PDF reports need the Pango library from the system (HTML reports do not): say how to get it
	@$(PY) -c 'from peerkit.reports import render; render.pdf_available() or print("Note: " + render.PANGO_HINT)'
	@touch $@

serve: $(STAMP)
	$(VENV)/bin/peerkit serve --host $(HOST) --port $(PORT) $(SERVE_ARGS)

test: $(STAMP) a11y-deps deploy-deps
	$(PY) -m pytest

# axe-core for the accessibility tests (tests/a11y/package.json, locked in package-lock.json), from
# the npm registry when it is missing and npm exists; without it those tests skip (fail in CI).
AXE_JS := tests/a11y/node_modules/axe-core/axe.min.js
a11y-deps:
	@if [ ! -f $(AXE_JS) ] && command -v npm >/dev/null; then \
	  echo "Installing axe-core for the accessibility tests (npm ci in tests/a11y) ..."; \
	  cd tests/a11y && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; } \
	    || echo "warning: could not install axe-core; the accessibility audit will be skipped"; \
	fi

# configurable-http-proxy for the JupyterHub test (tests/deploy/package.json, locked in
# package-lock.json), from the npm registry when it is missing and npm exists; without it that test
# skips (fails in CI, where PEERKIT_REQUIRE_HUB=1).
CHP_JS := tests/deploy/node_modules/.bin/configurable-http-proxy
deploy-deps:
	@if [ ! -e $(CHP_JS) ] && command -v npm >/dev/null; then \
	  echo "Installing configurable-http-proxy for the JupyterHub test (npm ci in tests/deploy) ..."; \
	  cd tests/deploy && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; } \
	    || echo "warning: could not install configurable-http-proxy; the JupyterHub test will be skipped"; \
	fi

bench: $(STAMP)
	$(PY) benchmarks/run.py

demo: $(STAMP)
	$(VENV)/bin/peerkit demo

# with PEERKIT_SEEDS set (the folder of source documents), the text is checked against them too
validate: $(STAMP)
	$(VENV)/bin/peerkit validate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# JupyterLite (experimental, not part of `make test`): the self-study notebook as a static site in
# _build/lite; see facilitator-guide/self-study.md for what works in it.
lite: $(STAMP)
	$(PY) -m pip install --quiet 'jupyterlite-core>=0.8,<0.9' 'jupyterlite-pyodide-kernel>=0.8,<0.9'
	$(PY) deploy/jupyterlite/build.py --output _build/lite
