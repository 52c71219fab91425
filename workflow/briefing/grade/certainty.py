"""GRADE certainty of evidence: the starting level from the study designs, then each domain: the
curator's judgement where data/certainty.csv records one (with a reason), else the build's
proposal (imprecision and inconsistency only), always named as a proposal."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from briefing.core.vocabulary import DESIGNS, FACTORS
from briefing.grade import body_proposals, imprecision, risk_of_bias
from briefing.schema import findings

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.grade.bodies import Body
    from briefing.schema.models import Arm, CertaintyRow, Outcome, Scale

LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
DOWNGRADE = tuple(f.id for f in FACTORS.where(direction="down"))
UPGRADE = tuple(f.id for f in FACTORS.where(direction="up"))


# Concerns a curator might count in two domains of one rating, each with the words that name it in a
# reason: one concern is counted once, in the domain where it belongs (../shared/BRIEFING.md).
CONCERNS = {
    "denominator": ("denominator", "number assessed", "number of patients assessed", "how many were assessed"),
    "outcome definition": ("not defined", "undefined", "definition", "defines", "icpr"),
    "comparison group": ("comparison group", "control group", "single-arm", "single arm", "uncontrolled"),
}

# A risk-of-bias reason that names only the design (no comparison group, single-arm): the starting
# level already reflects it. What is left once the design's words are taken out must name a bias.
NO_COMPARISON = re.compile(
    r"\b(no|without( a)?|lacks?( a)?|lacking( a)?)\s+(comparison|control|comparator)\s+(group|arm)s?\b"
    r"|\buncontrolled\b",
    re.IGNORECASE,
)
DESIGN_WORDS = re.compile(
    r"\b(a|an|the|of|with|and|retrospective|prospective|single[- ]arm|single[- ]cent(re|er)|non-?randomi[sz]ed"
    r"|observational|study|studies|cohort|case|series|design|patients|\d+)\b",
    re.IGNORECASE,
)


def design_only(reason: str) -> bool:
    """Whether a risk-of-bias reason says only that the design lacks a comparison group."""
    rest = DESIGN_WORDS.sub(" ", NO_COMPARISON.sub(" ", reason))
    return not re.search(r"[^\W\d_]{3,}", rest)


def concerns(reason: str) -> set[str]:
    text = reason.lower()
    return {c for c, words in CONCERNS.items() if any(w in text for w in words)}


def comparative_domains(
    arms: list[Arm], outcomes: list[Outcome], comparisons: list[dict[str, Any]]
) -> set[tuple[str | None, str]]:
    """(modality, domain) pairs with comparative evidence, the only evidence that may be rated up: a
    comparison row, or an outcome of an arm of a study with arms of two modalities. A before-after
    change in one arm is not one."""
    by_id = {a["arm_id"]: a for a in arms}
    modalities: dict[str, set[str | None]] = {}  # None: an arm outside the briefing's modalities
    for a in arms:
        modalities.setdefault(a["study_id"], set()).add(a.get("modality_id"))
    pairs: set[tuple[str | None, str]] = set()
    for c in comparisons:
        for arm_id in (c.get("arm_id"), c.get("comparator_arm_id")):
            if arm_id in by_id:
                pairs.add((by_id[arm_id]["modality_id"], c["domain"]))
    for o in outcomes:
        if o.get("arm_id") in by_id and len(modalities.get(o["study_id"], ())) > 1:
            pairs |= {(m, o["domain"]) for m in modalities[o["study_id"]]}
    return pairs


def symbols(level: int) -> str:
    return "⊕" * level + "◯" * (4 - level)


def starting_level(designs: list[str]) -> tuple[int, str]:
    """Randomised evidence starts high; anything else starts low."""
    if designs and all(DESIGNS[d].randomised for d in designs):
        return 4, "randomised trials start at high certainty"
    return 2, "non-randomised studies start at low certainty"


def propose(
    size: Body, settings: AnalysisSettings | None = None, scales: list[Scale] | None = None
) -> dict[str, dict[str, Any]]:
    """Judgements the build proposes for one body of evidence (`size`: its participants, studies,
    I², results and, where given, its pooled results, studies' rows and risk-of-bias judgements):
    imprecision (imprecision.py), inconsistency (GRADE 36; from I² alone for a body without its
    pooled results), risk of bias (risk_of_bias.py), indirectness and publication bias
    (body_proposals.py). A curator's record always wins."""
    proposals = {
        "imprecision": imprecision.propose(
            size.get("items", []), size["participants"], settings, scales, size.get("enrolled")
        ),
        "inconsistency": body_proposals.inconsistency(size, settings) if "pooled" in size else _i2_only(size),
    }
    if size.get("risk_of_bias") is not None:
        proposals["risk_of_bias"] = risk_of_bias.propose(size, settings)
    if (indirect := body_proposals.indirectness(size)) is not None:
        proposals["indirectness"] = indirect
    # Egger's test where a pooled result had the studies for it, else the search record.
    if (bias := body_proposals.publication_bias(size)) is not None:
        proposals["publication_bias"] = bias
    return proposals


def _i2_only(size: Body) -> dict[str, Any]:
    """Inconsistency from I² cut-offs, for a body given without its pooled results."""
    i2 = size.get("i2")
    if (size.get("studies") or len(size.get("study_ids") or [])) < 2 or i2 is None:
        return {"judgement": 0, "reason": findings.InconsistencyByI2(None, 0)}
    judgement = 0 if i2 <= 50 else -1 if i2 <= 75 else -2
    return {"judgement": judgement, "reason": findings.InconsistencyByI2(i2, judgement)}


def _factor(
    factor: str, record: CertaintyRow | dict[str, Any], source: str, rule: dict[str, Any] | None
) -> dict[str, Any]:
    """One judgement as shown: the curator's or the build's proposal; a curator's judgement that
    differs from what the build's rule proposes carries that proposal, so its footnote can say so."""
    differs = source == "curator" and rule is not None and rule["judgement"] != record["judgement"]
    shown = {k: rule[k] for k in ("judgement", "reason")} if differs and rule else None
    return {
        "factor": factor,
        "label": FACTORS[factor].label,
        "judgement": record["judgement"],
        "judgement_text": findings.JudgementText(factor, record["judgement"]),
        "reason": record["reason"],
        "source": source,
        "rule": (shown | {"judgement_text": findings.JudgementText(factor, shown["judgement"])}) if shown else None,
        # The build's sensitivity analysis stands beside the curator's judgement too.
        "sensitivity": (rule or record).get("sensitivity") or [],
    }


def rate(
    domain: str,
    designs: list[str] | tuple[int, str],
    judgements: list[CertaintyRow],
    proposals: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The certainty of one body of evidence: the curator's judgements, and the build's proposals
    for the domains the curator left unrecorded. `designs`: the body's study designs, or its starting
    level and reason (bodies.start). Until each of the five domains that rate down has a judgement
    (the curator's or a proposal the rule could make), the certainty is "not assessed": a level
    never sits above a domain nobody judged."""
    start, start_reason = designs if isinstance(designs, tuple) else starting_level(designs)
    factors = []
    for factor in DOWNGRADE + UPGRADE:
        record = next((j for j in judgements if j["factor"] == factor), None)
        rule = (proposals or {}).get(factor)
        if record is not None:
            factors.append(_factor(factor, record, "curator", rule))
        elif rule is not None:
            factors.append(_factor(factor, rule, "build", None))
    judged = {f["factor"] for f in factors if f["judgement"] is not None}
    missing = [f for f in DOWNGRADE if f not in judged]
    total = sum(f["judgement"] or 0 for f in factors)
    level = None if missing else max(1, min(4, start + total))
    return {
        "domain": domain,
        "start": start,
        "start_text": LEVELS[start],
        "start_reason": start_reason,
        "factors": factors,
        "missing": [FACTORS[f].label.lower() for f in missing],
        "level": level,
        "level_text": LEVELS[level] if level else NOT_ASSESSED,
        "symbols": symbols(level) if level else "",
    }


NOT_ASSESSED = "certainty not assessed"


def rate_bodies(
    bodies: list[Body],
    certainty_rows: list[CertaintyRow],
    settings: AnalysisSettings | None = None,
    scales: list[Scale] | None = None,
) -> list[dict[str, Any]]:
    """One rating per body of evidence (bodies.py), from the certainty rows recorded for that body
    (question and outcome domain) and the build's proposals from the body's own data. No body
    borrows another's judgements."""
    ratings = []
    for body in bodies:
        rows = [c for c in certainty_rows if row_key(c) == body["key"]]
        proposals = propose(body, settings, scales)
        rating = rate(body["domain"], body["start"], rows, proposals)
        ratings.append(rating | {k: body[k] for k in BODY_FIELDS})
    return ratings


# What a rating carries of its body, for every table that prints it.
BODY_FIELDS: tuple[Literal["key", "label", "comparator_id", "study_ids", "designs", "participants_text"], ...] = (
    "key",
    "label",
    "comparator_id",
    "study_ids",
    "designs",
    "participants_text",
)


def row_key(row: CertaintyRow) -> str:
    """The body of evidence a certainty row rates."""
    from briefing.grade import bodies

    return bodies.key(row["modality_id"], row.get("comparator_id") or bodies.ALONE, row["outcome_domain"])


def assessed(ratings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ratings with a level: a body whose certainty is not assessed has none to compare."""
    return [r for r in ratings if r["level"]]


def levels_present(ratings: Iterable[dict[str, Any]]) -> list[str]:
    """The levels the assessed ratings reach, highest first ("moderate", "low", "very low")."""
    reached = {r["level"] for r in ratings if r["level"]}
    return [LEVELS[level] for level in sorted(reached, reverse=True)]
