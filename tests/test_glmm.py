"""Tests for the one-step binomial-normal model, estimator comparison, leave-one-out,
meta-regression and Egger's test in briefing.stats.meta, against metafor's published output.

Sources of the reference numbers (metafor 4.x / metadat documentation, fetched sources):
- dat.pritz1997 help page (metadat): predict(rma.glmm(measure="PLO"), transf=transf.ilogit) and
  the equal-effects rma.glmm fit (estimate 1.1233, se 0.1287, LRT(df = 13) = 42.2324);
- leave1out help page: leave1out(rma(yi, vi)) for dat.bcg, escalc(measure="RR");
- regplot help page: rma(yi, vi, mods = ~ ablat) for dat.bcg; README: the same with test="knha"
  and regtest(rma(yi, vi, test="knha"));
- regtest help page: dat.egger2001 without ISIS-4, escalc(measure="OR"), regtest(model="lm") and
  regtest(rma(yi, vi)).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import integrate, special, stats
from statsmodels.tools.numdiff import approx_hess3
from test_meta import PRITZ_N, PRITZ_X  # metafor's dat.pritz1997, as test_meta has it

from briefing.stats.meta import (
    _glmm_negloglik,
    _logsumexp_rows,
    egger_test,
    escalc_2x2,
    escalc_logit,
    estimators_side_by_side,
    leave_one_out,
    leave_one_out_effects,
    meta_regression,
    pool,
    pool_proportions,
    pool_proportions_glmm,
)

# metadat dat.bcg
BCG_TPOS = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
BCG_TNEG = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
BCG_CPOS = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
BCG_CNEG = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
BCG_ABLAT = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]

# metadat dat.egger2001 without ISIS-4 (row 16), as in regtest's help
EGGER_AI = [1, 9, 2, 1, 10, 1, 1, 0, 6, 1, 2, 5, 4, 90, 4]
EGGER_N1 = [40, 135, 200, 48, 150, 59, 25, 22, 76, 27, 89, 23, 130, 1159, 107]
EGGER_CI = [2, 23, 7, 1, 8, 9, 3, 1, 11, 7, 12, 13, 8, 118, 17]
EGGER_N2 = [36, 135, 200, 46, 148, 56, 23, 21, 75, 27, 80, 33, 122, 1157, 108]


def r4(x: float) -> float:
    return round(x, 4)


def approx4(expected: float):
    return pytest.approx(expected, abs=5e-5)


@pytest.fixture(scope="module")
def bcg() -> tuple[np.ndarray, np.ndarray]:
    yi, vi = escalc_2x2(
        "RR",
        BCG_TPOS,
        [a + b for a, b in zip(BCG_TPOS, BCG_TNEG, strict=True)],
        BCG_CPOS,
        [c + d for c, d in zip(BCG_CPOS, BCG_CNEG, strict=True)],
    )
    # metafor README: the first and last rows of escalc's output
    assert (r4(yi[0]), r4(vi[0]), r4(yi[12]), r4(vi[12])) == (-0.8893, 0.3256, -0.0173, 0.0714)
    return yi, vi


@pytest.fixture(scope="module")
def egger2001() -> tuple[np.ndarray, np.ndarray]:
    yi, vi = escalc_2x2("OR", EGGER_AI, EGGER_N1, EGGER_CI, EGGER_N2)
    # regtest help: dat$yi, printed to 8 decimals (study 8 has a zero cell: 1/2 added)
    assert round(yi[0], 8) == pytest.approx(-0.83034830, abs=5e-9)
    assert round(yi[7], 8) == pytest.approx(-1.19170271, abs=5e-9)
    return yi, vi


# --- GLMM (rma.glmm, measure "PLO") ------------------------------------------------------------


def test_pritz_glmm_matches_metafor():
    res = pool_proportions_glmm(PRITZ_X, PRITZ_N, ci="wald", pi="z")
    assert res.method == "GLMM" and res.converged and res.message == "" and res.k == 14
    assert r4(res.estimate_prop) == approx4(0.7984)
    assert (r4(res.ci_low_prop), r4(res.ci_high_prop)) == (approx4(0.6924), approx4(0.8746))
    assert (r4(res.pi_low_prop), r4(res.pi_high_prop)) == (approx4(0.4426), approx4(0.9518))
    # metafor's documentation does not print these; they are what the fit above implies
    # (logit 1.3766, tau² 0.5893), held here so a change in the fit shows up.
    assert (r4(res.estimate), r4(res.se), r4(res.tau2)) == (approx4(1.3766), approx4(0.2884), approx4(0.5893))
    # the intervals are built as predict.rma builds them (z; se² + tau² for the PI)
    z = stats.norm.ppf(0.975)
    assert res.ci_high == pytest.approx(res.estimate + z * res.se)
    assert res.pi_low == pytest.approx(res.estimate - z * np.sqrt(res.se**2 + res.tau2))
    assert res.to_dict()["method"] == "GLMM"


def test_glmm_likelihood_matches_metafor_equal_effects_fit():
    """At tau = 0 the model is ordinary logistic regression: metafor's rma.glmm(method="EE")
    prints estimate 1.1233 (se 0.1287) and LRT(df = 13) = 42.2324 against the saturated model,
    which checks the likelihood (constants included) and the Hessian-based SE."""
    x, n = np.array(PRITZ_X, float), np.array(PRITZ_N, float)
    nodes, weights = np.polynomial.hermite.hermgauss(7)
    mu = special.logit(x.sum() / n.sum())
    assert r4(mu) == approx4(1.1233)
    ll_ee = -_glmm_negloglik(np.array([mu, 0.0]), x, n, nodes, weights)
    ll_sat = stats.binom.logpmf(x, n, x / n).sum()
    assert r4(2 * (ll_sat - ll_ee)) == approx4(42.2324)
    hess = approx_hess3(np.array([mu, 0.0]), _glmm_negloglik, args=(x, n, nodes, weights))
    assert r4(np.sqrt(1 / hess[0, 0])) == approx4(0.1287)


def test_adaptive_quadrature_matches_numerical_integration():
    """7-point AGQ against the integral by scipy's quad at the fitted values."""
    res = pool_proportions_glmm(PRITZ_X, PRITZ_N, ci="wald", pi="z")
    mu, tau = res.estimate, np.sqrt(res.tau2)
    exact = sum(
        np.log(
            integrate.quad(
                lambda u, x=x, n=n: stats.binom.pmf(x, n, special.expit(mu + tau * u)) * stats.norm.pdf(u),
                -12,
                12,
                epsabs=1e-14,
            )[0]
        )
        for x, n in zip(PRITZ_X, PRITZ_N, strict=True)
    )
    assert res.loglik == pytest.approx(exact, abs=1e-4)
    laplace = pool_proportions_glmm(PRITZ_X, PRITZ_N, nagq=1)
    assert laplace.converged and abs(laplace.estimate - res.estimate) < 0.05


