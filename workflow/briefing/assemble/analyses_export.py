"""What was pooled, for a statistician to refit (issue 31, item 3): every pooled result a modality's
summary prints, as its study-level rows with the settings used (reports/analyses/<modality>.csv),
and an R script (<modality>.R) that refits each with metafor and prints metafor's values beside
the briefing's. Nothing is recomputed here: the rows and values are the summary's own.

An analysis is one fit: a pooled result's primary model, its sensitivity model, the other
estimators side by side, each leave-one-out refit, each prespecified subgroup and meta-regression,
the refit without the studies at high risk of bias, and the two-arm comparisons pooled over trials.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from briefing.core.vocabulary import EFFECT_MEASURES
from briefing.schema.models import (
    ComparativeSofRow,
    ComputedComparison,
    ComputedDifference,
    DifferenceSofRow,
    ModalitySummary,
    Pooled,
    PooledResult,
    PooledStatedRatio,
    Rating,
    SubgroupAnalysis,
)
from briefing.stats import pooling
from briefing.stats.robustness import LOO_GLMM_MAX

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.stats.pooling import MetaOptions

# The study-level columns, in metafor's argument names: single-arm counts (xi/ni) or means
# (mi/sdi/ni), two-arm counts (ai/n1i, ci/n2i) or means (m1i/sd1i/n1i, m2i/sd2i/n2i), the effect
# and its sampling variance where the briefing pooled those (yi/vi), and a meta-regression's covariate.
DATA_COLUMNS = (
    "xi",
    "ni",
    "mi",
    "sdi",
    "ai",
    "n1i",
    "ci",
    "n2i",
    "m1i",
    "sd1i",
    "m2i",
    "sd2i",
    "yi",
    "vi",
    "moderator",
)
# The briefing's values, on the scale it prints (a proportion, a ratio, a mean); tau² and I² on
# the analysis scale. A meta-regression's are its slope's.
VALUES = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2")
REGRESSION_VALUES = ("slope", "slope_ci_low", "slope_ci_high", "tau2", "qm_p")
# The test for subgroup differences: Q between the subgroups' estimates and its p.
BETWEEN_VALUES = ("q_between", "p_between")
SETTING_COLUMNS = ("model", "measure", "method", "ci_method", "pi_method", "i2_method", "transf")
# `printed`: the names of the values the briefing prints for the analysis (its briefing_* columns).
COLUMNS = ("analysis", "result", "part", *SETTING_COLUMNS, "study_id", *DATA_COLUMNS, "printed") + tuple(
    f"briefing_{v}" for v in dict.fromkeys(VALUES + REGRESSION_VALUES + BETWEEN_VALUES)
)
# How each printed scale is reached from the analysis scale (metafor's transf).
TRANSF = {"proportion": "plogis", "ratio": "exp", "identity": "none"}
# Where the summary keeps the estimate and intervals on the printed scale.
SUFFIX = {"plogis": "_prop", "exp": "_ratio", "none": ""}


class _Read(BaseModel):
    """What the export reads of a summary, which may be a model's attributes or JSON's keys."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class _OutcomeStudy(_Read):
    outcome_id: str
    study_id: str


class Pooling(_Read):
    """The parts of a modality's summary (models.ModalitySummary) that hold what it pooled."""

    modality_id: str
    outcomes: list[_OutcomeStudy] = []
    pooled: list[Pooled] = []
    certainty: list[Rating] = []  # a rating's risk-of-bias proposal refits without some studies
    computed_comparisons: list[ComputedComparison] = []
    computed_differences: list[ComputedDifference] = []
    sof_comparisons: list[ComparativeSofRow] = []
    sof_differences: list[DifferenceSofRow] = []
    pooled_ratios: list[PooledStatedRatio] = []


@dataclass(frozen=True)
class Analysis:
    """One fit to reproduce: its id, the pooled result it belongs to and which part of it, the
    model and settings, each study's row, and the briefing's values."""

    id: str
    result: str
    part: str
    model: str  # "rma.glmm" or "rma"
    measure: str  # escalc's measure (PLO, MN, RR) or GEN for effects the briefing computed
    method: str  # tau² estimator: REML, DL, PM; ML for the GLMM
    options: MetaOptions  # pooling.meta_options: ci, pi, i2
    transf: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, float | None] = field(default_factory=dict)
    of: tuple[str, ...] = ()  # a test for subgroup differences: the subgroups' analyses

    def csv_rows(self) -> list[dict[str, Any]]:
        settings = {
            "model": self.model,
            "measure": self.measure,
            "method": self.method,
            "ci_method": self.options["ci"],
            "pi_method": self.options["pi"],
            "i2_method": self.options["i2"],
            "transf": self.transf,
        }
        briefing = {f"briefing_{k}": _cell(v) for k, v in self.values.items()}
        head = {"analysis": self.id, "result": self.result, "part": self.part, "printed": " ".join(self.values)}
        return [
            head | settings | {c: _cell(r.get(c)) for c in ("study_id", *DATA_COLUMNS)} | briefing for r in self.rows
        ]


