"""How far one pooled result holds: the estimators side by side, leave-one-out influence, and
small-study effects (Egger's test, with the data of its funnel plot), with what the briefing's
tables and lines show as findings (findings.py; figure_tables and wording lay them out and word
them). The numerics are meta.py's; this module chooses what to run and records what it did not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.schema import findings

if TYPE_CHECKING:
    from briefing.schema.models import EstimatorRow, FunnelPoint, LooRow, OnScale

if TYPE_CHECKING:
    from briefing.stats.pooling import MetaOptions

# Cochrane Handbook (ch. 13.3.5.4): tests for funnel-plot asymmetry only with at least 10 studies,
# since with fewer they cannot tell chance from asymmetry.
SMALL_STUDY_MIN = 10
# Egger et al. (BMJ 1997;315:629-34) judged asymmetry at p < 0.10, the test having little power.
EGGER_ALPHA = 0.10
# Leave-one-out: every omission up to this many studies; beyond, the most influential ones.
LOO_ALL_MAX = 10
LOO_SHOWN = 5
# Leave-one-out refits the GLMM k times: 1.5 s at 50 studies, 8.6 s at 200 for one pooled result
# (bench/RESULTS.md); beyond this many studies it refits the inverse-variance REML model instead,
# as metafor's leave1out does for an rma.uni model, and the table says which.
LOO_GLMM_MAX = 50

METHOD_LABELS = {
    "GLMM": "GLMM (binomial–normal, ML)",
    "REML": "Inverse variance, REML",
    "DL": "Inverse variance, DerSimonian–Laird",
    "PM": "Inverse variance, Paule–Mandel",
}


def effects(kind: str, data: dict[str, list[float]]) -> tuple[Any, Any]:
    """Each study's effect and sampling variance on the analysis scale: the logit of a proportion
    (escalc PLO, 1/2 added to a 0/n or n/n study) or a mean with sd²/n."""
    from briefing.stats import meta

    if kind == "proportion":
        return meta.escalc_logit(data["events"], data["n"])
    return list(data["means"]), [sd**2 / n for sd, n in zip(data["sds"], data["ns"], strict=True)]


def scale_of(kind: str) -> str:
    return "proportion" if kind == "proportion" else "mean"


def _on_scale(res: dict[str, Any], kind: str) -> OnScale:
    """The estimate and intervals on the reporting scale (a proportion back-transformed, a mean)."""
    suffix = "_prop" if kind == "proportion" else ""
    return {
        "estimate": res[f"estimate{suffix}"],  # a fit always has its estimate and CI (meta.PooledResult)
        "ci_low": res[f"ci_low{suffix}"],
        "ci_high": res[f"ci_high{suffix}"],
        "pi_low": res.get(f"pi_low{suffix}"),
        "pi_high": res.get(f"pi_high{suffix}"),
    }


def estimators(kind: str, data: dict[str, list[float]], options: MetaOptions | None = None) -> list[EstimatorRow]:
    """The pooled result by each estimator (proportions: GLMM, then inverse-variance logit REML,
    DL and PM; means: REML, DL and PM), on the reporting scale, with tau²."""
    from briefing.stats import meta

    if kind == "proportion":
        fits = [f.to_dict() for f in meta.estimators_side_by_side(data["events"], data["n"], **(options or {}))]
        fits[0]["asked"] = "GLMM"
    else:
        fits = [
            meta.pool_means(data["means"], data["sds"], data["ns"], method=m, **(options or {})).to_dict()
            for m in ("REML", "DL", "PM")
        ]
    rows: list[EstimatorRow] = []
    for fit in fits:
        asked = fit.get("asked", fit["method"])
        note = "" if fit.get("converged", True) else fit["message"]
        rows.append(
            {"method": asked, "label": METHOD_LABELS[asked], **_on_scale(fit, kind), "tau2": fit["tau2"], "note": note}
        )
    return rows


def leave_one_out(
    kind: str,
    data: dict[str, list[float]],
    labels: list[str],
    method: str,
    full: dict[str, Any],
    options: MetaOptions | None = None,
) -> list[LooRow]:
    """The result refitted without each study in turn, by the primary model (`method`), with the
    change of the estimate and tau² against the full result; empty below three studies."""
    from briefing.stats import meta

    if len(labels) < 3:
        return []
    if kind == "proportion":
        fits = [f.to_dict() for f in meta.leave_one_out(data["events"], data["n"], method=method, **(options or {}))]
    else:
        yi, vi = effects(kind, data)
        fits = [f.to_dict() for f in meta.leave_one_out_effects(yi, vi, method=method, **(options or {}))]
    whole = _on_scale(full, kind)
    rows: list[LooRow] = []
    for label, fit in zip(labels, fits, strict=True):
        values = _on_scale(fit, kind)
        estimate, whole_estimate = values["estimate"], whole["estimate"]
        assert estimate is not None and whole_estimate is not None, "every fit has its estimate"
        rows.append(
            {
                "omitted": label,
                **values,
                "tau2": fit["tau2"],
                "change": estimate - whole_estimate,
                "tau2_change": fit["tau2"] - full["tau2"],
                "note": "" if fit.get("converged", True) else fit["message"],
            }
        )
    return rows


def small_study(kind: str, data: dict[str, list[float]], labels: list[str]) -> dict[str, Any]:
    """Egger's regression test (classical, metafor's regtest(model="lm")) and the funnel plot's
    data, only with SMALL_STUDY_MIN studies or more; otherwise None and the reason."""
    from briefing.stats import meta

    k = len(labels)
    if k < SMALL_STUDY_MIN:
        return {"egger": None, "funnel": [], "text": findings.NoSmallStudyTest(k, SMALL_STUDY_MIN)}
    yi, vi = effects(kind, data)
    test = meta.egger_test(yi, vi).to_dict()
    test["significant"] = test["p"] < EGGER_ALPHA
    funnel: list[FunnelPoint] = [
        {"label": lab, "effect": float(y), "se": float(v) ** 0.5} for lab, y, v in zip(labels, yi, vi, strict=True)
    ]
    return {"egger": test, "funnel": funnel, "text": findings.EggerResult(test, EGGER_ALPHA)}


def analyse(
    kind: str,
    data: dict[str, list[float]],
    labels: list[str],
    result: dict[str, Any],
    options: MetaOptions | None = None,
) -> dict[str, Any]:
    """The robustness of one pooled result, with the findings its tables and lines present; `options`
    meta's ci/pi/i2 (pooling.meta_options), as the result was pooled."""
    scale = scale_of(kind)
    rows = estimators(kind, data, options)
    method = result["method"] if len(labels) <= LOO_GLMM_MAX else "REML"
    full = result if method == result["method"] else _reml(kind, data, options)
    loo = leave_one_out(kind, data, labels, method, full, options)
    small = small_study(kind, data, labels)
    shown = loo if len(loo) <= LOO_ALL_MAX else sorted(loo, key=lambda r: -abs(r["change"]))[:LOO_SHOWN]
    tables = findings.RobustnessTables(rows, shown, len(loo), method, kind, scale)
    lines = [findings.RobustnessLine(rows, loo, result, scale), small["text"]]
    return {
        "estimators": rows,
        "leave_one_out": loo,
        "egger": small["egger"],
        "funnel": small["funnel"],
        "tables": tables,
        "lines": lines,
    }


def _reml(kind: str, data: dict[str, list[float]], options: MetaOptions | None) -> dict[str, Any]:
    """The inverse-variance REML result that leave-one-out compares with beyond LOO_GLMM_MAX."""
    from briefing.stats import meta

    if kind == "proportion":
        fit = meta.pool_proportions(data["events"], data["n"], transform="logit", method="REML", **(options or {}))
        return fit.to_dict()
    return meta.pool_means(data["means"], data["sds"], data["ns"], method="REML", **(options or {})).to_dict()


def publication_bias(tests: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The build's proposal on publication bias from the Egger tests of a domain's pooled results:
    strongly suspected (−1) when any is significant, undetected when none is; None when no pooled
    result had enough studies to test (the rule then proposes nothing)."""
    if not tests:
        return None
    flagged = [t for t in tests if t["significant"]]
    return {"judgement": -1 if flagged else 0, "reason": findings.PublicationBiasByEgger(tests, flagged, EGGER_ALPHA)}
