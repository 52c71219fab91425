"""GRADE certainty of evidence: the starting level from the study designs, then the curator's
judgement on each domain (recorded in data/certainty.csv with a reason)."""

from __future__ import annotations

from typing import Any

from . import wording
from .vocabulary import DESIGNS, FACTORS

LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
DOWNGRADE = tuple(f.id for f in FACTORS.where(direction="down"))
UPGRADE = tuple(f.id for f in FACTORS.where(direction="up"))


def symbols(level: int) -> str:
    return "⊕" * level + "◯" * (4 - level)


def starting_level(designs: list[str]) -> tuple[int, str]:
    """Randomised evidence starts high; anything else starts low."""
    if designs and all(DESIGNS[d].randomised for d in designs):
        return 4, "randomised trials start at high certainty"
    return 2, "non-randomised studies start at low certainty"


# Rule of thumb for the optimal information size of a single-arm proportion or mean (GRADE
# guidance 6: fewer than about 400 participants is usually imprecise).
OPTIMAL_INFORMATION_SIZE = 400


def propose(participants: int, studies: int, i2: float | None) -> dict[str, dict[str, Any]]:
    """Judgements the build can propose from the numbers alone; a curator's record always wins."""
    imprecision = -2 if participants < 100 else -1 if participants < OPTIMAL_INFORMATION_SIZE else 0
    single = studies < 2 or i2 is None
    inconsistency = 0 if single or i2 <= 50 else -1 if i2 <= 75 else -2
    return {
        "imprecision": {
            "judgement": imprecision,
            "reason": wording.imprecision_reason(participants, imprecision, OPTIMAL_INFORMATION_SIZE),
        },
        "inconsistency": {
            "judgement": inconsistency,
            "reason": wording.inconsistency_reason(None if single else i2, inconsistency),
        },
    }


def rate(
    domain: str,
    designs: list[str],
    judgements: list[dict[str, Any]],
    proposals: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The certainty of one outcome domain for one modality: the curator's judgements, and the
    build's proposals for the domains the curator left unrecorded."""
    start, start_reason = starting_level(designs)
    factors = []
    total = 0
    for factor in DOWNGRADE + UPGRADE:
        record = next((j for j in judgements if j["factor"] == factor), None)
        source = "curator"
        if record is None and proposals and factor in proposals:
            record, source = proposals[factor], "build"
        if record is None:
            continue
        total += record["judgement"]
        factors.append(
            {
                "factor": factor,
                "label": FACTORS[factor].label,
                "judgement": record["judgement"],
                "judgement_text": wording.judgement_text(factor, record["judgement"]),
                "reason": record["reason"],
                "source": source,
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


def rate_modality(
    studies: list[dict[str, Any]],
    certainty_rows: list[dict[str, Any]],
    evidence_size: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One rating per outcome domain the curator has judged. `evidence_size` gives, per domain,
    participants, studies and I² for the build's proposals."""
    designs = [s["design"] for s in studies if not DESIGNS[s["design"]].review]
    domains = sorted({c["outcome_domain"] for c in certainty_rows})
    ratings = []
    for d in domains:
        size = (evidence_size or {}).get(d)
        proposals = propose(size["participants"], size["studies"], size.get("i2")) if size else None
        ratings.append(rate(d, designs, [c for c in certainty_rows if c["outcome_domain"] == d], proposals))
    return ratings
