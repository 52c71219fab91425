"""Shared fixtures: the real workflow, run once on a temporary copy of the project."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run and machine, so `make test` passes or fails
# the same way everywhere; HYPOTHESIS_PROFILE=explore draws new ones (to hunt for new cases).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
# What a build needs (pyproject.toml, [tool.briefing]; bench/run copies the same).
COPIED = tuple(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["briefing"]["build-inputs"])


# A provenance appendix for tests that render a context of their own.
PROVENANCE = {
    "build_date": "2026-01-01",
    "data": {"package": "0" * 64, "files": {}},
    "commit": {"sha": None, "dirty": None},
    "versions": {},
    "config": {},
    "jobs": {},
    "pdf": {
        "fonts": {"folder": "fonts", "sha256": "0" * 64},
        "subsetter": "fontTools",
        "packages": {},
        "libraries": {},
    },
}


# Test tiers, read from what a test uses rather than marked by hand (`make test-fast` runs neither):
#   build: reads the session's one Snakemake build (`built`, directly or through another fixture);
#   e2e: runs the workflow, pip or a browser itself: takes `workspace` (a copy it rebuilds), builds
#        a project of its own (the hand mark `slow` on a test without `built`), or says so (`e2e`).
# `slow` keeps its meaning, every test that needs a whole build: each `build` test carries it too.
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses = set(item.fixturenames)
        own_build = item.get_closest_marker("slow") is not None and "built" not in uses
        if "workspace" in uses or own_build:
            item.add_marker(pytest.mark.e2e)
        if "built" in uses:
            item.add_marker(pytest.mark.build)
            item.add_marker(pytest.mark.slow)
    heaviest_modules_first(items)


# The modules that take longest, longest first (their builds, from `--durations` of fresh-clone
# runs on 2 cores): they start first. A stale entry costs only some idle time at the end of a run.
HEAVIEST = (
    "test_real_build.py",  # two whole builds of the seeds and every real study
    "test_faults.py",
    "test_synthetic.py",
    "test_workflow.py",
    "test_arms.py",
    "test_safety.py",
    "test_hostile_text.py",
    "test_vocabulary.py",
    "test_publishing.py",
    "test_surveillance_edition.py",
    "test_browser.py",
    "test_pdf_bytes.py",
    "test_pdf.py",
)


def heaviest_modules_first(items: list[pytest.Item]) -> None:
    """The heaviest modules first, then those with other end-to-end tests, then those that read the
    shared build, then the in-process ones (ties in collection order; each module's tests in their
    own order). `pytest-xdist --dist loadscope --no-loadscope-reorder` hands modules to the workers
    in this order, so the long builds start at once and the many in-process tests fill both cores
    at the end: xdist's own order, by number of tests, left the builds for last, on one core."""
    rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        name = module.rsplit("/", 1)[-1]
        tier = 0 if item.get_closest_marker("e2e") else 1 if item.get_closest_marker("build") else 2
        known = HEAVIEST.index(name) - len(HEAVIEST) if name in HEAVIEST else tier
        rank[module] = min(rank.get(module, known), known)
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])


def copy_project(target: Path) -> Path:
    """The inputs of a build, without any build output, in a fresh directory."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def workflow_env(workdir: Path = ROOT) -> dict[str, str]:
    """The environment of a build. The rules find the interpreter and the copy's own package by
    themselves (workflow/rules/common.smk), so neither PATH nor PYTHONPATH is set up here."""
    env = dict(os.environ)
    env.setdefault("MPLCONFIGDIR", str(Path(sys.prefix) / "mplconfig"))
    # Copies are not git checkouts, so fix the build date as a release build would.
    env.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    return env


def snakemake(
    workdir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Snakemake run in `workdir`; `env` adds to (or overrides) the build's environment."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        env=workflow_env(workdir) | (env or {}),
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def digest_tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below `folder`, by relative path: to compare outputs byte for byte."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# The session's one build, shared by the pytest-xdist workers and kept between runs: keyed on the
# digest of the build's inputs, so any edit of code, data or templates builds afresh. Outside the
# checkout: a copy inside a git work tree would take the checkout's commit and date as its own.
BUILD_CACHE = Path(os.environ.get("BRIEFING_TEST_BUILDS", Path(tempfile.gettempdir()) / "briefing-test-builds"))


def inputs_digest(root: Path = ROOT) -> str:
    """SHA-256 of the build's inputs (COPIED), names and bytes, in a fixed order."""
    h = hashlib.sha256()
    for name in COPIED:
        source = root / name
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        files = [f for f in files if f.exists()]
        for f in files:
            if "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@pytest.fixture(scope="session")
