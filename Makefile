# peerkit: two commands do everything.
#   make serve   set up (first time) and start the kit in Voila
#   make test    set up (first time) and run every test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.peerkit-installed
HOST   ?= 127.0.0.1
PORT   ?= 8866

.PHONY: serve test bench validate demo clean help

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
	@touch $@

serve: $(STAMP)
	$(VENV)/bin/peerkit serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py

validate: $(STAMP)
	$(VENV)/bin/peerkit validate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
