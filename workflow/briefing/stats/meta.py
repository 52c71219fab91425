"""Inverse-variance meta-analysis of proportions, means, two-arm comparisons and generic effects,
matching R's metafor.

statsmodels (`combine_effects`) supplies Cochran's Q and the DerSimonian-Laird tau²; it has no
REML, does not truncate the DL tau² at zero, reports I² as (Q-df)/Q for every model and stops
Paule-Mandel at |Q-df| < 1e-5. Those parts follow metafor here: REML by Fisher scoring, PM by
root-finding, I²/H² from the "typical" within-study variance, Knapp-Hartung without truncation,
and the prediction interval as estimate ± crit·sqrt(se² + tau²).

Beyond inverse-variance pooling: the one-step binomial-normal model for proportions (rma.glmm,
ML by adaptive Gauss-Hermite quadrature, falling back to logit REML when unusable), estimators
side by side, leave-one-out (leave1out), meta-regression on one covariate (rma with mods) and
Egger's regression test (regtest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import optimize, special, stats
from statsmodels.regression.linear_model import WLS
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.tools.numdiff import approx_hess3

from briefing.core.vocabulary import EFFECT_MEASURES
from briefing.schema.models import PooledResult

if TYPE_CHECKING:
    from typing import Unpack

    from briefing.stats.pooling import MetaOptions

METHODS = ("REML", "DL", "PM", "FE")


# The result type is declared with the typed models of what the steps write.

# --- effect sizes (metafor escalc) -------------------------------------------------------------


def _checked_counts(events: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    """Events and group sizes as arrays, refused unless 0 <= events <= n and n >= 1."""
    x, m = np.asarray(events, dtype=float), np.asarray(n, dtype=float)
    if x.ndim != 1 or x.shape != m.shape:
        raise ValueError("events and n must be 1-D sequences of equal length")
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(m)):
        raise ValueError("events and n must be finite")
    if np.any(m < 1):
        raise ValueError("every study needs n >= 1")
    if np.any(x < 0) or np.any(x > m):
        raise ValueError("events must lie between 0 and n")
    return x, m


def _counts(events: Any, n: Any, add: float) -> tuple[np.ndarray, np.ndarray]:
    """Validated counts, with metafor's default correction (to="only0"): `add` goes to events and
    non-events (so n grows by 2·add) only in studies with 0 or n events, where the variance or
    the logit would otherwise be 0 or infinite."""
    x, m = _checked_counts(events, n)
    edge = (x == 0) | (x == m)
    return np.where(edge, x + add, x), np.where(edge, m + 2 * add, m)


def escalc_logit(events: Any, n: Any, add: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """metafor measure "PLO": yi = log(x/(n-x)), vi = 1/x + 1/(n-x), 0/n studies corrected."""
    x, m = _counts(events, n, add)
    return np.log(x / (m - x)), 1 / x + 1 / (m - x)


def escalc_raw(events: Any, n: Any, add: float = 0.5, vtype: str = "LS") -> tuple[np.ndarray, np.ndarray]:
    """metafor measure "PR": yi = x/n, vi = yi(1-yi)/n ("LS").

    Note: despite a common belief, metafor's escalc does apply add=1/2 (to="only0") to "PR" by
    default (it is switched off only for PAS/PFT and a few others), and the dat.pritz1997 REML
    result (0.7968) needs it; without it a 10/10 study has vi = 0. vtype="AV" uses the pooled
    proportion sum(x)/sum(n) for every study's variance (the homogeneity assumption of an
    equal-effects model), as metafor's vtype="AV"."""
    x, m = _counts(events, n, add)
    yi = x / m
    if vtype == "LS":
        return yi, yi * (1 - yi) / m
    if vtype == "AV":
        p = x.sum() / m.sum()
        return yi, p * (1 - p) / m
    raise ValueError(f"vtype must be 'LS' or 'AV', not {vtype!r}")


# --- effect sizes between two arms (metafor escalc; arm 1 = treatment, arm 2 = control) -------

COMPARISON_MEASURES = ("RR", "OR", "HR", "RD", "MD")  # ratios (EffectMeasure.ratio) pooled as logs
# escalc's effect sizes of two arms' counts (a/b events/non-events in arm 1, c/d in arm 2) and
# their sampling variances (vtype="LS"), by metafor's name of the measure.
_ESCALC_2X2: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "RR": lambda a, b, c, d, n1, n2, p1, p2: (np.log(p1) - np.log(p2), 1 / a - 1 / n1 + 1 / c - 1 / n2),
    "OR": lambda a, b, c, d, n1, n2, p1, p2: (np.log(a / b) - np.log(c / d), 1 / a + 1 / b + 1 / c + 1 / d),
    "RD": lambda a, b, c, d, n1, n2, p1, p2: (p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2),
}


def escalc_2x2(measure: str, ai: Any, n1i: Any, ci: Any, n2i: Any, add: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """metafor measures "RR" (log risk ratio), "OR" (log odds ratio) and "RD" (risk difference)
    from ai/n1i events in the treatment arm and ci/n2i in the control arm, with vtype="LS".

    escalc's defaults (add=1/2, to="only0"): a study with a zero cell (no events or no non-events
    in either arm) gets `add` in all four cells. That holds for RD too: escalc switches add off
    only for AS, PHI and a few others. Studies with no events in both arms stay (drop00=FALSE)."""
    if measure not in _ESCALC_2X2:
        raise ValueError(f"measure must be 'RR', 'OR' or 'RD', not {measure!r}")
    if not add >= 0:
        raise ValueError("add must be >= 0")
    a, n1 = _checked_counts(ai, n1i)
    c, n2 = _checked_counts(ci, n2i)
    if a.shape != c.shape:
        raise ValueError("both arms need one entry per study")
    b, d = n1 - a, n2 - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (np.where(zero, cell + add, cell) for cell in (a, b, c, d))
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):  # add=0 with a zero cell; refused below
        yi, vi = _ESCALC_2X2[measure](a, b, c, d, n1, n2, p1, p2)
    if not (np.all(np.isfinite(yi)) and np.all(np.isfinite(vi))):
        raise ValueError(f"{measure} is undefined for a study with a zero cell unless add > 0")
    return yi, vi


