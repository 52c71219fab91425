"""Pooled proportions through the product path (pooling.pool_outcomes, summary, registry): the
GLMM as primary model with the inverse-variance REML result beside it, its fallback, the
robustness checks, prespecified subgroups with meta-regression, and small-study effects feeding
the publication-bias proposal."""

from __future__ import annotations

import copy
import functools

import pytest
from test_certainty_bodies import pool_outcomes, propose, rate

from briefing.assemble import combine, registry
from briefing.stats import meta, pooling, robustness, subgroups
from briefing.verify import validation

PRITZ_X = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6]
PRITZ_N = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10]
WINDOWS = {"pain_response": [{"label": "2 to 6 weeks", "min_days": 14, "max_days": 42}]}


def pooled(events, n, studies=None, settings=None, modality="m"):
    """One pooled pain-response entry from counts, as the summary's pooling step makes it."""
    outcomes = [
        {
            "outcome_id": f"o{i}",
            "study_id": f"s{i:02d}",
            "domain": "pain_response",
            "measure": "Overall response",
            "statistic": "count",
            "time_days": 30,
            "icpr_category": "overall",
        }
        for i in range(len(events))
    ]
    estimates = {f"o{i}": {"events": x, "n": m} for i, (x, m) in enumerate(zip(events, n, strict=True))}
    [entry] = pool_outcomes(outcomes, estimates, WINDOWS, studies, settings, modality)
    return entry


@functools.cache
def _pritz() -> dict:
    return pooled(PRITZ_X, PRITZ_N)


def pritz() -> dict:
    """The Pritz entry with the default settings (14 GLMM fits for its leave-one-out: 4 s), computed
    once per process and handed out as a copy."""
    return copy.deepcopy(_pritz())


def r4(x):
    return round(x, 4)


def test_pritz_pooled_entry_reproduces_metafor_rma_glmm():
    entry = pritz()
    r = entry["result"]
    assert r["method"] == "GLMM" and entry["fallback"] is None
    assert r4(r["estimate_prop"]) == 0.7984
    # Cochrane's defaults (issue 31). In R 4.2.2, metafor 3.8-1 (the z-based values were 0.6924, 0.8746
    # and 0.4426, 0.9518):
    #   g <- rma.glmm(measure="PLO", xi=x, ni=n, test="t"); predict(g, transf=transf.ilogit)  # ci 0.6800 0.8808
    #   plogis(as.numeric(g$b) + c(-1, 1) * qt(.975, 12) * sqrt(g$se^2 + g$tau2))             # 0.3989 0.9594
    assert (r4(r["ci_low_prop"]), r4(r["ci_high_prop"])) == (0.6800, 0.8808)
    assert (r["ci_method"], r["pi_method"]) == ("t", "t")
    assert r["pi_low_prop"] == pytest.approx(0.3989, abs=1e-4) and r["pi_high_prop"] == pytest.approx(0.9594, abs=1e-4)
    # the inverse-variance logit REML result beside it (metafor rma(PLO): 0.7575)
    assert entry["sensitivity"]["method"] == "REML" and r4(entry["sensitivity"]["estimate_prop"]) == 0.7575
    # 4.1 points apart, the CIs' bounds less than 5: not a material difference
    assert entry["material"] is None and pooling.MATERIAL_PP == 5
    assert "GLMM" in entry["note"] and "REML as sensitivity" in entry["note"]
    assert sum(r["weights"]) == pytest.approx(100)


def test_robustness_of_the_pritz_entry():
    entry = pritz()
    rob = entry["robustness"]
    assert [e["method"] for e in rob["estimators"]] == ["GLMM", "REML", "DL", "PM"]
    assert [r4(e["estimate"]) for e in rob["estimators"]][:2] == [0.7984, 0.7575]
    assert len(rob["leave_one_out"]) == 14
    # each omission refits the GLMM: the first row is a direct refit without study 1
    direct = meta.pool_proportions_glmm(PRITZ_X[1:], PRITZ_N[1:])
    assert rob["leave_one_out"][0]["estimate"] == pytest.approx(direct.estimate_prop)
    assert rob["leave_one_out"][0]["tau2"] == pytest.approx(direct.tau2)
    # 14 studies: the leave-one-out table lists the most influential five, Egger's test is run
    estimators_table, loo_table = rob["tables"]
    assert len(estimators_table["rows"]) == 4 and len(loo_table["rows"]) == robustness.LOO_SHOWN
    assert "most influential" in loo_table["caption"]
    line = rob["lines"][0]
    assert line.startswith("95 % prediction interval 39.9 to 95.9 % (I² =")  # t on 12 df, as above
    assert rob["egger"]["k"] == 14 and rob["funnel"] and "Egger's test" in rob["lines"][1]


