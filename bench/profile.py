"""Where the time and memory go: a cold seed build under py-spy, summarised by activity, process and
imported package; the PDF of a built briefing made in this process, as the briefing_pdf job makes
it; and what the GLMM costs against REML for one modality's studies."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bench import CORES, ROOT
from bench.measure import measure
from bench.project import build_env, copy_project, snakemake_cmd

if TYPE_CHECKING:
    from briefing.schema.models import Window

if TYPE_CHECKING:
    from briefing.schema.models import Estimate, Outcome

# py-spy counts a thread blocked in these as busy; they are waiting, not working.
IDLE_LEAVES = (
    *("Condition.wait", "select (selectors", "EpollSelector.select", "_try_wait", "ParentPollerUnix.run"),
    *("_watch_pipe_fd", "device (zmq", "sleep", "Event.wait", "poll (", "_wait_for_tstate_lock", "Thread.join"),
    *("wait (threading", "_recv_copy", "recv_multipart", "_poll ("),
)
PY_FRAME = re.compile(r" \([^()]*:\d+\)$")
# First match wins: imports are counted as imports whatever imports them.
CATEGORIES = (
    ("imports", ("_find_and_load", "<frozen importlib")),
    ("WeasyPrint: SVG figures in the PDF", ("weasyprint/svg",)),
    ("WeasyPrint: layout", ("weasyprint/layout",)),
    ("WeasyPrint: drawing and writing the PDF", ("weasyprint/draw", "weasyprint/pdf", "pydyf")),
    ("WeasyPrint: parsing HTML and CSS", ("weasyprint",)),
    ("figure rendering (matplotlib, seaborn)", ("matplotlib", "seaborn", "briefing/present/figures.py")),
    ("validation (frictionless)", ("frictionless", "briefing/verify/validation.py")),
    ("nbconvert export and its clean-up", ("nbconvert", "briefing/build/notebook.py")),
    (
        "kernel, papermill, zmq plumbing",
        ("papermill", "nbclient", "jupyter_client", "ipykernel", "zmq", "tornado", "asyncio"),
    ),
    ("reading tables, slicing, digests", ("briefing/data/evidence.py",)),
    ("Snakemake itself (parse, DAG, scheduling)", ("snakemake",)),
    ("briefing computation (summaries, pooling, combine, templates)", ("briefing/", "jinja2")),
)
NO_PYTHON = "no Python frame (interpreter start-up and exit, native code)"


def _process_kind(frame: str) -> str:
    if "ipykernel" in frame:
        return "notebook kernel"
    step = re.search(r"-m briefing ([\w-]+)", frame)
    if step:
        return f"python -m briefing {step.group(1)}"
    if "papermill" in frame:
        return "papermill client"
    if "snakemake" in frame:
        return "snakemake"
    return "other"


class Profile:
    """On-CPU samples of a py-spy raw (collapsed) profile, counted by activity, by process, and the
    import time by the first third-party package a briefing module imports."""

    def __init__(self) -> None:
        self.cats: Counter[str] = Counter()
        self.procs: Counter[str] = Counter()
        self.imports: Counter[str] = Counter()
        self.total = self.idle = 0

    def add(self, frames: list[str], n: int) -> None:
        if any(x in frames[-1] for x in IDLE_LEAVES):
            self.idle += n
            return
        self.total += n
        processes = [f for f in frames if f.startswith("process ")]
        self.procs[_process_kind(processes[-1]) if processes else "other"] += n
        # Python frames read "function (file.py:line)"; the rest is py-spy's process label
        # (whose command line may itself contain ';').
        python = ";".join(f for f in frames if PY_FRAME.search(f) and not f.startswith("process "))
        other = "other Python code" if python.strip() else NO_PYTHON
        self.cats[next((name for name, keys in CATEGORIES if any(k in python for k in keys)), other)] += n
        if "_find_and_load" in python:
            modules = [m.group(1) for f in frames if (m := re.match(r"<module> \(([^/ :]+)", f))]
            first = next((m for m in modules if m not in ("briefing", "__main__.py", "runpy")), "other")
            self.imports[first.removesuffix(".py")] += n

    def block(self, title: str, counter: Counter[str], scale: float | None, limit: int = 14) -> list[str]:
        lines = [title]
        for name, n in counter.most_common(limit):
            secs = f" {n * scale:6.1f} s" if scale else ""
            lines.append(f"  {n / self.total * 100:5.1f} %{secs}  {name}")
        return lines


def summarise_profile(path: Path, seconds: float | None = None) -> str:
    """Shares of on-CPU samples of a py-spy raw profile (scaled to `seconds` of CPU, if given)."""
    profile = Profile()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            profile.add(stack.split(";"), int(count))
    scale = (seconds / profile.total) if seconds and profile.total else None
    head = f"{profile.total} on-CPU samples ({profile.idle} idle samples dropped)"
    out = [head + (f"; scaled to {seconds:.1f} s of CPU" if scale else "")]
    out += profile.block("by activity:", profile.cats, scale) + profile.block("by process:", profile.procs, scale)
    out += profile.block("imports, by the package imported:", profile.imports, scale, 10)
    return "\n".join(out)


def profile_cold_build(args: argparse.Namespace) -> int:
    """A cold build of the seed evidence under py-spy (every process), summarised."""
    py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not py_spy:
        sys.exit("the profile needs py-spy: pip install py-spy")
    tmp = Path(tempfile.mkdtemp(prefix="briefing-profile-", dir=args.tmp))
    work = copy_project(tmp / "project")
    raw = Path(args.profile)
    record = [py_spy, "record", "--subprocesses", "--rate", "47", "--format", "raw", "-o", str(raw), "--"]
    run = measure([*record, *snakemake_cmd("--cores", str(CORES))], work, build_env(work))
    if run.returncode != 0:
        print(run.output[-3000:], file=sys.stderr)
        return 1
    print(
        f"cold build under py-spy: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU (sampling slows it down);"
        f" raw stacks in {raw}"
    )
    print(summarise_profile(raw))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _memory_mib() -> tuple[float, float]:
    """This process's resident memory now and at its peak (VmRSS, VmHWM), MiB."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def _held(document: Any) -> tuple[int, int]:
    """The text boxes of a laid-out document, and the Pango layouts they hold."""
    from weasyprint.formatting_structure import boxes

    text_boxes, layouts, stack = 0, set(), [page._page_box for page in document.pages]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.TextBox):
            text_boxes += 1
            layouts.add(id(box.pango_layout))
        stack.extend(getattr(box, "children", ()) or ())
    return text_boxes, len(layouts)


