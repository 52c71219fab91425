"""The export of what was pooled (issue 31, item 3): each modality's study-level CSV and the R
script generated with it, run with the installed Rscript (metafor 3.8, r-cran-metafor and
r-cran-lme4 in TEST_DEBS), must give back every pooled estimate, CI, PI, tau² with its CI and I²
the briefing printed, at 4 decimals.

Data: the seeds and the real-study fixture (which pool nothing: the export is a header and a script
that says so), the pooling fixture (twelve radiosurgery studies: the GLMM, leave-one-out, a
subgroup analysis and a meta-regression) and a small synthetic package (pooled means, risk ratios
from arms' counts, mean differences and stated ratios).

Tolerances: 1e-4 on the printed scale; I² compared as a share (its percentage / 100): the GLMM's
I² moves with its tau², which lme4 and meta's optimiser find 1e-6 apart (7e-4 percentage points
on the synthetic package); tau² and its upper Q-profile bound relative to their size above 1, as
test_metafor_oracle.py does the bound: a GLMM's tau² of 7.83 is 5e-4 apart (6e-5 of it) where
lme4 and meta's optimiser stop on a flat likelihood.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pooling_fixture import extend
from test_certainty_bodies import pooled_body

from briefing import analyses_export, certainty, evidence, summary, synthetic
from conftest import ROOT
from real_studies import add_studies

# Like test_metafor_oracle.py, but a CI machine without R fails rather than skips.
pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(
        shutil.which("Rscript") is None and not os.environ.get("CI"),
        reason="needs R with r-cran-metafor (make test-deps)",
    ),
]

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
TEMPLATES = ROOT / "templates"
TOL = 1e-4
# What the briefing prints of a pooled result, on the printed scale (proportion, ratio, mean).
PRINTED = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2")


def summaries(data: Path, config: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each modality's summary, as its JSON reads, with its settings."""
    found = []
    for m in config["modalities"]:
        piece = json.loads(evidence.dumps(evidence.build_slice(data / "datapackage.yaml", m, config["analysis"])))
        found.append((json.loads(json.dumps(summary.build_summary(piece))), piece["settings"]))
    return found


