# `make` builds the briefing, `make test` runs every test, `make test-fast` the in-process ones.
# Each creates .venv from the pinned requirements first; the first two also install the system
# packages the build and the tests need (Debian).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
# Matplotlib and fontconfig caches inside the venv: no writes to the home directory.
export MPLCONFIGDIR := $(abspath $(VENV))/mplconfig
# Bytecode cached even where the environment turns it off: pytest keeps its rewritten test modules
# there, and without it every run and every worker compiled them again (6 of a worker's 12 s of
# collection; .gitignore and the shared build's key leave __pycache__ out).
export PYTHONDONTWRITEBYTECODE :=

# Debian packages: the build needs poppler (pdftotext, for the numeric audit) and pandoc (the Word
# edition, briefing/present/word.py); the PDF and the figures take their fonts from the pinned matplotlib,
# not from the system. The tests also drive
# Chromium (DejaVu fonts for what a reviewer sees), run the Nu HTML checker on Java, and render
# the PDF with HarfBuzz-Subset present to show it changes nothing (tests/test_pdf_bytes.py), and
# check the statistics against R's metafor (tests/test_metafor_oracle.py), format the reference
# list's CSL-JSON with pandoc's citeproc (tests/test_references.py), and convert the Word edition
# to PDF with LibreOffice, as opening it without repair (tests/test_word.py).
BUILD_DEBS := poppler-utils pandoc librsvg2-bin
TEST_DEBS := chromium fonts-dejavu-core default-jre-headless libharfbuzz-subset0 r-cran-metafor r-cran-lme4 libreoffice-writer-nogui
SNAKEMAKE_ARGS ?=

.PHONY: all briefing test test-fast test-e2e lint check new-study surveil dictionary build-deps test-deps clean dag
all: briefing

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (briefing)" > /dev/null
	touch $(STAMP)

briefing: $(STAMP) build-deps
	$(BIN)/snakemake --cores all $(SNAKEMAKE_ARGS)

# Everything, on every core: the workers share one Snakemake build (tests/conftest.py, `built`),
# each test module stays on one worker (its fixtures are built once), the modules that build most
# start first (conftest.py's order, which --no-loadscope-reorder keeps), and the slowest tests are
# listed at the end, to see where the time goes.
test: $(STAMP) build-deps test-deps
	$(BIN)/pytest -n auto --dist loadscope --no-loadscope-reorder --durations=30

# The tiers of a pull request (.github/workflows/tests.yml): lint, then test-fast, then this.
test-e2e: $(STAMP) build-deps test-deps
	$(BIN)/pytest -m "build or e2e or oracle" -n auto --dist loadscope --no-loadscope-reorder --durations=30

lint: $(STAMP)
	$(BIN)/ruff check workflow/briefing tests bench
	$(BIN)/ruff format --check workflow/briefing tests bench
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint
	$(BIN)/mypy
	cd workflow && ../$(BIN)/lint-imports ../pyproject.toml

# The inner loop: every test that needs no build, no Snakemake, no pip, no browser and no R (the
# marks come from the fixtures a test uses: tests/conftest.py; `oracle` tests run R's metafor, a
# test-deps package), on every core. Poppler stays: the in-process PDF tests read their PDFs with
# pdftotext.
test-fast: $(STAMP) build-deps
	$(BIN)/pytest -m "not build and not e2e and not oracle" -n auto

# For curators: validate the data only (seconds), and template rows for a new study:
#   make new-study STUDY=zhang2016_i125 MODALITY=i125 FIGURES=2
#   make new-study STUDY=rtog0631 MODALITY=srs RECORD=pmid:37079324   (pre-filled from a screened record)
check: $(STAMP)
	$(BIN)/python -m briefing check

new-study: $(STAMP)
	$(BIN)/python -m briefing new-study --study "$(STUDY)" --modality "$(MODALITY)" --figures "$(or $(FIGURES),1)" --record "$(RECORD)"

# Run the saved searches (surveillance/searches.yaml): each run recorded under surveillance/runs/,
# the new records queued in surveillance/queue.csv (README.md, "Surveillance"). NCBI_EMAIL and
# NCBI_API_KEY from the environment, where set. A Snakemake target outside `rule all`.
surveil: $(STAMP)
	$(BIN)/snakemake --cores 1 $(SNAKEMAKE_ARGS) surveil

# data/README.md from the descriptions in data/datapackage.yaml.
dictionary: $(STAMP)
	$(BIN)/python -m briefing dictionary

# Install only what is missing, so a ready machine needs no network and no root.
build-deps:
	@./.ci/debs $(BUILD_DEBS)

test-deps:
	@./.ci/debs $(TEST_DEBS)

dag: $(STAMP)
	$(BIN)/snakemake --dag | dot -Tsvg > dag.svg

clean:
	rm -rf results logs benchmarks .snakemake
