"""The Snakemake profiles: profiles/default (a laptop; Snakemake applies it by itself) and
profiles/slurm (a SLURM cluster through snakemake-executor-plugin-slurm). Dry runs on a copy of
the project resolve every job with each profile, and the SLURM one submits nothing: a dry run
needs no SLURM installation, and calls no sbatch even where one is on PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project, snakemake

MODALITIES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["modalities"]
SLURM_COMMANDS = ("sbatch", "srun", "scancel", "sinfo", "squeue", "sacct", "scontrol", "sshare", "sacctmgr")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    workdir = copy_project(tmp_path_factory.mktemp("profiles") / "project")
    if not (workdir / "profiles").exists():  # copy_project may copy them already
        shutil.copytree(ROOT / "profiles", workdir / "profiles")
    return workdir


@pytest.fixture(scope="module")
def all_jobs(project) -> dict[str, int]:
    """rule -> jobs of a full build, from a dry run with no profile at all."""
    jobs = job_stats(dry_run(project, "--workflow-profile", "none"))
    for rule in ("evidence_slice", "modality_notebook", "modality_pdf", "modality_analyses"):
        assert jobs[rule] == len(MODALITIES)
    assert jobs["all"] == 1 and jobs["publish"] == 1
    return jobs


def job_stats(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run."""
    table = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m.group(1) != "total"}


def dry_run(project: Path, *args: str) -> str:
    result = snakemake(project, "--dry-run", *args)
    return result.stdout + result.stderr


def profile(name: str) -> dict:
    return yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text())


def snakemake_options() -> set[str]:
    help_text = subprocess.run(
        [sys.executable, "-m", "snakemake", "--help"], capture_output=True, text=True, check=True
    ).stdout
    return set(re.findall(r"--([a-z][a-z0-9-]*)", help_text))


@pytest.mark.e2e  # runs Snakemake
@pytest.mark.parametrize("name", ["default", "slurm"])
def test_every_profile_key_is_a_snakemake_option(name):
    keys = {k for k in profile(name) if not k.startswith("__")}  # __use_yte__, __definitions__: YTE
    assert keys <= snakemake_options(), keys - snakemake_options()


def test_default_profile_is_for_a_laptop():
    settings = profile("default")
    assert settings == {
        "cores": "all",
        "keep-going": False,
        "rerun-incomplete": True,
        "show-failed-logs": True,
        "quiet": ["reason"],
    }


@pytest.mark.e2e  # runs Snakemake
def test_default_profile_applies_by_itself_and_resolves_every_job(project, all_jobs):
    out = dry_run(project)
    assert "workflow specific profile profiles/default" in out
    assert job_stats(out) == all_jobs
    assert "Shell command:" not in out  # a job's command goes to its log (test_workflow: quiet builds)
    assert "slurm_partition" not in out


def test_slurm_profile_settings():
    settings = profile("slurm")
    assert settings["executor"] == "slurm"
    assert int(settings["jobs"]) >= 1 and int(settings["latency-wait"]) >= 30
    assert {"slurm_partition", "slurm_account", "runtime", "mem_mb"} <= set(settings["default-resources"])


@pytest.fixture
def no_slurm(monkeypatch):
    """PATH without any directory that holds a SLURM command: a machine without SLURM."""
    kept = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if not any((Path(d) / c).exists() for c in SLURM_COMMANDS)
    ]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))


