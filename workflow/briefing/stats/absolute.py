"""Absolute effects for a GRADE summary-of-findings row.

From a relative effect (RR, OR or HR with its CI) and an assumed comparator risk (ACR: the control
arm's risk or a stated baseline), the anticipated risk with the intervention and the difference per
1,000, for RR and OR as the Cochrane Handbook (5.1, sections 12.5.4.2-3) computes them:

    RR: risk = ACR × RR
    OR: risk = OR × ACR / (1 - ACR + OR × ACR)
    HR: risk = 1 - (1 - ACR) ** HR

(each measure's `risk` in vocabulary.py's registry of effect measures).
The HR line assumes proportional hazards (the control arm's cumulative hazard, -log(1 - ACR),
scaled by HR), with ACR the control risk of the event by the time point the row reports.

The interval applies the ratio's CI bounds at the same ACR, so the ACR's own uncertainty is not in
it. Each formula rises with the ratio, so the lower bound comes from the lower ratio. Pure Python:
the summary-of-findings step need not import numpy or scipy for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from briefing.core.vocabulary import EFFECT_MEASURES


@dataclass(frozen=True)
class AbsoluteEffect:
    """Risks are proportions; differences are (risk - ACR) × per, negative for fewer events."""

    measure: str
    comparator_risk: float
    risk: float
    risk_low: float
    risk_high: float
    per: int
    difference: float
    difference_low: float
    difference_high: float
    capped: bool  # an RR took a risk above 1 and it was set to 1


def anticipated_risk(measure: str, ratio: float, comparator_risk: float) -> float:
    """The risk with the intervention, uncapped (an RR can take it above 1)."""
    return _risk(measure)(ratio, comparator_risk)


def _risk(measure: str) -> Callable[[float, float], float]:
    """The registry's formula of a ratio that an absolute effect is derived from."""
    entry = EFFECT_MEASURES.get(measure)
    if entry is None or entry.risk is None:
        measures = [m.id for m in EFFECT_MEASURES if m.risk is not None]
        raise ValueError(f"measure must be one of {measures}, not {measure!r}")
    return entry.risk


def absolute_effect(
    measure: str, ratio: float, ci_low: float, ci_high: float, comparator_risk: float, per: int = 1000
) -> AbsoluteEffect:
    """The risk with the intervention and the difference per `per` people, with their CIs."""
    _risk(measure)
    values = (ratio, ci_low, ci_high, comparator_risk)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise ValueError("the ratio, its CI and the comparator risk must be finite numbers")
    if not 0 < ci_low <= ratio <= ci_high:
        raise ValueError("need 0 < ci_low <= ratio <= ci_high")
    if not 0 <= comparator_risk <= 1:
        raise ValueError("the comparator risk is a proportion between 0 and 1")
    if per < 1:
        raise ValueError("per must be >= 1")
    raw = [anticipated_risk(measure, r, comparator_risk) for r in (ratio, ci_low, ci_high)]
    risk, low, high = (min(r, 1.0) for r in raw)
    return AbsoluteEffect(
        measure=measure,
        comparator_risk=float(comparator_risk),
        risk=risk,
        risk_low=low,
        risk_high=high,
        per=per,
        difference=(risk - comparator_risk) * per,
        difference_low=(low - comparator_risk) * per,
        difference_high=(high - comparator_risk) * per,
        capped=max(raw) > 1,
    )
