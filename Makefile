# `make` builds the briefing, `make test` runs the tests. Both create .venv from the pinned
# requirements first and install the system packages the tests need (Debian).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
# Matplotlib and fontconfig caches inside the venv: no writes to the home directory.
export MPLCONFIGDIR := $(abspath $(VENV))/mplconfig

.PHONY: all briefing test system-deps clean dag
all: briefing

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (briefing)" > /dev/null
	touch $(STAMP)

briefing: $(STAMP)
	$(BIN)/snakemake --cores all

test: $(STAMP) system-deps
	$(BIN)/pytest

# Browser and PDF tools for the tests, from Debian, only when missing.
system-deps:
	@command -v pdftotext > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils > /dev/null; }

dag: $(STAMP)
	$(BIN)/snakemake --dag | dot -Tsvg > dag.svg

clean:
	rm -rf results logs .snakemake
