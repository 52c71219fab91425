"""The floor: the build's work in one Python process, without orchestration. It validates the
package, cuts the slices (written where the build writes them), builds every modality summary
with its figures, combines, renders the HTML, the PDF and the Word edition, prints and audits each
modality's PDF (`modality-pdf`) and audits the briefing (the `audit` rule's arguments): the
briefing functions called directly, no Snakemake, no papermill, no per-modality notebook pages.
Against an older commit, a command it lacks is skipped.

    python -m bench.floor WORKDIR PHASES   # PYTHONPATH: WORKDIR/workflow, then this package's parent

Each phase appends a line {"phase", "t"[, "modality"]} to PHASES as it ends."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import NotRequired, TextIO

from typing_extensions import TypedDict

RESULTS = Path("results")


class PhaseMark(TypedDict):
    """A line of the phases file: a phase that ended, when (time.perf_counter) and for which modality."""

    phase: str
    t: float
    modality: NotRequired[str]


class Floor:
    """The steps, run in the project folder (the working directory), each marked as it ends."""

    def __init__(self, phases: TextIO):
        self.phases = phases
        self.mark("start")
        import yaml

        from briefing import cli

        self.cli = cli
        self.mark("imports")
        self.config = yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8"))
        self.package, self.modalities = self.config["data"], self.config["modalities"]
        # An older commit (the floor may be run against one) has no modality PDFs.
        self.modality_pdfs = hasattr(cli, "cmd_modality_pdf")

    def mark(self, phase: str, **extra: str) -> None:
        self.phases.write(json.dumps({"phase": phase, "t": time.perf_counter(), **extra}) + "\n")
        self.phases.flush()

    def step(self, phase: str, *argv: str) -> int:
        status = self.cli.main(list(argv))
        self.mark(phase)
        return status

    def validate(self) -> int:
        output = str(RESULTS / "validation.json")
        return self.step(
            "validate", "validate", "--package", self.package, "--modalities", *self.modalities, "--output", output
        )

    def summaries(self) -> list[str]:
        """Each modality's slice (written where the build writes it) and summary; their paths."""
        from briefing.assemble import summary
        from briefing.data import evidence

        tables, paths = evidence.read_valid(self.package), []
        for m in self.modalities:
            text = evidence.dumps(evidence.slice_with_settings(tables, m, self.config.get("analysis", {})))
            if self.modality_pdfs:  # the modality PDF's audit reads it, as the build's does
                (RESULTS / "evidence").mkdir(parents=True, exist_ok=True)
                (RESULTS / "evidence" / f"{m}.json").write_text(text, encoding="utf-8")
            path = RESULTS / "modalities" / m / "summary.json"
            summary.write_summary(summary.build_summary(json.loads(text)), str(path))  # the slice as JSON, as read
            paths.append(str(path))
            self.mark("summary", modality=m)
        return paths

    def combine(self, paths: list[str]) -> int:
        per_modality = ["evidence_slice", "modality_notebook"] + (["modality_pdf"] if self.modality_pdfs else [])
        once = ["validate", "combine", "briefing_html", "briefing_pdf", "briefing_docx", "audit", "publish"]
        plan = json.dumps(dict.fromkeys(once, 1) | dict.fromkeys(per_modality, len(self.modalities)), sort_keys=True)
        context, output = str(RESULTS / "briefing_context.json"), str(RESULTS / "briefing.json")
        common = ["--package", self.package, "--summaries", *paths, "--context", context, "--output", output]
        try:
            config = json.dumps(self.config, sort_keys=True)
            return self.step("combine", "combine", "--config-json", config, "--jobs", plan, *common)
        except SystemExit:  # an older command line without --config-json / --jobs
            return self.step("combine", "combine", "--config", "config/config.yaml", *common)

    def editions(self) -> int:
        """The HTML and its print edition, the PDF, the Word edition (the audit reads it too)."""
        html, printed = str(RESULTS / "briefing.html"), str(RESULTS / "briefing.print.html")
        context = str(RESULTS / "briefing_context.json")
        status = self.step(
            "html",
            "html",
            "--context",
            context,
            "--templates",
            "templates",
            "--output",
            html,
            "--print-output",
            printed,
        )
        status = status or self.step("pdf", "pdf", "--html", printed, "--output", str(RESULTS / "briefing.pdf"))
        docx = ["--json", str(RESULTS / "briefing.json"), "--reference", "templates/reference.docx"]
        return status or self.step("docx", "docx", "--html", printed, *docx, "--output", str(RESULTS / "briefing.docx"))

    def modality_pdf_args(self, m: str, edition: str, digest: str) -> list[str]:
        folder, question = RESULTS / "modalities" / m, self.config["question"]
        return [
            *(
                "modality-pdf",
                "--summary",
                str(folder / "summary.json"),
                "--evidence",
                str(RESULTS / "evidence" / f"{m}.json"),
            ),
            *("--templates", "templates", "--title", self.config["title"], "--edition", edition, "--digest", digest),
            *("--population", question["population"], "--setting", question.get("setting", "")),
            *("--print-output", str(folder / "print.html"), "--pdf", str(RESULTS / "modalities" / f"{m}.pdf")),
            *("--audit-output", str(folder / "audit.json")),
        ]

    def modality_pdfs_step(self) -> int:
        """Each modality's PDF and its audit, with what the Snakefile reads once when it parses
        (common.smk: EDITION, MODALITY_DIGESTS)."""
        from briefing.build import provenance
        from briefing.data import evidence

        edition = provenance.build_date(provenance.build_epoch(".", Path(self.package).parent))
        digests = evidence.slice_digests(self.package, self.modalities, self.config["analysis"])
        for m in self.modalities:
            status = self.cli.main(self.modality_pdf_args(m, edition, digests[m]))
            if status:
                return status
            self.mark("modality_pdfs", modality=m)
        return 0

    def audit(self) -> int:
        """The audit rule's arguments (workflow/rules/briefing.smk): the briefing's templates, .j2 only."""
        files = {"html": "briefing.html", "print-html": "briefing.print.html", "pdf": "briefing.pdf"}
        files |= {"docx": "briefing.docx", "json": "briefing.json"}
        argv = ["audit", *(a for flag, name in files.items() for a in (f"--{flag}", str(RESULTS / name)))]
        templates = sorted(str(p) for p in Path("templates").glob("briefing*") if p.name.endswith(".j2"))
        argv += ["--package", self.package, "--templates", *templates, "--output", str(RESULTS / "audit.json")]
        try:
            return self.step("audit", *argv)
        except SystemExit:  # an older command line without --print-html
            return self.step("audit", *argv[:3], *argv[5:])

    def run(self) -> int:
        status = self.validate()
        if status:
            return status
        status = self.combine(self.summaries()) or self.editions()
        if status:
            return status
        status = self.modality_pdfs_step() if self.modality_pdfs else 0
        return status or (self.audit() if hasattr(self.cli, "cmd_audit") else 0)


def floor_worker(workdir: Path, phases_path: Path) -> int:
    """The work itself, in one process: what the rules compute, without orchestration."""
    os.chdir(workdir)
    with open(phases_path, "a", encoding="utf-8") as phases:
        return Floor(phases).run()


def read_phases(path: Path) -> list[PhaseMark]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def phase_durations(marks: list[PhaseMark]) -> dict[str, float]:
    """Phase -> its seconds (a phase marked several times, once per modality, added up)."""
    durations: dict[str, float] = {}
    for before, mark in zip(marks, marks[1:], strict=False):
        durations[mark["phase"]] = durations.get(mark["phase"], 0.0) + mark["t"] - before["t"]
    return durations


if __name__ == "__main__":
    raise SystemExit(floor_worker(Path(sys.argv[1]), Path(sys.argv[2])))