def test_glmm_falls_back_to_reml_when_the_optimiser_does_not_converge():
    res = pool_proportions_glmm(PRITZ_X, PRITZ_N, maxiter=3, ci="wald", pi="z")
    reml = pool_proportions(PRITZ_X, PRITZ_N, transform="logit", method="REML", ci="wald", pi="z")
    assert not res.converged and res.method == "REML" and res.loglik is None
    assert "did not converge" in res.message and "REML" in res.message
    assert res.estimate == reml.estimate and res.tau2 == reml.tau2
    assert r4(res.estimate_prop) == approx4(0.7575)  # metafor's rma(PLO) + predict, test_meta
    assert (r4(res.pi_low_prop), r4(res.pi_high_prop)) == (approx4(0.4661), approx4(0.9179))


@pytest.mark.parametrize(
    "events, n, why",
    [
        ([0, 0, 0], [5, 6, 7], "does not exist"),  # every study 0 events: the logit runs to -inf
        ([6, 6, 7], [6, 6, 7], "does not exist"),
        ([0, 5, 0, 7], [5, 5, 6, 7], "ran off"),  # 0/n beside n/n: tau² grows without bound
    ],
)
def test_glmm_falls_back_on_degenerate_data(events, n, why):
    res = pool_proportions_glmm(events, n)
    assert not res.converged and res.method == "REML"
    assert why in res.message and "inverse-variance logit REML" in res.message
    assert res.estimate == pool_proportions(events, n, method="REML").estimate


def test_glmm_refuses_bad_input():
    with pytest.raises(ValueError, match="at least two"):
        pool_proportions_glmm([3], [10])
    with pytest.raises(ValueError):
        pool_proportions_glmm([11, 3], [10, 10])


def test_glmm_homogeneous_data_gives_tau2_near_zero():
    res = pool_proportions_glmm([10, 20, 30, 40], [100, 200, 300, 400])
    assert res.converged and res.tau2 < 1e-6
    assert res.estimate_prop == pytest.approx(0.1, abs=1e-6)


