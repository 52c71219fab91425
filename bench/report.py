"""The results of a run and their table: one row per scenario, medians of its runs, with notes of
what each kind of row shows (verdict.py judges them against issue 21's targets). Also the JSON of
a run (--json) and its reprint (--from-json)."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench import CORES, NOTEBOOK_ROW, PER_MODALITY
from bench.jobs import edit_is_local, job_peaks, job_seconds, rule_means, rule_peaks
from bench.measure import Run

BUILD_ROWS = ("cold build", "no-op rebuild", "one-study edit")


@dataclass
class Row:
    name: str
    runs: list[Run] = field(default_factory=list)
    floor: str | None = None  # name of the row that is this row's floor
    notes: list[str] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs) if self.runs else float("nan")

    @property
    def capped(self) -> bool:
        return any(r.capped for r in self.runs)


def judged(ok: bool, miss: str = "") -> str:
    return "HOLDS" if ok else "MISSES" + (f" ({miss})" if miss else "")


def project_build(run: Run) -> tuple[float | None, str]:
    """A lower bound of the wall time of a capped build: its wall time so far plus the jobs not
    run, each taking the mean time of its rule's finished jobs, on CORES cores; the steps that run
    once and were not reached count as zero. None when some per-modality rule has no finished
    job, so that nothing can be projected."""
    means, totals = rule_means(run), run.extra.get("totals", {})
    if not totals:
        return None, "Snakemake was still parsing and building the DAG at the cap: no job started"
    remaining, unknown = 0.0, []
    for rule, total in totals.items():
        done = len(job_seconds(run, rule))
        if total > done and rule in means:
            remaining += (total - done) * means[rule]
        elif total > done and rule != "all":
            unknown.append(rule)
    per_rule = ", ".join(f"{r} {m:.1f} s/job" for r, m in means.items())
    note = f"{len(run.extra.get('jobs', []))}/{sum(totals.values())} jobs done ({per_rule or 'none finished'})"
    if unknown:
        note += f"; not reached: {', '.join(unknown)}"
    if set(unknown) & PER_MODALITY:
        return None, note
    return run.wall + remaining / CORES, note


def floor_steps(run: Run, phase: str) -> list[float]:
    """The floor's time for each mark of `phase` (a summary, a modality PDF), from the mark before."""
    marks = run.extra.get("phases", [])
    return [b["t"] - a["t"] for a, b in zip(marks, marks[1:], strict=False) if b["phase"] == phase]


def per_modality_ratio(build: Run, floor: Run) -> str:
    """Build time per modality (its per-modality jobs' mean times added up) over the floor's time per
    modality (a summary, plus a modality PDF when both reached one): the ratio that capped scale
    runs can still give."""
    means = rule_means(build)
    summaries, pdfs = floor_steps(floor, "summary"), floor_steps(floor, "modality_pdfs")
    if not summaries:
        return ""
    rules, floor_time = {"evidence_slice", "modality_notebook"}, statistics.mean(summaries)
    if "modality_pdf" in means and pdfs:
        rules.add("modality_pdf")
        floor_time += statistics.mean(pdfs)
    if not rules <= means.keys():
        return ""
    ratio = sum(means[r] for r in rules) / floor_time
    return f"{ratio:.1f} per modality" + ("" if "modality_pdf" in rules else " (no modality PDF)")


def project_floor(run: Run) -> tuple[float | None, str]:
    """A lower bound of a capped floor: the summaries and modality PDFs not made at their mean time."""
    done = run.extra.get("summaries_done", 0)
    total = run.extra.get("modalities", done)
    phases = [m["phase"] for m in run.extra.get("phases", [])]
    summary_times, pdf_times = floor_steps(run, "summary"), floor_steps(run, "modality_pdfs")
    if not summary_times:
        return None, "no modality summary finished"
    reached = ", ".join(p for p in ("combine", "html", "pdf", "audit") if p in phases)
    remaining = (total - done) * statistics.mean(summary_times)
    note = f"{done}/{total} summaries done, {statistics.mean(summary_times):.1f} s each"
    if pdf_times:
        pdfs_done = run.extra.get("modality_pdfs_done", len(pdf_times))
        remaining += (total - pdfs_done) * statistics.mean(pdf_times)
        note += f"; {pdfs_done}/{total} modality PDFs done, {statistics.mean(pdf_times):.1f} s each"
    return run.wall + remaining, note + (
        f"; {reached} done" if reached else "; combine, HTML, PDF, modality PDFs, audit not reached"
    )


def memory_notes(row: Row) -> list[str]:
    """The largest job's peak, each rule's largest (Snakemake's benchmark files), and Snakemake's own."""
    notes = []
    peaks = job_peaks(row.runs)
    if peaks:
        label, mib = max(peaks.items(), key=lambda item: item[1])
        notes.append(f"largest job {label} {mib:.0f} MiB")
        notes.append(
            "job peaks by rule: " + ", ".join(f"{r} {m:.0f}" for r, (m, _) in rule_peaks(peaks).items()) + " MiB"
        )
    roots = [r.extra["root_mib"] for r in row.runs if r.extra.get("root_mib")]
    if roots:
        notes.append(f"snakemake process {max(roots):.0f} MiB")
    return notes


def format_table(header: list[str], lines: list[list[str]]) -> str:
    """A Markdown table whose columns but the last are padded to their widest cell."""
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(len(header) - 1)]
    out = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths + [0], strict=False)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths + [5]) + "|",
    ]
    for line in lines:
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths + [0], strict=False)) + " |")
    return "\n".join(out)