def escalc_md(
    m1i: Any, sd1i: Any, n1i: Any, m2i: Any, sd2i: Any, n2i: Any, vtype: str = "LS"
) -> tuple[np.ndarray, np.ndarray]:
    """metafor measure "MD": yi = m1i - m2i. escalc's default vtype="LS" does not assume equal
    variances in the arms: vi = sd1i²/n1i + sd2i²/n2i. vtype="HO" does, with the pooled SD:
    vi = sdp²·(1/n1i + 1/n2i), sdp² = ((n1i-1)·sd1i² + (n2i-1)·sd2i²) / (n1i+n2i-2)."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(x, dtype=float) for x in (m1i, sd1i, n1i, m2i, sd2i, n2i))
    if m1.ndim != 1 or any(x.shape != m1.shape for x in (s1, n1, m2, s2, n2)):
        raise ValueError("means, SDs and group sizes must be 1-D sequences of equal length")
    if not all(np.all(np.isfinite(x)) for x in (m1, s1, n1, m2, s2, n2)):
        raise ValueError("means, SDs and group sizes must be finite")
    if np.any(n1 < 1) or np.any(n2 < 1) or np.any(s1 <= 0) or np.any(s2 <= 0):
        raise ValueError("every arm needs n >= 1 and sd > 0")
    if vtype == "LS":
        return m1 - m2, s1**2 / n1 + s2**2 / n2
    if vtype != "HO":
        raise ValueError(f"vtype must be 'LS' or 'HO', not {vtype!r}")
    if np.any(n1 + n2 < 3):
        raise ValueError("vtype='HO' needs n1i + n2i > 2 for the pooled SD")
    sdp2 = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2)
    return m1 - m2, sdp2 * (1 / n1 + 1 / n2)


def log_ratio_from_ci(ratio: Any, lower: Any, upper: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """A ratio (HR, OR, RR) a source reports only with its CI: yi = log(ratio), and the variance from
    the interval's width on the log scale, se = (log(upper) - log(lower)) / (2·z), z = 1.959964 at
    95 % (metafor's conv.wald with transf=log). The estimate is the stated ratio, not the interval's
    midpoint, which the rounding of reported bounds moves."""
    r, lo, hi = (np.asarray(x, dtype=float) for x in (ratio, lower, upper))
    if r.ndim != 1 or lo.shape != r.shape or hi.shape != r.shape:
        raise ValueError("ratio, lower and upper must be 1-D sequences of equal length")
    if not all(np.all(np.isfinite(x) & (x > 0)) for x in (r, lo, hi)):
        raise ValueError("a ratio and its CI bounds must be finite and > 0")
    if np.any(lo >= hi) or np.any(r < lo) or np.any(r > hi):
        raise ValueError("need lower < upper and the ratio within its CI")
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")
    z = stats.norm.ppf(1 - (1 - level) / 2)
    return np.log(r), ((np.log(hi) - np.log(lo)) / (2 * z)) ** 2


# --- tau² estimators ---------------------------------------------------------------------------


def _reml_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The restricted log-likelihood of tau² (intercept-only), up to a constant."""
    w = 1 / (v + tau2)
    sw = w.sum()
    mu = (w * y).sum() / sw
    return float(-0.5 * (np.log(v + tau2).sum() + np.log(sw) + (w * (y - mu) ** 2).sum()))


def _tau2_reml(y: np.ndarray, v: np.ndarray, start: float) -> float:
    """The REML estimate: Fisher scoring from `start` and from 0, whichever maximum is higher.
    The restricted likelihood can have a local maximum inside and a higher one at 0 (found by the
    property test for 4/11, 5/13 and 7/7 events): scoring from `start` alone stops at the first."""
    found = _fisher_scoring(y, v, start)
    if found > 0:
        boundary = _fisher_scoring(y, v, 0.0)
        if _reml_loglik(y, v, boundary) > _reml_loglik(y, v, found):
            return boundary
    return found


def _fisher_scoring(y: np.ndarray, v: np.ndarray, start: float) -> float:
    """REML by Fisher scoring (metafor's algorithm, intercept-only). P = W - w wᵀ/Σw, so
    step = (yᵀPPy - tr P) / tr(PP); tau² is kept >= 0 as metafor does.

    A full step can overshoot and oscillate for ever around the maximum (8 small studies of
    synthetic evidence did: 0.0025 <-> 0.0289 around 0.01491, where metafor stops with "did not
    converge"). So a step that lowers the restricted likelihood is halved until it does not: the
    fixed point, and so the estimate wherever metafor converges, is unchanged."""
    tau2 = max(start, 0.0)
    loglik = _reml_loglik(y, v, tau2)
    for _ in range(1000):
        w = 1 / (v + tau2)
        sw, sw2 = w.sum(), (w**2).sum()
        mu = (w * y).sum() / sw
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2 * (w**3).sum() / sw + (sw2 / sw) ** 2
        step = ((w**2 * (y - mu) ** 2).sum() - tr_p) / tr_pp
        new = max(0.0, tau2 + step)
        new_loglik = _reml_loglik(y, v, new)
        while new_loglik < loglik and abs(new - tau2) >= 1e-12:
            step /= 2
            new = max(0.0, tau2 + step)
            new_loglik = _reml_loglik(y, v, new)
        if abs(new - tau2) < 1e-12:
            return new
        tau2, loglik = new, new_loglik
    raise RuntimeError("REML estimate of tau² did not converge")


def _decreasing_root(excess: Any, scale: float) -> float:
    """The τ² at which a decreasing function of τ² (a Q statistic minus its expectation, as
    Paule–Mandel sets it) reaches 0; 0 when it is already below at τ² = 0."""
    if excess(0.0) <= 0:
        return 0.0
    hi = max(scale, 1e-8)
    while excess(hi) > 0:
        hi *= 2
    return float(optimize.brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-14))


def _tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    """Paule-Mandel: the tau² at which generalised Q equals k-1 (Q falls as tau² grows), found
    by bracketing + Brent like metafor's uniroot, instead of statsmodels' loose iteration."""

    def excess(t: float) -> float:
        w = 1 / (v + t)
        return float((w * (y - (w * y).sum() / w.sum()) ** 2).sum() - (len(y) - 1))

    return _decreasing_root(excess, float(np.var(y)))


# --- pooling -----------------------------------------------------------------------------------

