"""Property-based invariants (hypothesis): intervals contain their estimate and stay in bounds,
results do not depend on row order, an unrelated modality changes nothing else, and every figure
in briefing.json traces to a data row."""

from __future__ import annotations

import json
import random
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing import effects, evidence, meta, registry, summary
from conftest import ROOT

ANALYSIS = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["analysis"]


@st.composite
def counts(draw):
    n = draw(st.integers(min_value=1, max_value=5000))
    return draw(st.integers(min_value=0, max_value=n)), n


@given(counts())
def test_wilson_interval_contains_the_estimate_within_0_1(xn):
    x, n = xn
    low, high = effects.wilson(x, n)
    eps = 1e-12  # floating point at x = 0 or x = n
    assert -eps <= low <= x / n + eps and x / n - eps <= high <= 1 + eps


@given(st.lists(counts(), min_size=2, max_size=30), st.sampled_from(["REML", "DL", "PM", "FE"]))
@settings(deadline=None, max_examples=60)
def test_pooled_proportion_interval_contains_the_estimate_and_ignores_order(studies, method):
    events, ns = zip(*studies, strict=False)
    result = meta.pool_proportions(list(events), list(ns), method=method)
    assert 0 <= result.ci_low_prop <= result.estimate_prop <= result.ci_high_prop <= 1
    if result.pi_low_prop is not None:
        assert result.pi_low_prop <= result.ci_low_prop and result.ci_high_prop <= result.pi_high_prop
    order = list(range(len(studies)))
    random.Random(len(studies)).shuffle(order)
    shuffled = meta.pool_proportions([events[i] for i in order], [ns[i] for i in order], method=method)
    assert shuffled.estimate == pytest.approx(result.estimate, rel=1e-6, abs=1e-9)
    assert shuffled.tau2 == pytest.approx(result.tau2, rel=1e-5, abs=1e-8)


@given(st.decimals(min_value=0, max_value=100, places=1), st.integers(min_value=1, max_value=2000))
def test_a_derived_count_always_reproduces_its_percentage(percent, n):
    count = effects.derive_count(str(percent), n)
    if count is not None:
        assert 0 <= count <= n
        assert effects.percent_text(count / n) == f"{percent:.1f}"


def slice_summary(package, modality):
    return summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, modality, ANALYSIS))))


def results(s):
    """What a summary computes (estimates, pooled results, ratings, SoF, figure data), leaving out
    the statements, which keep the curator's order, and the SVG markup."""
    keys = ("estimates", "pooled", "certainty", "sof", "outcomes", "primary_studies", "main_pain", "sentences")
    return json.dumps({k: s[k] for k in keys} | {"figures": [f["table"] for f in s["figures"]]}, sort_keys=True)


@pytest.fixture(scope="module")
def seed_summaries():
    package = ROOT / "data" / "datapackage.yaml"
    return {m: results(slice_summary(package, m)) for m in ("srs", "hfrt", "i125")}


@given(st.randoms(use_true_random=False))
@settings(deadline=None, max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_row_order_does_not_change_any_summary(tmp_path_factory, seed_summaries, rnd):
    data = tmp_path_factory.mktemp("shuffled") / "data"
    shutil.copytree(ROOT / "data", data)
    for name in ("studies.csv", "outcomes.csv", "statements.csv", "certainty.csv"):
        header, *rows = (data / name).read_text(encoding="utf-8").splitlines(keepends=True)
        rnd.shuffle(rows)
        (data / name).write_text(header + "".join(rows), encoding="utf-8")
    for m, expected in seed_summaries.items():
        assert results(slice_summary(data / "datapackage.yaml", m)) == expected, m


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=500))
@settings(deadline=None, max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_an_unrelated_modality_changes_no_other_modality(tmp_path_factory, seed_summaries, n, x):
    x = min(x, n)
    data = tmp_path_factory.mktemp("extra") / "data"
    shutil.copytree(ROOT / "data", data)
    with open(data / "modalities.csv", "a", encoding="utf-8") as fh:
        fh.write("vertebro,8,Vertebroplasty,Vertebroplasty,Cement injected into the vertebral body.\n")
    with open(data / "studies.csv", "a", encoding="utf-8") as fh:
        fh.write(f"vp2020,Vp 2020,Cement study,Vp A,2020,,,,,,prospective_cohort,,,{n},,vertebro,,,,,,,,,test,test\n")
    with open(data / "outcomes.csv", "a", encoding="utf-8") as fh:
        fh.write(
            "vp2020-relief,vp2020,pain_response,Overall response,overall,overall,count,,"
            f"{x},,{x},{n},patients,patients,1 month,30,,,,test,\n"
        )
    for m, expected in seed_summaries.items():
        assert results(slice_summary(data / "datapackage.yaml", m)) == expected, m
    assert slice_summary(data / "datapackage.yaml", "vertebro")["outcomes"][0]["estimate"]["events"] == x


def test_every_figure_in_the_registry_traces_to_a_data_row():
    package = ROOT / "data" / "datapackage.yaml"
    tables = evidence.read_tables(package)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    summaries = [slice_summary(package, m) for m in config["modalities"]]
    figures = registry.figure_registry(summaries)
    outcomes = {o["outcome_id"]: o for o in tables["outcomes"]}
    studies = {s["study_id"]: s for s in tables["studies"]}
    ids = {f["id"] for f in figures}
    for f in figures:
        if f.get("derived"):
            # an outcome row, another registry entry, or (for a count of studies) a study row
            assert f["derived_from"] and all(d in outcomes or d in ids or d in studies for d in f["derived_from"])
        elif f["table"] == "studies":
            study = studies[f["study_id"]]
            assert f["value_text"] == str(study.get(f"{f['field']}_text", study[f["field"]]))
        else:
            row = outcomes[f["id"]]
            assert f["locator"] == row["locator"]
            assert f.get("value_text") == row.get("value_text")