def test_glmm_timing_200_studies(capsys):
    rng = np.random.default_rng(20)
    n = rng.integers(10, 200, 200)
    x = rng.binomial(n, special.expit(rng.normal(0.5, 0.8, 200)))
    start = time.perf_counter()
    res = pool_proportions_glmm(x, n)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nGLMM, 200 studies: {elapsed:.3f} s (converged={res.converged}, tau2={res.tau2:.4f})")
    assert res.converged


# --- estimators side by side, leave-one-out ----------------------------------------------------


def test_estimators_side_by_side():
    rows = estimators_side_by_side(PRITZ_X, PRITZ_N, ci="wald", pi="z")
    assert [r.method for r in rows] == ["GLMM", "REML", "DL", "PM"]
    glmm, reml, dl, pm = rows
    assert r4(glmm.estimate_prop) == approx4(0.7984)
    assert (r4(reml.estimate_prop), r4(reml.ci_low_prop), r4(reml.ci_high_prop)) == (
        approx4(0.7575),
        approx4(0.6605),
        approx4(0.8337),
    )
    for row, method in ((dl, "DL"), (pm, "PM")):
        direct = pool_proportions(PRITZ_X, PRITZ_N, method=method, ci="wald", pi="z")
        assert (row.estimate, row.tau2, row.ci_low_prop) == (direct.estimate, direct.tau2, direct.ci_low_prop)
    # PM: generalised Q equals k - 1 at its tau²
    y, v = escalc_logit(PRITZ_X, PRITZ_N)
    w = 1 / (v + pm.tau2)
    assert np.sum(w * (y - pm.estimate) ** 2) == pytest.approx(13, abs=1e-8)


def test_leave_one_out_matches_metafor_bcg(bcg):
    """metafor's leave1out(rma(yi, vi)) for dat.bcg (log RR, REML), every row as printed."""
    # estimate, se, ci.lb, ci.ub, Q, tau2, I2, H2
    printed = [
        (-0.7071, 0.1900, -1.0794, -0.3348, 151.5826, 0.3362, 93.2259, 14.7622),
        (-0.6540, 0.1807, -1.0082, -0.2999, 145.3176, 0.2926, 92.2540, 12.9098),
        (-0.6856, 0.1857, -1.0495, -0.3216, 150.1970, 0.3207, 92.9354, 14.1551),
        (-0.6284, 0.1766, -0.9746, -0.2822, 96.5626, 0.2628, 90.4125, 10.4302),
        (-0.7642, 0.1918, -1.1401, -0.3883, 151.3200, 0.3278, 92.7634, 13.8187),
        (-0.7109, 0.2003, -1.1034, -0.3184, 128.1867, 0.3596, 90.9118, 11.0033),
        (-0.6552, 0.1805, -1.0090, -0.3015, 145.8296, 0.2930, 92.2777, 12.9495),
        (-0.7948, 0.1799, -1.1473, -0.4422, 67.9858, 0.2732, 87.0314, 7.7109),
        (-0.7412, 0.1967, -1.1267, -0.3557, 152.2051, 0.3495, 93.2133, 14.7346),
        (-0.6530, 0.1843, -1.0142, -0.2919, 139.8271, 0.2987, 92.2322, 12.8737),
        (-0.7579, 0.1958, -1.1416, -0.3741, 151.4655, 0.3405, 91.8110, 12.2114),
        (-0.7598, 0.1821, -1.1167, -0.4029, 150.7868, 0.3082, 92.6782, 13.6579),
        (-0.7775, 0.1855, -1.1412, -0.4139, 149.7884, 0.3037, 92.3444, 13.0623),
    ]
    rows = leave_one_out_effects(*bcg, ci="wald", pi="z")
    assert len(rows) == 13 and all(r.k == 12 for r in rows)
    got = [tuple(r4(x) for x in (r.estimate, r.se, r.ci_low, r.ci_high, r.q, r.tau2, r.i2, r.h2)) for r in rows]
    assert np.allclose(got, printed, atol=5e-5, rtol=0)


def test_leave_one_out_proportions_shape_and_a_direct_refit():
    rows = leave_one_out(PRITZ_X, PRITZ_N, ci="wald", pi="z")
    assert len(rows) == 14 and [r.omitted for r in rows] == list(range(14))
    assert all(r.k == 13 and r.method == "REML" for r in rows)
    x, n = PRITZ_X[:4] + PRITZ_X[5:], PRITZ_N[:4] + PRITZ_N[5:]
    direct = pool_proportions(x, n, method="REML", ci="wald", pi="z")
    assert rows[4].estimate_prop == pytest.approx(direct.estimate_prop, abs=1e-12)
    assert rows[4].tau2 == pytest.approx(direct.tau2, abs=1e-12)
    assert (rows[4].ci_low_prop, rows[4].ci_high_prop) == pytest.approx((direct.ci_low_prop, direct.ci_high_prop))


