"""The rows of the table, each measured in a fresh copy of one snapshot of the project: the seed
evidence (floor, `snakemake --version`, cold build, no-op rebuild, one-study edit, one notebook
job), and scale cases of synthetic evidence (dry run, build, floor), capped unless --full."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import CORES, NOTEBOOK_MODALITY, NOTEBOOK_ROW
from bench.floor import phase_durations, read_phases
from bench.jobs import job_benchmarks, job_totals, jobs_in_log, newest_log
from bench.measure import Run, measure
from bench.project import build_env, copy_project, declared_memory, edit_one_study, notebook_templates, snakemake_cmd
from bench.report import Results


def parse_cases(text: str) -> list[tuple[int, int]]:
    """Scale cases, modalities x studies: 30x1000,100x5000 -> [(30, 1000), (100, 5000)]."""
    cases = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = re.fullmatch(r"(\d+)\s*[x×:]\s*(\d+)", item, re.I)
        if not match or not all(int(n) > 0 for n in match.groups()):
            raise argparse.ArgumentTypeError(f"{item!r}: a case is MxN (modalities x studies), e.g. 30x1000")
        cases.append((int(match.group(1)), int(match.group(2))))
    if not cases:
        raise argparse.ArgumentTypeError("no case given: e.g. --cases 30x1000,100x5000")
    return cases


def run_floor(workdir: Path, cap: float | None = None) -> Run:
    """The floor (floor.py) in `workdir`, its phases' times in extra."""
    phases = workdir.parent / "floor-phases.jsonl"
    cmd = [sys.executable, "-m", "bench.floor", str(workdir), str(phases)]
    run = measure(cmd, workdir, build_env(workdir, bench=True), cap=cap)
    marks = read_phases(phases)
    run.extra["phases"] = marks
    if marks:
        run.extra["durations"] = phase_durations(marks)
        run.extra["summaries_done"] = sum(1 for m in marks if m["phase"] == "summary")
        run.extra["modality_pdfs_done"] = sum(1 for m in marks if m["phase"] == "modality_pdfs")
    if run.returncode != 0 and not run.capped:
        raise RuntimeError(f"floor failed in {workdir}:\n{run.output[-3000:]}")
    return run


def run_build(workdir: Path, cap: float | None = None, *extra: str) -> Run:
    """Snakemake in `workdir`: each job's seconds and peak from its benchmark file, and, from the
    log, the jobs it started and the plan it printed."""
    since = time.time()
    run = measure(snakemake_cmd("--cores", str(CORES), *extra), workdir, build_env(workdir), cap=cap)
    log = newest_log(workdir, since)
    run.extra |= {"jobs": job_benchmarks(workdir, since), "ran": jobs_in_log(log), "totals": job_totals(log)}
    if run.returncode != 0 and not run.capped:
        raise RuntimeError(f"snakemake failed in {workdir}:\n{run.output[-3000:]}")
    return run


def run_notebook(work: Path, modality: str = NOTEBOOK_MODALITY) -> Run:
    """The modality_notebook job's own command, `python -m briefing notebook`, for one modality of a
    built copy (its slice is there), writing beside the build's outputs: what one notebook job
    costs without Snakemake, most of it fixed (interpreter, imports, kernel, export)."""
    out = work / "bench-notebook"
    out.mkdir(exist_ok=True)
    evidence = work / "results" / "evidence" / f"{modality}.json"
    cmd = [sys.executable, "-m", "briefing", "notebook", "--notebook", "notebooks/modality.ipynb"]
    cmd += ["--modality", modality, "--evidence", str(evidence.relative_to(work))]
    cmd += ["--summary", str(out / "summary.json"), "--templates", notebook_templates(work)]
    cmd += ["--executed", str(out / "notebook.ipynb"), "--html", str(out / f"{modality}.html")]
    run = measure(cmd, work, build_env(work))
    if run.returncode != 0:
        raise RuntimeError(f"the notebook job failed in {work}:\n{run.output[-3000:]}")
    try:
        run.extra["studies"] = len(json.loads(evidence.read_text(encoding="utf-8")).get("studies", []))
    except (OSError, ValueError, AttributeError):
        pass
    run.extra["modality"] = modality
    return run


def prioritised(work: Path, cap: float | None) -> list[str]:
    """A capped run measures more if a few modalities go through all their steps first: the first
    two modalities' outputs, as --prioritize arguments."""
    ids = re.search(r"(?m)^modalities:\s*\[([^\]]*)\]", (work / "config" / "config.yaml").read_text())
    rules = "".join(p.read_text() for p in (work / "workflow" / "rules").glob("*.smk"))
    first = [m.strip() for m in ids.group(1).split(",")][:2] if ids else []
    exts = [ext for ext in ("html", "pdf") if f'"results/modalities/{{modality}}.{ext}"' in rules]
    if not (cap and first and "html" in exts):
        return []
    return ["--prioritize", *(f"results/modalities/{m}.{ext}" for m in first for ext in exts)]


