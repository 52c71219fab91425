"""Tests for briefing.stats.meta against metafor reference numbers and hand computations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from briefing.stats.meta import PooledResult, escalc_logit, escalc_raw, pool, pool_means, pool_proportions

# metafor dat.pritz1997 (two studies with xi == ni: 10/10 and 12/12)
PRITZ_X = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
PRITZ_N = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]

# Kacker (2004) generic effects
KACKER_Y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
KACKER_V = [0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]

Z = stats.norm.ppf(0.975)


def r4(x: float) -> float:
    return round(x, 4)


def approx4(x: float) -> object:
    return pytest.approx(x, abs=5e-5)


# --- metafor reference values ------------------------------------------------------------------


def test_pritz_logit_reml_back_transformed():
    res = pool_proportions(PRITZ_X, PRITZ_N, transform="logit", method="REML", ci="wald", pi="z")
    assert res.transform == "logit" and res.k == 14
    assert r4(res.estimate_prop) == pytest.approx(0.7575, abs=5e-5)
    assert r4(res.ci_low_prop) == pytest.approx(0.6605, abs=5e-5)
    assert r4(res.ci_high_prop) == pytest.approx(0.8337, abs=5e-5)
    assert r4(res.pi_low_prop) == pytest.approx(0.4661, abs=5e-5)
    assert r4(res.pi_high_prop) == pytest.approx(0.9179, abs=5e-5)


def test_pritz_raw_reml():
    res = pool_proportions(PRITZ_X, PRITZ_N, transform="raw", method="REML", ci="wald", pi="z")
    assert r4(res.estimate) == pytest.approx(0.7968, abs=5e-5)
    assert r4(res.se) == pytest.approx(0.0423, abs=5e-5)
    assert r4(res.ci_low) == pytest.approx(0.7138, abs=5e-5)
    assert r4(res.ci_high) == pytest.approx(0.8797, abs=5e-5)
    # raw fields unclipped; *_prop clipped to [0, 1] for display
    assert res.pi_high > 1 and res.pi_high_prop == 1.0
    assert res.estimate_prop == res.estimate


def test_pritz_raw_fe():
    res = pool_proportions(PRITZ_X, PRITZ_N, transform="raw", method="FE", ci="wald", pi="z")
    assert r4(res.estimate) == pytest.approx(0.7546, abs=5e-5)
    assert res.estimate == pytest.approx(sum(PRITZ_X) / sum(PRITZ_N))  # equal-effects = Σx/Σn
    assert r4(res.ci_low) == pytest.approx(0.7079, abs=5e-5)
    assert r4(res.ci_high) == pytest.approx(0.8013, abs=5e-5)
    assert res.q_df == 13
    assert r4(res.q) == pytest.approx(37.3750, abs=5e-5)
    assert round(res.i2, 2) == pytest.approx(65.22, abs=5e-3)
    assert res.pi_low is None and res.pi_high is None and res.tau2 == 0.0


def test_kacker_dl():
    res = pool(KACKER_Y, KACKER_V, method="DL", ci="wald", pi="z")
    assert r4(res.estimate) == pytest.approx(62.3901, abs=5e-5)
    assert r4(res.se) == pytest.approx(0.2457, abs=5e-5)
    assert r4(res.tau2) == pytest.approx(0.2880, abs=5e-5)
    assert round(res.i2, 2) == pytest.approx(67.74, abs=5e-3)
    assert r4(res.q) == pytest.approx(24.8019, abs=5e-5)


def test_kacker_pm():
    res = pool(KACKER_Y, KACKER_V, method="PM", ci="wald", pi="z")
    assert r4(res.estimate) == pytest.approx(62.4076, abs=5e-5)
    assert r4(res.se) == pytest.approx(0.3380, abs=5e-5)
    assert r4(res.tau2) == pytest.approx(0.7054, abs=5e-5)
    # PM property: generalised Q equals k - 1 at the estimate
    w = 1 / (np.array(KACKER_V) + res.tau2)
    assert np.sum(w * (np.array(KACKER_Y) - res.estimate) ** 2) == pytest.approx(8, abs=1e-9)


def test_kacker_fe():
    res = pool(KACKER_Y, KACKER_V, method="FE", ci="wald", pi="z")
    assert r4(res.estimate) == pytest.approx(62.5834, abs=5e-5)
    assert r4(res.q) == pytest.approx(24.8019, abs=5e-5)
    assert res.q_p == pytest.approx(stats.chi2.sf(res.q, 8))
    assert res.h2 == pytest.approx(res.q / 8)


def test_agrees_with_statsmodels_where_it_matches_metafor():
    sm_dl = combine_effects(np.array(KACKER_Y), np.array(KACKER_V), method_re="dl")
    sm_pm = combine_effects(np.array(KACKER_Y), np.array(KACKER_V), method_re="pm")
    dl, pm = pool(KACKER_Y, KACKER_V, "DL", ci="wald", pi="z"), pool(KACKER_Y, KACKER_V, "PM", ci="wald", pi="z")
    assert dl.estimate == pytest.approx(sm_dl.mean_effect_re, abs=1e-12)
    assert dl.se == pytest.approx(sm_dl.sd_eff_w_re, abs=1e-12)
    assert pm.tau2 == pytest.approx(sm_pm.tau2, abs=1e-4)  # statsmodels stops at |Q-df|<1e-5
    # Knapp-Hartung variance = statsmodels' HKSJ variance
    kh = pool(KACKER_Y, KACKER_V, "DL", knapp_hartung=True)
    assert kh.se**2 == pytest.approx(sm_dl.var_hksj_re, rel=1e-12)


def _restricted_loglik(y: np.ndarray, v: np.ndarray, t: float) -> float:
    w = 1 / (v + t)
    mu = np.sum(w * y) / np.sum(w)
    return -0.5 * (np.sum(np.log(v + t)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))


def test_reml_is_a_stationary_point_of_the_restricted_likelihood():
    y, v = np.array(KACKER_Y), np.array(KACKER_V)
    tau2 = pool(y, v, "REML").tau2
    assert tau2 > 0
    assert _restricted_loglik(y, v, tau2) >= _restricted_loglik(y, v, tau2 * 1.01)
    assert _restricted_loglik(y, v, tau2) >= _restricted_loglik(y, v, tau2 * 0.99)


def test_reml_converges_where_full_fisher_steps_oscillate():
    """Found by the benchmark's synthetic evidence: full Fisher-scoring steps jump between 0.0025
    and 0.0289 for ever. The REML maximum, by a root of the score and by a grid, is 0.014909249."""
    events, n = [6, 5, 7, 7, 8, 8, 6, 34], [44, 43, 63, 51, 69, 85, 85, 215]
    result = pool_proportions(events, n, transform="logit", method="REML")
    y, v = escalc_logit(events, n)
    # On a grid of step 1e-4, then of step 1e-6 around its best (the likelihood has one peak here).
    grid = np.linspace(0, 0.1, 1_001)
    coarse = grid[np.argmax([_restricted_loglik(y, v, t) for t in grid])]
    grid = np.linspace(coarse - 1e-4, coarse + 1e-4, 201)
    best = grid[np.argmax([_restricted_loglik(y, v, t) for t in grid])]
    assert result.tau2 == pytest.approx(0.014909249, abs=1e-9)
    assert abs(result.tau2 - best) <= 1e-6


@given(st.lists(st.tuples(st.integers(1, 60), st.integers(0, 60)), min_size=2, max_size=40))
@settings(deadline=None, max_examples=300)
def test_reml_always_maximises_the_restricted_likelihood(studies):
    n = [a + b for a, b in studies]
    events = [a for a, _ in studies]
    y, v = escalc_logit(events, n)
    tau2 = pool(y, v, "REML").tau2
    for t in (0.0, tau2 * 0.9, tau2 * 1.1, tau2 + 1e-3, tau2 * 2 + 0.01):
        assert _restricted_loglik(y, v, tau2) >= _restricted_loglik(y, v, t) - 1e-9


def test_i2_metafor_definition_for_random_effects():
    res = pool(KACKER_Y, KACKER_V, method="REML", ci="wald", pi="z")
    w = 1 / np.array(KACKER_V)
    s2 = 8 * w.sum() / (w.sum() ** 2 - (w**2).sum())
    assert res.i2 == pytest.approx(100 * res.tau2 / (res.tau2 + s2))
    assert res.h2 == pytest.approx((res.tau2 + s2) / s2)


# --- effect sizes ------------------------------------------------------------------------------


def test_escalc_logit_continuity_correction_only_for_0_or_n():
    yi, vi = escalc_logit([10, 0, 3], [10, 5, 8])
    assert yi[0] == pytest.approx(math.log(10.5 / 0.5))
    assert vi[0] == pytest.approx(1 / 10.5 + 1 / 0.5)
    assert yi[1] == pytest.approx(math.log(0.5 / 5.5))
    assert yi[2] == pytest.approx(math.log(3 / 5)) and vi[2] == pytest.approx(1 / 3 + 1 / 5)


def test_escalc_raw():
    yi, vi = escalc_raw([3, 10], [8, 10])
    assert yi[0] == pytest.approx(3 / 8) and vi[0] == pytest.approx(3 / 8 * 5 / 8 / 8)
    assert yi[1] == pytest.approx(10.5 / 11) and vi[1] > 0  # metafor "PR" default: only0 add 1/2
    yi0, vi0 = escalc_raw([3, 10], [8, 10], add=0)
    assert yi0[1] == 1.0 and vi0[1] == 0.0


@pytest.mark.parametrize("events, n", [([5, 11], [10, 10]), ([5, -1], [10, 10]), ([5, 1], [10, 0]), ([1], [2, 3])])
def test_escalc_rejects_bad_counts(events, n):
    with pytest.raises(ValueError):
        escalc_logit(events, n)


# --- pooling behaviour -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1])
def test_needs_two_studies(k):
    with pytest.raises(ValueError, match="pooling needs at least two studies"):
        pool([0.5] * k, [0.1] * k)
    with pytest.raises(ValueError, match="at least two"):
        pool_proportions([3] * k, [10] * k)


def test_rejects_bad_variances_and_method():
    with pytest.raises(ValueError, match="vi"):
        pool([1.0, 2.0], [0.1, 0.0])
    with pytest.raises(ValueError, match="method"):
        pool([1.0, 2.0], [0.1, 0.2], method="ML")
    with pytest.raises(ValueError, match="transform"):
        pool_proportions([1, 2], [5, 5], transform="arcsine")


@pytest.mark.parametrize("method", ["REML", "DL", "PM", "FE"])
def test_weights_sum_to_100_and_ci_contains_estimate(method):
    res = pool(KACKER_Y, KACKER_V, method=method)
    assert sum(res.weights) == pytest.approx(100.0)
    assert len(res.weights) == res.k == 9
    assert res.ci_low < res.estimate < res.ci_high
    if method != "FE":
        assert res.pi_low <= res.ci_low and res.ci_high <= res.pi_high


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_homogeneous_data_gives_zero_tau2(method):
    res = pool([1.0, 1.0, 1.0, 1.0], [0.1, 0.2, 0.3, 0.4], method=method)
    assert res.tau2 == 0.0 and res.i2 == 0.0 and res.q == pytest.approx(0.0)
    assert res.estimate == pytest.approx(1.0)


def test_pool_means_fixed_effect_by_hand():
    # vi = sd²/n = 4/4 = 1 and 16/16 = 1 -> equal weights
    res = pool_means([10.0, 12.0], [2.0, 4.0], [4, 16], method="FE", ci="wald", pi="z")
    assert res.estimate == pytest.approx(11.0)
    assert res.se == pytest.approx(math.sqrt(0.5))
    assert res.ci_low == pytest.approx(11 - Z * math.sqrt(0.5))
    assert res.q == pytest.approx(2.0) and res.q_df == 1
    assert res.i2 == pytest.approx(50.0) and res.weights == pytest.approx((50.0, 50.0))


def test_knapp_hartung_by_hand():
    # y = 0, 1, 3 with v = 1: mean 4/3, Q = 42/9, DL tau² = (Q - 2)/(3 - 1) = 4/3,
    # RE var = (1 + 4/3)/3 = 7/9; KH scale Σw(y-μ)²/(k-1) = 1, so only the quantile changes.
    y, v = [0.0, 1.0, 3.0], [1.0, 1.0, 1.0]
    t2 = stats.t.ppf(0.975, 2)
    plain = pool(y, v, method="DL", ci="wald", pi="z")
    kh = pool(y, v, method="DL", knapp_hartung=True)
    assert plain.tau2 == pytest.approx(4 / 3) and kh.se == pytest.approx(math.sqrt(7 / 9))
    assert plain.ci_high == pytest.approx(4 / 3 + Z * math.sqrt(7 / 9))
    assert kh.ci_high == pytest.approx(4 / 3 + t2 * math.sqrt(7 / 9))
    # the prediction interval: Higgins et al. (2009), t on k - 2 = 1 df, whatever the CI
    assert kh.pi_high == pytest.approx(4 / 3 + stats.t.ppf(0.975, 1) * math.sqrt(7 / 9 + 4 / 3))
    assert kh.ci_high - kh.ci_low > plain.ci_high - plain.ci_low
    # FE + KH: se scaled by sqrt(Q/(k-1)) = sqrt(7/3)
    fe_kh = pool(y, v, method="FE", knapp_hartung=True)
    assert fe_kh.se == pytest.approx(math.sqrt(1 / 3 * 7 / 3))
    assert fe_kh.ci_low == pytest.approx(4 / 3 - t2 * math.sqrt(7 / 9))


def test_to_dict_is_plain_and_json_serialisable():
    res = pool_proportions(PRITZ_X, PRITZ_N, ci="wald", pi="z")
    d = res.to_dict()
    assert isinstance(res, PooledResult)
    assert type(d["estimate"]) is float and type(d["k"]) is int and type(d["weights"]) is list
    assert d["transform"] == "logit" and d["knapp_hartung"] is False
    json.dumps(d)
    assert pool(KACKER_Y, KACKER_V, "FE", ci="wald", pi="z").to_dict()["pi_low"] is None


# --- Cochrane's random-effects defaults (issue 31) ---------------------------------------------

# dat.bcg trials 1-5 (metafor's metadat): tpos, tneg, cpos, cneg.
BCG5 = ([4, 6, 3, 62, 33], [119, 300, 228, 13536, 5036], [11, 29, 11, 248, 47], [128, 274, 209, 12619, 5761])


def test_bcg_five_trials_prediction_interval_is_t_based_on_k_minus_2_df():
    """The first five BCG trials, RR by REML. The old z-based PI printed [0.10, 1.18]; Higgins et
    al. (2009), t on k - 2 = 3 df, gives [0.05, 2.53]. In R 4.2.2, metafor 3.8-1:
        r <- rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg[1:5,]); p <- predict(r)
        exp(p$pred + c(-1, 1) * qt(.975, 3) * sqrt(p$se^2 + r$tau2))      # 0.04766559 2.52533825
        predict(rma(..., test="knha"), transf=exp)                       # ci 0.1641 0.7336
        confint(r)                                                       # tau^2 0.2984 [0.0440, 2.4526]
        predict(r, transf=exp)                                           # z: pi 0.1022 1.1781"""
    from briefing.stats.meta import escalc_2x2, pool_comparisons

    tpos, tneg, cpos, cneg = BCG5
    n1, n2 = [a + b for a, b in zip(tpos, tneg, strict=True)], [c + d for c, d in zip(cpos, cneg, strict=True)]
    yi, vi = escalc_2x2("RR", tpos, n1, cpos, n2)
    res = pool_comparisons("RR", yi, vi)
    assert (res.ci_method, res.pi_method, res.knapp_hartung) == ("hksj", "t", True)
    # metafor stops REML at a step below 1e-5 (its threshold); meta.pool at the maximum: the PI's
    # upper bound differs from R's 2.525338 in the 5th decimal (2.525356), hence 1e-4 here.
    assert res.pi_low_ratio == pytest.approx(0.04766559, abs=1e-4)
    assert res.pi_high_ratio == pytest.approx(2.52533825, abs=1e-4)
    assert (r4(res.ci_low_ratio), r4(res.ci_high_ratio)) == (approx4(0.1641), approx4(0.7336))
    assert (r4(res.tau2), r4(res.tau2_ci_low), r4(res.tau2_ci_high)) == (
        approx4(0.2984),
        approx4(0.0440),
        approx4(2.4526),
    )
    old = pool_comparisons("RR", yi, vi, ci="wald", pi="z")
    assert (r4(old.pi_low_ratio), r4(old.pi_high_ratio)) == (approx4(0.1022), approx4(1.1781))


def test_two_studies_have_no_t_based_prediction_interval():
    """With k = 2 the t distribution on k - 2 df does not exist: no prediction interval (the old z
    interval equalled the CI when tau² = 0). The z choice keeps one."""
    res = pool([0.1, 0.3], [0.04, 0.05])
    assert res.k == 2 and res.pi_low is None and res.pi_high is None
    assert pool([0.1, 0.3], [0.04, 0.05], pi="z").pi_low is not None


def test_adhoc_hksj_is_never_narrower_than_wald():
    """Homogeneous effects make the HKSJ scale below 1 (CI narrower than Wald); the ad hoc version
    keeps the scale at 1 and only the t quantile widens it."""
    y, v = [0.50, 0.51, 0.49, 0.50], [0.1, 0.1, 0.1, 0.1]
    hksj, adhoc, wald = (pool(y, v, ci=c) for c in ("hksj", "hksj_adhoc", "wald"))
    assert hksj.ci_high - hksj.ci_low < wald.ci_high - wald.ci_low
    assert adhoc.se == pytest.approx(wald.se)
    assert adhoc.ci_high - adhoc.ci_low > wald.ci_high - wald.ci_low
