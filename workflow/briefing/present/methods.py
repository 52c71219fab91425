"""The Methods section's text on certainty: how each GRADE judgement is made and whose it is, the
rules the build proposes by, and the thresholds the config declares, worded from the values the
grade and stats modules actually use (they return values; the words are made here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.core import numbers
from briefing.data import importance
from briefing.grade import imprecision, risk_of_bias
from briefing.stats import robustness

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Scale


def _declared_thresholds(
    settings: AnalysisSettings | None, scales: list[Scale] | None, rules: dict[str, Any]
) -> list[str]:
    """Each rated outcome's declared threshold and optimal information size, with its source."""
    names = {p.id: p.label for p in importance.prespecified(settings)}
    mids = {s["scale_id"]: (mid, s.get("mid_source")) for s in scales or [] if (mid := s.get("mid")) is not None}
    declared = []
    # In the order of the prespecified outcomes (most important first), then any others.
    order = [i for i in names if i in rules["outcomes"]] + [i for i in rules["outcomes"] if i not in names]
    for outcome_id in order:
        entry = rules["outcomes"][outcome_id]
        name = names.get(outcome_id, outcome_id.replace("_", " "))
        if entry.get("tolerable_risk") is not None:
            what = f"tolerable risk {numbers.declared(entry['tolerable_risk'])} %"
        elif entry.get("threshold") == "scale_mid":
            what = (
                "; ".join(
                    f"minimally important difference {numbers.declared(mid)} points on the {scale_id} ({source})"
                    for scale_id, (mid, source) in mids.items()
                )
                or "the scale's minimally important difference (none recorded)"
            )
        elif entry.get("threshold") is not None:
            what = f"threshold {numbers.declared(entry['threshold'])} %"
        else:
            what = "no threshold declared"
        if entry.get("ois_events") is not None:
            what += f", optimal information size {entry['ois_events']} events"
        elif "ois_events" in entry:
            what += ", no optimal information size in events declared"
        declared.append(f"{name}: {what} (source: {entry['source']})")
    return declared


def methods_parts(settings: AnalysisSettings | None, scales: list[Scale] | None = None) -> dict[str, str]:
    """The Methods entries: how each judgement is made and whose it is ("certainty"), the rules the
    build proposes by ("grade_rules"), and the thresholds the config declares ("thresholds"), so
    the text states the values actually used. Three entries, so none outgrows a printed page."""
    rules = imprecision.policy(settings)
    rob = risk_of_bias.policy(settings)
    declared = _declared_thresholds(settings, scales, rules)
    ois = rules["continuous_ois"]
    continuous = (
        f"{ois['participants']} participants ({ois.get('source')})" if ois.get("participants") else "none declared"
    )
    text = (
        "GRADE: randomised trials start high, other designs low; each domain of each rated outcome carries one "
        "judgement. Where data/certainty.csv records one, it is the curator's, with a reason; otherwise the build "
        "proposes one for imprecision, inconsistency, risk of bias (from the studies' recorded judgements) and "
        "indirectness (from the studies' flags), and for publication bias (where a pooled result had the "
        f"{robustness.SMALL_STUDY_MIN} studies Egger's test needs: strongly suspected (−1) at p < "
        f"{numbers.declared(robustness.EGGER_ALPHA)}, else undetected; with fewer studies, from the search record: "
        "undetected after a systematic search, not assessed for a curated selection), and names it as a proposal "
        "(other domains "
        "are then not assessed). Where the curator's judgement differs from what the build's rule proposes, the "
        "curator's stands and its footnote says what the rule proposes and why. A concern is counted once, in the "
        "domain where it belongs; a single-arm design is not rated down again for lacking a comparison group (its "
        "starting level reflects it), and the evidence is rated up only on comparative evidence. Publication "
        "bias is judged "
        "undetected or strongly suspected. Inconsistency, proposed as GRADE guidance 36 advises (Guyatt et al., J "
        "Clin Epidemiol 2023): for each pooled result, whether the studies' 95 % CIs overlap, whether their point "
        "estimates lie on both sides of the threshold declared for the outcome (serious, −1, when they do and the "
        "CIs do not all overlap), and the prediction interval, with I² as support only; without a threshold, CIs "
        "that do not all overlap are left to the curator; a single study is not rated down (not applicable); "
        "studies not pooled are not compared by the build. Risk of bias, proposed from each study's overall "
        f"judgement (RoB 2, ROBINS-I or the JBI checklist; no information counted as some concerns): serious (−1) "
        f"when studies at high risk carry {numbers.declared(rob['intermediate_share'])} % or more of the pooled "
        f"weight, or of the participants where nothing is pooled ({numbers.declared(rob['serious_share'])} % or "
        f"more: most of the evidence; GRADE guidelines 4, Guyatt et al., J Clin Epidemiol 2011), with each pooled "
        "result refitted without them (inverse-variance REML) as a sensitivity analysis. Imprecision, proposed "
        "by one rule (GRADE guidelines 6, Guyatt et al., J Clin Epidemiol 2011; GRADE guidance 34, Zeng et al., "
        "J Clin Epidemiol 2022, minimally contextualised approach): a proportion's 95 % CI that crosses the "
        "threshold declared for its outcome (a harm's tolerable risk, a benefit's threshold) is serious (−1; rating "
        "down two or three levels where a CI crosses appreciably is left to the curator); a zero-event outcome is "
        "judged by whether its upper 95 % limit exceeds the tolerable risk; a CI that does not cross is checked "
        "against an optimal information size in events; a continuous outcome against an optimal information size "
        "in participants. Where no threshold is declared, the build says so and judges only what it can. "
        f"Thresholds used, per prespecified outcome: {'; '.join(declared) or 'none declared'}. Optimal information "
        f"size for continuous outcomes: {continuous}"
    )
    first, _, rest = text.partition(" Inconsistency, proposed as GRADE guidance 36")
    grade_rules, _, thresholds = rest.partition(" Thresholds used, per prespecified outcome: ")
    return {
        "certainty": first,
        "grade_rules": "Inconsistency, proposed as GRADE guidance 36" + grade_rules,
        "thresholds": thresholds,
    }