def test_leave_one_out_glmm_is_a_direct_refit():
    rows = leave_one_out(PRITZ_X, PRITZ_N, method="GLMM")
    assert len(rows) == 14 and all(r.converged and r.method == "GLMM" for r in rows)
    direct = pool_proportions_glmm(PRITZ_X[1:], PRITZ_N[1:])
    assert rows[0].omitted == 0 and rows[0].estimate_prop == direct.estimate_prop and rows[0].tau2 == direct.tau2


def test_leave_one_out_needs_three_studies():
    with pytest.raises(ValueError, match="three"):
        leave_one_out([3, 4], [10, 10])


# --- meta-regression (rma with mods) -----------------------------------------------------------


def test_meta_regression_bcg_matches_metafor(bcg):
    res = meta_regression(*bcg, BCG_ABLAT)
    b0, b1 = res.intercept, res.slope
    assert [r4(v) for v in (b0.estimate, b0.se, b0.stat, b0.p, b0.ci_low, b0.ci_high)] == [
        approx4(v) for v in (0.2515, 0.2491, 1.0095, 0.3127, -0.2368, 0.7397)
    ]
    assert [r4(v) for v in (b1.estimate, b1.se, b1.stat, b1.ci_low, b1.ci_high)] == [
        approx4(v) for v in (-0.0291, 0.0072, -4.0444, -0.0432, -0.0150)
    ]
    assert b1.p < 1e-4  # printed "<.0001"
    assert (r4(res.tau2), r4(res.tau2_se)) == (approx4(0.0764), approx4(0.0591))
    assert r4(np.sqrt(res.tau2)) == approx4(0.2763)
    assert round(res.i2, 2) == pytest.approx(68.39, abs=5e-3)
    assert round(res.h2, 2) == pytest.approx(3.16, abs=5e-3)
    assert round(res.r2, 2) == pytest.approx(75.62, abs=5e-3)
    assert res.qe_df == 11 and r4(res.qe) == approx4(30.7331) and r4(res.qe_p) == approx4(0.0012)
    assert res.qm_df == (1,) and r4(res.qm) == approx4(16.3571) and res.qm_p < 1e-4
    assert res.test == "z" and res.to_dict()["slope"]["name"] == "x"


def test_meta_regression_bcg_knapp_hartung_matches_metafor_readme(bcg):
    res = meta_regression(*bcg, BCG_ABLAT, knapp_hartung=True)
    b0, b1 = res.intercept, res.slope
    assert [r4(v) for v in (b0.se, b0.stat, b0.p, b0.ci_low, b0.ci_high)] == [
        approx4(v) for v in (0.2839, 0.8857, 0.3948, -0.3735, 0.8764)
    ]
    assert [r4(v) for v in (b1.se, b1.stat, b1.p, b1.ci_low, b1.ci_high)] == [
        approx4(v) for v in (0.0082, -3.5483, 0.0046, -0.0472, -0.0111)
    ]
    assert res.qm_df == (1, 11) and r4(res.qm) == approx4(12.5905) and r4(res.qm_p) == approx4(0.0046)
    assert res.test == "t"


def test_meta_regression_tight_threshold_reaches_the_reml_maximum(bcg):
    """metafor stops Fisher scoring at a change <= 1e-5; with a tiny threshold the estimate is the
    restricted-likelihood maximum (0.076348), which differs from metafor's 0.076355 only beyond
    the printed digits of most outputs (tau² itself rounds to 0.0763 instead of 0.0764)."""
    yi, vi = bcg
    exact = meta_regression(yi, vi, BCG_ABLAT, threshold=1e-12)
    X = np.column_stack([np.ones(13), BCG_ABLAT])

    def restricted(t: float) -> float:
        w = 1 / (vi + t)
        xtwx = X.T @ (X * w[:, None])
        beta = np.linalg.solve(xtwx, X.T @ (w * yi))
        return -0.5 * (np.log(vi + t).sum() + np.linalg.slogdet(xtwx)[1] + (w * (yi - X @ beta) ** 2).sum())

    t = exact.tau2
    assert restricted(t) >= restricted(t * 1.001) and restricted(t) >= restricted(t * 0.999)
    assert abs(exact.tau2 - meta_regression(yi, vi, BCG_ABLAT).tau2) < 1e-5
    assert r4(exact.slope.estimate) == approx4(-0.0291)


