"""Which outcomes of one modality may be pooled, and the pooled results.

Pooling only within a modality, only for the same outcome definition, statistic and a comparable
time point (the windows come from the config). One study: reported, not pooled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from briefing.core.vocabulary import DOMAINS, statistic_of
from briefing.schema import findings

if TYPE_CHECKING:
    from briefing.schema.models import Window

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Estimate, Outcome, Study

DEFAULT_WINDOW = "time point not stated"  # the window of figures that state no time
# The GLMM and the inverse-variance REML result differ "materially" when their estimates, or the
# same bound of their 95 % CIs, are more than this many percentage points apart: then the briefing
# says so beside the result (a difference a reader would weigh, well beyond rounding).
MATERIAL_PP = 5


class MetaOptions(TypedDict, total=False):
    """meta's keywords for Cochrane's random-effects methods (meta.DEFAULTS where one is absent)."""

    ci: str  # the summary CI: hksj or wald
    pi: str  # the prediction interval
    i2: str  # how I² is computed


def meta_options(settings: AnalysisSettings | None) -> MetaOptions:
    """meta's ci/pi/i2 keywords from the config's analysis settings, Cochrane's defaults
    (meta.DEFAULTS) where a key is absent. The older `knapp_hartung` key, when `ci` is absent,
    still chooses between the HKSJ (true) and Wald (false) CIs."""
    settings = settings or {}
    defaults = {"ci": "hksj", "pi": "t", "i2": "tau2"}  # meta.DEFAULTS, without importing scipy
    # Each config key (`analysis:`) switches one of Cochrane's methods back.
    options = MetaOptions(
        ci=settings.get("ci") or defaults["ci"],
        pi=settings.get("prediction_interval") or defaults["pi"],
        i2=settings.get("i2") or defaults["i2"],
    )
    if "ci" not in settings and isinstance(settings.get("knapp_hartung"), bool):
        options["ci"] = "hksj" if settings["knapp_hartung"] else "wald"
    return options


def window_for(time_days: float | None, windows: list[Window]) -> str | None:
    """The label of the window a time falls in, or None."""
    if time_days is None:
        return DEFAULT_WINDOW
    for w in windows:
        if w["min_days"] <= time_days <= w["max_days"]:
            return w["label"]
    return None


def _definition(o: Outcome) -> str:
    """Outcomes count as the same only when their definition matches: the ICPR category where the
    source's term plainly maps to one, otherwise the measure as named."""
    unit = o.get("denominator_unit")
    # Shares of lesions or procedures are never pooled with shares of patients (issue 29).
    return (o.get("icpr_category") or o["measure"]) + (f", per {unit}" if unit and unit != "patients" else "")


def pool_outcomes(
    outcomes: list[Outcome],
    estimates: dict[str, Estimate],
    windows: dict[str, list[Window]],
    studies: dict[str, Study] | None = None,
    settings: AnalysisSettings | None = None,
    modality_id: str = "",
) -> list[dict[str, Any]]:
    """One entry per group of comparable outcomes, pooled where two or more studies allow it, with
    its robustness and the prespecified subgroup analyses (`studies` by id give the covariates and
    the names the tables print)."""
    studies = studies or {}
    results = []
    for (domain, definition, kind, window), rows in sorted(_comparable(outcomes, estimates, windows).items()):
        ids = sorted({o["study_id"] for o in rows})
        entry: dict[str, Any] = {
            "domain": domain,
            "definition": definition,
            "label": rows[0]["measure"],
            "kind": kind,
            "window": window,
            "outcome_ids": [o["outcome_id"] for o in rows],
            "studies": ids,
            "k": len(ids),
            "fallback": None,
            "material": None,
            "robustness": None,
            "subgroups": [],
        }
        if len(ids) < 2:
            note = findings.PoolingNote("single_study")
        elif len(rows) != len(ids):
            note = findings.PoolingNote("repeated_in_window")
        else:
            # The study-level data stay with the result: a risk-of-bias sensitivity analysis refits them.
            data = _data(kind, rows, estimates)
            results.append(entry | _pooled(kind, rows, estimates, studies, settings, modality_id) | {"data": data})
            continue
        results.append(entry | {"result": None, "sensitivity": None, "note": note, "data": None})
    return results


def _comparable(
    outcomes: list[Outcome], estimates: dict[str, Estimate], windows: dict[str, list[Window]]
) -> dict[tuple[str, str, str, str], list[Outcome]]:
    """Outcomes that may be pooled, by domain, definition, kind (proportion or mean) and window."""
    groups: dict[tuple[str, str, str, str], list[Outcome]] = {}
    for o in outcomes:
        if o["outcome_id"] in estimates:
            kind = "proportion"
        elif (
            statistic_of(o).mean
            and o.get("sd") is not None
            and o.get("denominator")
            and not o.get("value_qualifier")  # a bound cannot be pooled
        ):
            kind = "mean"
        else:
            continue
        window = window_for(o.get("time_days"), windows.get(o["domain"], []))
        if window is not None and not o.get("subgroup"):  # a subgroup never pools with whole groups
            groups.setdefault((o["domain"], _definition(o), kind, window), []).append(o)
    return groups


def _data(kind: str, rows: list[Outcome], estimates: dict[str, Estimate]) -> dict[str, list[Any]]:
    if kind == "proportion":
        return {
            "events": [estimates[o["outcome_id"]]["events"] for o in rows],
            "n": [estimates[o["outcome_id"]]["n"] for o in rows],
        }
    return {"means": [o["value"] for o in rows], "sds": [o["sd"] for o in rows], "ns": [o["denominator"] for o in rows]}