def profile_pdf(args: argparse.Namespace) -> int:
    """The PDF of a print edition laid out as one document, as a modality's PDF is made (the
    briefing's PDF is typeset in parts, present/printed.py, each part so), in this process: where
    its time and memory go. WeasyPrint keeps every page's boxes until the PDF is written
    (Kozea/WeasyPrint#1824), so memory is counted in what those boxes hold: text boxes, and the
    Pango layout each line of text keeps in native memory."""
    import gc
    import tracemalloc

    workflow_on_path()
    from briefing.present import render

    html = Path(args.pdf).read_text(encoding="utf-8")
    if args.python_heap:
        tracemalloc.start()  # slows the layout and adds its own memory to the RSS
    before, _ = _memory_mib()
    start = time.perf_counter()
    document = render.print_layout(html)
    laid_out = time.perf_counter()
    gc.collect()
    after_layout, _ = _memory_mib()
    text_boxes, layouts = _held(document)
    python_heap = tracemalloc.get_traced_memory()[0] / 2**20 if args.python_heap else None
    writing = time.perf_counter()
    pdf = render.pdf_bytes(document)
    done = time.perf_counter()
    _, peak = _memory_mib()
    pages, held = len(document.pages), after_layout - before
    print(f"{args.pdf}: {len(html) / 1e6:.1f} MB of HTML, {pages} pages, {len(pdf) / 1e6:.1f} MB of PDF")
    layout = laid_out - start
    print(f"time: parse and layout {layout:.1f} s ({pages / layout:.1f} pages/s); write {done - writing:.1f} s")
    print(
        f"memory: {before:.0f} MiB before; {after_layout:.0f} MiB with the pages laid out (+{held:.0f} MiB, "
        f"{held / pages:.2f} MiB a page); peak {peak:.0f} MiB"
    )
    print(
        f"held for the whole document: {text_boxes} text boxes ({text_boxes / pages:.0f} a page),"
        f" {layouts} Pango layouts"
    )
    if python_heap is not None:
        print(
            f"Python objects held: {python_heap:.0f} MiB (tracemalloc, whose own bookkeeping inflates this run's RSS: "
            "set it against the growth of a run without --python-heap; the rest of that is native: Pango, HarfBuzz)"
        )
    if args.pdf_out:
        Path(args.pdf_out).write_bytes(pdf)
    return 0


