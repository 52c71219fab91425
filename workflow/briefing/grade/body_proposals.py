"""The build's GRADE proposals for one body of evidence on inconsistency, indirectness and
publication bias (risk of bias: risk_of_bias.py; imprecision: imprecision.py). Each says what it
rests on; where the data do not allow a judgement, it proposes none (judgement None) and says why.

Inconsistency as GRADE guidance 36 advises (Guyatt G, Zhao Y, Mayer M, et al., J Clin Epidemiol
2023, published online 8 March 2023, PII S0895-4356(23)00046-X): inconsistency is variability in
results that matters for the decision, judged from how far the studies' CIs overlap, whether their
point estimates fall on both sides of the threshold that matters, and the prediction interval; I²
is support only (a large I² with every estimate on one side of the threshold is not important).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.data import importance
from briefing.grade import imprecision
from briefing.schema import findings
from briefing.stats import effects

if TYPE_CHECKING:
    from briefing.grade.bodies import Body
    from briefing.schema.models import AnalysisSettings, Study

GRADE_36 = "GRADE guidance 36"


def _study_intervals(p: dict[str, Any]) -> list[tuple[float, float, float]]:
    """Each study's estimate and 95 % CI on the reporting scale: a proportion with its Wilson
    interval (as its forest plot draws it), a mean ± 1.96 SD/√n."""
    d = p["data"]
    if p["kind"] == "proportion":
        return [(e / n, *effects.wilson(e, n)) for e, n in zip(d["events"], d["n"], strict=True)]
    half = [effects.Z_95 * sd / n**0.5 for sd, n in zip(d["sds"], d["ns"], strict=True)]
    return [(m, m - h, m + h) for m, h in zip(d["means"], half, strict=True)]


def _threshold(p: dict[str, Any], settings: AnalysisSettings | None) -> tuple[str | None, float | None, str]:
    """The threshold that matters for a pooled proportion's outcome (a benefit's threshold or a
    harm's tolerable risk, in percent as declared) and the outcome's name; (None, None, name) when none is
    declared or the result is a mean (a scale's MID is a difference, not a level)."""
    outcome = importance.classify({"domain": p["domain"], "measure": p["label"]}, importance.prespecified(settings))
    name = outcome.label.lower() if outcome else p["label"].lower()
    if p["kind"] != "proportion" or outcome is None:
        return None, None, name
    kind, value = imprecision.threshold(outcome.id, imprecision.policy(settings), {}, None)
    return (kind, value, name) if kind in ("benefit", "harm") else (None, None, name)


def _one_inconsistency(p: dict[str, Any], settings: AnalysisSettings | None) -> tuple[int | None, findings.Finding]:
    """One pooled result judged by GRADE 36's signs."""
    studies = _study_intervals(p)
    overlap = max(low for _, low, _ in studies) <= min(high for _, _, high in studies)
    kind, t, name = _threshold(p, settings)
    r = p["result"]
    key = "_prop" if p["kind"] == "proportion" else ""
    pi = (r.get("pi_low" + key), r.get("pi_high" + key))
    facts = {"label": f"{p['label'].lower()}, {p['window']}", "overlap": overlap, "pi": pi, "i2": r.get("i2")}
    facts |= {"scale": "proportion" if p["kind"] == "proportion" else "mean", "name": name, "kind": kind, "t": t}
    if t is None:
        judgement = 0 if overlap else None
    else:
        sides = {est * 100 > t for est, _, _ in studies}
        facts |= {"both_sides": len(sides) == 2, "pi_crosses": pi[0] is not None and pi[0] * 100 < t < pi[1] * 100}
        judgement = -1 if len(sides) == 2 and not overlap else 0
    return judgement, findings.Inconsistency36(facts, judgement)


def inconsistency(body: Body, settings: AnalysisSettings | None) -> dict[str, Any]:
    """GRADE 36's inconsistency for a body of evidence: not applicable to a single study; each
    pooled result judged by its signs, the worst proposed; studies not pooled are not compared."""
    k = body.get("studies") or len(body.get("study_ids") or [])
    if k < 2:
        return {"judgement": 0, "reason": findings.InconsistencySingle()}
    pooled = [p for p in body.get("pooled") or [] if p.get("result") and p.get("data")]
    if not pooled:
        return {"judgement": None, "reason": findings.InconsistencyUnpooled(k)}
    judged = [_one_inconsistency(p, settings) for p in pooled]
    made = [j for j, _ in judged if j is not None]
    judgement = min(made) if len(made) == len(judged) else None
    return {"judgement": judgement, "reason": findings.Sentences(tuple(text for _, text in judged))}


# ----------------------------------------------------------------------------- indirectness
INDIRECT = ("population", "intervention", "outcome")  # studies.csv: indirect_<aspect>, free text
MOST = 0.5  # GRADE rates down when most of the evidence is indirect


def indirectness(body: Body) -> dict[str, Any] | None:
    """Serious (−1) when the studies flagged as indirect in studies.csv carry most of the body's
    weight (pooled) or participants; not serious otherwise, naming them. None without the studies'
    rows to read the flags from."""
    rows = body.get("study_rows")
    if not rows:
        return None
    studies = list(body.get("study_ids") or sorted(rows))
    flagged = {s: _flags(rows.get(s)) for s in studies}
    flagged = {s: why for s, why in flagged.items() if why}
    if not flagged:
        return {"judgement": 0, "reason": findings.IndirectnessNone()}
    from briefing.grade import risk_of_bias

    found = risk_of_bias.shares(body, set(flagged))
    worst = max(found, key=lambda f: -1 if f["share"] is None else f["share"])
    if worst["share"] is None:
        judgement = -1 if len(flagged) == len(studies) else None
    else:
        judgement = -1 if worst["share"] >= MOST else 0
    names = {s: (row.get("short_name") if (row := rows.get(s)) else None) or s for s in studies}
    return {
        "judgement": judgement,
        "reason": findings.IndirectnessFlagged([(names[s], why) for s, why in flagged.items()], worst, judgement),
    }


def _flags(row: Study | None) -> list[tuple[str, str]]:
    """A study's indirectness flags (studies.csv: indirect_<aspect>), each aspect with its reason."""
    if row is None:
        return []
    reasons = {
        "population": row.get("indirect_population"),
        "intervention": row.get("indirect_intervention"),
        "outcome": row.get("indirect_outcome"),
    }
    return [(a, why) for a in INDIRECT if (why := reasons[a])]


# ----------------------------------------------------------------------------- publication bias
def publication_bias(body: Body) -> dict[str, Any] | None:
    """Egger's test where a pooled result had the studies for it (robustness.publication_bias);
    otherwise from the search record (data/identification.csv, given as `search`): undetected after
    a systematic search, not assessed for a curated selection or without a record. None when the
    body carries neither a test nor the key `search`."""
    from briefing.stats import robustness

    if (bias := robustness.publication_bias(body.get("egger") or [])) is not None:
        return bias
    if "search" not in body:
        return None
    record = body["search"] or {}
    k = body.get("studies") or len(body.get("study_ids") or [])
    if record.get("method") == "systematic_search":
        return {"judgement": 0, "reason": findings.PublicationBiasSearched(record, k, robustness.SMALL_STUDY_MIN)}
    return {"judgement": None, "reason": findings.PublicationBiasUnsearched(record, k, robustness.SMALL_STUDY_MIN)}