def _pooled(
    kind: str,
    rows: list[Outcome],
    estimates: dict[str, Estimate],
    studies: dict[str, Study],
    settings: AnalysisSettings | None,
    modality_id: str,
) -> dict[str, Any]:
    """The primary result, its sensitivity analysis, how they were made, and how far they hold.

    Proportions: the one-step binomial-normal GLMM (Cochrane Handbook ch. 10.4.4: inverse-variance
    pooling of logits is biased with few events or small studies), the inverse-variance logit REML
    result beside it; a GLMM that is not usable falls back to that REML result, and says so.
    Means: inverse-variance REML, DerSimonian–Laird beside it."""
    from briefing.stats import meta, robustness, subgroups  # scipy, statsmodels: only when pooling

    data = _data(kind, rows, estimates)
    options = meta_options(settings)
    if kind == "proportion":
        reml = meta.pool_proportions(data["events"], data["n"], transform="logit", method="REML", **options).to_dict()
        glmm = meta.pool_proportions_glmm(data["events"], data["n"], **options)
        if glmm.converged:
            result = meta.glmm_pooled_result(data["events"], data["n"], glmm).to_dict()
            pooled: dict[str, Any] = {
                "result": result,
                "sensitivity": reml,
                "note": findings.PoolingNote("glmm"),
                "material": findings.MaterialDifference(result, reml, MATERIAL_PP) if differs(result, reml) else None,
                "fallback": None,
            }
        else:
            result = reml
            pooled = {
                "result": result,
                "sensitivity": None,
                "note": findings.PoolingNote("reml_logit"),
                "material": None,
                "fallback": findings.GlmmFallback(glmm.message),
            }
    else:
        result = meta.pool_means(data["means"], data["sds"], data["ns"], method="REML", **options).to_dict()
        pooled = {
            "result": result,
            "sensitivity": meta.pool_means(data["means"], data["sds"], data["ns"], method="DL", **options).to_dict(),
            "note": findings.PoolingNote("reml_means"),
            "material": None,
            "fallback": None,
        }
    rows_studies = [studies.get(o["study_id"]) or cast("Study", {"study_id": o["study_id"]}) for o in rows]
    labels = [s.get("short_name") or s["study_id"] for s in rows_studies]
    minimum = subgroups.min_studies(settings)
    return pooled | {
        "robustness": robustness.analyse(kind, data, labels, result, options),
        "subgroups": [
            subgroups.analyse(kind, data, rows_studies, spec, minimum, options)
            for spec in subgroups.specs(settings, modality_id)
        ],
    }


def differs(primary: dict[str, Any], reml: dict[str, Any]) -> bool:
    """Whether the GLMM and REML results differ materially: by more than MATERIAL_PP percentage
    points in the estimate or either bound of the 95 % CI."""
    keys = ("estimate_prop", "ci_low_prop", "ci_high_prop")
    return any(abs(primary[k] - reml[k]) * 100 > MATERIAL_PP for k in keys)


class NotPooledRow(TypedDict):
    """A pain outcome single-arm pooling left out, and why (presented: words)."""

    outcome_id: str
    study_id: str
    measure: str
    reason: findings.NotPooled


def unpooled(
    outcomes: list[Outcome],
    estimates: dict[str, Estimate],
    windows: dict[str, list[Window]],
    pooled: list[dict[str, Any]],
) -> list[NotPooledRow]:
    """Why each pain outcome was not pooled (a finding wording.not_pooled words): what "nothing
    pooled" rests on. `pooled` is the presented list, whose notes are already words."""
    reasons: list[NotPooledRow] = []
    for o in outcomes:
        if DOMAINS[o["domain"]].role != "pain":
            continue
        entry = next((p for p in pooled if o["outcome_id"] in p["outcome_ids"]), None)
        if entry is not None and entry["result"]:
            continue
        missing = []
        if o.get("value_qualifier"):
            missing.append("bound")
        elif DOMAINS[o["domain"]].shape == "response" and o["outcome_id"] not in estimates:
            missing.append("no_denominator" if not o.get("denominator") else "no_count")
        elif DOMAINS[o["domain"]].shape == "series":
            if o.get("sd") is None:
                missing.append("no_sd")
            if not o.get("denominator"):
                missing.append("no_number_assessed")
        if o.get("time_days") is None:
            missing.append("no_time_point")
        elif window_for(o["time_days"], windows.get(o["domain"], [])) is None:
            missing.append("outside_windows")
        note = None
        if not missing:
            if entry is None or entry["k"] < 2:
                missing.append("one_study")
            else:
                missing.append("pooling_note")
                note = entry["note"]
        why = findings.NotPooled(tuple(missing), note)
        reasons.append(
            {"outcome_id": o["outcome_id"], "study_id": o["study_id"], "measure": o["measure"], "reason": why}
        )
    return reasons


def compared(outcomes: list[Outcome], paired: set[str]) -> list[NotPooledRow]:
    """The pain outcomes analysed as comparisons between a trial's arms, which single-arm pooling leaves out."""
    return [
        {
            "outcome_id": o["outcome_id"],
            "study_id": o["study_id"],
            "measure": o["measure"],
            "reason": findings.NotPooled(("compared",)),
        }
        for o in outcomes
        if o["outcome_id"] in paired and DOMAINS[o["domain"]].role == "pain"
    ]