def refit(s: dict[str, Any], settings: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """Export one modality, run its R script, and return metafor's values beside the briefing's."""
    m = s["modality_id"]
    csv_path, r_path, values = folder / f"{m}.csv", folder / f"{m}.R", folder / f"{m}.metafor.csv"
    analyses_export.write(s, settings, TEMPLATES, csv_path, r_path)
    run = subprocess.run(["Rscript", str(r_path), str(csv_path), str(values)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    if not values.exists():
        return []
    with values.open(encoding="utf-8") as fh:
        return [r | {"metafor": _num(r["metafor"]), "briefing": _num(r["briefing"])} for r in csv.DictReader(fh)]


def _num(text: str) -> float | None:
    return None if text in ("NA", "") else float(text)


def differ(key: str, ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return (ours is None) != (theirs is None)
    if key == "i2":
        return abs(ours - theirs) / 100 > TOL
    scale = max(1.0, abs(theirs)) if key in ("tau2", "tau2_ci_high", "q_between") else 1.0
    return abs(ours - theirs) > TOL * scale


def printed(s: dict[str, Any]) -> list[dict[str, float | None]]:
    """Every pooled result's printed values, read from the summary JSON itself."""
    results = [(p["result"], "_prop" if p["kind"] == "proportion" else "") for p in s["pooled"] if p.get("result")]
    for key in ("sof_comparisons", "sof_differences", "pooled_ratios"):
        for row in s.get(key, []):
            if row.get("pooled"):
                ratio = "estimate_ratio" in row["pooled"] and row["pooled"]["estimate_ratio"] is not None
                results.append((row["pooled"], "_ratio" if ratio else ""))
    shown = []
    for fit, suffix in results:
        shown.append({k: fit.get(f"{k}{suffix}", fit.get(k)) for k in PRINTED})
    return shown


def check(data: Path, config: dict[str, Any], folder: Path) -> tuple[int, list[dict[str, Any]]]:
    """Every modality's refit equals the briefing's numbers; returns how many values were compared,
    and the summaries."""
    compared, built = 0, summaries(data, config)
    for s, settings in built:
        rows = refit(s, settings, folder)
        wrong = [r for r in rows if differ(r["value"], r["metafor"], r["briefing"])]
        assert not wrong, f"{s['modality_id']}: {len(wrong)} values differ from metafor, first {wrong[:5]}"
        # The briefing's values in the CSV are the summary's: each pooled result's, by metafor.
        with (folder / f"{s['modality_id']}.csv").open(encoding="utf-8") as fh:
            primary_ids = {r["analysis"] for r in csv.DictReader(fh) if r["part"] == "primary"}
        primary: dict[str, dict[str, float | None]] = {}
        for r in rows:
            if r["analysis"] in primary_ids:
                primary.setdefault(r["analysis"], {})[r["value"]] = r["metafor"]
        for shown in printed(s):
            match = [a for a in primary.values() if not any(differ(k, shown[k], a.get(k)) for k in PRINTED)]
            assert match, f"{s['modality_id']}: no metafor refit gives the printed {shown}"
        assert len(primary) == len(printed(s))
        compared += len(rows)
    return compared, [s for s, _ in built]


def project(tmp_path: Path, real: bool = False, pooling: bool = False) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    if real:
        add_studies(tmp_path)
    if pooling:
        extend(tmp_path / "data")
    return tmp_path / "data"


@pytest.mark.parametrize("real", [False, True], ids=["seeds", "real-studies"])
def test_the_seeds_and_real_studies_export_what_they_pool(tmp_path: Path, real: bool) -> None:
    """Neither pools anything today: each modality gets the CSV's header alone and a script that
    says so and runs."""
    _, built = check(project(tmp_path, real=real), CONFIG, tmp_path)
    for s in built:
        text = (tmp_path / f"{s['modality_id']}.csv").read_text(encoding="utf-8")
        if not printed(s):
            assert text == ",".join(analyses_export.COLUMNS) + "\n"
            assert "Nothing was pooled" in (tmp_path / f"{s['modality_id']}.R").read_text(encoding="utf-8")


def test_the_r_script_reproduces_the_glmm_leave_one_out_subgroups_and_meta_regression(tmp_path: Path) -> None:
    data = project(tmp_path, pooling=True)
    config = CONFIG | {"modalities": ["srs", "hfrt"]}
    assert check(data, config, tmp_path)[0] > 100
    text = (tmp_path / "srs.csv").read_text(encoding="utf-8")
    for part in ("leave-one-out", "subgroup: ", "test for subgroup differences", "meta-regression on ", "estimator"):
        assert part in text, part
    script = (tmp_path / "srs.R").read_text(encoding="utf-8")
    assert 'rma.glmm(measure = "PLO", xi = xi, ni = ni, data = d, test = "t")' in script
    assert 'method = "REML", test = "knha"' in script and "mods = ~ moderator" in script


def test_the_r_script_reproduces_pooled_means_and_two_arm_comparisons(tmp_path: Path) -> None:
    synthetic.generate(60, 3, 1, tmp_path / "project")
    config = yaml.safe_load((tmp_path / "project" / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert check(tmp_path / "project" / "data", config, tmp_path)[0] > 1000
    parts = "".join((tmp_path / f"{m}.csv").read_text(encoding="utf-8") for m in config["modalities"])
    for measure in (",MN,", ",RR,", ",GEN,", "comparison-"):
        assert measure in parts, measure


def test_the_build_publishes_each_modalitys_export(built: Path) -> None:
    for m in CONFIG["modalities"]:
        for suffix in (".csv", ".R"):
            published = built / "reports" / "analyses" / f"{m}{suffix}"
            assert published.read_bytes() == (built / "results" / "analyses" / f"{m}{suffix}").read_bytes()
        header = (built / "reports" / "analyses" / f"{m}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(analyses_export.COLUMNS)
    run = subprocess.run(["Rscript", str(built / "reports" / "analyses" / "srs.R")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_r_script_reproduces_the_refit_without_the_studies_at_high_risk_of_bias(tmp_path: Path) -> None:
    """Four real studies' pain responses (test_certainty_bodies.py), TROG 96.05 judged at high risk:
    the risk-of-bias proposal's refit of the other three is exported and reproduced."""
    body = pooled_body()
    rating = certainty.rate("pain_response", ["randomised_trial"], [], certainty.propose(body, CONFIG["analysis"]))
    outcomes = [{"outcome_id": o, "study_id": s} for o, s in body["outcome_study"].items()]
    s = json.loads(
        json.dumps({"modality_id": "cebrt", "pooled": body["pooled"], "outcomes": outcomes, "certainty": [rating]})
    )
    rows = refit(s, CONFIG["analysis"], tmp_path)
    assert not [r for r in rows if differ(r["value"], r["metafor"], r["briefing"])]
    refitted = {r["value"]: r["metafor"] for r in rows if r["analysis"] == "cebrt-1-without-high-risk"}
    assert set(refitted) == set(PRINTED)
    with (tmp_path / "cebrt.csv").open(encoding="utf-8") as fh:
        kept = [r["study_id"] for r in csv.DictReader(fh) if r["analysis"] == "cebrt-1-without-high-risk"]
    assert sorted(kept) == ["robinson1989_sr89", "sun2026", "vandervelden2018"]