def test_a_glmm_that_cannot_be_fitted_falls_back_to_reml_and_says_so(tmp_path):
    # 0/n beside n/n: the GLMM's tau² runs off to a boundary
    entry = pooled([0, 5, 0, 7], [5, 5, 6, 7])
    assert entry["result"]["method"] == "REML" and entry["sensitivity"] is None
    assert entry["result"]["estimate"] == meta.pool_proportions([0, 5, 0, 7], [5, 5, 6, 7]).estimate
    assert entry["fallback"].startswith("GLMM not usable (") and "REML result reported instead" in entry["fallback"]
    assert "GLMM not being usable" in entry["note"]
    # the summary's pooled entry carries it into the briefing's registry, so its numbers are audited
    summary = {"modality_id": "m", "pooled": [entry | {"figure_id": "fig-m-forest-1"}], "figures": []}
    [registered] = registry._pooled_results(summary)
    assert entry["fallback"] in registered["shown"]


def test_optimiser_failure_falls_back_with_a_message(monkeypatch):
    real = meta.pool_proportions_glmm
    monkeypatch.setattr(meta, "pool_proportions_glmm", lambda x, n, **kw: real(x, n, maxiter=3))
    entry = pooled(PRITZ_X, PRITZ_N)
    assert entry["result"]["method"] == "REML"
    assert "did not converge" in entry["fallback"]


def test_a_material_difference_is_noted():
    entry = pooled([1, 0, 2, 9], [10, 12, 8, 15])
    assert entry["result"]["method"] == "GLMM"
    assert pooling.differs(entry["result"], entry["sensitivity"])
    assert entry["material"].startswith("GLMM and inverse-variance REML differ by more than 5 percentage points")


def test_two_studies_pool_by_glmm_and_say_what_was_not_done():
    studies = {"s00": {"study_id": "s00", "short_name": "A 2001"}, "s01": {"study_id": "s01", "short_name": "B 2002"}}
    settings = {"subgroups": {"m": [{"covariate": "dose_per_fraction_max_gy", "cutpoint": 16, "unit": "Gy"}]}}
    entry = pooled([30, 52], [40, 85], studies, settings)
    assert entry["result"]["method"] == "GLMM" and entry["k"] == 2
    rob = entry["robustness"]
    assert rob["leave_one_out"] == [] and "leave-one-out needs three studies or more" in rob["lines"][0]
    assert rob["egger"] is None and rob["funnel"] == []
    assert rob["lines"][1].startswith("No funnel plot or Egger's test: 2 studies, fewer than the 10")
    [analysis] = entry["subgroups"]
    assert not analysis["done"] and "no study states it" in analysis["text"]


def twelve(seed: int = 3):
    """12 studies whose response rises with the dose per fraction (12 to 24 Gy)."""
    import numpy as np
    from scipy import special

    rng = np.random.default_rng(seed)
    dose = [12, 14, 15, 16, 12, 18, 20, 24, 16, 22, 13, 19]
    n = rng.integers(25, 120, 12)
    x = rng.binomial(n, special.expit(-1.2 + 0.12 * np.array(dose) + rng.normal(0, 0.3, 12)))
    studies = {
        f"s{i:02d}": {"study_id": f"s{i:02d}", "short_name": f"Study {i + 1}", "dose_per_fraction_max_gy": d}
        for i, d in enumerate(dose)
    }
    return [int(v) for v in x], [int(v) for v in n], studies


