"""GRADE imprecision as the build proposes it: one rule set, from the config's thresholds.

GRADE judges imprecision by the 95 % CI against thresholds that matter, not by a participant count
(GRADE guidelines 6, Guyatt et al., J Clin Epidemiol 2011;64:1283-93; GRADE guidance 34, Zeng et al.,
J Clin Epidemiol 2022;150:216-24, minimally contextualised approach):

- a proportion (benefit or harm) whose 95 % CI crosses the declared threshold (a benefit's threshold,
  a harm's tolerable risk): serious (-1). GRADE 34 allows two or three levels when a CI crosses
  appreciably; how far is "appreciably" is the curator's call, so the rule proposes one level;
- a zero-event harm: judged by whether the upper 95 % limit exceeds the tolerable risk; an event
  count cannot meet an optimal information size, and the upper limit is what a reader needs;
- a CI that does not cross: the optimal information size (OIS) in events for dichotomous outcomes
  (GRADE 6: a CI can look narrow when events are few); fewer events than the OIS: serious (-1);
- a continuous outcome: participants against the OIS for continuous outcomes (GRADE 6's rule of
  thumb, about 400); a single-arm mean has no CI of an effect to set against the MID.

Thresholds are the panel's (config `analysis.imprecision`, each with its source); where none is
declared the proposal says so and judges only what it can, or nothing (judgement None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from briefing.core import numbers
from briefing.core.vocabulary import DOMAINS, statistic_of
from briefing.data import importance

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import DescribedOutcome, Scale


@dataclass(frozen=True)
class Item:
    """One result of a domain the rule can look at: a proportion with its CI (one study's row or a
    pooled estimate), or a continuous outcome's participants."""

    outcome: importance.Prespecified | None
    kind: str  # "proportion" or "continuous"
    label: str
    events: int | None = None
    n: int | None = None
    low: float | None = None  # fractions
    high: float | None = None
    scale: str | None = None
    # Whose events these are, one entry per group of patients (study, arm, subgroup) with its events
    # and rank (1: a mapped ICPR category, 0: a category of the source's own): events_once counts each
    # group once, never a group's figure at two time points or of two denominators added up.
    counts: tuple[tuple[str, str, str, int, int], ...] = ()


def events_once(items: list[Item]) -> int:
    """The events of a body of evidence, each group of patients counted once: per study and arm its
    figure of the most events among its best-ranked categories (a response, not "no improvement"
    beside it; a set, not the subset within it), over time points and denominators alike; a subgroup
    only for a study that has no figure of its whole group."""
    # An item that names no group (built by hand) is a group of its own.
    counts = [c for n, i in enumerate(items) for c in i.counts or ((f"#{n}", "", "", i.events or 0, 1),)]
    whole = {study for study, _, subgroup, _, _ in counts if not subgroup}
    best: dict[tuple[str, str], tuple[int, int]] = {}
    for study, arm, subgroup, events, rank in counts:
        if subgroup and study in whole:
            continue
        key = (study, arm if not subgroup else f"{arm}|{subgroup}")
        best[key] = max(best.get(key, (rank, events)), (rank, events))
    return sum(events for _, events in best.values())


def policy(settings: AnalysisSettings | None) -> dict[str, Any]:
    """The config's imprecision block, with empty defaults."""
    block = (settings or {}).get("imprecision") or {}
    return {"continuous_ois": block.get("continuous_ois") or {}, "outcomes": block.get("outcomes") or {}}


def threshold(outcome_id: str | None, rules: dict[str, Any], scales: dict[str, Scale], scale: str | None):
    """(kind, value) of the declared threshold: ("harm", percent), ("benefit", percent), ("mid",
    points) or (None, None) when none is declared."""
    entry = rules["outcomes"].get(outcome_id or "") or {}
    if entry.get("tolerable_risk") is not None:
        return "harm", float(entry["tolerable_risk"])
    if entry.get("threshold") == "scale_mid":
        found = scales.get(scale or "")
        mid = found.get("mid") if found else None
        return ("mid", float(mid)) if mid is not None else (None, None)
    if entry.get("threshold") is not None:
        return "benefit", float(entry["threshold"])
    return None, None


def _ci(i: Item) -> str:
    """A result's CI as the rule reads it; a zero-event result by its upper limit."""
    if i.events == 0:
        assert i.high is not None, "a proportion's result has its CI"
        return f"{i.label}: 0/{i.n}, upper 95 % limit {numbers.percent(i.high)} %"
    assert i.low is not None and i.high is not None, "a proportion's result has its CI"
    return f"{i.label}: 95 % CI {numbers.percent(i.low)} % to {numbers.percent(i.high)} %"


def _proportion(items: list[Item], rules: dict[str, Any], scales: dict[str, Scale]) -> tuple[int | None, str]:
    outcome = items[0].outcome
    kind, value = threshold(outcome.id if outcome else None, rules, scales, None)
    ois = ((rules["outcomes"].get(outcome.id) or {}) if outcome else {}).get("ois_events")
    name = outcome.label.lower() if outcome else items[0].label.lower()
    shown = [_ci(i) for i in items]
    if kind not in ("harm", "benefit"):
        entry = (rules["outcomes"].get(outcome.id) or {}) if outcome else {}
        word = "tolerable risk" if "tolerable_risk" in entry else "threshold"
        what = "; ".join(shown) + f"; no {word} declared for {name}, so the build does not judge it"
        judged: int | None = None
    else:
        t = value / 100
        word = "tolerable risk" if kind == "harm" else "threshold"
        crossing = [i for i in items if i.low < t < i.high]
        parts = []
        for i, text in zip(items, shown, strict=True):
            if i.events == 0:
                parts.append(f"{text}, {'above' if i.high > t else 'not above'}")
            else:
                parts.append(f"{text}, {'crosses' if i in crossing else 'does not cross'}")
        what = "; ".join(parts) + f" the {word} of {numbers.declared(value)} % for {name}"
        judged = -1 if crossing else 0
    events = events_once(items)
    if judged == -1 or all(i.events == 0 for i in items):
        return judged, what  # a crossing CI, or zero events: the OIS adds nothing
    if ois is None:
        return judged, what + "; no optimal information size declared"
    below = events < ois
    what += f"; {events} events, {'fewer than' if below else 'at least'} the optimal information size of {ois}"
    return (-1 if below else judged if judged is not None else 0), what


