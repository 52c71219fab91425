"""Two-arm effect sizes, their pooling and absolute effects, against metafor and hand arithmetic.

Where the reference numbers come from (metafor = github.com/wviechtb/metafor at 71ae8f5, metadat =
github.com/wviechtb/metadat):
- formulas: metafor R/escalc.r (RR, OR, RD, MD; add=1/2, to="only0", vtype="LS") and R/conv.wald.r;
- data: metadat data-raw/dat.bcg.txt, dat.hine1989.txt, dat.normand1999.txt;
- printed results: metafor docs/reference/*.html (the pkgdown run of each help page's examples) and
  tests/testthat/*.r, named at each test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from briefing.stats.absolute import absolute_effect, anticipated_risk
from briefing.stats.meta import escalc_2x2, escalc_md, log_ratio_from_ci, pool, pool_comparisons, pool_proportions

# dat.bcg: tpos, tneg, cpos, cneg for 13 BCG trials (metadat data-raw/dat.bcg.txt)
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]
TPOS, TNEG, CPOS, CNEG = (list(col) for col in zip(*BCG, strict=True))
AI, N1I = TPOS, [a + b for a, b in zip(TPOS, TNEG, strict=True)]
CI, N2I = CPOS, [c + d for c, d in zip(CPOS, CNEG, strict=True)]

Z = stats.norm.ppf(0.975)  # 1.959964, metafor's qnorm(.05/2, lower.tail=FALSE)


def assert_4dp(actual, expected):
    """metafor prints 4 decimals; ours must round to the same digits."""
    got = np.round(np.atleast_1d(np.asarray(actual, dtype=float)), 4)
    assert got == pytest.approx(np.atleast_1d(expected), abs=1e-9)


def bcg(measure):
    return escalc_2x2(measure, AI, N1I, CI, N2I)


# --- escalc by hand and against metafor's listings --------------------------------------------


def test_escalc_first_bcg_trial_by_hand():
    """Aronson 1948: 4/123 vaccinated, 11/139 controls; no zero cell, so no correction.
    metafor docs/reference/escalc.html prints RR yi -0.8893, vi 0.3256 (also tests/testthat/
    test_misc_escalc.r); rma.mv.html prints OR yi -0.9387, vi 0.3571."""
    yi, vi = escalc_2x2("RR", [4], [123], [11], [139])
    assert yi[0] == pytest.approx(math.log(4 / 123) - math.log(11 / 139))
    assert vi[0] == pytest.approx(1 / 4 - 1 / 123 + 1 / 11 - 1 / 139)
    assert_4dp(yi, -0.8893)
    assert_4dp(vi, 0.3256)

    yi, vi = escalc_2x2("OR", [4], [123], [11], [139])
    assert yi[0] == pytest.approx(math.log(4 * 128 / (119 * 11)))
    assert vi[0] == pytest.approx(1 / 4 + 1 / 119 + 1 / 11 + 1 / 128)
    assert_4dp(yi, -0.9387)
    assert_4dp(vi, 0.3571)

    yi, vi = escalc_2x2("RD", [4], [123], [11], [139])
    p1, p2 = 4 / 123, 11 / 139
    assert yi[0] == pytest.approx(p1 - p2)
    assert vi[0] == pytest.approx(p1 * (1 - p1) / 123 + p2 * (1 - p2) / 139)


# metafor's printed yi and vi columns for dat.bcg, trials 1-13 in order
BCG_RR_YI = "-0.8893 -1.5854 -1.3481 -1.4416 -0.2175 -0.7861 -1.6209 0.0120 -0.4694 -1.3713 -0.3394 0.4459 -0.0173"
BCG_RR_VI = "0.3256 0.1946 0.4154 0.0200 0.0512 0.0069 0.2230 0.0040 0.0564 0.0730 0.0124 0.5325 0.0714"
BCG_OR_YI = "-0.9387 -1.6662 -1.3863 -1.4564 -0.2191 -0.9581 -1.6338 0.0120 -0.4717 -1.4012 -0.3408 0.4466 -0.0173"
BCG_OR_VI = "0.3571 0.2081 0.4334 0.0203 0.0520 0.0099 0.2270 0.0040 0.0570 0.0754 0.0125 0.5342 0.0716"


def printed(column: str) -> list[float]:
    return [float(x) for x in column.split()]


def test_escalc_bcg_matches_metafor_listings():
    """All 13 trials. RR: docs/reference/escalc.html (escalc(measure="RR", ...) on dat.bcg);
    OR: docs/reference/rma.mv.html and conv.wald.html (escalc(measure="OR", ...))."""
    yi, vi = bcg("RR")
    assert_4dp(yi, printed(BCG_RR_YI))
    assert_4dp(vi, printed(BCG_RR_VI))
    yi, vi = bcg("OR")
    assert_4dp(yi, printed(BCG_OR_YI))
    assert_4dp(vi, printed(BCG_OR_VI))


def test_escalc_rd_hine1989_matches_normand_table_iii():
    """dat.hine1989 (lidocaine, 6 trials), RD in percentage points: metafor tests/testthat/
    test_analysis_example_normand1999.r, from Normand (1999) Table III."""
    n1i, n2i, ai, ci = (
        [39, 44, 107, 103, 110, 154],
        [43, 44, 110, 100, 106, 146],
        [2, 4, 6, 7, 7, 11],
        [1, 4, 4, 5, 3, 4],
    )
    yi, vi = escalc_2x2("RD", ai, n1i, ci, n2i)
    assert_4dp(yi * 100, [2.8026, 0.0000, 1.9711, 1.7961, 3.5334, 4.4031])
    assert_4dp(vi * 100**2, [17.7575, 37.5657, 8.1323, 10.8998, 8.0114, 6.1320])
    # ... and pooled (Table VII): EE, REML and DL agree because tau² = 0
    for method in ("FE", "REML", "DL"):
        res = pool_comparisons("RD", yi * 100, vi * 100**2, method=method, ci="wald", pi="z")
        assert_4dp([res.estimate, res.ci_low, res.ci_high, res.tau2], [2.9444, 0.3831, 5.5058, 0.0])


# --- zero cells --------------------------------------------------------------------------------


def test_zero_cell_adds_half_to_all_four_cells_of_that_study_only():
    """escalc's add=1/2, to="only0": 0/20 vs 5/20 becomes 0.5/21 vs 5.5/21 (each arm gains 0.5
    events and 0.5 non-events); 3/20 vs 5/20 in the same call is left alone."""
    yi, vi = escalc_2x2("RR", [0, 3], [20, 20], [5, 5], [20, 20])
    assert yi[0] == pytest.approx(math.log(0.5 / 21) - math.log(5.5 / 21))
    assert vi[0] == pytest.approx(1 / 0.5 - 1 / 21 + 1 / 5.5 - 1 / 21)
    assert yi[1] == pytest.approx(math.log(3 / 20) - math.log(5 / 20))
    assert vi[1] == pytest.approx(1 / 3 - 1 / 20 + 1 / 5 - 1 / 20)

    yi, vi = escalc_2x2("OR", [0], [20], [5], [20])
    assert yi[0] == pytest.approx(math.log(0.5 / 20.5) - math.log(5.5 / 15.5))
    assert vi[0] == pytest.approx(1 / 0.5 + 1 / 20.5 + 1 / 5.5 + 1 / 15.5)


def test_zero_non_events_and_double_zero_studies_are_corrected_and_kept():
    # every control patient had the event (d = 0): still a zero cell -> 3.5/11 vs 10.5/11
    yi, _ = escalc_2x2("RR", [3], [10], [10], [10])
    assert yi[0] == pytest.approx(math.log(3.5 / 11) - math.log(10.5 / 11))
    # no events in either arm: metafor keeps it (drop00=FALSE) -> 0.5/11 vs 0.5/13
    yi, vi = escalc_2x2("RR", [0], [10], [0], [12])
    assert yi[0] == pytest.approx(math.log(0.5 / 11) - math.log(0.5 / 13))
    assert vi[0] == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 0.5 - 1 / 13)


def test_rd_is_corrected_too_and_add_zero_switches_it_off():
    """escalc.r sets add=0 only for AS, PHI, ZPHI, RTET, ZTET, IRSD, PAS, PFT, IRS and IRFT, so
    the RD of 0/20 vs 5/20 is computed from 0.5/21 and 5.5/21."""
    yi, vi = escalc_2x2("RD", [0], [20], [5], [20])
    p1, p2 = 0.5 / 21, 5.5 / 21
    assert yi[0] == pytest.approx(p1 - p2)
    assert vi[0] == pytest.approx(p1 * (1 - p1) / 21 + p2 * (1 - p2) / 21)
    yi, vi = escalc_2x2("RD", [0], [20], [5], [20], add=0)
    assert yi[0] == pytest.approx(-0.25) and vi[0] == pytest.approx(0.25 * 0.75 / 20)
    with pytest.raises(ValueError, match="zero cell"):
        escalc_2x2("RR", [0], [20], [5], [20], add=0)
    with pytest.raises(ValueError, match="zero cell"):
        escalc_2x2("OR", [0], [20], [5], [20], add=0)


# --- mean differences ----------------------------------------------------------------------------

# dat.normand1999 (stroke units, length of stay): n1i, m1i, sd1i, n2i, m2i, sd2i
NORMAND = [
    (155, 55, 47, 156, 75, 64),
    (31, 27, 7, 32, 29, 4),
    (75, 64, 17, 71, 119, 29),
    (18, 66, 20, 18, 137, 48),
    (8, 14, 8, 13, 18, 11),
    (57, 19, 7, 52, 18, 4),
    (34, 52, 45, 33, 41, 34),
    (110, 21, 16, 183, 31, 27),
    (60, 30, 27, 52, 23, 20),
]
N1, M1, SD1, N2, M2, SD2 = (list(col) for col in zip(*NORMAND, strict=True))


def test_md_default_variance_does_not_assume_equal_sds():
    """escalc.r, measure "MD", vtype "LS" (the default) and "UB": sd1i²/n1i + sd2i²/n2i."""
    yi, vi = escalc_md(M1, SD1, N1, M2, SD2, N2)
    assert yi[0] == -20.0 and vi[0] == pytest.approx(47**2 / 155 + 64**2 / 156)  # 40.5080
    assert vi[4] == pytest.approx(8**2 / 8 + 11**2 / 13)  # 17.3077


def test_md_homoscedastic_matches_normand_table_viii_and_ix():
    """metafor tests/testthat/test_analysis_example_normand1999.r passes the pooled SD as both arms'
    SD, which is vtype="HO": vi (Table VIII) and the pooled results (Table IX) of Normand (1999)."""
    yi, vi = escalc_md(M1, SD1, N1, M2, SD2, N2, vtype="HO")
    sdp = np.sqrt(
        ((np.array(N1) - 1) * np.array(SD1) ** 2 + (np.array(N2) - 1) * np.array(SD2) ** 2) / (np.array(N1) + N2 - 2)
    )
    assert vi == pytest.approx(escalc_md(M1, sdp, N1, M2, sdp, N2)[1])
    assert list(yi) == [-20, -2, -55, -71, -4, 1, 11, -10, 7]
    assert_4dp(vi, [40.5863, 2.0468, 15.2809, 150.2222, 20.1923, 1.2235, 95.3756, 8.0321, 20.6936])
    fe = pool_comparisons("MD", yi, vi, method="FE", ci="wald", pi="z")
    assert_4dp([fe.estimate, fe.ci_low, fe.ci_high], [-3.4939, -5.0265, -1.9613])
    dl = pool_comparisons("MD", yi, vi, method="DL", ci="wald", pi="z")
    assert_4dp([dl.estimate, dl.ci_low, dl.ci_high, dl.tau2], [-14.0972, -24.4454, -3.7490, 218.7216])
    reml = pool_comparisons("MD", yi, vi, ci="wald", pi="z")
    assert_4dp([reml.estimate, reml.ci_low, reml.ci_high, reml.tau2], [-15.1217, -32.6716, 2.4282, 685.1965])
    assert reml.measure == "MD" and reml.transform is None and reml.estimate_ratio is None


# --- dat.bcg pooled ----------------------------------------------------------------------------


def test_bcg_log_risk_ratio_reml():
    """metafor docs/reference/rma.uni.html, rma(yi, vi, data=dat) on escalc(measure="RR"):
    estimate -0.7145, se 0.1798, CI -1.0669 to -0.3622, tau² 0.3132, I² 92.22 %, H² 12.86,
    Q(df = 12) = 152.2330. Back-transformed, docs/reference/transf.html, predict(res, transf=exp):
    0.4894 (0.3441 to 0.6962), PI 0.1546 to 1.5490."""
    res = pool_comparisons("RR", *bcg("RR"), ci="wald", pi="z")
    assert res.method == "REML" and res.measure == "RR" and res.transform == "log" and res.k == 13
    assert_4dp([res.estimate, res.se, res.ci_low, res.ci_high, res.tau2], [-0.7145, 0.1798, -1.0669, -0.3622, 0.3132])
    assert round(res.i2, 2) == pytest.approx(92.22) and round(res.h2, 2) == pytest.approx(12.86)
    assert res.q_df == 12 and round(res.q, 4) == pytest.approx(152.2330)
    ratio = [res.estimate_ratio, res.ci_low_ratio, res.ci_high_ratio, res.pi_low_ratio, res.pi_high_ratio]
    assert_4dp(ratio, [0.4894, 0.3441, 0.6962, 0.1546, 1.5490])
    assert res.estimate_ratio == pytest.approx(math.exp(res.estimate))


def test_bcg_log_risk_ratio_dl_and_fe():
    """metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (checked there against
    Stata's metan): DL -0.7141 (-1.0644 to -0.3638), z -3.9952, tau² 0.3088, I² 92.1173,
    exp 0.4896 (0.3449 to 0.6950); EE -0.4303 (-0.5097 to -0.3509), z -10.6247, Q 152.2330,
    exp 0.6503 (0.6007 to 0.7040)."""
    dl = pool_comparisons("RR", *bcg("RR"), method="DL", ci="wald", pi="z")
    assert_4dp([dl.estimate, dl.ci_low, dl.ci_high, dl.estimate / dl.se], [-0.7141, -1.0644, -0.3638, -3.9952])
    assert_4dp([dl.tau2, dl.i2], [0.3088, 92.1173])
    assert_4dp([dl.estimate_ratio, dl.ci_low_ratio, dl.ci_high_ratio], [0.4896, 0.3449, 0.6950])
    fe = pool_comparisons("RR", *bcg("RR"), method="FE", ci="wald", pi="z")
    assert_4dp(
        [fe.estimate, fe.ci_low, fe.ci_high, fe.estimate / fe.se, fe.q], [-0.4303, -0.5097, -0.3509, -10.6247, 152.2330]
    )
    assert_4dp([fe.estimate_ratio, fe.ci_low_ratio, fe.ci_high_ratio], [0.6503, 0.6007, 0.7040])
    assert fe.pi_low_ratio is None and fe.pi_high_ratio is None


def test_bcg_log_odds_ratio():
    """REML: metafor docs/reference/rma.mv.html and conv.wald.html, rma(yi, vi) on
    escalc(measure="OR"): -0.7452, se 0.1860, CI -1.1098 to -0.3806, tau² 0.3378, I² 92.07 %,
    H² 12.61, Q(df = 12) = 163.1649. DL and EE: test_misc_metan_vs_rma.uni_with_dat.bcg.r:
    DL -0.7474 (-1.1242 to -0.3706), z -3.8873, tau² 0.3663, I² 92.6455, exp 0.4736 (0.3249 to
    0.6903); EE -0.4361 (-0.5190 to -0.3533), z -10.3190, exp 0.6465 (0.5951 to 0.7024)."""
    reml = pool_comparisons("OR", *bcg("OR"), ci="wald", pi="z")
    assert_4dp(
        [reml.estimate, reml.se, reml.ci_low, reml.ci_high, reml.tau2], [-0.7452, 0.1860, -1.1098, -0.3806, 0.3378]
    )
    assert round(reml.i2, 2) == pytest.approx(92.07) and round(reml.h2, 2) == pytest.approx(12.61)
    assert round(reml.q, 4) == pytest.approx(163.1649)
    dl = pool_comparisons("OR", *bcg("OR"), method="DL", ci="wald", pi="z")
    assert_4dp([dl.estimate, dl.ci_low, dl.ci_high, dl.estimate / dl.se], [-0.7474, -1.1242, -0.3706, -3.8873])
    assert_4dp([dl.tau2, dl.i2], [0.3663, 92.6455])
    assert_4dp([dl.estimate_ratio, dl.ci_low_ratio, dl.ci_high_ratio], [0.4736, 0.3249, 0.6903])
    fe = pool_comparisons("OR", *bcg("OR"), method="FE", ci="wald", pi="z")
    assert_4dp([fe.estimate, fe.ci_low, fe.ci_high, fe.estimate / fe.se], [-0.4361, -0.5190, -0.3533, -10.3190])
    assert_4dp([fe.estimate_ratio, fe.ci_low_ratio, fe.ci_high_ratio], [0.6465, 0.5951, 0.7024])


def test_bcg_risk_difference():
    """test_misc_metan_vs_rma.uni_with_dat.bcg.r: DL -0.0071 (-0.0101 to -0.0040), z -4.5128,
    tau² 0.0000, I² 95.6596; EE -0.0009 (-0.0014 to -0.0005), z -4.0448, Q 276.4737."""
    dl = pool_comparisons("RD", *bcg("RD"), method="DL", ci="wald", pi="z")
    assert_4dp([dl.estimate, dl.ci_low, dl.ci_high, dl.estimate / dl.se], [-0.0071, -0.0101, -0.0040, -4.5128])
    assert_4dp([dl.tau2, dl.i2], [0.0, 95.6596])
    assert dl.measure == "RD" and dl.estimate_ratio is None and dl.transform is None
    fe = pool_comparisons("RD", *bcg("RD"), method="FE", ci="wald", pi="z")
    assert_4dp(
        [fe.estimate, fe.ci_low, fe.ci_high, fe.estimate / fe.se, fe.q], [-0.0009, -0.0014, -0.0005, -4.0448, 276.4737]
    )


# --- ratios reported with a CI -----------------------------------------------------------------


def test_log_ratio_from_ci_by_hand():
    # OR 1.37 (95 % CI 1.03 to 1.82): se = (ln 1.82 - ln 1.03) / (2 × 1.959964)
    #   = (0.598837 - 0.029559) / 3.919928 = 0.145227, vi = 0.021091
    yi, vi = log_ratio_from_ci([1.37], [1.03], [1.82])
    assert Z == pytest.approx(1.959964, abs=1e-6)
    assert yi[0] == pytest.approx(math.log(1.37))
    assert math.sqrt(vi[0]) == pytest.approx((math.log(1.82) - math.log(1.03)) / (2 * 1.959964), rel=1e-6)
    assert math.sqrt(vi[0]) == pytest.approx(0.145227, abs=1e-6)
    # the same bounds read as a 90 % CI mean a larger SE: z = 1.644854
    _, vi90 = log_ratio_from_ci([1.37], [1.03], [1.82], level=0.90)
    assert math.sqrt(vi90[0]) == pytest.approx((math.log(1.82) - math.log(1.03)) / (2 * 1.644854), rel=1e-6)


def test_log_ratio_from_ci_matches_metafor_conv_wald():
    """docs/reference/conv.wald.html, conv.wald(out=or, ci.lb=, ci.ub=, transf=log): 1.37 (1.03,
    1.82) -> 0.3148, 0.0211; 1.89 (1.60, 2.23) -> 0.6366, 0.0072; Hart & Sutherland 0.23 (0.18,
    0.31) -> -1.4697, 0.0192; Coetzee & Berjak 0.62 (0.39, 1.00) -> -0.4780, 0.0577."""
    yi, vi = log_ratio_from_ci([1.37, 1.89, 0.23, 0.62], [1.03, 1.60, 0.18, 0.39], [1.82, 2.23, 0.31, 1.00])
    assert_4dp(yi, [0.3148, 0.6366, -1.4697, -0.4780])
    assert_4dp(vi, [0.0211, 0.0072, 0.0192, 0.0577])


def test_bcg_with_some_trials_reported_only_as_ratios():
    """docs/reference/conv.wald.html, res2: dat.bcg's OR analysis where trials 4 and 9 report only
    OR with 95 % CI and trials 1 and 12 only OR with p-value (2-decimal rounding): REML -0.7472,
    se 0.1867, CI -1.1132 to -0.3812, tau² 0.3408, I² 92.18 %, H² 12.80, Q(df = 12) = 167.4513.
    Trials 1 and 12 follow conv.wald's p-value rule here, vi = (log(OR) / qnorm(p/2, lower=FALSE))²,
    printed there as -0.9416, 0.3668 and 0.4447, 0.5266."""
    yi, vi = bcg("OR")
    yi_ci, vi_ci = log_ratio_from_ci([0.23, 0.62], [0.18, 0.39], [0.31, 1.00])
    yi[[3, 8]], vi[[3, 8]] = yi_ci, vi_ci
    for i, odds, p in ((0, 0.39, 0.12), (11, 1.56, 0.54)):
        yi[i], vi[i] = math.log(odds), (math.log(odds) / stats.norm.isf(p / 2)) ** 2
    assert_4dp(yi[[0, 11]], [-0.9416, 0.4447])
    assert_4dp(vi[[0, 11]], [0.3668, 0.5266])
    res = pool_comparisons("OR", yi, vi, ci="wald", pi="z")
    assert_4dp([res.estimate, res.se, res.ci_low, res.ci_high, res.tau2], [-0.7472, 0.1867, -1.1132, -0.3812, 0.3408])
    assert round(res.i2, 2) == pytest.approx(92.18) and round(res.h2, 2) == pytest.approx(12.80)
    assert round(res.q, 4) == pytest.approx(167.4513)


def test_hazard_ratios_pool_on_the_log_scale():
    # two HRs, equal widths on the log scale -> equal weights; FE estimate = mean of the logs
    yi, vi = log_ratio_from_ci([0.5, 0.8], [0.25, 0.4], [1.0, 1.6])
    assert vi[0] == pytest.approx(vi[1])
    res = pool_comparisons("HR", yi, vi, method="FE", ci="wald", pi="z")
    assert res.estimate_ratio == pytest.approx(math.sqrt(0.5 * 0.8))  # exp((ln 0.5 + ln 0.8) / 2)
    se = math.sqrt(vi[0] / 2)
    assert res.ci_low_ratio == pytest.approx(math.exp(math.log(0.4**0.5) - Z * se))
    assert res.ci_high_ratio == pytest.approx(math.exp(math.log(0.4**0.5) + Z * se))


def test_pool_comparisons_keeps_pool_and_proportions_unchanged():
    yi, vi = bcg("RR")
    plain, compared = pool(yi, vi), pool_comparisons("RR", yi, vi)
    assert compared.estimate == plain.estimate and compared.weights == plain.weights
    assert plain.measure is None and plain.estimate_ratio is None
    props = pool_proportions([3, 5, 7], [10, 12, 15])
    assert props.measure is None and props.estimate_ratio is None and props.transform == "logit"
    d = compared.to_dict()
    assert d["measure"] == "RR" and type(d["estimate_ratio"]) is float and d["transform"] == "log"
    with pytest.raises(ValueError, match="measure"):
        pool_comparisons("SMD", yi, vi)


# --- absolute effects --------------------------------------------------------------------------


def test_absolute_effect_from_a_risk_ratio_by_hand():
    """Cochrane Handbook 5.1, 12.5.4.2: RR 0.92 at ACR 0.3 -> 24 fewer per 1000.
    Here RR 0.92 (0.80 to 1.10): risk = 0.3 × 0.92 = 0.276 (0.3 × 0.80 = 0.240 to 0.3 × 1.10 =
    0.330); per 1000: (0.276 - 0.3) × 1000 = -24 (-60 to +30)."""
    eff = absolute_effect("RR", 0.92, 0.80, 1.10, 0.3)
    assert (eff.risk, eff.risk_low, eff.risk_high) == pytest.approx((0.276, 0.240, 0.330))
    assert (eff.difference, eff.difference_low, eff.difference_high) == pytest.approx((-24, -60, 30))
    assert eff.per == 1000 and eff.capped is False and eff.comparator_risk == 0.3


def test_absolute_effect_from_an_odds_ratio_by_hand():
    """Cochrane Handbook 5.1, 12.5.4.3: OR 0.73 at ACR 0.3 -> 62 fewer per 1000.
    risk = 0.73 × 0.3 / (1 - 0.3 + 0.73 × 0.3) = 0.219 / 0.919 = 0.238303, (0.238303 - 0.3) × 1000
    = -61.70. CI from OR 0.50 and 1.05: 0.15 / 0.85 = 0.176471 -> -123.53;
    0.315 / 1.015 = 0.310345 -> +10.34."""
    eff = absolute_effect("OR", 0.73, 0.50, 1.05, 0.3)
    assert eff.risk == pytest.approx(0.219 / 0.919)
    assert round(eff.difference) == -62 and eff.difference == pytest.approx(-61.6975, abs=1e-4)
    assert eff.risk_low == pytest.approx(0.15 / 0.85) and eff.difference_low == pytest.approx(-123.5294, abs=1e-4)
    assert eff.risk_high == pytest.approx(0.315 / 1.015) and eff.difference_high == pytest.approx(10.3448, abs=1e-4)


def test_absolute_effect_from_a_hazard_ratio():
    """ParCC's HR-to-probability vignette (CRAN), PLATO cardiovascular death: control 5.25 % at
    12 months, HR 0.79 -> 1 - 0.9475^0.79 = 0.04171 with ticagrelor; (0.04171 - 0.0525) × 1000
    = -10.79 per 1000."""
    eff = absolute_effect("HR", 0.79, 0.69, 0.91, 0.0525)
    assert round(eff.risk, 5) == 0.04171 and eff.risk == pytest.approx(1 - 0.9475**0.79)
    assert eff.difference == pytest.approx((1 - 0.9475**0.79 - 0.0525) * 1000)
    assert eff.risk_low == pytest.approx(1 - 0.9475**0.69) and eff.risk_high == pytest.approx(1 - 0.9475**0.91)


def test_absolute_effect_chained_from_the_bcg_pooled_risk_ratio():
    """The summary-of-findings arithmetic on dat.bcg: REML RR 0.4894 (0.3441 to 0.6962), the
    comparator risk taken as the control arms' Σcpos / Σ(cpos + cneg) = 1510 / 166 283 = 0.0090809,
    i.e. 9.08 per 1000: (0.4894 - 1) × 9.0809 = -4.64 (-5.96 to -2.76) per 1000."""
    res = pool_comparisons("RR", *bcg("RR"), ci="wald", pi="z")
    acr = sum(CI) / sum(N2I)
    assert sum(CI) == 1510 and sum(N2I) == 166_283 and acr == pytest.approx(0.0090809, abs=1e-7)
    eff = absolute_effect("RR", res.estimate_ratio, res.ci_low_ratio, res.ci_high_ratio, acr)
    assert eff.risk == pytest.approx(acr * res.estimate_ratio)
    assert round(eff.difference, 2) == pytest.approx(-4.64)
    assert round(eff.difference_low, 2) == pytest.approx(-5.96)
    assert round(eff.difference_high, 2) == pytest.approx(-2.76)


def test_risk_ratio_above_one_is_capped_and_said():
    # ACR 0.6, RR 1.2 (0.9 to 1.8): 0.72 (0.54 to 1.08 -> capped at 1.0)
    eff = absolute_effect("RR", 1.2, 0.9, 1.8, 0.6)
    assert eff.risk == pytest.approx(0.72) and eff.risk_high == 1.0 and eff.capped is True
    assert eff.difference_high == pytest.approx(400.0)
    assert anticipated_risk("RR", 1.8, 0.6) == pytest.approx(1.08)
    # an OR can never leave [0, 1]
    assert absolute_effect("OR", 1.2, 0.9, 1.8, 0.6).capped is False


@pytest.mark.parametrize(
    "args",
    [
        ("SMD", 0.8, 0.6, 1.0, 0.3),  # not a ratio measure
        ("RR", 0.8, 0.9, 1.0, 0.3),  # ratio outside its CI
        ("RR", 0.8, 0.0, 1.0, 0.3),  # ratio bounds must be > 0
        ("RR", 0.8, 0.6, 1.0, 1.2),  # comparator risk above 1
        ("RR", 0.8, 0.6, 1.0, -0.1),  # negative comparator risk
        ("OR", float("nan"), 0.6, 1.0, 0.3),
    ],
)
def test_absolute_effect_rejects_bad_input(args):
    with pytest.raises(ValueError):
        absolute_effect(*args)


# --- input validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ai, n1i, ci, n2i, match",
    [
        ([11], [10], [5], [10], "between 0 and n"),  # events > n, treatment arm
        ([5], [10], [12], [10], "between 0 and n"),  # events > n, control arm
        ([-1], [10], [5], [10], "between 0 and n"),  # negative events
        ([0], [0], [5], [10], "n >= 1"),  # empty arm
        ([1, 2], [10, 10], [1], [10], "one entry per study"),
        ([1], [10, 10], [1], [10], "equal length"),
        ([float("nan")], [10], [1], [10], "finite"),
    ],
)
def test_escalc_2x2_rejects_bad_counts(ai, n1i, ci, n2i, match):
    with pytest.raises(ValueError, match=match):
        escalc_2x2("RR", ai, n1i, ci, n2i)


def test_escalc_2x2_rejects_unknown_measure_and_negative_add():
    with pytest.raises(ValueError, match="measure"):
        escalc_2x2("HR", [1], [10], [2], [10])
    with pytest.raises(ValueError, match="add"):
        escalc_2x2("RR", [1], [10], [2], [10], add=-0.5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sd1i": [0.0]}, "sd > 0"),
        ({"sd2i": [-1.0]}, "sd > 0"),
        ({"n1i": [0]}, "n >= 1"),
        ({"m2i": [1.0, 2.0]}, "equal length"),
        ({"m1i": [float("inf")]}, "finite"),
        ({"vtype": "UB"}, "vtype"),
        ({"n1i": [1], "n2i": [1], "vtype": "HO"}, "n1i \\+ n2i > 2"),
    ],
)
def test_escalc_md_rejects_bad_input(kwargs, match):
    args = {"m1i": [5.0], "sd1i": [2.0], "n1i": [10], "m2i": [4.0], "sd2i": [2.0], "n2i": [10]} | kwargs
    with pytest.raises(ValueError, match=match):
        escalc_md(**args)


@pytest.mark.parametrize(
    "ratio, lower, upper, level, match",
    [
        ([0.0], [0.5], [1.0], 0.95, "> 0"),
        ([0.8], [-0.5], [1.0], 0.95, "> 0"),
        ([0.8], [1.0], [0.5], 0.95, "lower < upper"),
        ([1.2], [0.5], [1.0], 0.95, "within its CI"),
        ([0.8], [0.5], [1.0], 95, "level"),
        ([0.8, 0.9], [0.5], [1.0], 0.95, "equal length"),
    ],
)
def test_log_ratio_from_ci_rejects_bad_input(ratio, lower, upper, level, match):
    with pytest.raises(ValueError, match=match):
        log_ratio_from_ci(ratio, lower, upper, level=level)
