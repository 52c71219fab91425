"""Benchmark of the briefing build: one table of medians measured side by side in one run.

    python -m bench             # full run: seed rows x3, scale series once each (~25 min on 2 cores)
    python -m bench --quick     # seed rows once and one small scale case (~5 min)
    python -m bench --repeats 5 --cap 300
    python -m bench --full      # no time caps on the scale series (hours at 100 modalities)
    python -m bench --cases 30x1000,100x5000 --full   # issue 21's cases instead of the default series
    python -m bench --pdf results/briefing.print.html   # one PDF of a built briefing: time, pages, memory
    python -m bench --pooling   # GLMM against REML at 200 studies (also printed after a full run)

(`bench/run ARGS` is the same from any directory.) Every build runs in a fresh temporary copy of
the project (the build-inputs of pyproject.toml's [tool.briefing], what the tests copy), taken once
at the start, with `snakemake --cores 2`, this interpreter's directory first on PATH, PYTHONPATH
set to the copy's `workflow/`, and SOURCE_DATE_EPOCH (unless set) at the source tree's last commit
time. The rows are in scenarios.py, the measures in measure.py and jobs.py (each job's time and
peak memory from the rules' `benchmark:` files), the verdict in verdict.py; bench/README.md says
what each means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import ROOT
from bench.profile import (
    POOLING_STUDIES,
    pooling_cost,
    profile_cold_build,
    profile_pdf,
    summarise_profile,
)
from bench.project import declared_memory, snakemake_cmd
from bench.report import Results
from bench.scenarios import Bench, parse_cases
from bench.verdict import report

DEFAULT_SCALE = "7:500,30:500,100:50,100:500,100:5000"
HELP = {
    "cases": "scale cases as MxN,... (modalities x studies) instead of the default series;"
    " issue 21's: --cases 30x1000,100x5000 --full",
    "profile": "instead: profile one cold seed build with py-spy, write the raw stacks to RAW and summarise them",
    "pdf": (
        "instead: make the PDF of a print HTML laid out as one document (a modality's, as its job does)"
        " in this process; print its time, pages and memory"
    ),
    "python-heap": "with --pdf: also measure the Python objects' share of the memory (tracemalloc; slower)",
    "pooling": f"instead: time the pooling of one modality's {POOLING_STUDIES} studies, GLMM against REML",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = p.add_argument
    add("--repeats", type=int, default=3, help="runs of each seed-evidence row (median shown)")
    add("--quick", action="store_true", help="one round of the seed rows and a short scale series")
    add("--full", action="store_true", help="no time cap on the scale series (hours)")
    add("--cap", type=float, default=90.0, help="seconds a scale build may run (the floor gets half)")
    add("--seed", type=int, default=1, help="seed of the synthetic evidence")
    add("--scale", default=None, help=f"scale cases as M:N,M:N,... or none (default: {DEFAULT_SCALE})")
    add("--cases", type=parse_cases, default=None, help=HELP["cases"])
    add("--no-seed", action="store_true", help="skip the seed-evidence rows")
    add("--tmp", default=None, help="directory for the temporary project copies")
    add("--keep", action="store_true", help="keep the temporary copies")
    add("--json", help="also write every measurement to this JSON file")
    add("--profile", metavar="RAW", help=HELP["profile"])
    add("--summarise", metavar="RAW", help="summarise an earlier py-spy raw profile")
    add("--from-json", help="print the table of an earlier run's --json file, measure nothing")
    add("--pdf", metavar="HTML", help=HELP["pdf"])
    add("--pdf-out", metavar="PDF", help="with --pdf: keep the PDF")
    add("--python-heap", action="store_true", help=HELP["python-heap"])
    add("--pooling", action="store_true", help=HELP["pooling"])
    return p


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine() -> str:
    import psutil

    cpu = platform.processor() or ""
    info = Path("/proc/cpuinfo")
    for line in info.read_text().splitlines() if info.is_file() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    try:
        version = subprocess.run(snakemake_cmd("--version"), capture_output=True, text=True).stdout.strip()
    except OSError:
        version = "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    head, dirty = _git("rev-parse", "--short", "HEAD"), _git("status", "--porcelain")
    commit = f"; project at {head}{' plus uncommitted changes' if dirty else ''}" if head else ""
    return (
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; nproc {os.cpu_count()}; {cpu}; "
        f"RAM {psutil.virtual_memory().total / 2**30:.1f} GiB; Python {platform.python_version()}; "
        f"Snakemake {version}; load average {load}{commit}"
    )


def measure_all(args: argparse.Namespace) -> int:
    """The seed rounds and the scale cases, then the report and the cost of pooling."""
    if args.quick:
        args.repeats, args.cap = 1, min(args.cap, 60.0)
    scale = args.scale or ("7:50" if args.quick else DEFAULT_SCALE)
    cases = args.cases if args.cases is not None else ([] if scale == "none" else parse_cases(scale))
    bench = Bench(args, machine())
    print("machine: " + bench.results.machine, flush=True)
    try:
        for number in range(1, args.repeats + 1) if not args.no_seed else ():
            bench.guarded(f"seed round {number}", bench.seed_round, number)
        for modalities, studies in cases:
            bench.guarded(f"scale M={modalities} N={studies}", bench.scale_case, modalities, studies)
    finally:
        if not args.keep:
            shutil.rmtree(bench.tmp, ignore_errors=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    bench.results.finished = f"bench total {time.time() - bench.started:.0f} s; load average at the end {load}"
    if args.json:
        bench.results.save(Path(args.json))
    print(report(bench.results))
    print(pooling_cost(repeats=max(args.repeats, 5)), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.summarise:
        print(summarise_profile(Path(args.summarise)))
        return 0
    if args.profile:
        return profile_cold_build(args)
    if args.pdf:
        return profile_pdf(args)
    if args.pooling:
        print(pooling_cost(repeats=max(args.repeats, 5)), flush=True)
        return 0
    if args.from_json:
        results = Results.load(Path(args.from_json), declared_memory(ROOT))
        print("machine: " + results.machine)
        print(report(results))
        return 0
    return measure_all(args)


def reexec_with_project_python() -> None:
    """Run under an interpreter that has Snakemake and psutil (the project's venv; BENCH_PYTHON first)."""
    try:
        import psutil  # noqa: F401
        import snakemake  # noqa: F401

        return
    except ImportError:
        pass
    for candidate in (os.environ.get("BENCH_PYTHON"), ROOT / ".venv" / "bin" / "python"):
        if candidate and Path(candidate).is_file() and Path(candidate).resolve() != Path(sys.executable).resolve():
            env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            os.execve(str(candidate), [str(candidate), "-m", "bench", *sys.argv[1:]], env)
    sys.exit("the benchmark needs snakemake and psutil: run it with the project's Python (.venv/bin/python -m bench)")


if __name__ == "__main__":
    reexec_with_project_python()
    raise SystemExit(main())