def test_meta_regression_fe_and_dl_by_hand(bcg):
    yi, vi = bcg
    X = np.column_stack([np.ones(13), BCG_ABLAT])
    w = 1 / vi
    beta = np.linalg.solve(X.T @ (X * w[:, None]), X.T @ (w * yi))
    fe = meta_regression(yi, vi, BCG_ABLAT, method="FE")
    assert (fe.intercept.estimate, fe.slope.estimate) == pytest.approx(tuple(beta))
    assert fe.tau2 == 0 and fe.r2 is None and fe.qe == pytest.approx(((yi - X @ beta) ** 2 * w).sum())
    dl = meta_regression(yi, vi, BCG_ABLAT, method="DL")
    P = np.diag(w) - (X * w[:, None]) @ np.linalg.solve(X.T @ (X * w[:, None]), (X * w[:, None]).T)
    assert dl.tau2 == pytest.approx(max(0.0, (fe.qe - 11) / np.trace(P)))
    pm = meta_regression(yi, vi, BCG_ABLAT, method="PM")
    wp = 1 / (vi + pm.tau2)
    bp = np.linalg.solve(X.T @ (X * wp[:, None]), X.T @ (wp * yi))
    assert ((yi - X @ bp) ** 2 * wp).sum() == pytest.approx(11, abs=1e-8)


def test_meta_regression_refuses_bad_covariates():
    with pytest.raises(ValueError, match="vary"):
        meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, 1, 1])
    with pytest.raises(ValueError, match="one value per study"):
        meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], [1, 2])


# --- Egger's test (regtest) --------------------------------------------------------------------


def test_egger_classical_matches_metafor(egger2001):
    res = egger_test(*egger2001)
    assert res.model == "lm" and res.df == 13 and res.k == 15 and res.message == ""
    assert (r4(res.stat), r4(res.p)) == (approx4(-3.1783), approx4(0.0073))
    assert [r4(v) for v in (res.limit_estimate, res.limit_ci_low, res.limit_ci_high)] == [
        approx4(-0.1512),
        approx4(-0.5130),
        approx4(0.2106),
    ]


def test_egger_meta_regression_version_matches_metafor(egger2001):
    res = egger_test(*egger2001, model="rma")
    assert res.df is None and (r4(res.stat), r4(res.p)) == (approx4(-2.8062), approx4(0.0050))
    assert [r4(v) for v in (res.limit_estimate, res.limit_ci_low, res.limit_ci_high)] == [
        approx4(-0.1639),
        approx4(-0.5681),
        approx4(0.2402),
    ]
    assert r4(pool(*egger2001).tau2) == approx4(0.1911)  # the RE model printed alongside


def test_egger_bcg_knapp_hartung_matches_metafor_readme(bcg):
    res = egger_test(*bcg, model="rma", knapp_hartung=True)
    assert res.df == 11 and (r4(res.stat), r4(res.p)) == (approx4(-0.7812), approx4(0.4512))
    assert [r4(v) for v in (res.limit_estimate, res.limit_ci_low, res.limit_ci_high)] == [
        approx4(-0.5104),
        approx4(-1.2123),
        approx4(0.1915),
    ]


def test_egger_warns_below_ten_studies_and_refuses_bad_model(bcg):
    yi, vi = bcg
    assert "10" in egger_test(yi[:6], vi[:6]).message
    with pytest.raises(ValueError, match="model"):
        egger_test(yi, vi, model="peters")


def test_the_likelihoods_logsumexp_gives_scipys_bits():
    """The GLMM likelihood's own logsumexp (scipy's steps without its dispatch) must give the same
    bits as scipy's, or every pooled GLMM result would move in its last digits: random rows, rows
    with one term far above the rest, ties at the maximum, and -inf and overflowing terms."""
    rng = np.random.default_rng(11)
    weights = np.polynomial.hermite.hermgauss(7)[1]
    rows = [rng.normal(0, s, (50, 7)) for s in (0.1, 3, 300)]
    edge = rng.normal(0, 1, (6, 7))
    edge[0, 3] = 40.0  # one term dominates
    edge[1, :] = 2.0  # every term ties at the maximum
    edge[2, :3] = -np.inf  # some terms vanish
    edge[3, :] = -np.inf  # every term vanishes: the sum is 0
    edge[4, 2] = 800.0  # exp overflows
    edge[5, :] = -800.0  # every exp underflows
    for a in [*rows, edge]:
        expected = special.logsumexp(a, b=weights[None, :], axis=1)
        assert _logsumexp_rows(a, weights).tobytes() == expected.tobytes()