def _cell(value: Any) -> Any:
    """A value as the CSV holds it: floats with all their digits (repr), None as empty."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else value


# --- what was pooled ---------------------------------------------------------------------------


def analyses(summary: Pooling, settings: AnalysisSettings | None) -> list[Analysis]:
    """Every fit behind a pooled number of one modality's summary, in the order it prints them."""
    options = pooling.meta_options(settings)
    study_of = {o.outcome_id: o.study_id for o in summary.outcomes}
    modality = summary.modality_id
    found: list[Analysis] = []
    pooled = [p for p in summary.pooled if p.result]
    for n, p in enumerate(pooled, 1):
        found += _single_arm(f"{modality}-{n}", p, [study_of[o] for o in p.outcome_ids], options)
    found += _risk_of_bias(modality, summary, pooled, study_of, options)
    found += _comparisons(modality, summary, options)
    return found


def _name(p: Pooled) -> str:
    return f"{p.label}, {p.window}" if p.window else p.label


def _study_rows(p: Pooled, studies: list[str], keep: list[int] | None = None) -> list[dict[str, Any]]:
    d = p.data or {}
    keep = list(range(len(studies))) if keep is None else keep
    if p.kind == "proportion":
        return [{"study_id": studies[i], "xi": d["events"][i], "ni": d["n"][i]} for i in keep]
    return [{"study_id": studies[i], "mi": d["means"][i], "sdi": d["sds"][i], "ni": d["ns"][i]} for i in keep]