def test_twelve_studies_get_subgroups_meta_regression_and_egger():
    x, n, studies = twelve()
    spec = {"covariate": "dose_per_fraction_max_gy", "cutpoint": 16, "unit": "Gy", "label": "maximum dose"}
    settings = {"subgroup_min_studies": 4, "subgroups": {"m": [spec]}}
    entry = pooled(x, n, studies, settings)
    [analysis] = entry["subgroups"]
    assert analysis["done"] and [s["subgroup"] for s in analysis["subgroups"]] == ["below 16 Gy", "16 Gy or more"]
    assert [s["k"] for s in analysis["subgroups"]] == [5, 7]
    # the meta-regression is metafor's rma(yi, vi, mods = ~ dose) on the escalc logits
    yi, vi = meta.escalc_logit(x, n)
    expected = meta.meta_regression(yi, vi, [s["dose_per_fraction_max_gy"] for s in studies.values()])
    assert analysis["meta_regression"]["slope"]["estimate"] == pytest.approx(expected.slope.estimate)
    assert (
        "test for subgroup differences Q =" in analysis["text"]
        and "meta-regression on maximum dose" in analysis["text"]
    )
    assert "residual τ² =" in analysis["text"]
    # Q between from the subgroups' GLMM logits and SEs
    fits = [
        meta.pool_proportions_glmm([x[i] for i in idx], [n[i] for i in idx])
        for idx in ([0, 1, 2, 4, 10], [3, 5, 6, 7, 8, 9, 11])
    ]
    w = [1 / f.se**2 for f in fits]
    mean = sum(wi * f.estimate for wi, f in zip(w, fits, strict=True)) / sum(w)
    q = sum(wi * (f.estimate - mean) ** 2 for wi, f in zip(w, fits, strict=True))
    assert analysis["q_between"] == pytest.approx(q) and analysis["df"] == 1
    assert entry["robustness"]["egger"]["k"] == 12 and len(entry["robustness"]["funnel"]) == 12
    assert len(entry["robustness"]["tables"][1]["rows"]) == robustness.LOO_SHOWN


def test_subgroups_below_the_minimum_say_why():
    x, n, studies = twelve()
    spec = {"covariate": "dose_per_fraction_max_gy", "cutpoint": 13, "unit": "Gy", "label": "maximum dose"}
    entry = pooled(x, n, studies, {"subgroup_min_studies": 4, "subgroups": {"m": [spec]}})
    [analysis] = entry["subgroups"]
    assert not analysis["done"] and analysis["meta_regression"] is None
    assert analysis["text"] == (
        "Subgroups by maximum dose: not analysed, subgroups of 2 (below 13 Gy) and 10 (13 Gy or more) studies, "
        "fewer than the 4 per subgroup prespecified"
    )


def test_egger_feeds_the_publication_bias_proposal_and_the_curator_wins():
    significant = {"label": "Overall response, 2 to 6 weeks", "p": 0.03, "significant": True}
    calm = significant | {"p": 0.4, "significant": False}
    size = {"studies": 12, "participants": 900, "i2": 30.0, "items": []}
    assert "publication_bias" not in propose(size)  # no test, no proposal
    proposal = propose(size | {"egger": [significant]})["publication_bias"]
    assert proposal["judgement"] == -1 and "suggests small-study effects" in proposal["reason"]
    assert propose(size | {"egger": [calm]})["publication_bias"]["judgement"] == 0
    # the build's proposal is named as such; a curator's record wins
    rated = rate("pain_response", ["case_series"], [], propose(size | {"egger": [significant]}))
    [factor] = [f for f in rated["factors"] if f["factor"] == "publication_bias"]
    assert factor["source"] == "build" and factor["judgement_text"] == "strongly suspected (−1)"
    curator = [{"factor": "publication_bias", "judgement": 0, "reason": "Searched registries; none unpublished."}]
    rated = rate("pain_response", ["case_series"], curator, propose(size | {"egger": [significant]}))
    [factor] = [f for f in rated["factors"] if f["factor"] == "publication_bias"]
    assert factor["source"] == "curator" and factor["judgement"] == 0 and factor["rule"]["judgement"] == -1


def test_methods_name_the_models_and_the_thresholds_used():
    settings = {"subgroup_min_studies": 5, "subgroups": {"srs": [{"covariate": "fractions_max", "cutpoint": 3}]}}
    text = combine.pooling_method(settings)
    for words in (
        "binomial–normal",
        "falls back to the REML result",
        f"more than {pooling.MATERIAL_PP} percentage points",
        f"at least {robustness.SMALL_STUDY_MIN} studies",
        "srs: fractions max (below 3 versus 3 or more)",
        "at least 5 studies",
        "Paule–Mandel",
    ):
        assert words in text
    assert subgroups.min_studies({}) == subgroups.DEFAULT_MIN_STUDIES


def test_config_subgroups_are_validated():
    bad = {"subgroups": {"srs": [{"covariate": "regimen"}, {"covariate": "design", "cutpoint": 2}]}}
    problems = validation.settings_problems(bad | {"subgroup_min_studies": 1})
    columns = sorted(p.column for p in problems)
    assert columns == ["analysis.subgroup_min_studies", "analysis.subgroups.srs[0]", "analysis.subgroups.srs[1]"]
    assert validation.settings_problems({"subgroups": {"srs": [{"covariate": "dose_per_fraction_max_gy"}]}}) == []