def _continuous(
    items: list[Item], rules: dict[str, Any], scales: dict[str, Scale], participants: int | None, enrolled: int | None
):
    outcome = items[0].outcome
    name = outcome.label.lower() if outcome else items[0].label.lower()
    kind, value = threshold(outcome.id if outcome else None, rules, scales, items[0].scale)
    mid = (
        f"no CI of an effect to set against the minimally important difference of {numbers.declared(value)} points"
        if kind == "mid"
        else f"no threshold declared for {name}"
    )
    ois = (rules["continuous_ois"] or {}).get("participants")
    if ois is None:
        return None, f"{mid}; no optimal information size declared"
    if participants is None:
        # The number assessed is not stated: only enrolled patients below the OIS settle it.
        if enrolled is not None and enrolled < ois:
            fewer = f"even the {enrolled} enrolled are fewer than the optimal information size of {ois}"
            return -1, f"{mid}; the number assessed is not stated, and {fewer}"
        return None, f"{mid}; the number of participants assessed is not stated"
    below = participants < ois
    where = "fewer than" if below else "at least"
    return (-1 if below else 0), f"{mid}; {participants} participants, {where} the optimal information size of {ois}"


def propose(
    items: list[Item],
    participants: int | None,
    settings: AnalysisSettings | None,
    scales: list[Scale] | None = None,
    enrolled: int | None = None,
) -> dict[str, Any]:
    """The build's proposal on imprecision for one domain: the worst over its prespecified outcomes,
    each judged by the rule above; judgement None where nothing could be judged."""
    rules = policy(settings)
    by_scale = {s["scale_id"]: s for s in scales or []}
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.outcome.id if item.outcome else item.label, item.kind), []).append(item)
    judgements: list[int] = []
    reasons: list[str] = []
    for (_, kind), group in groups.items():
        if kind == "proportion":
            judged, why = _proportion(group, rules, by_scale)
        else:
            judged, why = _continuous(group, rules, by_scale, participants, enrolled)
        reasons.append(why)
        if judged is not None:
            judgements.append(judged)
    if not groups:
        reasons.append("no result with a 95 % CI (no figure with a stated or derivable count) and no continuous result")
    text = "; ".join(reasons)
    return {"judgement": min(judgements) if judgements else None, "reason": text[0].upper() + text[1:] + "."}


def items(
    outcomes: list[DescribedOutcome],
    pooled: list[dict[str, Any]],
    settings: AnalysisSettings | None,
) -> dict[str, list[Item]]:
    """Per outcome domain, what the rule judges: each pooled proportion, and each proportion with a
    CI that was not pooled; each continuous outcome (mean or summary score)."""
    prespecified = importance.prespecified(settings)
    in_pool = {oid for p in pooled if p.get("result") for oid in p["outcome_ids"]}
    by_id = {o["outcome_id"]: o for o in outcomes}
    result: dict[str, list[Item]] = {}
    for p in pooled:
        r = p.get("result") or {}
        if r.get("ci_low_prop") is None:
            continue
        first = by_id[p["outcome_ids"][0]]
        estimated = [est for i in p["outcome_ids"] if (est := by_id[i].get("estimate"))]
        events, n = sum(est["events"] for est in estimated), sum(est["n"] for est in estimated)
        outcome = importance.classify(first, prespecified)
        label = f"pooled {p['label'].lower()}"
        counts = tuple(_count(by_id[i]) for i in p["outcome_ids"] if by_id[i].get("estimate"))
        item = Item(outcome, "proportion", label, events, n, r["ci_low_prop"], r["ci_high_prop"], counts=counts)
        result.setdefault(p["domain"], []).append(item)
    for o in outcomes:
        outcome = importance.classify(o, prespecified)
        if (est := o.get("estimate")) and o["outcome_id"] not in in_pool:
            item = Item(
                outcome,
                "proportion",
                o["label"],
                est["events"],
                est["n"],
                est["ci_low"],
                est["ci_high"],
                counts=(_count(o),),
            )
        elif statistic_of(o).series and o.get("value") is not None:
            item = Item(outcome, "continuous", o["label"], scale=o.get("unit"))
        else:
            continue
        result.setdefault(o["domain"], []).append(item)
    return result


def _count(o: DescribedOutcome) -> tuple[str, str, str, int, int]:
    """One figure's events under its group of patients, ranked by whether its category is ICPR's."""
    rank = 1 if o.get("icpr_category") or DOMAINS[o["domain"]].shape != "response" else 0
    estimate = o["estimate"]
    assert estimate is not None  # counted only for figures with an estimate (items)
    return o["study_id"], o.get("arm_id") or "", o.get("subgroup") or "", estimate["events"], rank