POOLING_STUDIES = 200


def _median_time(run: Callable[[], Any], repeats: int) -> float:
    run()  # warm-up: imports and first calls
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def pooling_cost(studies: int = POOLING_STUDIES, repeats: int = 5, seed: int = 20) -> str:
    """What the GLMM costs: one modality's `studies` pooled proportions (seeded counts, as
    tests/test_glmm.py draws them) by the GLMM and by inverse-variance logit REML, and the whole
    pooled entry the summary makes of them (GLMM, REML, the estimators side by side, leave-one-out
    (REML refits beyond robustness.LOO_GLMM_MAX studies), Egger's test), and what leave-one-out by
    GLMM refits would cost (3 runs): medians of `repeats` runs in this process, after a warm-up."""
    import numpy as np
    from scipy import special

    workflow_on_path()
    from briefing.stats import meta, pooling, robustness

    rng = np.random.default_rng(seed)
    n = rng.integers(10, 200, studies)
    x = rng.binomial(n, special.expit(rng.normal(0.5, 0.8, studies)))
    rows = [
        {"outcome_id": f"o{i}", "study_id": f"s{i:04d}", "domain": "pain_response", "measure": "Overall response"}
        | {"statistic": "count", "time_days": 30, "icpr_category": "overall"}
        for i in range(studies)
    ]
    outcomes = cast("list[Outcome]", rows)  # partial rows: the columns pooling reads
    counts = {f"o{i}": {"events": int(a), "n": int(b)} for i, (a, b) in enumerate(zip(x, n, strict=True))}
    estimates = cast("dict[str, Estimate]", counts)  # partial too: the events and n pooling reads
    windows: dict[str, list[Window]] = {"pain_response": [{"label": "2 to 6 weeks", "min_days": 14, "max_days": 42}]}
    glmm = _median_time(lambda: meta.pool_proportions_glmm(x, n), repeats)
    reml = _median_time(lambda: meta.pool_proportions(x, n, transform="logit", method="REML"), repeats)
    entry = _median_time(lambda: pooling.pool_outcomes(outcomes, estimates, windows), repeats)
    loo_glmm = _median_time(lambda: meta.leave_one_out(x, n, method="GLMM"), 3)
    loo = "GLMM" if studies <= robustness.LOO_GLMM_MAX else "REML"
    return (
        f"pooling one modality's {studies} studies (median of {repeats}): GLMM {glmm * 1000:.1f} ms, "
        f"REML {reml * 1000:.1f} ms ({glmm / reml:.0f}x); the whole pooled entry "
        f"(GLMM + REML + estimators + {studies} leave-one-out {loo} refits + Egger) {entry:.2f} s; "
        f"leave-one-out by {studies} GLMM refits would take {loo_glmm:.2f} s (median of 3)"
    )


def workflow_on_path() -> None:
    """This tree's package first, for the in-process measures (--pdf, --pooling), not the one the
    interpreter has installed."""
    if str(ROOT / "workflow") not in sys.path:
        sys.path.insert(0, str(ROOT / "workflow"))