def test_leave_one_out_refits_reml_beyond_the_glmm_limit():
    k = robustness.LOO_GLMM_MAX + 1
    x, n = [10 + i % 7 for i in range(k)], [20 + i % 5 for i in range(k)]
    entry = pooled(x, n)
    assert entry["result"]["method"] == "GLMM"
    loo = entry["robustness"]["tables"][1]
    assert loo["caption"].startswith("Leave-one-out, REML refitted") and loo["columns"][2] == "Change, points"
    refit = meta.pool_proportions(x[1:], n[1:], transform="logit", method="REML")
    assert entry["robustness"]["leave_one_out"][0]["estimate"] == pytest.approx(refit.estimate_prop)


def test_the_fixture_modalities_show_every_analysis(tmp_path):
    """Twelve radiosurgery studies and two hypofractionated ones (tests/pooling_fixture.py) through
    the summary: forest plot with the REML diamond, funnel plot, subgroups, meta-regression, and the
    publication-bias proposal the curator's record overrides."""
    import json
    import shutil

    import yaml
    from pooling_fixture import extend

    from briefing.assemble import summary
    from briefing.data import evidence
    from conftest import ROOT

    shutil.copytree(ROOT / "data", tmp_path / "data")
    extend(tmp_path / "data")
    package = tmp_path / "data" / "datapackage.yaml"
    assert validation.validate_package(package) == []
    settings = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["analysis"]

    def build(m):
        return summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, settings))))

    srs = build("srs")
    [entry] = [p for p in srs["pooled"] if p["result"]]
    assert entry["k"] == 12 and entry["result"]["method"] == "GLMM" and entry["funnel_id"] == "fig-srs-funnel-1"
    forest = next(f for f in srs["figures"] if f["id"] == "fig-srs-forest-1")
    assert [r["Study"] for r in forest["table"][-3:]] == [
        "Random effects (GLMM)",
        "95 % prediction interval",
        "Inverse variance, REML (sensitivity)",
    ]
    funnel = next(f for f in srs["figures"] if f["id"] == "fig-srs-funnel-1")
    assert len(funnel["table"]) == 12 and funnel["heterogeneity"].startswith("Egger's test")
    [analysis] = entry["subgroups"]
    assert analysis["done"] and analysis["meta_regression"]["slope"]["estimate"] > 0
    rating = next(r for r in srs["certainty"] if r["domain"] == "pain_response")
    bias = next(f for f in rating["factors"] if f["factor"] == "publication_bias")
    assert bias["source"] == "curator"  # data/certainty.csv records it
    # Egger's p = 0.091 < 0.10: the rule would propose strongly suspected; the curator's "undetected" stands
    assert bias["judgement"] == 0 and bias["rule"]["judgement"] == -1
    assert bias["rule"]["reason"].startswith("Egger's test suggests small-study effects")
    hfrt = build("hfrt")
    [entry] = [p for p in hfrt["pooled"] if p["result"]]
    assert entry["k"] == 2 and entry["result"]["method"] == "GLMM" and entry["funnel_id"] is None
    assert "leave-one-out needs three studies or more" in entry["robustness"]["lines"][0]
    assert entry["subgroups"][0]["text"].endswith("all 2 studies fall in one subgroup (8 Gy or more)")


def test_the_fallback_is_said_in_the_rendered_briefing(tmp_path):
    """Four seed-brachytherapy studies with 0/n beside n/n: the GLMM runs off, the briefing shows
    the REML result and says why, beside the pooled result."""
    import copy
    import json
    import shutil

    import yaml
    from pooling_fixture import _response, _study

    from briefing.assemble import summary
    from briefing.data import evidence
    from briefing.present import render
    from conftest import PROVENANCE, ROOT, append_rows

    shutil.copytree(ROOT / "data", tmp_path / "data")
    counts = [
        ("ashby2011", 2011, 5, 0),
        ("brook2012", 2012, 5, 5),
        ("crane2013", 2013, 6, 0),
        ("drake2014", 2014, 7, 7),
    ]
    append_rows(tmp_path / "data" / "studies.csv", [_study(sid, year, n, 2, "i125") for sid, year, n, _ in counts])
    outcomes = [_response(sid, n, x, "Overall response", "overall") for sid, _, n, x in counts]
    append_rows(tmp_path / "data" / "outcomes.csv", outcomes)
    package = tmp_path / "data" / "datapackage.yaml"
    assert validation.validate_package(package) == []
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    summaries = [
        summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, config["analysis"]))))
        for m in config["modalities"]
    ]
    [entry] = [p for s in summaries for p in s["pooled"] if p["result"] and p["domain"] == "pain_response"]
    assert entry["result"]["method"] == "REML" and "ran off towards a boundary" in entry["fallback"]
    tables = evidence.read_tables(package)
    context = combine.build(config, summaries, tables, evidence.general_statements(tables), copy.deepcopy(PROVENANCE))
    html = render.render_html(json.loads(evidence.dumps(context)), ROOT / "templates")
    assert f"<strong>{entry['fallback']}.</strong>" in html
    assert "Random effects (REML)" in next(f for f in summaries[3]["figures"] if "forest" in f["id"])["alt"]


