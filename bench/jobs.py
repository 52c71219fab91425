"""What each Snakemake job of a build cost, and which jobs a run started.

Each rule has a `benchmark:` file (workflow/rules/*.smk): benchmarks/<rule>.tsv, or
benchmarks/<rule>/<modality>.tsv for a rule with a job per modality, outside results/ so that
nothing publishes or audits it. Snakemake writes it when the job ends: `s`, the job's wall
seconds, and `max_rss`, the largest RSS summed over the job's process tree in MiB (Snakemake
divides bytes by 1024²), sampled every 0.5 s for the job's first 15 s and every 30 s after, so
a long job's peak between two samples is missed; "NA" when the job ended before the first
sample. Which jobs ran, and how many were planned, come from Snakemake's log."""

from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path

from typing_extensions import TypedDict

from bench import PER_MODALITY
from bench.measure import Run

BENCHMARKS = "benchmarks"


class JobRecord(TypedDict):
    """What one job of a build cost (its benchmark file)."""

    rule: str
    label: str  # the rule and its wildcards: "modality_pdf[srs]", "briefing_pdf"
    seconds: float
    max_rss: float | None  # peak MiB; None when Snakemake took no sample
    end: float  # when the file was written (its mtime)


def _mib(cell: str) -> float | None:
    try:
        mib = round(float(cell), 1)
    except ValueError:
        return None  # "NA": the job ended before Snakemake's first sample
    # 0: the sample came as the job's processes were ending (seen for `publish`, 0.11 s, on a
    # fast machine): no process runs in 0 MiB, so that is no measurement either.
    return mib if mib > 0 else None


def job_benchmarks(workdir: Path, since: float = 0.0) -> list[JobRecord]:
    """One record per job whose benchmark file was written since `since` (a time.time()): its rule,
    label ("modality_pdf[srs]", "briefing_pdf"), seconds and peak MiB (None when not sampled)."""
    folder = workdir / BENCHMARKS
    jobs: list[JobRecord] = []
    for path in sorted(folder.rglob("*.tsv")) if folder.is_dir() else []:
        written = path.stat().st_mtime
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if written < since or not rows:
            continue
        parts = path.relative_to(folder).with_suffix("").parts
        label = parts[0] + (f"[{'/'.join(parts[1:])}]" if len(parts) > 1 else "")
        row = rows[-1]  # one row a run (a `repeat(...)` benchmark would have more)
        jobs.append(
            {
                "rule": parts[0],
                "label": label,
                "seconds": float(row["s"]),
                "max_rss": _mib(row["max_rss"]),
                "end": written,
            }
        )
    return sorted(jobs, key=lambda j: (j["end"], j["label"]))


def rule_of(label: str) -> str:
    """The rule of a job's label: modality_notebook[hfrt] -> modality_notebook."""
    return label.split("[", 1)[0]


def job_seconds(run: Run, rule: str) -> list[float]:
    """The wall seconds of each of the run's jobs of `rule`."""
    return [j["seconds"] for j in run.extra.get("jobs", []) if j["rule"] == rule]


def rule_means(run: Run) -> dict[str, float]:
    """Rule -> the mean seconds of its jobs in the run."""
    by_rule: dict[str, list[float]] = {}
    for j in run.extra.get("jobs", []):
        by_rule.setdefault(j["rule"], []).append(j["seconds"])
    return {rule: statistics.mean(d) for rule, d in sorted(by_rule.items())}


def job_peaks(runs: list[Run]) -> dict[str, float]:
    """Label -> the largest peak MiB of that job over the runs (jobs Snakemake sampled)."""
    peaks: dict[str, float] = {}
    for run in runs:
        for j in run.extra.get("jobs", []):
            if j["max_rss"] is not None:
                peaks[j["label"]] = max(peaks.get(j["label"], 0.0), j["max_rss"])
    return dict(sorted(peaks.items()))


def rule_peaks(peaks: dict[str, float]) -> dict[str, tuple[float, str]]:
    """Rule -> (the largest peak MiB of its jobs, the label of that job)."""
    out: dict[str, tuple[float, str]] = {}
    for label, mib in peaks.items():
        rule = rule_of(label)
        if rule not in out or mib > out[rule][0]:
            out[rule] = (mib, label)
    return dict(sorted(out.items()))


def newest_log(workdir: Path, since: float) -> str:
    logs = [p for p in (workdir / ".snakemake" / "log").glob("*.snakemake.log") if p.stat().st_mtime >= since - 1]
    return max(logs, key=lambda p: p.stat().st_mtime).read_text(errors="replace") if logs else ""


def jobs_in_log(text: str) -> list[tuple[str, str | None]]:
    """(rule, modality wildcard) of each job the run started."""
    jobs = []
    for block in re.split(r"\n(?=\[[A-Z][a-z]{2} )", text):
        match = re.search(r"^(?:local)?(?:rule|checkpoint) (\w+):", block, re.M)
        if match:
            wildcard = re.search(r"^\s+wildcards:.*\bmodality=([^,\s]+)", block, re.M)
            jobs.append((match.group(1), wildcard.group(1) if wildcard else None))
        elif match := re.search(r"^Job \d+: (\w+)(?: \(([^)\s]+)\))?:", block, re.M):  # the rule's message
            jobs.append((match.group(1), match.group(2)))
    return jobs


def job_totals(text: str) -> dict[str, int]:
    """The 'Job stats' table Snakemake prints before running: rule -> number of jobs. After a data
    edit it counts every slice and notebook: which of them run is decided after the validate
    checkpoint."""
    table = re.search(r"Job stats:\n.*?\n-+\s+-+\n(.*?)\n\n", text, re.S)
    totals = {}
    for line in table.group(1).splitlines() if table else []:
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
            totals[parts[0]] = int(parts[1])
    return totals


def edit_is_local(ran: list[tuple[str, str | None]], modality: str) -> bool:
    """True when every per-modality job (one with a modality wildcard) is of the edited modality,
    each of them ran once, and the jobs without a wildcard are steps that run once per build
    (validate, combine, HTML, PDF, publish, ...): no other modality was rebuilt."""
    per_modality = [(r, m) for r, m in ran if m]
    once = [r for r, m in ran if not m]
    return (
        bool(per_modality)
        and {m for _, m in per_modality} == {modality}
        and len(per_modality) == len(set(per_modality))
        and not set(once) & PER_MODALITY
    )
