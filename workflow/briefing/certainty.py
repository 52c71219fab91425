"""GRADE certainty of evidence: the starting level from the study designs, then the curator's
judgement on each domain (recorded in data/certainty.csv with a reason)."""

from __future__ import annotations

from typing import Any

LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
FACTOR_LABELS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "confounding": "Plausible confounding",
}
DOWNGRADE = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
UPGRADE = ("large_effect", "dose_response", "confounding")
# GRADE's standard phrasing for a conclusion at each level (Santesso et al., informative statements).
CONCLUSION = {
    "high": "{verb}",
    "moderate": "probably {verb}",
    "low": "may {verb}",
    "very low": "the evidence is very uncertain about the effect of",
}


def symbols(level: int) -> str:
    return "⊕" * level + "◯" * (4 - level)


def starting_level(designs: list[str]) -> tuple[int, str]:
    """Randomised evidence starts high; anything else starts low."""
    if designs and all(d == "randomised_trial" for d in designs):
        return 4, "randomised trials start at high certainty"
    return 2, "non-randomised studies start at low certainty"


def judgement_text(factor: str, judgement: int) -> str:
    if judgement == 0:
        return "not serious" if factor in DOWNGRADE else "none"
    if factor in DOWNGRADE:
        return "serious (−1)" if judgement == -1 else "very serious (−2)"
    return f"rated up (+{judgement})"


def rate(domain: str, designs: list[str], judgements: list[dict[str, Any]]) -> dict[str, Any]:
    """The certainty of one outcome domain for one modality."""
    start, start_reason = starting_level(designs)
    factors = []
    total = 0
    for factor in DOWNGRADE + UPGRADE:
        record = next((j for j in judgements if j["factor"] == factor), None)
        if record is None:
            continue
        total += record["judgement"]
        factors.append(
            {
                "factor": factor,
                "label": FACTOR_LABELS[factor],
                "judgement": record["judgement"],
                "judgement_text": judgement_text(factor, record["judgement"]),
                "reason": record["reason"],
            }
        )
    level = max(1, min(4, start + total))
    return {
        "domain": domain,
        "start": start,
        "start_text": LEVELS[start],
        "start_reason": start_reason,
        "factors": factors,
        "level": level,
        "level_text": LEVELS[level],
        "symbols": symbols(level),
    }


def rate_modality(studies: list[dict[str, Any]], certainty_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    designs = [s["design"] for s in studies if s["design"] != "narrative_review"]
    domains = sorted({c["outcome_domain"] for c in certainty_rows})
    return [rate(d, designs, [c for c in certainty_rows if c["outcome_domain"] == d]) for d in domains]