@pytest.fixture
def fake_slurm(monkeypatch, tmp_path) -> Path:
    """SLURM commands first on PATH that only record their call (and fail); returns the record."""
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "calls.log"
    for command in SLURM_COMMANDS:
        script = fake / command
        script.write_text(f'#!/bin/sh\necho "{command} $*" >> "{calls}"\nexit 1\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ.get('PATH', '')}")
    return calls


@pytest.mark.e2e  # runs Snakemake
@pytest.mark.parametrize(
    "args",
    [
        ["--workflow-profile", "profiles/slurm"],  # as the README says: instead of profiles/default
        ["--profile", "profiles/slurm"],  # as a general profile: profiles/default is read as well
    ],
    ids=["workflow-profile", "profile"],
)
def test_slurm_profile_resolves_every_job_without_slurm(project, all_jobs, no_slurm, args):
    out = dry_run(project, *args)
    assert "profiles/slurm" in out
    assert job_stats(out) == all_jobs
    assert job_stats(out)["modality_pdf"] == len(MODALITIES)  # one cluster job per modality's PDF
    resources = re.findall(r"^\s+resources: (.*)$", out, re.M)
    assert len(resources) == sum(all_jobs.values())
    for line in resources:
        assert all(f"{key}=" in line for key in ("runtime", "mem_mb", "slurm_partition", "slurm_account")), line
        # Every job under 1.5 GiB, but the briefing's PDF, which declares what its HTML needs once
        # that exists (Snakemake shows <TBD> until then; test_pdf_memory_follows_the_html).
        declared = re.search(r"mem_mb=(\d+|<TBD>)", line).group(1)
        assert declared == "<TBD>" or int(declared) <= 1536, line
    assert sum("mem_mb=<TBD>" in line for line in resources) == all_jobs["briefing_pdf"]


def test_every_rule_declares_its_memory_and_time():
    """What each job may use is declared beside it (bench/run measures each job's peak against it),
    not left to a profile's default."""
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for rule, body in re.findall(r"^(?:rule|checkpoint) (\w+):\n((?:    .*\n|\n)*)", path.read_text(), re.M):
            # A number, or the function that sizes it from the job's input (common.smk).
            assert re.search(r"^    resources:\n(?:        .*\n)*?        mem_mb=(\d+|pdf_memory),", body, re.M), rule
            assert re.search(r"^    resources:\n(?:        .*\n)*?        runtime=\d+", body, re.M), rule


@pytest.mark.e2e  # runs Snakemake
def test_slurm_dry_run_submits_nothing_even_with_slurm_on_path(project, all_jobs, fake_slurm):
    """With SLURM commands on PATH the dry run still submits and cancels nothing (loading the
    plugin may read the cluster's configuration)."""
    out = dry_run(project, "--workflow-profile", "profiles/slurm")
    assert job_stats(out) == all_jobs
    called = fake_slurm.read_text().splitlines() if fake_slurm.exists() else []
    assert not [c for c in called if c.split()[0] in ("sbatch", "srun", "scancel")], called


@pytest.mark.e2e  # runs Snakemake
def test_slurm_partition_and_account_come_from_the_environment(project, all_jobs, no_slurm, monkeypatch):
    monkeypatch.setenv("BRIEFING_SLURM_PARTITION", "short")
    monkeypatch.setenv("BRIEFING_SLURM_ACCOUNT", "panel42")
    out = dry_run(project, "--workflow-profile", "profiles/slurm")
    resources = re.findall(r"^\s+resources: (.*)$", out, re.M)
    assert len(resources) == sum(all_jobs.values())
    assert all("slurm_partition=short" in r and "slurm_account=panel42" in r for r in resources)


def test_pdf_memory_follows_the_html():
    """The briefing PDF job's declared memory covers the peaks measured for its HTML (bench/run
    --pdf: 113 MiB for the seeds' 0.10 MB of print HTML, 729 MiB for 1.52 MB at 30 x 1,000, 2,270 MiB
    for 4.95 MB at 100 x 5,000) and grows with it."""
    from briefing.present.render import pdf_memory_mb

    mib = 1.048576  # MB per MiB
    for html_bytes, peak_mib in [(100_000, 113), (1_520_000, 729), (4_952_205, 2270)]:
        assert pdf_memory_mb(html_bytes) >= peak_mib * mib
    assert pdf_memory_mb(100_000) == 1000 < pdf_memory_mb(4_952_205) < pdf_memory_mb(10_000_000)
