"""What a guideline panel reads first (MAGICapp's first layer): one key message per modality, and
the research gaps the summaries of findings and the certainty ratings show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.core.vocabulary import DESIGNS, FACTORS
from briefing.present import wording

if TYPE_CHECKING:
    from briefing.schema.models import Study


def _missing(s: dict[str, Any]) -> list[str]:
    """The critical outcomes no study of the modality reports, in the order of importance."""
    return [r["outcome"] for r in s["sof"]["rows"] if r["not_reported"]]


def key_message(s: dict[str, Any]) -> str:
    """ "One retrospective cohort study, 58 patients. Improved pain relief, 1 month after
    radiotherapy: 84.5 % (...), very low certainty: the evidence is very uncertain about ...
    Not reported: vertebral compression fracture, neurological deterioration." """
    missing = _missing(s)
    gaps = f" Not reported: {', '.join(wording.lower_first(m) for m in missing)}." if missing else ""
    if s["kind"] == "narrative":
        reviews = len(s["reviews"])
        return (
            f"No primary study in the data: {'a review gives' if reviews == 1 else 'reviews give'} "
            f"narrative statements only, no effect estimate.{gaps}"
        )
    if s["kind"] == "review":  # the review's figures are not a primary study's report
        return wording.review_key_message(review_findings(s)) + gaps.replace(
            "Not reported:", "No primary study reports:"
        )
    top = s["main_pain"]  # headlines.choose: the row the side-by-side tables show
    size = f"{wording.sentence_start(s['designs'])}, {wording.patients_total(s)}."
    awaiting = without_figures(s)
    if awaiting:
        size += f" Also in the data, without {'its' if len(awaiting) == 1 else 'their'} figures yet: "
        size += wording.join_and([wording.study_size(st) for st in awaiting]) + "."
    if top is None:
        return size + gaps
    finding = f" {top['text']}"
    if top["certainty"]:
        finding += f"; {top['certainty']['level_text']} certainty: {wording.lower_first(top['conclusion'])}"
    else:
        finding += "; certainty not rated."
    return size + finding + gaps


def without_figures(s: dict[str, Any]) -> list[Study]:
    """Primary studies kept in the data without figures (curation.studies_without_outcomes)."""
    stated = {o["study_id"] for o in s["outcomes"]} | {c["study_id"] for c in s.get("comparisons", [])}
    return [st for st in s["primary_studies"] if st["study_id"] not in stated]


def review_findings(s: dict[str, Any]) -> list[dict[str, str]]:
    """Each systematic review's pooled results in words, for a modality with no primary study."""
    return [
        {"study_id": r["study_id"], "text": text}
        for r in s.get("review_results", [])
        for text in wording.review_results(r)
    ]


def research_gaps(
    summaries: list[dict[str, Any]],
    direct: int,
    order: list[str] | None = None,
    applies: dict[str, list[str]] | None = None,
) -> list[str]:
    """The gaps a panel would commission research for: critical outcomes nobody reports (in
    `order`, the prespecified outcomes' labels by importance), the certainty of what is reported
    and why it is rated down, and the designs that are missing. `applies`: the modalities each
    outcome is prespecified for, where not all (a modality's own harms)."""
    gaps = []
    names = {s["modality_id"]: wording.lower_first(s["modality"]["name"]) for s in summaries}
    missing: dict[str, list[str]] = {}
    for s in summaries:
        for outcome in _missing(s):
            missing.setdefault(outcome, []).append(s["modality_id"])
    order = order or []
    for outcome in sorted(missing, key=lambda o: order.index(o) if o in order else len(order)):
        modalities = missing[outcome]
        scope = [m for m in (applies or {}).get(outcome, []) if m in names]
        if len(modalities) == len(summaries):
            gaps.append(f"{outcome} (critical): no study in this briefing reports it for any modality.")
        elif scope and set(modalities) == set(scope):
            where = wording.join_and([names[m] for m in scope])
            gaps.append(
                f"{outcome} (critical): no study in this briefing reports it for the modalities it is for ({where})."
            )
        else:
            gaps.append(f"{outcome} (critical): not reported for {wording.join_and([names[m] for m in modalities])}.")
    low = {s["modality_id"]: [r for r in s["certainty"] if r["level"] and r["level"] <= 2] for s in summaries}
    if any(low.values()):
        down = [f.label.lower() for f in FACTORS.where(direction="down")]
        rated = [r for rs in low.values() for r in rs]
        reasons = [
            factor
            for factor in down
            if any(f["label"].lower() == factor and (f["judgement"] or 0) < 0 for r in rated for f in r["factors"])
        ]
        where = "; ".join(
            f"{names[m]}: " + ", ".join(f"{wording.lower_first(r['label'])} ({r['level_text']})" for r in rs)
            for m, rs in low.items()
            if rs
        )
        because = f", rated down for {wording.join_and(reasons)}" if reasons else ""
        gaps.append(f"Outcomes of low or very low certainty{because}: {where}.")
    unrated = {s["modality_id"]: [r for r in s["certainty"] if not r["level"]] for s in summaries}
    if any(unrated.values()):
        where = "; ".join(
            f"{names[m]}: " + ", ".join(wording.lower_first(r["label"]) for r in rs) for m, rs in unrated.items() if rs
        )
        gaps.append(f"Outcomes with data whose certainty is not assessed (not every GRADE domain judged): {where}.")
    primary = [st for s in summaries for st in s["primary_studies"]]
    if not any(DESIGNS[st["design"]].randomised for st in primary):
        gaps.append("The studies in this briefing include no randomised trial of any modality.")
    if not direct:
        gaps.append("The studies in this briefing include no study comparing two of the modalities directly.")
    return gaps
