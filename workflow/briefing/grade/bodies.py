"""Bodies of evidence: what one GRADE rating is about (issue 30, item 1).

A body of evidence is one question (a modality alone, or a modality against a comparator
modality) and one outcome domain. Its studies are derived from the data: the studies with a figure
for that question and domain. Each summary-of-findings row, evidence-profile row and certainty in
the briefing is its body's rating, so a trial's comparison never borrows a case series' rating and
an outcome nobody reports has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from briefing.core.vocabulary import DESIGNS

if TYPE_CHECKING:
    from briefing.schema.models import StatedComparison

if TYPE_CHECKING:
    from briefing.schema.models import Arm, Outcome, RobJudgement, Study

if TYPE_CHECKING:
    from briefing.grade.imprecision import Item

# The question of a figure of one group of patients: the modality alone, no comparator.
ALONE = ""


def comparators(arms: list[Arm]) -> dict[str, str]:
    """Each comparative study's comparator modality: the modality of its comparator arm (the first
    by arm id where a trial has several). Studies of one group are absent."""
    result: dict[str, str] = {}
    for a in sorted(arms, key=lambda a: a["arm_id"]):
        modality_id = a.get("modality_id")
        if a.get("role") == "comparator" and modality_id:
            result.setdefault(a["study_id"], modality_id)
    return result


def question(row: Outcome | StatedComparison, compared: dict[str, str]) -> str:
    """The comparator modality of a figure's question: a figure of an arm of a comparative study, or
    a comparison, is evidence on the comparison; a whole-group figure (both arms together, or a
    study of one group) is evidence on the modality alone."""
    between = row.get("comparator_arm_id") or row.get("arm_id")
    return compared.get(row["study_id"], ALONE) if between else ALONE


def key(modality_id: str, comparator_id: str, domain: str) -> str:
    """A body's id, as certainty rows and the briefing name it: 'srs:pain_response' for the
    modality alone, 'srs-vs-cebrt:pain_response' for a comparison."""
    return f"{modality_id}{'-vs-' + comparator_id if comparator_id else ''}:{domain}"


def counted(study: Study, modality_id: str) -> bool:
    """Whether a study's figures are this modality's evidence: its primary studies, and its
    systematic reviews with meta-analysis (their pooled results are figures of their own)."""
    design = DESIGNS[study["design"]]
    return study.get("modality_id") == modality_id and (not design.review or design.pooled)


def keys_with_data(
    modality_id: str,
    studies: list[Study],
    arms: list[Arm],
    outcomes: list[Outcome],
    comparisons: list[StatedComparison],
) -> dict[str, list[str]]:
    """Each body of evidence of one modality that has data, with its studies (sorted): the one rule
    both validation and the summary use."""
    ids = {s["study_id"] for s in studies if counted(s, modality_id)}
    compared = comparators([a for a in arms if a["study_id"] in ids])
    found: dict[str, set[str]] = {}
    rows: list[Outcome | StatedComparison] = [*outcomes, *comparisons]
    for row in rows:
        if row["study_id"] in ids and row.get("domain"):
            body = key(modality_id, question(row, compared), row["domain"])
            found.setdefault(body, set()).add(row["study_id"])
    return {k: sorted(v) for k, v in sorted(found.items())}


def start(
    studies: list[Study], robins_i: set[str] | frozenset[str] = frozenset(), alone: bool = False
) -> tuple[int, str]:
    """GRADE's starting level from the designs of a body's studies: randomised trials start high;
    non-randomised studies judged with ROBINS-I (`robins_i`: the studies that are) start high too,
    their risk of bias judged by the tool (GRADE guidelines 18, Schünemann 2019); a systematic
    review with meta-analysis starts where the designs it pooled start (its `pooled_design`);
    anything else starts low. In a body of the modality `alone`, a trial's figures are of one
    arm, or of its arms together, read without their comparison: no randomised comparison, so low
    (CAFE's kyphoplasty arm, whose comparator is no modality of the briefing)."""
    designs = [s.get("pooled_design") or s["design"] if DESIGNS[s["design"]].review else s["design"] for s in studies]
    if alone and any(d in DESIGNS and DESIGNS[d].randomised for d in designs):
        return 2, "starts low: a trial's arms read alone are not a randomised comparison"
    if designs and all(d in DESIGNS and DESIGNS[d].randomised for d in designs):
        return 4, "randomised trials start at high certainty"
    if studies and all(
        DESIGNS[d].randomised or s["study_id"] in robins_i for d, s in zip(designs, studies, strict=True)
    ):
        return 4, "starts high: the non-randomised studies are judged with ROBINS-I"
    if any(DESIGNS[s["design"]].review and not s.get("pooled_design") for s in studies):
        return 2, "starts low: the designs a review pooled are not recorded"
    return 2, "non-randomised studies start at low certainty"


class Body(TypedDict):
    """A body of evidence with what its rating rests on (summary._bodies), as certainty.propose,
    certainty.rate_bodies and the proposals of risk_of_bias.py and body_proposals.py read it. Never
    written. The keys those read with .get are NotRequired: a body given without them (its pooled
    results, its studies' rows, its risk-of-bias judgements, its search record) gets no proposal
    that needs them."""

    key: str  # 'srs-vs-cebrt:pain_response' (key())
    domain: str
    label: str
    comparator_id: str  # ALONE for the modality's evidence alone
    question: str
    study_ids: list[str]
    studies: int
    designs: str
    design_ids: dict[str, str]
    start: tuple[int, str]  # its starting level and why (start())
    participants: int | None  # None: a study does not state how many its figures are of
    participants_text: str
    printed: dict[str, int]  # wording.body_participant_counts
    enrolled: NotRequired[int | None]
    i2: float | None  # the largest of its pooled results'
    events: int | None
    items: NotRequired[list[Item]]  # what the imprecision rule judges (imprecision.items)
    egger: NotRequired[list[dict[str, Any]]]  # its pooled results' Egger tests (robustness.egger)
    pooled: NotRequired[list[dict[str, Any]]]  # models.Pooled, as dicts
    outcome_study: NotRequired[dict[str, str]]  # each outcome's study
    participants_by_study: NotRequired[dict[str, int | None]]
    risk_of_bias: NotRequired[list[RobJudgement]]
    study_rows: NotRequired[dict[str, Study]]
    search: NotRequired[dict[str, Any] | None]  # data/identification.csv's record
