"""Prespecified subgroup analyses and meta-regression of one pooled result on a study-level
covariate (config `analysis.subgroups`, per modality): the subgroups' pooled estimates with the
test for subgroup differences, and a one-covariate mixed-effects meta-regression, run only when
every subgroup has the configured minimum of studies; otherwise the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from briefing.core import numbers
from briefing.schema import findings

if TYPE_CHECKING:
    from briefing.schema.models import SubgroupSpec

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Study

if TYPE_CHECKING:
    from briefing.stats.pooling import MetaOptions

DEFAULT_MIN_STUDIES = 4
# The study-level columns of studies.csv a subgroup analysis may use; the numeric ones can be split
# at a cutpoint and enter a meta-regression.
NUMERIC = ("dose_per_fraction_min_gy", "dose_per_fraction_max_gy", "fractions_min", "fractions_max", "year", "patients")
COVARIATES = (*NUMERIC, "design")


def specs(settings: AnalysisSettings | None, modality_id: str) -> list[SubgroupSpec]:
    """The covariates the config prespecifies for this modality."""
    return list(((settings or {}).get("subgroups") or {}).get(modality_id) or [])


def min_studies(settings: AnalysisSettings | None) -> int:
    return int((settings or {}).get("subgroup_min_studies") or DEFAULT_MIN_STUDIES)


def label(spec: SubgroupSpec, below: bool) -> str:
    """A subgroup's name, from the config's cutpoint: what the analysis groups the studies by."""
    cut = numbers.declared(spec["cutpoint"])
    unit = f" {spec['unit']}" if spec.get("unit") else ""
    return f"below {cut}{unit}" if below else f"{cut}{unit} or more"


def _groups(spec: SubgroupSpec, values: list[Any]) -> list[str | None]:
    """Each study's subgroup: below or at/above the cutpoint, else the value itself; None when
    the study does not state the covariate."""
    cut = spec.get("cutpoint")
    return [None if v is None else label(spec, v < cut) if cut is not None else str(v) for v in values]


def analyse(
    kind: str,
    data: dict[str, list[float]],
    studies: list[Study],
    spec: SubgroupSpec,
    minimum: int,
    options: MetaOptions | None = None,
) -> dict[str, Any]:
    """One prespecified covariate for one pooled result (data in the order of `studies`); `options`
    meta's ci/pi/i2 (pooling.meta_options): an HKSJ CI makes the meta-regression's tests t and F."""
    options = options or {}
    covariate, name = spec["covariate"], spec.get("label") or spec["covariate"].replace("_", " ")
    base = {"covariate": covariate, "label": name, "done": False, "subgroups": [], "table": None}
    base |= {"q_between": None, "df": None, "p": None, "meta_regression": None}
    values = [s.get(covariate) for s in studies]
    groups = _groups(spec, values)
    sizes: dict[str, int] = {}
    for g in groups:
        if g is not None:
            sizes[g] = sizes.get(g, 0) + 1
    missing = sum(g is None for g in groups)
    if len(sizes) < 2 or min(sizes.values()) < minimum:
        return base | {"text": findings.SubgroupsNotDone(name, sizes, minimum, missing)}
    from briefing.stats import meta

    keep = [i for i, g in enumerate(groups) if g is not None]
    subgroups = []
    for g in sorted(sizes, key=lambda g: (spec.get("cutpoint") is not None and not g.startswith("below"), g)):
        idx = [i for i in keep if groups[i] == g]
        fit = _pool(kind, {key: [col[i] for i in idx] for key, col in data.items()}, options)
        # `rows`: the subgroup's studies as indices into the pooled result's data (analyses_export).
        subgroups.append({"subgroup": g, "k": len(idx), "rows": idx} | fit)
    q, df, p = _difference_test(subgroups)
    regression = None
    x = [values[i] for i in keep]
    if all(isinstance(v, (int, float)) for v in x) and len(set(x)) > 1:
        yi, vi = _effects(kind, {key: [col[i] for i in keep] for key, col in data.items()})
        hksj = options.get("ci", "hksj") != "wald"
        regression = meta.meta_regression(yi, vi, x, method="REML", knapp_hartung=hksj).to_dict()
        regression |= {"rows": keep, "moderator": x}  # what it was fitted on (analyses_export)
    table = findings.SubgroupTable(name, subgroups, "proportion" if kind == "proportion" else "mean")
    return base | {
        "done": True,
        "subgroups": subgroups,
        "q_between": q,
        "df": df,
        "p": p,
        "meta_regression": regression,
        "table": table,
        "text": findings.SubgroupsDone(name, q, df, p, regression, spec, missing, kind),
    }


def _difference_test(subgroups: list[dict[str, Any]]) -> tuple[float, int, float]:
    """Test for subgroup differences (Cochrane Handbook 10.11.3.1): Q between the subgroups'
    random-effects estimates on the analysis scale, chi² on G - 1 df."""
    w = [1 / s["se"] ** 2 for s in subgroups]
    mean = sum(wi * s["logit_or_mean"] for wi, s in zip(w, subgroups, strict=True)) / sum(w)
    q = float(sum(wi * (s["logit_or_mean"] - mean) ** 2 for wi, s in zip(w, subgroups, strict=True)))
    df = len(subgroups) - 1
    from scipy import stats

    return q, df, float(stats.chi2.sf(q, df))


def _effects(kind: str, data: dict[str, list[float]]) -> tuple[Any, Any]:
    from briefing.stats import robustness

    return robustness.effects(kind, data)


def _pool(kind: str, data: dict[str, list[float]], options: MetaOptions) -> dict[str, Any]:
    """A subgroup pooled by the primary model: the GLMM for proportions (falling back to logit
    REML), REML for means; its estimate on the reporting scale and on the analysis scale."""
    from briefing.stats import meta

    if kind == "proportion":
        fit = meta.pool_proportions_glmm(data["events"], data["n"], **options).to_dict()
        on = {key: fit[f"{key}_prop"] for key in ("estimate", "ci_low", "ci_high")}
        return on | {"logit_or_mean": fit["estimate"], "se": fit["se"], "tau2": fit["tau2"], "method": fit["method"]}
    fit = meta.pool_means(data["means"], data["sds"], data["ns"], method="REML", **options).to_dict()
    on = {key: fit[key] for key in ("estimate", "ci_low", "ci_high")}
    return on | {"logit_or_mean": fit["estimate"], "se": fit["se"], "tau2": fit["tau2"], "method": "REML"}
