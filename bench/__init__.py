"""The benchmark of the briefing build (bench/README.md): `python -m bench` measures the build side
by side with a floor that does the same work in one process, and prints one table and a verdict.

    project     the copies every run builds in, their environment, a one-study edit, declared memory
    measure     one process tree's wall time, CPU time and peak memory
    jobs        what each Snakemake job cost, from the rules' `benchmark:` files, and which jobs ran
    floor       the build's work in one Python process (`python -m bench.floor`)
    scenarios   the rows: seed evidence (cold, no-op, one-study edit, notebook job) and scale cases
    report      the table, the verdict on issue 21's targets, the JSON of a run
    profile     a cold build under py-spy, one PDF's time and memory, the cost of pooling
    synthetic   seeded synthetic evidence at scale (`python -m bench.synthetic`)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a build needs (pyproject.toml, [tool.briefing]; tests/conftest.py copies the same).
COPIED = tuple(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["briefing"]["build-inputs"])
# The rules with one job per modality (the others run once per build).
PER_MODALITY = {"evidence_slice", "modality_notebook", "modality_pdf", "modality_analyses"}
CORES = 2
# The notebook-job row: the seed modality with one study.
NOTEBOOK_MODALITY = "hfrt"
NOTEBOOK_ROW = "notebook job (1 study)"
GIB = 1024.0