class Results:
    """The rows of a run, what failed, the machine, and each rule's declared mem_mb."""

    def __init__(self, declared: dict[str, int | None], machine: str = ""):
        self.rows: dict[str, Row] = {}
        self.failures: list[str] = []
        self.declared = declared
        self.machine, self.finished = machine, ""

    def row(self, name: str, floor: str | None = None) -> Row:
        return self.rows.setdefault(name, Row(name, floor=floor))

    def save(self, path: Path) -> None:
        rows = {
            name: {"floor": row.floor, "notes": row.notes, "runs": [vars(r) for r in row.runs]}
            for name, row in self.rows.items()
        }
        keep = {"machine": self.machine, "finished": self.finished, "failures": self.failures}
        path.write_text(json.dumps(keep | {"declared_mem_mb": self.declared, "rows": rows}, indent=1, default=str))

    @classmethod
    def load(cls, path: Path, declared: dict[str, int | None]) -> Results:
        """An earlier run's --json (`declared` where it has no declared memory)."""
        data = json.loads(path.read_text())
        results = cls(data.get("declared_mem_mb") or declared, data["machine"])
        results.failures, results.finished = data["failures"], data["finished"]
        results.rows = {
            name: Row(name, [Run(**r) for r in row["runs"]], row["floor"], row["notes"])
            for name, row in data["rows"].items()
        }
        return results

    # ------------------------------------------------------------------------------- the table
    def table(self) -> str:
        header = ["scenario", "runs", "wall s", "CPU s", "peak MiB", "x floor (wall)", "x floor (CPU)", "notes"]
        return format_table(header, [self.line(row) for row in self.rows.values() if row.runs])

    def line(self, row: Row) -> list[str]:
        wall, cpu, peak = row.median("wall"), row.median("cpu"), row.median("peak_mib")
        wall_text, notes = f"{wall:.1f}", list(row.notes)
        if row.capped:
            wall_text, capped = self.capped_notes(row)
            notes += capped
        ratio_wall, ratio_cpu = self.ratios(row)
        notes += self.notes(row)
        return [
            row.name,
            str(len(row.runs)),
            wall_text,
            f"{cpu:.1f}",
            f"{peak:.0f}",
            ratio_wall,
            ratio_cpu,
            "; ".join(notes),
        ]

    @staticmethod
    def capped_notes(row: Row) -> tuple[str, list[str]]:
        """The wall-time cell of a capped row (with its projected lower bound) and its note."""
        run = row.runs[0]
        wall_text = f">{row.median('wall'):.0f}"
        if row.name.startswith("dry run"):
            return wall_text, [f"parsing and DAG not finished at the cap ({run.wall:.0f} s)"]
        projected, note = project_floor(run) if row.name.startswith("floor") else project_build(run)
        if projected is not None:
            wall_text += f" (≥{projected:.0f})"
        bound = f", projected ≥ {projected:.0f} s" if projected else ""
        return wall_text, [f"capped at {run.wall:.0f} s{bound}: {note}"]

    def ratios(self, row: Row) -> tuple[str, str]:
        floor = self.rows.get(row.floor) if row.floor else None
        if not (floor and floor.runs):
            return "", ""
        if row.capped or floor.capped:  # a lower bound over a lower bound says nothing
            return per_modality_ratio(row.runs[0], floor.runs[0]), ""
        return f"{row.median('wall') / floor.median('wall'):.2f}", f"{row.median('cpu') / floor.median('cpu'):.2f}"

    def notes(self, row: Row) -> list[str]:
        """What each kind of row says besides its figures."""
        name, notes = row.name, []
        version = self.rows.get("snakemake --version")
        if name == "no-op rebuild" and version and version.runs:
            notes.append(f"{row.median('wall') - version.median('wall'):+.2f} s vs snakemake --version")
        if name == "cold build" or name.startswith("build "):
            notes += self.build_notes(row)
        if name in BUILD_ROWS or name.startswith("build "):
            notes += memory_notes(row)
        if name == NOTEBOOK_ROW:
            run = row.runs[0]
            studies = run.extra.get("studies")
            count = f" ({studies} {'study' if studies == 1 else 'studies'})" if studies is not None else ""
            notes.append(
                f"python -m briefing notebook for {run.extra.get('modality', '?')}{count}"
                " in a built seed copy, kernel included"
            )
        if name == "one-study edit":
            notes += self.edit_notes(row)
        if name.startswith("floor") and row.runs[0].extra.get("durations") and not row.capped:
            phases = row.runs[0].extra["durations"]
            medians = {k: statistics.median(r.extra["durations"].get(k, 0.0) for r in row.runs) for k in phases}
            notes.append("; ".join(f"{k} {v:.1f} s" for k, v in medians.items()))
        return notes

    @staticmethod
    def build_notes(row: Row) -> list[str]:
        notes = []
        pdfs = [s for r in row.runs for s in job_seconds(r, "briefing_pdf")]
        if pdfs:
            notes.append(f"briefing_pdf job {statistics.median(pdfs):.1f} s")
        elif row.capped:
            notes.append("briefing_pdf not reached")
        if row.name.startswith("build ") and row.runs[0].extra.get("counts"):
            notes.insert(0, row.runs[0].extra["counts"])
        return notes

    def edit_notes(self, row: Row) -> list[str]:
        run = row.runs[-1]
        outcome, _, modality = run.extra["edited"]
        ran = [(r, m) for r, m in run.extra["ran"]]  # pairs again: lists when read back from --json
        local = "; only that modality + combining steps: yes" if edit_is_local(ran, modality) else "; EXTRA JOBS RAN"
        jobs = ", ".join(f"{r}[{m}]" if m else r for r, m in ran)
        notes = [f"edited {outcome} ({modality}); ran {len(ran)} jobs: {jobs}{local}"]
        cold = self.rows.get("cold build")
        if cold and cold.runs:
            notes.append(f"{row.median('wall') / cold.median('wall') * 100:.0f} % of the cold build")
        return notes
