"""A modality's own printed edition (reports/modalities/<modality>.pdf): its section of the briefing
with every per-study detail, and the works it cites, numbered for that document.

Built from the modality's summary alone, with the edition's date and the modality's data checksum:
so a data edit re-prints only the modality it touches, each modality prints in its own job (a
cluster job each), and the briefing's PDF, which prints the synthesis, grows with the number of
modalities rather than of studies. Its numbers are audited against the modality's own evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.assemble import combine, registry
from briefing.present import messages
from briefing.verify import audit

if TYPE_CHECKING:
    from briefing.schema.models import RegisteredFigure

if TYPE_CHECKING:
    from briefing.schema.models import Slice

TEMPLATE = "modality.print.html.j2"
# The templates this document renders: their fixed wording's numbers are sourced.
TEMPLATES = (TEMPLATE, "briefing_modality.html.j2", "briefing_macros.html.j2")


def context(
    summary: dict[str, Any], title: str, edition: str, digest: str, question: dict[str, str] | None = None
) -> dict[str, Any]:
    """What modality.print.html.j2 renders (with the briefing's modality section); `question`: the
    config's population and setting, which head each summary of findings."""
    studies = {s["study_id"]: s for s in summary["primary_studies"] + summary["reviews"]}
    refs = combine.references([summary], [], studies)
    return {
        "title": title,
        "question": question or {},
        "build_date": edition,
        "digest": digest,
        "m": summary,
        "key_messages": {summary["modality_id"]: messages.key_message(summary)},
        "methods": combine.METHODS,
        "vocabulary": combine.vocabulary_context(),
        "references": refs,
        "ref_numbers": {r["study_id"]: r["number"] for r in refs},
        "contents": contents(summary),
    }


def contents(m: dict[str, Any]) -> list[tuple[str, str]]:
    """The document's table of contents, in its order: (anchor, label) for each part that the
    modality's section (briefing_modality.html.j2) prints with detail. tests/test_pdf.py checks
    that every anchor is in the printed HTML and every part there is listed."""
    mid = m["modality_id"]
    studies = bool(m["primary_studies"])
    parts = [
        (m["sentences"], f"sentences-{mid}", "What the data say"),
        (studies, f"table-{mid}-studies", "Studies"),
        *[(True, f"table-{mid}-rob-{t['tool']}", f"Risk of bias: {t['label']}") for t in m["risk_of_bias"]["tables"]],
        (m["sof"]["rows"], f"table-{mid}-sof", "Summary of findings"),
        (
            studies and (m["sof_comparisons"] or m["sof_differences"] or m.get("sof_stated")),
            f"table-{mid}-sof-comparisons",
            "Summary of findings: comparisons between treatments",
        ),
        (studies, f"table-{mid}-outcomes", "Outcomes as reported"),
        (
            studies
            and (m["comparisons"] or m["computed_comparisons"] or m["computed_differences"] or m["pooled_ratios"]),
            f"table-{mid}-comparisons",
            "Comparisons between arms",
        ),
        (m["figures"], m["figures"][0]["id"] if m["figures"] else "", "Figures"),
        (any(p.get("result") for p in m["pooled"]), f"pooled-{mid}", "Pooled results"),
        (m["sof"]["profile"], f"table-{mid}-profile", "GRADE evidence profile"),
    ]
    parts += [
        (True, f"table-{mid}-review-{r['study_id']}", f"Pooled results of the systematic review {r['short_name']}")
        for r in m["review_results"]
    ]
    parts += [(m["statements"], f"statements-{mid}", "From the reviews"), (True, "references", "References")]
    return [(anchor, label) for shown, anchor, label in parts if shown]


def render(context: dict[str, Any], templates: str | Path) -> str:
    from briefing.present import render as rendering

    return rendering.render_html(context, templates, template=TEMPLATE)


def allowed_numbers(context: dict[str, Any], evidence: Slice, templates: list[Path]) -> set[str]:
    """The numbers with provenance in this document: its figures (the registry's entries for this
    modality), the modality's curated cells (its evidence slice), its reference numbers, the
    edition and checksum it prints, the fixed wording of the code and of the templates."""
    record = {
        "figures": figures(context),
        "provenance": {"build_date": context["build_date"], "digest": context["digest"]},
        "question": context.get("question", {}),  # the curator's scope, as the briefing's own
        "methods": context["methods"],
        "references": context["references"],
    }
    return audit.allowed_from(record, audit.strings(evidence), templates)


def figures(context: dict[str, Any]) -> list[RegisteredFigure]:
    """The registry's entries for this modality: what this document prints (those marked
    `modality_pdf`) and the numbers it may print."""
    return registry.figure_registry([context["m"]])