class Bench:
    """A run: its scratch folder, the snapshot every row copies, and the results."""

    def __init__(self, args: argparse.Namespace, machine: str = ""):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="briefing-bench-", dir=args.tmp))
        # One snapshot of the project for every run, so that edits made while the bench runs
        # (other people work in the same tree) cannot make the rounds measure different code.
        self.source = copy_project(self.tmp / "source")
        self.results = Results(declared_memory(self.source), machine)
        self.started = time.time()

    def guarded(self, label: str, step: Any, *args: Any) -> None:
        """Run one scenario; a failure is reported under the table, and the others still run."""
        try:
            step(*args)
        except Exception as exc:  # noqa: BLE001
            detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else str(exc)
            self.log(f"{label} FAILED: {detail[-2000:] if detail else exc!r}")
            last = (str(detail) or repr(exc)).strip().splitlines()[-1][:300]
            self.results.failures.append(f"{label} failed: {last}")

    def log(self, text: str) -> None:
        print(f"[{time.time() - self.started:6.0f} s] {text}", file=sys.stderr, flush=True)

    def fresh(self, label: str) -> Path:
        return copy_project(Path(tempfile.mkdtemp(prefix=f"{label}-", dir=self.tmp)) / "project", self.source)

    def seed_round(self, number: int) -> None:
        self.log(f"seed evidence, round {number}")
        row, work = self.results.row, self.fresh(f"seed{number}")
        floor_first = number % 2 == 0  # alternate the order so that drift in load hits both alike
        if floor_first:
            row("floor (seed evidence)").runs.append(run_floor(self.fresh(f"floor{number}")))
        row("snakemake --version").runs.append(measure(snakemake_cmd("--version"), work, build_env(work)))
        row("cold build", "floor (seed evidence)").runs.append(run_build(work))
        noop = run_build(work)
        if "Nothing to be done" not in noop.output:
            ran = ", ".join(r for r, _ in noop.extra["ran"])
            row("no-op rebuild").notes.append("WARNING: the no-op rebuild ran jobs: " + ran)
        row("no-op rebuild", "floor (seed evidence)").runs.append(noop)
        edited = edit_one_study(work)
        edit = run_build(work)
        edit.extra["edited"] = edited
        row("one-study edit", "floor (seed evidence)").runs.append(edit)
        row(NOTEBOOK_ROW).runs.append(run_notebook(work))
        if not floor_first:
            row("floor (seed evidence)").runs.append(run_floor(self.fresh(f"floor{number}")))
        shutil.rmtree(work.parent, ignore_errors=True)

    def generate(self, work: Path, modalities: int, studies: int) -> str:
        """Synthetic evidence over the copy's data and config (synthetic.py); the counts it printed."""
        cmd = [sys.executable, "-m", "bench.synthetic", "--studies", str(studies), "--modalities", str(modalities)]
        cmd += ["--seed", str(self.args.seed), "--out", str(work), "--source", str(work)]
        done = subprocess.run(
            cmd, cwd=work, env=build_env(work, bench=True), capture_output=True, text=True, check=True
        )
        return done.stdout.strip().split(": ", 1)[-1]

    def scale_case(self, modalities: int, studies: int) -> None:
        label, row = f"M={modalities} N={studies}", self.results.row
        cap = None if self.args.full else self.args.cap
        floor_cap = None if self.args.full else self.args.cap / 2
        self.log(f"scale {label}: generating")
        work = self.fresh(f"scale-{modalities}-{studies}")
        counts = self.generate(work, modalities, studies)
        floor_dir = self.fresh(f"scalefloor-{modalities}-{studies}")
        for part in ("data", "config"):
            shutil.rmtree(floor_dir / part)
            shutil.copytree(work / part, floor_dir / part)
        self.log(f"scale {label}: dry run ({counts})")
        dry = snakemake_cmd("--cores", str(CORES), "--dry-run", "--quiet", "rules")
        row(f"dry run (DAG) {label}").runs.append(measure(dry, work, build_env(work), cap=cap))
        self.log(f"scale {label}: build" + (f" (cap {cap:.0f} s)" if cap else ""))
        build = run_build(work, cap, *prioritised(work, cap))
        build.extra["counts"] = counts
        row(f"build {label}", f"floor {label}").runs.append(build)
        self.log(f"scale {label}: floor" + (f" (cap {floor_cap:.0f} s)" if floor_cap else ""))
        floor = run_floor(floor_dir, floor_cap)
        floor.extra["modalities"] = modalities
        row(f"floor {label}").runs.append(floor)
        shutil.rmtree(work.parent, ignore_errors=True)
        shutil.rmtree(floor_dir.parent, ignore_errors=True)
