"""The project the benchmark builds: the same inputs the tests copy, a fixed build date, and each
rule's declared memory read as its rule file (else the SLURM profile) says."""

from __future__ import annotations

import re

from bench import COPIED, project
from conftest import ROOT


def test_the_bench_copies_what_the_tests_copy(tmp_path):
    # Both read pyproject.toml's list, so a new input directory reaches both.
    from conftest import COPIED as TESTS_COPY

    assert COPIED == TESTS_COPY and "workflow" in COPIED and "Snakefile" in COPIED
    copy = project.copy_project(tmp_path / "copy")
    assert sorted(p.name for p in copy.iterdir()) == sorted(n for n in COPIED if (ROOT / n).exists())
    assert not list(copy.rglob("__pycache__"))


def test_the_build_environment_fixes_the_build_date(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    epoch = project.build_env(tmp_path)["SOURCE_DATE_EPOCH"]
    assert epoch.isdigit() and epoch == project.build_env(tmp_path)["SOURCE_DATE_EPOCH"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234")
    assert project.build_env(tmp_path)["SOURCE_DATE_EPOCH"] == "1234"
    # The copy's own package first; the benchmark's after it for the floor and the generator only.
    assert project.build_env(tmp_path)["PYTHONPATH"] == str(tmp_path / "workflow")
    assert project.build_env(tmp_path, bench=True)["PYTHONPATH"].split(":") == [str(tmp_path / "workflow"), str(ROOT)]


def test_declared_memory_reads_each_rules_resources_else_the_slurm_default(tmp_path):
    declared = project.declared_memory(ROOT)
    rules = {"validate", "evidence_slice", "modality_notebook", "modality_pdf", "combine", "briefing_html"}
    assert rules | {"briefing_pdf", "audit", "publish"} <= declared.keys() and "all" not in declared
    text = "".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    for rule, mb in declared.items():  # each as its rule file says
        block = re.search(rf"^(?:rule|checkpoint) {rule}:\n((?:    .*\n|\n)*)", text, re.M).group(1)
        # A number as written; None where the rule computes it from its input (briefing_pdf).
        assert f"mem_mb={mb}," in block if mb is not None else re.search(r"mem_mb=[a-z_]+,", block), rule
    (tmp_path / "workflow" / "rules").mkdir(parents=True)
    (tmp_path / "workflow" / "rules" / "a.smk").write_text(
        "rule one:\n    resources:\n        mem_mb=300,\n        runtime=5,\n    shell: 'x'\n\n"
        "checkpoint two:\n    shell: 'y'\n\nrule three:\n    resources:\n        mem_mb=lambda w: 9\n"
    )
    assert project.declared_memory(tmp_path) == {"one": 300, "three": None, "two": None}
    (tmp_path / "profiles" / "slurm").mkdir(parents=True)
    (tmp_path / "profiles" / "slurm" / "config.yaml").write_text("default-resources:\n  mem_mb: 777\n")
    assert project.declared_memory(tmp_path) == {"one": 300, "three": 777, "two": 777}