def built(testrun_uid: str) -> Iterator[Path]:
    """A project copy on which the whole workflow has run once. Tests only read it: a test that
    edits, breaks or rebuilds takes a `workspace` of its own. Built once behind a file lock by
    whichever worker comes first, in a staging folder renamed into place when whole, and reused
    only while every file is as the build left it (its digest is kept beside it), checked once per
    test run: a later worker must not take another worker's reading for damage. Held in use (a
    shared lock) until the session ends: a run of other inputs (another checkout) prunes it not."""
    key = inputs_digest()[:16]
    done = BUILD_CACHE / key
    BUILD_CACHE.mkdir(parents=True, exist_ok=True)
    in_use = open(BUILD_CACHE / f"{key}.use", "a")  # noqa: SIM115 (held for the session)
    fcntl.flock(in_use, fcntl.LOCK_SH)
    with open(BUILD_CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        checked = BUILD_CACHE / f"{key}.checked-{testrun_uid}"
        if not checked.exists() and not _intact(done):
            shutil.rmtree(done, ignore_errors=True)
            staging = Path(tempfile.mkdtemp(prefix=f"{key}.staging-", dir=BUILD_CACHE))
            workdir = copy_project(staging / "project")
            result = snakemake(workdir)
            build_output(workdir).write_text(result.stdout + result.stderr, encoding="utf-8")
            (staging / "digest.json").write_text(json.dumps(digest_tree(workdir)), encoding="utf-8")
            staging.rename(done)
            _prune(key, BUILD_CACHE)
        for stale in BUILD_CACHE.glob(f"{key}.checked-*"):
            stale.unlink()
        checked.touch()
    yield done / "project"
    in_use.close()


def _intact(done: Path) -> bool:
    """A finished build nobody has changed since."""
    record = done / "digest.json"
    return record.exists() and json.loads(record.read_text(encoding="utf-8")) == digest_tree(done / "project")


def _prune(keep: str, cache: Path) -> None:
    """Builds of other inputs (earlier code, another checkout), unless a run builds or uses them."""
    for other in cache.glob("*.lock"):
        key = other.name.removesuffix(".lock")
        if key == keep:
            continue
        with open(other, "w") as lock, open(cache / f"{key}.use", "a") as use:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(use, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(cache / key, ignore_errors=True)
            for stale in cache.glob(f"{key}.staging-*"):
                shutil.rmtree(stale, ignore_errors=True)
            for stale in cache.glob(f"{key}.checked-*"):
                stale.unlink()
            other.unlink()
            (cache / f"{key}.use").unlink()


def build_output(built: Path) -> Path:
    """Where the `built` fixture keeps what its build printed (beside the project, not in it)."""
    return built.parent / "build-output.txt"


def copy_build(built: Path, target: Path) -> Path:
    """The built project with its outputs, logs and Snakemake's records, file times kept: Snakemake
    sees exactly the state a finished clean build leaves."""
    shutil.copytree(built, target, symlinks=True)
    return target


@pytest.fixture
def workspace(built: Path, tmp_path: Path) -> Path:
    """A private copy of the clean build, for a test that changes things."""
    return copy_build(built, tmp_path / "project")


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Rows added to a data table as a curator adds them, in the table's own column order."""
    header = next(csv.reader(path.open(encoding="utf-8", newline="")))
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, header, lineterminator="\n").writerows({k: r.get(k, "") for k in header} for r in rows)


def edit_rows(path: Path, key: str, **changes: str) -> None:
    """The cells `changes` set in every row of a data table that holds `key` (its id)."""
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    for row in rows:
        if key in row.values():
            row.update(changes)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_csv(path: Path, key_column: str, key: str, column: str, value: str) -> None:
    """One cell set in the one row of a data table whose `key_column` holds `key`."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    hits = [row for row in rows if row[key_column] == key]
    assert len(hits) == 1, (path.name, key)
    hits[0][column] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def keep_modalities(data: Path, modalities: list[str]) -> None:
    """The data of a briefing of these modalities only: the rows of the others deleted (their
    studies with every row of those studies, their statements and certainty rows), an arm of another
    modality kept as a comparator outside the briefing (risk-of-bias rows go with their study).
    Validation refuses rows of a modality the
    config does not list (validation.config_agreement), so a build of fewer modalities needs this."""
    keep = set(modalities) | {""}

    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader((data / name).open(encoding="utf-8", newline="")))

    def write(name: str, kept: list[dict[str, str]]) -> None:
        header = next(csv.reader((data / name).open(encoding="utf-8", newline="")))
        with (data / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(kept)

    gone = {s["study_id"] for s in rows("studies.csv") if s["modality_id"] not in keep}
    for name in ("studies.csv", "outcomes.csv", "arms.csv", "comparisons.csv", "risk_of_bias.csv"):
        write(name, [r for r in rows(name) if r["study_id"] not in gone])
    write("review_includes.csv", [r for r in rows("review_includes.csv") if not {r["review_id"], r["study_id"]} & gone])
    for name in ("statements.csv", "certainty.csv"):
        # A certainty row of a comparison with a modality left out rates a body that is gone too.
        write(
            name,
            [
                r
                for r in rows(name)
                if r["modality_id"] in keep and r.get("comparator_id", "") in keep and r.get("study_id", "") not in gone
            ],
        )
    write(
        "arms.csv",
        [a | {"modality_id": a["modality_id"] if a["modality_id"] in keep else ""} for a in rows("arms.csv")],
    )