# Cochrane's random-effects methods (endorsed 2022, in RevMan since January 2025; Cochrane Methods,
# "Random-effects meta-analysis methods for Intervention Reviews"): REML tau² with a Q-profile CI,
# the Hartung-Knapp-Sidik-Jonkman CI for the summary effect, a prediction interval from the t
# distribution and I² from tau². Each can be switched back (config `analysis.random_effects`).
CI_METHODS = ("hksj", "hksj_adhoc", "wald")
PI_METHODS = ("t", "z")
I2_METHODS = ("tau2", "q")
DEFAULTS: dict[str, str] = {"tau2": "REML", "ci": "hksj", "pi": "t", "i2": "tau2"}


def _options(ci: str, pi: str, i2: str) -> None:
    for value, allowed, name in ((ci, CI_METHODS, "ci"), (pi, PI_METHODS, "pi"), (i2, I2_METHODS, "i2")):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, not {value!r}")


def _q_of(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The generalised Q statistic at tau²: sum w(y - mu)², w = 1/(v + tau²)."""
    w = 1 / (v + tau2)
    return float((w * (y - (w * y).sum() / w.sum()) ** 2).sum())


def tau2_qprofile_ci(y: np.ndarray, v: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The Q-profile CI of tau² (Viechtbauer 2007; metafor's confint for rma.uni): the tau² at which
    the generalised Q, which falls as tau² grows, equals the upper and lower chi² quantiles on k-1
    df; a bound is 0 when Q at tau² = 0 is already below its quantile."""
    df = len(y) - 1
    alpha = 1 - level
    scale = float(np.var(y)) + float(np.max(v))

    def bound(target: float) -> float:
        return _decreasing_root(lambda t: _q_of(y, v, t) - target, scale)

    return bound(float(stats.chi2.ppf(1 - alpha / 2, df))), bound(float(stats.chi2.ppf(alpha / 2, df)))


def prediction_interval(
    est: float, se: float, tau2: float, k: int, pi: str = "t", level: float = 0.95
) -> tuple[float, float] | tuple[None, None]:
    """The prediction interval for the effect in a new study, est ± crit·sqrt(se² + tau²).
    pi="t": Higgins, Thompson & Spiegelhalter (J R Stat Soc A 2009;172:137-59), t on k-2 df with
    the unadjusted SE of the random-effects estimate; with fewer than three studies the t
    distribution has no degrees of freedom, and there is no interval (None). pi="z": the normal
    quantile (metafor's predict with test="z"), for any k."""
    alpha = 1 - level
    if pi == "t":
        if k < 3:
            return None, None
        crit = float(stats.t.ppf(1 - alpha / 2, k - 2))
    else:
        crit = float(stats.norm.ppf(1 - alpha / 2))
    half = crit * float(np.sqrt(se**2 + tau2))
    return est - half, est + half


def pool(
    yi: Any,
    vi: Any,
    method: str = "REML",
    knapp_hartung: bool | None = None,
    level: float = 0.95,
    *,
    ci: str = DEFAULTS["ci"],
    pi: str = DEFAULTS["pi"],
    i2: str = DEFAULTS["i2"],
) -> PooledResult:
    """Pool effects yi with sampling variances vi (fixed effect "FE" or random effects).

    ci: "hksj" (default; metafor test="knha": the SE scaled by the weighted residual variance,
    t on k-1 df), "hksj_adhoc" (that scale never below 1, so the interval is never narrower than
    the Wald one: Röver, Knapp & Friede, BMC Med Res Methodol 2015;15:99) or "wald" (z).
    knapp_hartung, the older switch, still works: True is "hksj", False "wald".
    pi: "t" (k-2 df, none below three studies) or "z" (see prediction_interval).
    i2: "tau2" (tau²/(tau² + s²), s² the "typical" within-study variance) or "q" ((Q-df)/Q)."""
    # One algorithm, read top to bottom as metafor's rma.uni does it: tau², weights, estimate, tests.
    if knapp_hartung is not None:
        ci = "hksj" if knapp_hartung else "wald"
    _options(ci, pi, i2)
    y, v = _checked(yi, vi, method)
    k = len(y)
    # statsmodels' own derived stats warn when its untruncated DL tau² < 0 or Q = 0; unused here.
    with np.errstate(invalid="ignore", divide="ignore"):
        sm = combine_effects(y, v, method_re="dl")
    q, df = float(sm.q), k - 1
    tau2 = _tau2(y, v, method, max(0.0, float(sm.tau2)))  # metafor truncates DL at 0; statsmodels does not
    w = 1 / (v + tau2)
    est = float((w * y).sum() / w.sum())
    se_wald = float(np.sqrt(1 / w.sum()))
    se, crit = _scaled_se(w, y, est, se_wald, df, ci, level)
    i2_value, h2, pi_low, pi_high, tau2_low, tau2_high = _heterogeneity(
        y, v, q, tau2, est, se_wald, method, pi, i2, level
    )
    return PooledResult(
        method=method,
        k=k,
        estimate=est,
        se=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        pi_low=pi_low,
        pi_high=pi_high,
        tau2=tau2,
        i2=float(i2_value),
        h2=float(h2),
        q=q,
        q_df=df,
        q_p=float(stats.chi2.sf(q, df)),
        weights=tuple(float(x) for x in 100 * w / w.sum()),
        knapp_hartung=ci != "wald",
        ci_method=ci,
        pi_method=pi,
        tau2_ci_low=tau2_low,
        tau2_ci_high=tau2_high,
    )


def _tau2(y: np.ndarray, v: np.ndarray, method: str, dl: float) -> float:
    if method == "FE":
        return 0.0
    if method == "DL":
        return dl
    if method == "PM":
        return _tau2_pm(y, v)
    return _tau2_reml(y, v, start=dl)  # DL is a good, cheap starting value


def _scaled_se(
    w: np.ndarray, y: np.ndarray, est: float, se: float, df: int, ci: str, level: float
) -> tuple[float, float]:
    """The estimate's SE and the critical value of its CI."""
    alpha = 1 - level
    if ci == "wald":
        return se, float(stats.norm.ppf(1 - alpha / 2))
    # metafor test="knha": scale by the weighted residual variance, t_{k-1}
    scale = float((w * (y - est) ** 2).sum() / df)
    se *= float(np.sqrt(max(scale, 1.0) if ci == "hksj_adhoc" else scale))
    return se, float(stats.t.ppf(1 - alpha / 2, df))


def _heterogeneity(
    y: np.ndarray,
    v: np.ndarray,
    q: float,
    tau2: float,
    est: float,
    se_wald: float,
    method: str,
    pi: str,
    i2: str,
    level: float,
) -> tuple[float, float, float | None, float | None, float | None, float | None]:
    """I², H², the prediction interval and tau²'s CI (none of the last for a fixed effect)."""
    k = len(y)
    df = k - 1
    q_i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    if method == "FE":
        return q_i2, q / df, None, None, None, None
    # metafor: I² relative to the "typical" within-study variance s²
    w0 = 1 / v
    s2 = df * w0.sum() / (w0.sum() ** 2 - (w0**2).sum())
    i2_value, h2 = (100 * tau2 / (tau2 + s2), (tau2 + s2) / s2) if i2 == "tau2" else (q_i2, q / df)
    pi_low, pi_high = prediction_interval(est, se_wald, tau2, k, pi, level)
    tau2_low, tau2_high = tau2_qprofile_ci(y, v, level)
    return i2_value, h2, pi_low, pi_high, tau2_low, tau2_high


def _checked(yi: Any, vi: Any, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The effects and variances as arrays, refused when they cannot be pooled."""
    y, v = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    if y.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be 1-D sequences of equal length")
    if len(y) < 2:
        raise ValueError("pooling needs at least two studies")
    if np.any(~np.isfinite(y)) or np.any(~np.isfinite(v)):
        raise ValueError("yi and vi must be finite")
    if np.any(v <= 0):
        raise ValueError("every sampling variance vi must be > 0")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    return y, v


def _clip01(p: float) -> float:
    return float(np.clip(p, 0.0, 1.0))


def pool_proportions(
    events: Any,
    n: Any,
    transform: str = "logit",
    method: str = "REML",
    knapp_hartung: bool | None = None,
    level: float = 0.95,
    **options: Unpack[MetaOptions],
) -> PooledResult:
    """Pool single-arm proportions on the logit or raw scale; *_prop fields are proportions.
    `options`: pool's ci, pi and i2.

    Raw scale, FE: variances come from the pooled proportion (vtype="AV", no correction), so the
    estimate is sum(x)/sum(n) and Q is Pearson's homogeneity chi-square. Per-study variances
    would hand near-0/1 studies (e.g. 10/10 -> vi ~ 0.004) most of the weight."""
    if transform == "logit":
        yi, vi = escalc_logit(events, n)
        back = special.expit
    elif transform == "raw":
        raw: dict[str, Any] = {"add": 0, "vtype": "AV"} if method == "FE" else {}
        yi, vi = escalc_raw(events, n, **raw)
        back = _clip01  # display only; estimate/ci_* stay unclipped
    else:
        raise ValueError(f"transform must be 'logit' or 'raw', not {transform!r}")
    res = pool(yi, vi, method=method, knapp_hartung=knapp_hartung, level=level, **options)
    return replace(res, transform=transform, **_back_transformed(res, back, "_prop"))


def _back_transformed(res: PooledResult, back: Any, suffix: str) -> dict[str, Any]:
    """The estimate and both intervals on the reporting scale, as the fields ending in `suffix`."""
    return {
        f"{name}{suffix}": None if getattr(res, name) is None else float(back(getattr(res, name)))
        for name in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")
    }


def pool_comparisons(
    measure: str,
    yi: Any,
    vi: Any,
    method: str = "REML",
    knapp_hartung: bool | None = None,
    level: float = 0.95,
    **options: Unpack[MetaOptions],
) -> PooledResult:
    """Pool two-arm effects, yi on the analysis scale: log RR/OR/HR, raw RD/MD (escalc_2x2,
    escalc_md, log_ratio_from_ci). For ratio measures the *_ratio fields hold exp() of the
    estimate and both intervals, as metafor's predict(res, transf=exp) (exp of the mean log is
    the median, not the mean, ratio of the random-effects distribution)."""
    if measure not in COMPARISON_MEASURES:
        raise ValueError(f"measure must be one of {COMPARISON_MEASURES}, not {measure!r}")
    res = pool(yi, vi, method=method, knapp_hartung=knapp_hartung, level=level, **options)
    if not EFFECT_MEASURES[measure].ratio:
        return replace(res, measure=measure)
    return replace(res, measure=measure, transform="log", **_back_transformed(res, np.exp, "_ratio"))


def pool_means(
    means: Any,
    sds: Any,
    ns: Any,
    method: str = "REML",
    knapp_hartung: bool | None = None,
    level: float = 0.95,
    **options: Unpack[MetaOptions],
) -> PooledResult:
    """Pool single-arm means (e.g. pain scores), vi = sd²/n (metafor measure "MN")."""
    mu, sd, nn = (np.asarray(a, dtype=float) for a in (means, sds, ns))
    if not mu.shape == sd.shape == nn.shape:
        raise ValueError("means, sds and ns must have equal length")
    if np.any(nn < 1) or np.any(sd <= 0):
        raise ValueError("every study needs n >= 1 and sd > 0")
    return pool(mu, sd**2 / nn, method=method, knapp_hartung=knapp_hartung, level=level, **options)


# --- one-step binomial-normal model (metafor rma.glmm, measure "PLO") --------------------------


@dataclass(frozen=True)
class ProportionPool:
    """A pooled proportion on the logit scale (estimate, se, intervals) and back-transformed
    (*_prop). `method` names what produced the numbers: "GLMM" or, when the GLMM fell back or was
    not asked for, an inverse-variance estimator ("REML", "DL", "PM", "FE"). `converged` is False
    only when a GLMM was asked for and not usable; `message` then says why and what was used."""

    method: str
    k: int
    estimate: float
    se: float
    tau2: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    estimate_prop: float
    ci_low_prop: float
    ci_high_prop: float
    pi_low_prop: float | None
    pi_high_prop: float | None
    converged: bool = True
    message: str = ""
    loglik: float | None = None  # GLMM only: the binomial log-likelihood (constants included)
    omitted: int | None = None  # leave_one_out: 0-based index of the study left out
    ci_method: str = "wald"  # as PooledResult's; a GLMM's "t": t quantile on k-1 df, SE unscaled
    pi_method: str = "z"
    tau2_ci_low: float | None = None  # Q-profile, inverse-variance results only
    tau2_ci_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _proportion_pool(
    method: str, k: int, est: float, se: float, tau2: float, level: float, ci: str, pi: str, **extra: Any
) -> ProportionPool:
    """A GLMM's CI and prediction interval, both back-transformed. The CI: est ± crit·se, crit the
    normal quantile (ci="wald", rma.glmm's default) or, for any HKSJ choice, the t quantile on
    k-1 df (rma.glmm(test="t")): the Hartung-Knapp rescaling needs inverse-variance weights,
    which the one-step model has none of, so only its t quantile carries over. The prediction
    interval as prediction_interval (t on k-2 df by default)."""
    alpha = 1 - level
    crit = stats.norm.ppf(1 - alpha / 2) if ci == "wald" else stats.t.ppf(1 - alpha / 2, k - 1)
    lo, hi = float(est - crit * se), float(est + crit * se)
    pl, ph = prediction_interval(est, se, tau2, k, pi, level)
    e = special.expit
    return ProportionPool(
        method=method,
        k=k,
        estimate=float(est),
        se=float(se),
        tau2=float(tau2),
        ci_low=lo,
        ci_high=hi,
        pi_low=pl,
        pi_high=ph,
        estimate_prop=float(e(est)),
        ci_low_prop=float(e(lo)),
        ci_high_prop=float(e(hi)),
        pi_low_prop=None if pl is None else float(e(pl)),
        pi_high_prop=None if ph is None else float(e(ph)),
        ci_method="wald" if ci == "wald" else "t",
        pi_method=pi,
        **extra,
    )


def _from_pooled(res: PooledResult, **extra: Any) -> ProportionPool:
    """An inverse-variance logit result (pool_proportions) as a ProportionPool."""
    names: tuple[str, ...] = ("estimate", "se", "tau2", "ci_low", "ci_high", "pi_low", "pi_high")
    names += tuple(f"{f}_prop" for f in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"))
    names += ("tau2_ci_low", "tau2_ci_high")
    values: dict[str, Any] = {f: None if getattr(res, f) is None else float(getattr(res, f)) for f in names}
    methods: dict[str, Any] = {"ci_method": res.ci_method, "pi_method": res.pi_method}
    return ProportionPool(method=res.method, k=res.k, **values, **methods, **extra)


def _glmm_negloglik(params: np.ndarray, x: np.ndarray, n: np.ndarray, nodes: np.ndarray, weights: np.ndarray) -> float:
    """Minus the log-likelihood of x_i ~ Bin(n_i, expit(mu + tau·u_i)), u_i ~ N(0, 1), each
    study's integral over u_i by adaptive Gauss-Hermite quadrature as lme4's glmer(nAGQ) does it:
    nodes centred at the mode of the integrand and scaled by its curvature there (one node is the
    Laplace approximation). tau may be negative: the likelihood is even in tau (u is symmetric), so
    the optimiser needs no bound and tau = 0 is an ordinary interior point (lme4's theta = tau)."""
    mu, tau = params
    u = np.zeros_like(x)

    def log_integrand(v: np.ndarray) -> np.ndarray:
        eta = mu + tau * v
        return x * eta - n * np.logaddexp(0, eta) - 0.5 * v * v

    here = log_integrand(u)
    for _ in range(200):  # Newton for the mode; the integrand is log-concave, curvature >= 1
        p = special.expit(mu + tau * u)
        step = np.clip((tau * (x - n * p) - u) / (tau * tau * n * p * (1 - p) + 1), -2.0, 2.0)
        # Damped: a full step can overshoot and cycle for ever (124/157 events at tau = 3.3, found by
        # the metafor oracle), so each study's step is halved until its integrand does not fall.
        there = None
        for _ in range(50):
            there = log_integrand(u + step)
            worse = there < here
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
            there = None
        u += step
        # The integrand where the step landed is the next step's start (the same bits as anew).
        here = log_integrand(u) if there is None else there
        if np.max(np.abs(step)) < 1e-10:
            break
    p = special.expit(mu + tau * u)
    scale = np.sqrt(2.0 / (tau * tau * n * p * (1 - p) + 1))
    z = u[:, None] + scale[:, None] * nodes[None, :]
    eta = mu + tau * z
    log_f = x[:, None] * eta - n[:, None] * np.logaddexp(0, eta) - 0.5 * z * z + nodes[None, :] ** 2
    log_c = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    ll = np.log(scale / np.sqrt(2 * np.pi)) + _logsumexp_rows(log_f, weights) + log_c
    return float(-ll.sum())


def _logsumexp_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """scipy.special.logsumexp(a, b=b[None, :], axis=1) for a real k × q array and q positive
    weights: scipy 1.17's algorithm step for step, so the same bits (tests/test_glmm.py compares),
    without its array-API dispatch, which took a third of every GLMM fit's time."""
    b = np.broadcast_to(b[None, :], a.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out_inf = np.log(np.sum(b * np.exp(a), axis=1, keepdims=True))
        a_max = np.max(a, axis=1, keepdims=True)
        at_max = a == a_max
        # The largest term is summed apart from the others, for precision (scipy's reason).
        m = np.sum(b * at_max.astype(a.dtype), axis=1, keepdims=True, dtype=a.dtype)
        rest = b * np.exp(np.where(at_max, -np.inf, a) - a_max)
        s = np.sum(rest, axis=1, keepdims=True, dtype=rest.dtype)
        s = np.where(s == 0, s, s / m)
        sign = np.sign(s + 1) * np.sign(m)
        s = np.where(s < -1, -s - 2, s)
        out = np.log1p(s) + np.log(np.abs(m)) + a_max
    out[sign < 0] = np.nan
    return np.where(np.isfinite(out), out, out_inf)[:, 0]


def pool_proportions_glmm(
    events: Any,
    n: Any,
    level: float = 0.95,
    nagq: int = 7,
    maxiter: int = 2000,
    *,
    ci: str = DEFAULTS["ci"],
    pi: str = DEFAULTS["pi"],
    i2: str = DEFAULTS["i2"],
) -> ProportionPool:
    """metafor's rma.glmm(measure="PLO"): the random-intercept logistic (binomial-normal) model,
    fitted by maximum likelihood with nAGQ-point adaptive Gauss-Hermite quadrature. The SE of the
    logit estimate is the (mu, mu) element of the inverse observed information of (tau, mu), as
    lme4's vcov() takes it from the finite-difference Hessian; CI and prediction interval as
    _proportion_pool says (`ci`, `pi`). No continuity correction: the model uses the counts as they are.

    Falls back to the inverse-variance logit REML result (pool_proportions) when the ML estimate
    does not exist (every study 0 events, or every study all events), the optimiser stops without
    converging (`maxiter` Nelder-Mead iterations), the estimate runs off (|logit| > 30 or tau² > 100,
    i.e. heading for a boundary) or the information matrix is not positive definite; `converged`
    is then False and `message` says why."""
    x, m = _checked_counts(events, n)
    if len(x) < 2:
        raise ValueError("pooling needs at least two studies")
    if nagq < 1:
        raise ValueError("nagq must be >= 1")
    _options(ci, pi, i2)
    ivr = pool_proportions(x, m, transform="logit", method="REML", level=level, ci=ci, pi=pi, i2=i2)

    def fallback(why: str) -> ProportionPool:
        msg = f"GLMM not usable ({why}); inverse-variance logit REML result reported instead"
        return _from_pooled(ivr, converged=False, message=msg)

    if np.all(x == 0) or np.all(x == m):
        return fallback("the ML estimate does not exist: every study has 0 events, or every study only events")
    fit, args = _glmm_fit(x, m, nagq, maxiter, ivr)
    if not fit.success:
        return fallback(f"the optimiser did not converge: {fit.message}")
    mu, tau = float(fit.x[0]), abs(float(fit.x[1]))
    if not (np.isfinite(mu) and np.isfinite(tau)) or abs(mu) > 30 or tau**2 > 100:
        return fallback("the estimate ran off towards a boundary: |logit| above 30 or tau² above 100")
    info = approx_hess3(np.array([mu, tau]), _glmm_negloglik, args=args)
    if not np.all(np.isfinite(info)) or np.any(np.linalg.eigvalsh(info) <= 0):
        return fallback("the information matrix is not positive definite")
    se = float(np.sqrt(np.linalg.inv(info)[0, 0]))
    loglik = -float(fit.fun)
    return _proportion_pool("GLMM", len(x), mu, se, tau**2, level, ci, pi, converged=True, message="", loglik=loglik)


def _glmm_fit(x: np.ndarray, m: np.ndarray, nagq: int, maxiter: int, ivr: PooledResult) -> tuple[Any, tuple[Any, ...]]:
    """The ML fit of (mu, tau) from the inverse-variance result, and the likelihood's arguments."""
    nodes, weights = np.polynomial.hermite.hermgauss(nagq)
    args = (x, m, nodes, weights)
    start = np.array([ivr.estimate, max(np.sqrt(ivr.tau2), 0.1)])
    # Derivative-free like lme4's default optimisers; the simplex is spread so tau = 0 is reachable.
    fit = optimize.minimize(
        _glmm_negloglik,
        start,
        args=args,
        method="Nelder-Mead",
        options={
            "initial_simplex": [start, start + [0.2, 0.0], start + [0.0, 0.2]],
            "xatol": 1e-8,
            "fatol": 1e-10,
            "maxiter": maxiter,
        },
    )
    return fit, args


def glmm_pooled_result(events: Any, n: Any, fit: ProportionPool) -> PooledResult:
    """A converged GLMM fit in the shape of an inverse-variance result, for what every pooled
    result shows: I² and H² as rma.glmm prints them (its tau² against the "typical" within-study
    variance of the escalc logits), Cochran's Q of those logits, and weights 1/(vi + tau²) at the
    GLMM's tau². The GLMM itself weights no study; those weights only size a forest plot's squares."""
    if not fit.converged or fit.method != "GLMM":
        raise ValueError("only a converged GLMM fit has a GLMM result")
    yi, vi = escalc_logit(events, n)
    k, w0 = len(yi), 1 / vi
    s2 = (k - 1) * w0.sum() / (w0.sum() ** 2 - (w0**2).sum())
    q = float((w0 * (yi - (w0 * yi).sum() / w0.sum()) ** 2).sum())
    w = 1 / (vi + fit.tau2)
    return PooledResult(
        method="GLMM",
        k=k,
        estimate=fit.estimate,
        se=fit.se,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        pi_low=fit.pi_low,
        pi_high=fit.pi_high,
        tau2=fit.tau2,
        i2=float(100 * fit.tau2 / (fit.tau2 + s2)),
        h2=float((fit.tau2 + s2) / s2),
        q=q,
        q_df=k - 1,
        q_p=float(stats.chi2.sf(q, k - 1)),
        weights=tuple(float(x) for x in 100 * w / w.sum()),
        knapp_hartung=False,
        ci_method=fit.ci_method,
        pi_method=fit.pi_method,
        transform="logit",
        estimate_prop=fit.estimate_prop,
        ci_low_prop=fit.ci_low_prop,
        ci_high_prop=fit.ci_high_prop,
        pi_low_prop=fit.pi_low_prop,
        pi_high_prop=fit.pi_high_prop,
    )


# --- estimators side by side and leave-one-out -------------------------------------------------

SIDE_BY_SIDE = ("GLMM", "REML", "DL", "PM")


def _pool_proportion(events: Any, n: Any, method: str, level: float, **options: Unpack[MetaOptions]) -> ProportionPool:
    if method == "GLMM":
        return pool_proportions_glmm(events, n, level=level, **options)
    return _from_pooled(pool_proportions(events, n, transform="logit", method=method, level=level, **options))


def estimators_side_by_side(
    events: Any, n: Any, level: float = 0.95, **options: Unpack[MetaOptions]
) -> list[ProportionPool]:
    """The pooled proportion by the one-step GLMM and by inverse-variance logit pooling with the
    REML, DerSimonian-Laird and Paule-Mandel tau², in that order: a sensitivity check of the choice
    of estimator. A GLMM that falls back is reported as such (converged False, its message)."""
    return [_pool_proportion(events, n, method, level, **options) for method in SIDE_BY_SIDE]


def leave_one_out_effects(
    yi: Any, vi: Any, method: str = "REML", level: float = 0.95, **options: Unpack[MetaOptions]
) -> list[PooledResult]:
    """metafor's leave1out() for an rma.uni model without moderators: the model refitted k times,
    the i-th result without study i (same estimator, tests and level; yi/vi as computed once)."""
    y, v = _checked(yi, vi, method)
    if len(y) < 3:
        raise ValueError("leave-one-out needs at least three studies (two left to pool)")
    keep = ~np.eye(len(y), dtype=bool)
    return [pool(y[row], v[row], method=method, level=level, **options) for row in keep]


def leave_one_out(
    events: Any, n: Any, method: str = "REML", level: float = 0.95, **options: Unpack[MetaOptions]
) -> list[ProportionPool]:
    """Leave-one-out pooled proportions (logit scale, back-transformed): the i-th entry omits study
    i (`omitted`). method "GLMM" refits the binomial-normal model (with its fallback); the
    inverse-variance methods use the per-study logits and variances of the full data, as
    leave1out() does with the yi/vi of the fitted model."""
    x, m = _checked_counts(events, n)
    if method == "GLMM":
        if len(x) < 3:
            raise ValueError("leave-one-out needs at least three studies (two left to pool)")
        keep = ~np.eye(len(x), dtype=bool)
        fits = [pool_proportions_glmm(x[r], m[r], level=level, **options) for r in keep]
        return [replace(fit, omitted=i) for i, fit in enumerate(fits)]
    yi, vi = escalc_logit(x, m)
    return [
        replace(_from_pooled(replace(res, **_back_transformed(res, special.expit, "_prop"))), omitted=i)
        for i, res in enumerate(leave_one_out_effects(yi, vi, method=method, level=level, **options))
    ]


# --- meta-regression with one covariate (metafor rma.uni with mods) ----------------------------


@dataclass(frozen=True)
class Coefficient:
    name: str
    estimate: float
    se: float
    stat: float  # z, or t with Knapp-Hartung
    p: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class MetaRegressionResult:
    """metafor's print of rma(yi, vi, mods = ~ x): coefficients, residual heterogeneity (tau²,
    its SE, I², H²), R² (% of the intercept-only model's tau² accounted for; None for FE), the
    residual heterogeneity test QE and the omnibus moderator test QM (chi² on 1 df, or with
    Knapp-Hartung F on 1 and k-2 df, reported as `qm` = F)."""

    method: str
    k: int
    intercept: Coefficient
    slope: Coefficient
    tau2: float
    tau2_se: float | None
    i2: float
    h2: float
    r2: float | None
    qe: float
    qe_df: int
    qe_p: float
    qm: float
    qm_df: tuple[int, ...]
    qm_p: float
    test: str  # "z" or "t" (Knapp-Hartung)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _projection(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """P = W - W X (X'WX)^-1 X'W, the residual-maker of weighted least squares."""
    wx = X * w[:, None]
    return np.diag(w) - wx @ np.linalg.solve(X.T @ wx, wx.T)


def _reml_loglik_mods(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    w = 1 / (v + tau2)
    wx = X * w[:, None]
    return float(-0.5 * (np.log(v + tau2).sum() + np.linalg.slogdet(X.T @ wx)[1] + y @ _projection(X, w) @ y))


def _tau2_reml_mods(y: np.ndarray, v: np.ndarray, X: np.ndarray, threshold: float) -> float:
    """REML tau² as metafor's rma.uni computes it: Fisher scoring, step = (y'PPy - tr P) / tr(PP),
    from the Hedges (HE) estimate, a step that would make tau² negative halved, stopping once a
    step changes tau² by no more than `threshold` (metafor's control threshold, 1e-5).

    That stopping rule is part of metafor's printed numbers: for dat.bcg with ablat it stops at
    tau² = 0.076355 (printed 0.0764, QM 16.3571, R² 75.62 %) while the restricted likelihood peaks
    at 0.076348 (0.0763, QM 16.3582, R² 75.63 %), which a tiny threshold gives. As in
    _fisher_scoring, a step that lowers the restricted likelihood is halved too (same fixed point)
    and the boundary tau² = 0 wins when its likelihood is higher."""
    k, p = X.shape
    resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    hat = X @ np.linalg.solve(X.T @ X, X.T)
    tau2 = max(0.0, float((resid @ resid - np.sum((1 - np.diag(hat)) * v)) / (k - p)))
    loglik = _reml_loglik_mods(y, v, X, tau2)
    for _ in range(1000):
        P = _projection(X, 1 / (v + tau2))
        Py = P @ y
        step = float((Py @ Py - np.trace(P)) / np.sum(P * P))
        while tau2 + step < 0:
            step /= 2
        new_loglik = _reml_loglik_mods(y, v, X, tau2 + step)
        while new_loglik < loglik and abs(step) > threshold:
            step /= 2
            new_loglik = _reml_loglik_mods(y, v, X, tau2 + step)
        tau2, loglik = tau2 + step, new_loglik
        if abs(step) <= threshold:
            break
    else:
        raise RuntimeError("REML estimate of tau² did not converge")
    if tau2 > 0 and _reml_loglik_mods(y, v, X, 0.0) > loglik:
        return 0.0
    return tau2


def _tau2_mods(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str, threshold: float = 1e-5) -> float:
    k, p = X.shape
    P0 = _projection(X, 1 / v)
    rss0 = float(y @ P0 @ y)
    dl = max(0.0, (rss0 - (k - p)) / np.trace(P0))  # metafor's DL with moderators
    if method == "FE":
        return 0.0
    if method == "DL":
        return dl
    if method == "PM":  # generalised Q = k - p, decreasing in tau²

        def excess(t: float) -> float:
            return float(y @ _projection(X, 1 / (v + t)) @ y - (k - p))

        return _decreasing_root(excess, float(np.var(y)))
    return _tau2_reml_mods(y, v, X, threshold)


def meta_regression(
    yi: Any,
    vi: Any,
    x: Any,
    method: str = "REML",
    level: float = 0.95,
    knapp_hartung: bool = False,
    threshold: float = 1e-5,
) -> MetaRegressionResult:
    """metafor's rma(yi, vi, mods = ~ x): mixed-effects meta-regression on one covariate
    (intercept + slope), tau² the residual heterogeneity by `method` (REML, DL, PM or FE).
    `threshold` is metafor's REML stopping rule (see _tau2_reml_mods); 1e-12 gives the maximum."""
    y, v = _checked(yi, vi, method)
    xs = np.asarray(x, dtype=float)
    if xs.shape != y.shape or not np.all(np.isfinite(xs)):
        raise ValueError("x must be a finite 1-D sequence, one value per study")
    if np.ptp(xs) == 0:
        raise ValueError("x must vary between studies")
    k, p = len(y), 2
    if k < 3:
        raise ValueError("meta-regression on one covariate needs at least three studies")
    X = np.column_stack([np.ones(k), xs])
    tau2 = _tau2_mods(y, v, X, method, threshold)

    w = 1 / (v + tau2)
    wx = X * w[:, None]
    vb = np.linalg.inv(X.T @ wx)
    beta = vb @ (wx.T @ y)
    df = k - p
    if knapp_hartung:  # metafor test="knha": vb scaled by the weighted RSS/(k-p), t and F tests
        vb = vb * float((w * (y - X @ beta) ** 2).sum() / df)
    coefs, qm, qm_df, qm_p = _coefficients(beta, vb, df, knapp_hartung, level)

    qe, i2, h2, tau2_se, r2 = _residual_heterogeneity(y, v, X, w, tau2, method, threshold)
    return MetaRegressionResult(
        method=method,
        k=k,
        intercept=coefs[0],
        slope=coefs[1],
        tau2=float(tau2),
        tau2_se=tau2_se,
        i2=float(i2),
        h2=float(h2),
        r2=None if r2 is None else float(r2),
        qe=qe,
        qe_df=df,
        qe_p=float(stats.chi2.sf(qe, df)),
        qm=qm,
        qm_df=qm_df,
        qm_p=qm_p,
        test="t" if knapp_hartung else "z",
    )


def _coefficients(
    beta: np.ndarray, vb: np.ndarray, df: int, knapp_hartung: bool, level: float
) -> tuple[list[Coefficient], float, tuple[int, ...], float]:
    """The intercept and slope with their tests and CIs, and the slope's omnibus test (QM)."""
    crit = float(stats.t.ppf(1 - (1 - level) / 2, df) if knapp_hartung else stats.norm.ppf(1 - (1 - level) / 2))
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    pval = 2 * (stats.t.sf(np.abs(stat), df) if knapp_hartung else stats.norm.sf(np.abs(stat)))
    coefs = [
        Coefficient(name, float(b), float(s), float(t), float(pv), float(b - crit * s), float(b + crit * s))
        for name, b, s, t, pv in zip(("intrcpt", "x"), beta, se, stat, pval, strict=True)
    ]
    qm = float(beta[1] ** 2 / vb[1, 1])  # the slope's Wald test: z² (or F = t² with KH)
    qm_df, qm_p = ((1, df), float(stats.f.sf(qm, 1, df))) if knapp_hartung else ((1,), float(stats.chi2.sf(qm, 1)))
    return coefs, qm, qm_df, qm_p


def _residual_heterogeneity(
    y: np.ndarray, v: np.ndarray, X: np.ndarray, w: np.ndarray, tau2: float, method: str, threshold: float
) -> tuple[float, float, float, float | None, float | None]:
    """QE, I², H², tau²'s SE and R² of a meta-regression (metafor's rma with mods)."""
    df = len(y) - X.shape[1]
    P0 = _projection(X, 1 / v)
    qe = max(0.0, float(y @ P0 @ y))  # residual heterogeneity always with 1/vi weights
    vt = df / np.trace(P0)  # metafor's "typical" sampling variance with moderators
    if method == "FE":
        return qe, max(0.0, 100 * (qe - df) / qe) if qe > 0 else 0.0, qe / df, None, None
    P = _projection(X, w)
    tau2_se = float(np.sqrt(2 / np.sum(P * P))) if method == "REML" else None
    # R²: against the intercept-only model, its tau² estimated the same way
    tau2_re = _tau2_mods(y, v, X[:, :1], method, threshold)
    r2 = 0.0 if tau2_re == 0 else max(0.0, 100 * (tau2_re - tau2) / tau2_re)
    return qe, 100 * tau2 / (vt + tau2), tau2 / vt + 1, tau2_se, r2


# --- small-study effects (metafor regtest, predictor "sei") ------------------------------------


@dataclass(frozen=True)
class EggerResult:
    """Regression test for funnel-plot asymmetry: the test of the slope on the standard error, and
    the limit estimate (the intercept: the effect as sei -> 0) with its CI."""

    model: str  # "lm": classical Egger; "rma": mixed-effects meta-regression
    k: int
    stat: float
    df: int | None  # t test's df; None for a z test
    p: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def egger_test(
    yi: Any, vi: Any, model: str = "lm", method: str = "REML", knapp_hartung: bool = False, level: float = 0.95
) -> EggerResult:
    """Egger's regression test as metafor's regtest(..., predictor="sei").

    model="lm" (the default) is the classical test the Cochrane Handbook (ch. 13) describes:
    weighted least squares of yi on sei with weights 1/vi and a multiplicative dispersion
    parameter, a t test on k-2 df (regtest(model="lm"), statsmodels' WLS). model="rma" is
    regtest's own default, a meta-regression on sei with additive heterogeneity (`method`,
    z test, or t with knapp_hartung as the model was fitted). The Handbook advises such tests only
    with at least 10 studies, since with fewer they cannot tell chance from asymmetry."""
    y, v = _checked(yi, vi, "FE")
    k = len(y)
    if k < 3:
        raise ValueError("the regression test needs at least three studies")
    sei = np.sqrt(v)
    note = "" if k >= 10 else f"only {k} studies: the test has little power below 10 (Cochrane Handbook)"
    if model == "lm":
        fit = WLS(y, np.column_stack([np.ones(k), sei]), weights=1 / v).fit()
        lo, hi = fit.conf_int(alpha=1 - level)[0]
        df = int(fit.df_resid)
        return EggerResult(
            "lm", k, float(fit.tvalues[1]), df, float(fit.pvalues[1]), float(fit.params[0]), float(lo), float(hi), note
        )
    if model != "rma":
        raise ValueError(f"model must be 'lm' or 'rma', not {model!r}")
    reg = meta_regression(y, v, sei, method=method, level=level, knapp_hartung=knapp_hartung)
    return EggerResult(
        "rma",
        k,
        reg.slope.stat,
        k - 2 if knapp_hartung else None,
        reg.slope.p,
        reg.intercept.estimate,
        reg.intercept.ci_low,
        reg.intercept.ci_high,
        note,
    )