def test_the_config_switches_each_random_effects_method_back_and_methods_says_which():
    """analysis.ci / prediction_interval / i2 reach every pooled result and the Methods text: with
    Wald and z the Pritz GLMM prints metafor's rma.glmm defaults again (0.6924 to 0.8746, PI
    0.4426 to 0.9518), and I² from Q is (Q - df)/Q."""
    old = {"ci": "wald", "prediction_interval": "z", "i2": "q"}
    entry = pooled(PRITZ_X, PRITZ_N, settings=old)
    r = entry["result"]
    assert (r4(r["ci_low_prop"]), r4(r["ci_high_prop"])) == (0.6924, 0.8746)
    assert (r4(r["pi_low_prop"]), r4(r["pi_high_prop"])) == (0.4426, 0.9518)
    reml = entry["sensitivity"]
    assert reml["i2"] == pytest.approx(100 * (reml["q"] - 13) / reml["q"])
    assert "a Wald (normal) 95 % CI" in combine.pooling_method(old)
    assert "from the normal distribution" in combine.pooling_method(old)
    default = combine.pooling_method({})
    assert "Hartung–Knapp–Sidik–Jonkman" in default and "t distribution on k − 2 df" in default
    assert "Q-profile" in default and "RevMan since January 2025" in default


def test_a_pooled_window_no_summary_row_takes_still_prints_its_estimate(tmp_path):
    """Found by a 30 x 1,000 synthetic build: a modality pooled one outcome per patient and per
    lesion, its summary of findings row took the first, and the other pooled result was registered
    as printed in the modality's PDF but printed nowhere, so the PDF job's audit stopped the build. Every pooled
    result's estimate is now in the pooled results list. Here the pooling fixture's two
    hypofractionated studies at one month per patient, and three more per treated lesion (pooled
    apart, under a definition of their own that no summary row has)."""
    import json
    import shutil

    import yaml
    from pooling_fixture import _response, _study, extend

    from briefing.assemble import modality_print, summary
    from briefing.data import evidence
    from briefing.verify import audit
    from conftest import ROOT, append_rows

    shutil.copytree(ROOT / "data", tmp_path / "data")
    extend(tmp_path / "data")
    later = [("nash2022", 2022, 50, 31), ("owen2023", 2023, 40, 22), ("price2024", 2024, 36, 20)]
    append_rows(tmp_path / "data" / "studies.csv", [_study(sid, year, n, 8, "hfrt") for sid, year, n, _ in later])
    rows = [_response(sid, n, x, "Improved pain relief", "") for sid, _, n, x in later]
    for row in rows:  # counted per treated lesion: pooled apart from the patients' rows
        row.update(denominator_unit="lesions")
    append_rows(tmp_path / "data" / "outcomes.csv", rows)
    package = tmp_path / "data" / "datapackage.yaml"
    assert validation.validate_package(package) == []
    settings = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["analysis"]
    piece = evidence.build_slice(package, "hfrt", settings)
    hfrt = summary.build_summary(json.loads(evidence.dumps(piece)))
    pooled = [p for p in hfrt["pooled"] if p["result"]]
    assert [p["definition"] for p in pooled] == ["Improved pain relief", "Improved pain relief, per lesions"]
    in_sof = [p for p in pooled if any(p["effect"] in (row.get("effect") or "") for row in hfrt["sof"]["rows"])]
    assert len(in_sof) < len(pooled)  # the case: a pooled result no summary row prints

    context = modality_print.context(hfrt, "Title", "2026-01-01", "a" * 64)
    html = tmp_path / "hfrt.print.html"
    html.write_text(modality_print.render(context, ROOT / "templates"), encoding="utf-8")
    templates = [ROOT / "templates" / name for name in modality_print.TEMPLATES]
    problems = audit.check(
        [("print HTML", html)],
        None,
        lambda: modality_print.allowed_numbers(context, json.loads(evidence.dumps(piece)), templates),
        modality_print.figures(context),
        {"print HTML": "modality_pdf", "PDF": "modality_pdf"},
    )
    assert problems == []
    assert all(p["effect"] in html.read_text(encoding="utf-8") for p in pooled)