def _values(fit: PooledResult, transf: str) -> dict[str, float | None]:
    """The briefing's values of one fit: the estimate and intervals on the printed scale."""
    suffix = SUFFIX[transf]
    shown = {k: getattr(fit, f"{k}{suffix}") for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")}
    return shown | {k: getattr(fit, k, None) for k in ("tau2", "tau2_ci_low", "tau2_ci_high", "i2")}


def _fit(p: Pooled, method: str) -> tuple[str, str, str]:
    """model, measure and tau² estimator of a single-arm fit by `method` (GLMM or an IV estimator)."""
    measure = "PLO" if p.kind == "proportion" else "MN"
    return ("rma.glmm", measure, "ML") if method == "GLMM" else ("rma", measure, method)


def _single_arm(aid: str, p: Pooled, studies: list[str], options: MetaOptions) -> list[Analysis]:
    """A single-arm pooled result: primary, sensitivity, the other estimators, leave-one-out,
    subgroups and meta-regression."""
    assert p.result is not None  # only pooled results are exported
    transf = "plogis" if p.kind == "proportion" else "none"
    name = _name(p)

    def one(suffix: str, part: str, method: str, values: dict[str, Any], keep: list[int] | None = None) -> Analysis:
        model, measure, tau2 = _fit(p, method)
        rows = _study_rows(p, studies, keep)
        return Analysis(f"{aid}{suffix}", name, part, model, measure, tau2, options, transf, rows, values)

    found = [one("", "primary", p.result.method, _values(p.result, transf))]
    done = {p.result.method}
    if p.sensitivity:
        found.append(one("-sensitivity", "sensitivity", p.sensitivity.method, _values(p.sensitivity, transf)))
        done.add(p.sensitivity.method)
    estimators = p.robustness.estimators if p.robustness else []
    for row in estimators:
        if row["method"] not in done and not row["note"]:
            values = {k: row[k] for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2")}
            found.append(one(f"-{row['method'].lower()}", "estimator", row["method"], values))
    method = p.result.method if p.k <= LOO_GLMM_MAX else "REML"
    for i, refit in enumerate(p.robustness.leave_one_out if p.robustness else []):
        keep = [j for j in range(len(studies)) if j != i]
        loo_method = "REML" if refit["note"] else method  # a GLMM refit that fell back
        values = {k: refit[k] for k in ("estimate", "ci_low", "ci_high", "tau2")}
        found.append(one(f"-loo-{i + 1}", f"leave-one-out: {studies[i]} omitted", loo_method, values, keep))
    for s, analysis in enumerate(p.subgroups, 1):
        for g, sub in enumerate(analysis.subgroups, 1):
            part = f"subgroup: {analysis.label} {sub['subgroup']}"
            values = {k: sub.get(k) for k in ("estimate", "ci_low", "ci_high", "tau2")}
            found.append(one(f"-subgroup-{s}-{g}", part, sub["method"], values, sub["rows"]))
        if analysis.q_between is not None:
            found.append(_between(f"{aid}-subgroups-{s}", name, analysis, options))
        if analysis.meta_regression:
            found.append(_regression(f"{aid}-regression-{s}", name, p, studies, analysis, options))
    return found


def _regression(
    aid: str, name: str, p: Pooled, studies: list[str], analysis: SubgroupAnalysis, options: MetaOptions
) -> Analysis:
    reg = analysis.meta_regression or {}
    rows = [r | {"moderator": x} for r, x in zip(_study_rows(p, studies, reg["rows"]), reg["moderator"], strict=True)]
    slope = reg["slope"]
    values = {"slope": slope["estimate"], "slope_ci_low": slope["ci_low"], "slope_ci_high": slope["ci_high"]}
    values |= {"tau2": reg["tau2"], "qm_p": reg["qm_p"]}
    measure = "PLO" if p.kind == "proportion" else "MN"
    part = f"meta-regression on {analysis.label}"
    return Analysis(aid, name, part, "rma", measure, "REML", options, "none", rows, values)


def _between(aid: str, name: str, analysis: SubgroupAnalysis, options: MetaOptions) -> Analysis:
    """The test for subgroup differences (Cochrane Handbook 10.11.3.1): a fixed-effect Q between
    the subgroups' random-effects estimates; each subgroup's estimate and SE are its rows."""
    subs = analysis.subgroups
    rows = [{"study_id": sub["subgroup"], "yi": sub["logit_or_mean"], "vi": sub["se"] ** 2} for sub in subs]
    values = {"q_between": analysis.q_between, "p_between": analysis.p}
    part = f"test for subgroup differences by {analysis.label}"
    of = tuple(
        f"{aid.rsplit('-subgroups-', 1)[0]}-subgroup-{aid.rsplit('-', 1)[1]}-{g}" for g in range(1, len(subs) + 1)
    )
    return Analysis(aid, name, part, "rma", "GEN", "FE", options, "none", rows, values, of)


def _risk_of_bias(
    modality: str,
    summary: Pooling,
    pooled: list[Pooled],
    study_of: dict[str, str],
    options: MetaOptions,
) -> list[Analysis]:
    """Each pooled result refitted without its studies at high risk of bias (inverse-variance REML),
    once however many bodies of evidence print it."""
    found: dict[tuple[str, ...], Analysis] = {}
    for rating in summary.certainty:
        for factor in rating.factors:
            for entry in factor.sensitivity:
                kept = tuple(entry.outcome_ids)
                p = next((q for q in pooled if set(kept) <= set(q.outcome_ids)), None)
                if not entry.result or p is None or kept in found:
                    continue
                studies = [study_of[o] for o in p.outcome_ids]
                keep = [p.outcome_ids.index(o) for o in kept]
                transf = "plogis" if p.kind == "proportion" else "none"
                model, measure, _ = _fit(p, "REML")
                aid = f"{modality}-{pooled.index(p) + 1}-without-high-risk"
                part = "sensitivity: without the studies at high risk of bias"
                rows = _study_rows(p, studies, keep)
                values = _values(entry.result, transf)
                found[kept] = Analysis(aid, _name(p), part, model, measure, "REML", options, transf, rows, values)
    return list(found.values())


def _comparisons(modality: str, summary: Pooling, options: MetaOptions) -> list[Analysis]:
    """Two-arm comparisons pooled over trials: risk ratios from the arms' counts, mean differences
    and stated ratios from the effects the briefing computed (yi, vi); REML, DerSimonian-Laird as
    sensitivity."""
    computed: dict[str, ComputedComparison | ComputedDifference] = {
        c.comparison_id: c for c in summary.computed_comparisons
    }
    computed |= {c.comparison_id: c for c in summary.computed_differences}
    groups: list[tuple[str, ComparativeSofRow | DifferenceSofRow | PooledStatedRatio, str]]
    groups = [("rr", r, "RR") for r in summary.sof_comparisons]
    groups += [("md", r, "MD") for r in summary.sof_differences]
    groups += [("stated", r, r.effect_measure) for r in summary.pooled_ratios]
    found = []
    for n, (tag, row, effect) in enumerate((g for g in groups if g[1].pooled), 1):
        if isinstance(row, PooledStatedRatio):
            rows = [{"study_id": s, "yi": y, "vi": v} for s, y, v in zip(row.study_ids, row.yi, row.vi, strict=True)]
        else:
            rows = [_comparison_row(computed[c]) for c in row.comparison_ids]
        measure = "RR" if tag == "rr" else "GEN"
        transf = "exp" if EFFECT_MEASURES[effect].ratio else "none"
        name = f"{effect}: {row.arm_id} vs {row.comparator_arm_id}, {row.measure}"
        name += f", {row.timepoint}" if row.timepoint else ""
        for suffix, part, fit in (("", "primary", row.pooled), ("-sensitivity", "sensitivity", row.sensitivity)):
            assert fit is not None  # a pooled row has both fits
            values = _values(fit, transf)
            found.append(
                Analysis(
                    f"{modality}-comparison-{n}{suffix}",
                    name,
                    part,
                    "rma",
                    measure,
                    fit.method,
                    options,
                    transf,
                    rows,
                    values,
                )
            )
    return found


def _comparison_row(c: ComputedComparison | ComputedDifference) -> dict[str, Any]:
    row: dict[str, Any] = {"study_id": c.study_id}
    if isinstance(c, ComputedComparison):
        (a, n1), (cc, n2) = c.counts
        return row | {"ai": a, "n1i": n1, "ci": cc, "n2i": n2}
    (m1, sd1, n1), (m2, sd2, n2) = c.means  # as the source prints them
    return row | {"m1i": m1, "sd1i": sd1, "n1i": n1, "m2i": m2, "sd2i": sd2, "n2i": n2, "yi": c.yi, "vi": c.vi}


# --- the files ---------------------------------------------------------------------------------


def csv_text(found: list[Analysis]) -> str:
    """The study-level rows of every analysis; the header alone when nothing was pooled."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for analysis in found:
        writer.writerows(analysis.csv_rows())
    return out.getvalue()


# The R of each setting: the CI method's test, each measure's escalc call, each printed scale's transf.
TEST = {"hksj": "knha", "hksj_adhoc": "adhoc", "wald": "z"}
ESCALC = {
    "PLO": 'escalc("PLO", xi = xi, ni = ni, data = d)',
    "MN": 'escalc("MN", mi = mi, sdi = sdi, ni = ni, data = d)',
    "RR": 'escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d)',
}
R_TRANSF = {"plogis": "plogis", "exp": "exp", "none": "identity"}
TEMPLATE = "analyses.R.j2"


def r_block(a: Analysis) -> dict[str, Any]:
    """One analysis as the R template writes it: the effect sizes, the fit and its report."""
    test = TEST[a.options["ci"]]
    settings: dict[str, object] = {"model": a.model, "measure": a.measure, "method": a.method, "transf": a.transf}
    settings |= {f"{k}_method": v for k, v in a.options.items()}
    block = {"id": a.id, "result": a.result, "part": a.part, "k": len(a.rows), "escalc": ESCALC.get(a.measure)}
    block["settings"] = ", ".join(f'{k} = "{v}"' for k, v in settings.items())
    if a.model == "rma.glmm":
        glmm_test = "z" if test == "z" else "t"
        fit = f'rma.glmm(measure = "PLO", xi = xi, ni = ni, data = d, test = "{glmm_test}")'
        return block | {
            "escalc": None,
            "fit": fit,
            "report": f'report("{a.id}", fit, fit, plogis, "{a.options["pi"]}", "tau2")',
        }
    if a.of:  # Q between the subgroups' estimates as metafor refitted them
        ids = "c(" + ", ".join(f'"{i}"' for i in a.of) + ")"
        fit = f'rma(yi = estimates({ids}), sei = ses({ids}), method = "FE")'
        return block | {"escalc": None, "fit": fit, "report": f'report_between("{a.id}", fit)'}
    if "slope" in a.values:
        test = "z" if test == "z" else "knha"  # a meta-regression's tests: t and F, or z
        fit = f'rma(yi, vi, mods = ~ moderator, data = d, method = "REML", test = "{test}")'
        return block | {"fit": fit, "report": f'report_regression("{a.id}", fit)'}
    fit = f'rma(yi, vi, data = d, method = "{a.method}", test = "{test}", control = ctl)'
    wald = "fit" if test == "z" else 'update(fit, test = "z")'
    report = f'report("{a.id}", fit, {wald}, {R_TRANSF[a.transf]}, "{a.options["pi"]}", "{a.options["i2"]}")'
    return block | {"fit": fit, "report": report}


def r_script(modality: str, found: list[Analysis], templates: str | Path) -> str:
    """The R script that refits every analysis of `found` from <modality>.csv and prints metafor's
    values beside the briefing's."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=False,  # R code, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE).render(modality=modality, blocks=[r_block(a) for a in found])


def write(
    summary: ModalitySummary | dict[str, Any],
    settings: AnalysisSettings | None,
    templates: str | Path,
    csv_path: str | Path,
    r_path: str | Path,
) -> int:
    """Write a modality's CSV and R script (from the summary's model or its JSON, read as `Pooling`);
    returns how many analyses they hold."""
    from briefing.core.publish import write_atomic

    parts = Pooling.model_validate(summary)
    found = analyses(parts, settings)
    write_atomic(csv_path, csv_text(found))
    write_atomic(r_path, r_script(parts.modality_id, found, templates))
    return len(found)
