"""Which denominators stated percentages are consistent with: a finding for the curator, never data.

A source often prints percentages without saying of how many. When the study's stated counts
(patients, lesions, a stated denominator) cannot give every percentage of a group at the precision
printed, the percentages are of some other group, often an unreported subgroup, and showing the
study's enrolled count beside them would mislead. `make check` and the validation step report the
smallest denominators that do reproduce all of them; nothing in the data or the briefing changes.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from briefing.core import numbers
from briefing.core.vocabulary import statistic_of

if TYPE_CHECKING:
    from briefing.data.evidence import Table
    from briefing.schema.models import Arm, Outcome, Study

# Percentages are checked against denominators up to this size (a large trial's arm).
SEARCH_LIMIT = 5000


def reproduces(percent_text: str, n: int) -> bool:
    """Whether some whole count out of n rounds (half up) to the percentage as printed."""
    nearest = int(numbers.half_up(Decimal(percent_text) * n / 100, 0))
    return any(0 <= k <= n and numbers.reproduces(k, n, percent_text) for k in (nearest - 1, nearest, nearest + 1))


def smallest(percent_texts: list[str], limit: int = SEARCH_LIMIT) -> list[int]:
    """The smallest denominator that reproduces every percentage, and its double when that does too
    (a count of lesions, or of patients on both sides, is often twice a count of patients)."""
    for n in range(1, limit + 1):
        if all(reproduces(p, n) for p in percent_texts):
            return [n, 2 * n] if all(reproduces(p, 2 * n) for p in percent_texts) else [n]
    return []


def findings(tables: dict[str, Table], outcomes_file: str = "data/outcomes.csv") -> list[str]:
    """One finding per group of percentages stated without a denominator (a study's outcome domain
    at one time point, in one arm or subgroup or the whole group) that none of that group's stated
    counts reproduces: like with like, never an arm's figures against the whole trial's size.
    Of valid data only (the callers' validation passed)."""
    studies = {s["study_id"]: s for s in cast("list[Study]", tables["studies"])}
    arms = {a["arm_id"]: a for a in cast("list[Arm]", tables.get("arms", []))}
    groups: dict[tuple[str, str, str | None, str | None, str | None], list[tuple[int, str]]] = defaultdict(list)
    for row, o in enumerate(cast("list[Outcome]", tables["outcomes"]), start=2):
        if statistic_of(o).of_denominator and o.get("value") is not None and not o.get("denominator"):
            if not o.get("value_qualifier") and o.get("study_id") in studies:
                key = (o["study_id"], o["domain"], o.get("timepoint"), o.get("arm_id"), o.get("subgroup"))
                text = o["value_text"]
                assert text is not None  # a value comes with its text (evidence.read_tables)
                groups[key].append((row, text))
    out = []
    for (study_id, domain, timepoint, arm_id, subgroup), rows in groups.items():
        printed = [text for _, text in rows]
        stated = _stated(studies[study_id], arms.get(arm_id) if arm_id is not None else None, subgroup)
        if any(all(reproduces(p, n) for p in printed) for n, _ in stated):
            continue
        fits = smallest(printed)
        where = f"{outcomes_file}, row{'s' if len(rows) > 1 else ''} {', '.join(str(r) for r, _ in rows)}"
        what = ", ".join(f"{p} %" for p in printed)
        scope = f" at {timepoint}" if timepoint else ""
        scope += f", {arms[arm_id]['label']} arm" if arm_id in arms else ""
        scope += f", subgroup {subgroup}" if subgroup else ""
        consistent = " or ".join(map(str, fits)) if fits else f"no denominator up to {SEARCH_LIMIT}"
        against = " or ".join(f"{n} {field}" for n, field in stated) or _unstated(arm_id, subgroup)
        out.append(
            f"{where} ({study_id}, {domain.replace('_', ' ')}{scope}): {what} {'are' if len(rows) > 1 else 'is'} "
            f"consistent with {consistent}, "
            f"not with {against}. They are probably of a group the source does not name; the "
            "briefing shows them without a denominator. A finding for the curator: nothing in the data changes."
        )
    return out


def _stated(study: Study, arm: Arm | None, subgroup: str | None) -> list[tuple[int, str]]:
    """The counts a group's percentages may be of: a subgroup's size is never stated in a row of its
    own; an arm's is its patients; the whole group's, the study's patients or lesions."""
    if subgroup:
        return []
    if arm is not None:
        patients = arm.get("patients")
        return [(patients, "patients in the arm")] if patients else []
    counts = {"patients": study.get("patients"), "lesions": study.get("lesions")}
    return [(n, f) for f, n in counts.items() if n]


def _unstated(arm_id: str | None, subgroup: str | None) -> str:
    if subgroup:
        return "any stated count (the subgroup's size is not stated)"
    if arm_id:
        return "any stated count (the arm's size is not stated)"
    return "any stated count"
