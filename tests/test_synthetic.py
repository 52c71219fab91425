"""The synthetic evidence generator: valid packages, the declared columns, a matching config,
the same bytes for the same seed, and every shape of comparative evidence the data model has (two-arm
trials, stated comparisons, subgroups, systematic reviews with and without meta-analysis, mean changes
on a declared scale), which a build on a small package shows."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench.synthetic import generate
from briefing.core.vocabulary import DESIGNS, DOMAINS
from briefing.verify.validation import validate_package

ROOT = Path(__file__).resolve().parents[1]


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One medium package for the checks that do not depend on its size: 300 studies over 12
    modalities, so that one modality (the seventh) has review statements only."""
    out = tmp_path_factory.mktemp("medium")
    counts = generate(300, 12, seed=7, out=out)
    assert counts["studies"] == 300 and counts["modalities"] == 12
    return out


def assert_valid(out: Path) -> None:
    config = yaml.safe_load((out / "config" / "config.yaml").read_text(encoding="utf-8"))
    with open(out / "data" / "modalities.csv", encoding="utf-8", newline="") as fh:
        ids = [row["modality_id"] for row in csv.DictReader(fh)]
    assert config["modalities"] == ids
    # Everything else of the config is the project's.
    original = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert {k: v for k, v in config.items() if k != "modalities"} == {
        k: v for k, v in original.items() if k != "modalities"
    }
    problems = validate_package(out / "data" / "datapackage.yaml", config["modalities"])
    assert problems == [], "\n".join(map(str, problems))


def test_a_small_package_is_valid(tmp_path: Path) -> None:
    counts = generate(12, 3, seed=7, out=tmp_path)
    assert counts["studies"] == 12 and counts["modalities"] == 3
    assert_valid(tmp_path)


def test_a_medium_package_is_valid(medium: Path) -> None:
    assert_valid(medium)


def test_columns_are_the_declared_ones_in_order(medium: Path) -> None:
    descriptor = yaml.safe_load((medium / "data" / "datapackage.yaml").read_text(encoding="utf-8"))
    assert (medium / "data" / "datapackage.yaml").read_bytes() == (ROOT / "data" / "datapackage.yaml").read_bytes()
    for resource in descriptor["resources"]:
        with open(medium / "data" / resource["path"], encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]


def test_outcome_mix_is_realistic(medium: Path) -> None:
    outcomes, studies = _table(medium / "data", "outcomes"), _table(medium / "data", "studies")
    kinds = {(o["domain"], o["statistic"]) for o in outcomes}
    for expected in [
        ("pain_response", "percent"),
        ("pain_score", "mean"),
        ("opioid_dose", "mean"),
        ("toxicity", "count"),
        ("retreatment", "hazard_ratio"),
    ]:
        assert expected in kinds, expected
    assert {"complete", "partial"} <= {o["icpr_category"] for o in outcomes}
    assert any(o["domain"] == "pain_response" and o["denominator"] for o in outcomes)
    assert any(o["domain"] == "pain_score" and o["sd"] and o["time_days"] == "0" for o in outcomes)
    assert any(s["design"] == "narrative_review" for s in studies)
    assert (medium / "data" / "statements.csv").read_text(encoding="utf-8").count("\n") > 1


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    generate(60, 9, seed=42, out=tmp_path / "a")
    generate(60, 9, seed=42, out=tmp_path / "b")
    generate(60, 9, seed=43, out=tmp_path / "c")
    a, b, c = (_files(tmp_path / name) for name in "abc")
    assert a == b
    assert a["data/outcomes.csv"] != c["data/outcomes.csv"]


def test_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.synthetic",
            "--studies",
            "20",
            "--modalities",
            "4",
            "--seed",
            "5",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "20 studies" in result.stdout
    assert (tmp_path / "data" / "studies.csv").is_file() and (tmp_path / "config" / "config.yaml").is_file()


