"""The synthetic evidence generator: valid packages, the declared columns, a matching config,
and the same bytes for the same seed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from briefing.synthetic import generate
from briefing.validation import validate_package

ROOT = Path(__file__).resolve().parents[1]


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("studies", "modalities"), [(12, 3), (300, 12)], ids=["small", "medium"])
def test_package_is_valid(tmp_path: Path, studies: int, modalities: int) -> None:
    counts = generate(studies, modalities, seed=7, out=tmp_path)
    assert counts["studies"] == studies
    assert counts["modalities"] == modalities
    config = yaml.safe_load((tmp_path / "config" / "config.yaml").read_text(encoding="utf-8"))
    with open(tmp_path / "data" / "modalities.csv", encoding="utf-8", newline="") as fh:
        ids = [row["modality_id"] for row in csv.DictReader(fh)]
    assert config["modalities"] == ids
    # Everything else of the config is the project's.
    original = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert {k: v for k, v in config.items() if k != "modalities"} == {
        k: v for k, v in original.items() if k != "modalities"
    }

    problems = validate_package(tmp_path / "data" / "datapackage.yaml", config["modalities"])
    assert problems == [], "\n".join(map(str, problems))


def test_columns_are_the_declared_ones_in_order(tmp_path: Path) -> None:
    generate(40, 5, seed=1, out=tmp_path)
    descriptor = yaml.safe_load((tmp_path / "data" / "datapackage.yaml").read_text(encoding="utf-8"))
    assert (tmp_path / "data" / "datapackage.yaml").read_bytes() == (ROOT / "data" / "datapackage.yaml").read_bytes()
    for resource in descriptor["resources"]:
        with open(tmp_path / "data" / resource["path"], encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]


def test_outcome_mix_is_realistic(tmp_path: Path) -> None:
    generate(120, 7, seed=3, out=tmp_path)
    with open(tmp_path / "data" / "outcomes.csv", encoding="utf-8", newline="") as fh:
        outcomes = list(csv.DictReader(fh))
    with open(tmp_path / "data" / "studies.csv", encoding="utf-8", newline="") as fh:
        studies = list(csv.DictReader(fh))
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
    assert (tmp_path / "data" / "statements.csv").read_text(encoding="utf-8").count("\n") > 1


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
            "briefing.synthetic",
            "--studies",
            "20",
            "--modalities",
            "4",
            "--seed",
            "5",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "20 studies" in result.stdout
    assert (tmp_path / "data" / "studies.csv").is_file() and (tmp_path / "config" / "config.yaml").is_file()