def _table(data: Path, name: str) -> list[dict[str, str]]:
    with open(data / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _primary(studies: list[dict[str, str]]) -> list[dict[str, str]]:
    return [s for s in studies if not DESIGNS[s["design"]].review]


def shapes(data: Path) -> dict[str, int]:
    """How many of each shape of comparative evidence a data package holds, each counted only when
    it is complete (a trial with both arms and their counts, a meta-analysis with its includes...)."""
    t = {name: _table(data, name) for name in ("studies", "arms", "outcomes", "comparisons", "review_includes")}
    studies = {s["study_id"]: s for s in t["studies"]}
    scales = {sc["scale_id"]: sc for sc in _table(data, "scales")}
    arms = {a["arm_id"]: a for a in t["arms"]}
    arms_of: dict[str, list[dict[str, str]]] = {}
    for a in t["arms"]:
        arms_of.setdefault(a["study_id"], []).append(a)
    counted = {d.id for d in DOMAINS.where(shape="response")} | {d.id for d in DOMAINS.where(role="safety")}
    # Arms whose figures include a count of a response or safety outcome (what the build compares).
    with_counts = {o["arm_id"] for o in t["outcomes"] if o["arm_id"] and o["events"] and o["domain"] in counted}
    trials = [
        s
        for s in _primary(t["studies"])
        if s["design"] == "randomised_trial"
        and sorted(a["role"] for a in arms_of.get(s["study_id"], [])) == ["comparator", "intervention"]
        and all(
            a["arm_id"].startswith(s["study_id"] + "-") and a["arm_id"] in with_counts for a in arms_of[s["study_id"]]
        )
        and sum(int(a["patients"]) for a in arms_of[s["study_id"]]) <= int(s["patients"])
    ]
    comparator = {a["study_id"]: a for a in t["arms"] if a["role"] == "comparator"}
    modalities = {m["modality_id"] for m in _table(data, "modalities")}
    trial_ids = {s["study_id"] for s in trials}
    # Trials of one modality against one comparator with one measure: the build pools two or more
    # (comparative.sof_rows: the comparator is its modality, else its label).
    same = Counter(
        (
            studies[o["study_id"]]["modality_id"],
            comparator[o["study_id"]]["modality_id"] or comparator[o["study_id"]]["label"].lower(),
            o["measure"],
        )
        for o in t["outcomes"]
        if o["study_id"] in trial_ids
        and arms[o["arm_id"]]["role"] == "comparator"
        and not o["subgroup"]
        and o["events"]
    )
    reviews_with_ma = [
        s
        for s in t["studies"]
        if DESIGNS[s["design"]].pooled
        and s["modality_id"]
        and len(arms_of.get(s["study_id"], [])) == 2
        and any(o["study_id"] == s["study_id"] and o["arm_id"] for o in t["outcomes"])
        and any(c["study_id"] == s["study_id"] and c["studies"] for c in t["comparisons"])
        and any(r["review_id"] == s["study_id"] for r in t["review_includes"])
    ]
    return {
        "two-arm trials": len(trials),
        "trials against another modality": sum(comparator[s["study_id"]]["modality_id"] in modalities for s in trials),
        "trials against a comparator outside the modalities": sum(
            not comparator[s["study_id"]]["modality_id"] for s in trials
        ),
        "comparisons pooled over several trials": sum(n >= 2 for n in same.values()),
        "stated comparisons of trials": sum(c["study_id"] in trial_ids for c in t["comparisons"]),
        "subgroup figures of an arm": sum(
            bool(o["subgroup"] and o["subgroup_by"] and o["arm_id"]) for o in t["outcomes"]
        ),
        "subgroup comparisons": sum(bool(c["subgroup"] and c["subgroup_by"]) for c in t["comparisons"]),
        "systematic reviews with meta-analysis": len(reviews_with_ma),
        "systematic reviews without meta-analysis": sum(s["design"] == "systematic_review" for s in t["studies"]),
        "mean changes on a declared scale": sum(
            o["statistic"] == "mean_change" and o["unit"] in scales and o["unit"] not in ("NRS 0-10", "VAS 0-10")
            for o in t["outcomes"]
        ),
    }


def test_every_shape_of_comparative_evidence_is_generated(medium: Path) -> None:
    found = shapes(medium / "data")  # in a valid package: test_a_medium_package_is_valid
    assert all(found.values()), found


def test_the_shape_census_finds_none_in_data_without_comparative_evidence() -> None:
    """The census above can fail: the project's seed data have no arms, comparisons or includes."""
    found = shapes(ROOT / "data")
    assert not any(found.values()), found


def test_stated_effects_mean_changes_and_includes_are_as_a_source_gives_them(medium: Path) -> None:
    data = medium / "data"
    studies = {s["study_id"]: s for s in _table(data, "studies")}
    comparisons = _table(data, "comparisons")
    assert {"OR", "RR", "HR", "MD"} <= {c["effect_measure"] for c in comparisons}
    for c in comparisons:
        assert float(c["ci_low"]) <= float(c["value"]) <= float(c["ci_high"]) and c["p_value"], c
        assert bool(c["studies"]) == DESIGNS[studies[c["study_id"]]["design"]].pooled, c
    scales = {sc["scale_id"]: sc for sc in _table(data, "scales")}
    changes = [o for o in _table(data, "outcomes") if o["statistic"] == "mean_change"]
    assert any(float(o["value"]) < 0 for o in changes)
    for o in changes:
        width = float(scales[o["unit"]]["maximum"]) - float(scales[o["unit"]]["minimum"])
        assert abs(float(o["value"])) <= width, o
    includes = _table(data, "review_includes")
    for r in includes:
        assert (
            r["review_id"] != r["study_id"] and studies[r["review_id"]]["design"] == "systematic_review_meta_analysis"
        )
        assert not DESIGNS[studies[r["study_id"]]["design"]].review
    review = next(c for c in comparisons if c["studies"])  # pooled at least the included studies in the data
    assert int(review["studies"]) >= sum(r["review_id"] == review["study_id"] for r in includes)
    # Systematic reviews without meta-analysis speak in statements only, as narrative reviews do.
    speakers = {s["study_id"] for s in studies.values() if s["design"] == "systematic_review"}
    assert speakers & {s["study_id"] for s in _table(data, "statements")}
    assert not speakers & {o["study_id"] for o in _table(data, "outcomes")}


@pytest.mark.parametrize(("studies", "modalities", "seed"), [(600, 6, 1), (5000, 100, 1)], ids=["600", "5000"])
def test_comparative_studies_replace_single_arm_ones_in_realistic_proportion(
    tmp_path: Path, studies: int, modalities: int, seed: int
) -> None:
    generate(studies, modalities, seed=seed, out=tmp_path)
    data = tmp_path / "data"
    primary = _primary(_table(data, "studies"))
    # As many primary studies as before comparative evidence, spread evenly over the modalities
    # (every seventh modality has review statements only).
    assert len(primary) == studies - round(studies / 12)
    per_modality = Counter(s["modality_id"] for s in primary)
    assert len(per_modality) == modalities - len(range(6, modalities, 7))
    assert max(per_modality.values()) - min(per_modality.values()) <= 1
    comparative = {a["study_id"] for a in _table(data, "arms")} & {s["study_id"] for s in primary}
    assert 0.15 <= len(comparative) / len(primary) <= 0.25


@pytest.mark.slow
def test_a_build_of_a_small_synthetic_package_shows_its_comparative_evidence(tmp_path: Path) -> None:
    """Two modalities are enough for every shape (checked first); the build goes as far as the
    briefing's audit and each modality's PDF audit, which pass only if every printed number traces
    to the data (the R export, the reference list and the copy to reports/ show nothing more here)."""
    from bs4 import BeautifulSoup

    from conftest import copy_project, snakemake

    project = copy_project(tmp_path / "project")
    generate(48, 2, seed=1, out=project, source=project)
    data = project / "data"
    found = shapes(data)
    assert all(found.values()), found
    config = yaml.safe_load((project / "config" / "config.yaml").read_text(encoding="utf-8"))
    snakemake(project, "results/audit.json", *(f"results/modalities/{m}/audit.json" for m in config["modalities"]))
    soup = BeautifulSoup((project / "results" / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    studies = _table(data, "studies")
    modalities = {s["study_id"]: s["modality_id"] for s in studies}

    assert soup.find(id="table-direct-comparisons") is not None  # a trial against another modality
    sof = {m: soup.find(id=f"table-{m}-sof-comparisons") for m in set(modalities.values()) if m}
    assert any(t is not None and "pooled, " in t.get_text(" ") for t in sof.values()), "no pooled comparison"
    comparators = {a["label"] for a in _table(data, "arms") if a["role"] == "comparator" and not a["modality_id"]}
    shown = " ".join(t.get_text(" ") for t in sof.values() if t is not None)
    assert any(f"against {label}" in shown for label in comparators)  # a comparator outside the modalities
    for review in (s for s in studies if s["design"] == "systematic_review_meta_analysis"):
        table = soup.find(id=f"table-{review['modality_id']}-review-{review['study_id']}")
        assert table is not None and "studies pooled" in table.get_text(" "), review["study_id"]
    text = " ".join(soup.get_text(" ").split())
    for o in _table(data, "outcomes"):
        if o["subgroup"]:
            assert f"subgroup {o['subgroup']}" in text
        if o["statistic"] == "mean_change":
            assert "points (RDQ 0–24)" in text
    for c in _table(data, "comparisons"):
        assert soup.find(id=f"comparison-{c['comparison_id']}") or soup.find(
            id=f"review-comparison-{c['comparison_id']}"
        )
