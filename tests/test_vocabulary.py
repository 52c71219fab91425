"""The vocabulary registry is the one declaration of the domain's words: the validator, the data
package's enums, the summaries, the templates and the synthetic generator read it, and adding an
outcome domain takes the registry and the data, nothing else."""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from briefing import evidence, summary, validation, vocabulary
from briefing.vocabulary import COLUMNS, DOMAINS
from conftest import ROOT, digest_tree, snakemake

PACKAGE = ROOT / "data" / "datapackage.yaml"
# The synthetic generator writes data rows, as a curator does in data/*.csv: its domain ids are data.
DATA_WRITERS = {"vocabulary.py", "synthetic.py"}


def _python_strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a Python file (f-string parts too), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _spellings(text: str) -> list[str]:
    ids = [d.id for d in DOMAINS if re.search(rf"""["']{re.escape(d.id)}["']""", text)]
    return ids + [d.label for d in DOMAINS if d.label in text]


def test_only_the_registry_spells_a_domain_id_or_label():
    found = []
    for path in sorted((ROOT / "workflow" / "briefing").glob("*.py")):
        if path.name in DATA_WRITERS:
            continue
        ids, labels = {d.id for d in DOMAINS}, [d.label for d in DOMAINS]
        for line, text in _python_strings(path):
            if text in ids or any(label in text for label in labels):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}")
    # Not config/config.yaml: the author's own words and settings (validation checks its domain ids).
    others = [ROOT / "Snakefile", ROOT / "data" / "datapackage.yaml"]
    others += sorted((ROOT / "workflow" / "rules").glob("*.smk")) + sorted((ROOT / "workflow" / "schemas").glob("*"))
    others += sorted((ROOT / "templates").rglob("*.j2")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in others:
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {word!r}" for word in _spellings(text)]
    assert found == [], "domain ids or labels outside workflow/briefing/vocabulary.py:\n" + "\n".join(found)


def test_the_scan_finds_a_spelled_domain(tmp_path):
    """The test above can fail: a module that compares with a domain id is found."""
    module = tmp_path / "x.py"
    module.write_text('def f(o):\n    return o["domain"] == "pain_score" or "Toxicity" in o["label"]\n')
    assert [text for _, text in _python_strings(module) if text in {d.id for d in DOMAINS}] == ["pain_score"]
    assert _spellings('{% if d == "relapse" %}Pain control{% endif %}') == ["relapse", "Pain control"]


def test_registries_keep_their_declared_order_and_refuse_unknown_ids():
    assert DOMAINS.ids[0] == vocabulary.DOMAIN_LIST[0].id and len(DOMAINS) == len(vocabulary.DOMAIN_LIST)
    assert DOMAINS.order(DOMAINS.ids[-1]) == len(DOMAINS) - 1 and DOMAINS.order("nonsense") == len(DOMAINS)
    with pytest.raises(KeyError, match="unknown outcome domain 'sleep'.*vocabulary.py"):
        DOMAINS["sleep"]
    with pytest.raises(ValueError, match="share an id"):
        vocabulary.Registry("x", (vocabulary.Term("a"), vocabulary.Term("a")))


def test_every_domain_declares_what_its_role_and_shape_need():
    columns = {c.id for c in vocabulary.COMPARISON_COLUMNS}
    for d in DOMAINS:
        assert d.role in {"", "pain"} | columns, d.id
        assert d.shape in {"", "response", "series"}, d.id
        if d.shape:  # drawn as a chart of its own
            assert d.figure_id and d.figure_title and (d.axis_label or d.shape == "response"), d.id
        assert len(d.phrase) in (0, 3), d.id


def test_the_descriptor_takes_its_enums_from_the_registry():
    descriptor = evidence.read_package_descriptor(ROOT / "data" / "datapackage.yaml")
    fields = {(r["name"], f["name"]): f for r in descriptor["resources"] for f in r["schema"]["fields"]}
    for column, registry in COLUMNS.items():
        assert fields[column]["constraints"]["enum"] == registry.ids, column
    raw = (ROOT / "data" / "datapackage.yaml").read_text(encoding="utf-8")
    assert "enum:" not in raw, "the descriptor repeats a list the registry declares"


def test_an_unknown_domain_is_a_validation_error_naming_file_row_and_column(tmp_path):
    data = shutil.copytree(ROOT / "data", tmp_path / "data")
    rows = list(csv.reader((data / "outcomes.csv").open(encoding="utf-8", newline="")))
    column = rows[0].index("domain")
    rows[3][column] = "sleep_quality"
    with (data / "outcomes.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    problems = validation.validate_package(data / "datapackage.yaml")
    assert [(p.file.endswith("outcomes.csv"), p.row, p.column) for p in problems] == [(True, 4, "domain")]
    assert "'sleep_quality' must be one of: pain_response" in problems[0].message


NEW_DOMAIN = '    Domain("sleep_quality", "Sleep quality", phrase=("sleep", "improve", "improves")),\n'


@pytest.mark.slow
def test_adding_an_outcome_domain_takes_the_registry_and_the_data(workspace):
    """The recipe of CONTRIBUTING.md: one Domain in the registry, rows in outcomes.csv; the briefing
    then shows the new domain's outcomes, and no other file was touched."""
    before = _inputs(workspace)
    registry = workspace / "workflow" / "briefing" / "vocabulary.py"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("DOMAIN_LIST = (\n", "DOMAIN_LIST = (\n" + NEW_DOMAIN, 1), encoding="utf-8")
    outcomes = workspace / "data" / "outcomes.csv"
    header = next(csv.reader(outcomes.open(encoding="utf-8", newline="")))
    row = dict.fromkeys(header, "") | {
        "outcome_id": "ryu2008-sleep",
        "study_id": "ryu2008",
        "domain": "sleep_quality",
        "measure": "Sleep quality",
        "source_term": "sleep",
        "statistic": "test_only",
        "direction": "improvement",
        "locator": "Test fixture (no figure)",
    }
    with outcomes.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, header, lineterminator="\n").writerow(row)
    changed = sorted(k for k, v in _inputs(workspace).items() if before.get(k) != v)
    assert changed == ["data/outcomes.csv", "workflow/briefing/vocabulary.py"]

    snakemake(workspace)
    briefing = json.loads((workspace / "reports" / "briefing.json").read_text(encoding="utf-8"))
    srs = next(m for m in briefing["modalities"] if "ryu2008" in m["studies"])
    row = next(r for r in srs["summary_of_findings"] if r["domain"] == "sleep_quality")
    assert row["domain_label"] == "Sleep quality" and row["effect"] == "improved (no figures reported)"
    html = (workspace / "reports" / "briefing.html").read_text(encoding="utf-8")
    assert 'id="outcome-ryu2008-sleep"' in html and "Sleep quality" in html


def _inputs(workdir: Path) -> dict[str, str]:
    digests = {}
    for folder in ("workflow", "data", "config", "templates", "notebooks"):
        digests |= {f"{folder}/{k}": v for k, v in digest_tree(workdir / folder).items() if "__pycache__" not in k}
    return digests


def test_a_pooling_window_for_an_unknown_domain_is_a_config_error():
    windows = {"pain_response": [], "sleep_quality": [{"label": "w", "min_days": 0, "max_days": 7}]}
    problems = validation.validate_package(PACKAGE, settings={"timepoint_windows": windows})
    assert [(p.file, p.column) for p in problems] == [("config", "analysis.timepoint_windows.sleep_quality")]
    assert "'sleep_quality' is not an outcome domain" in problems[0].message
    assert validation.validate_package(PACKAGE, settings={"timepoint_windows": {"pain_response": []}}) == []


# A statistic the registry does not declare, as a curator would add it to STATISTIC_LIST: a
# geometric mean, a level over time whose printed CI is kept.
GEOMETRIC_MEAN = vocabulary.Statistic(
    "geometric_mean", "geometric mean {value} {unit}", series=True, word="geometric mean", stated_ci=True
)


def test_adding_a_statistic_takes_the_registry_and_the_data(tmp_path):
    """Validation, wording, the trajectories and the SoF ask the statistic's entry what it allows and
    how it is worded, never its id: one entry (here declared for the test's span) and the rows in
    outcomes.csv give a modality summary that shows the new statistic. Without the entry the same
    rows are a validation error naming the column."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    package = tmp_path / "data" / "datapackage.yaml"
    outcomes = tmp_path / "data" / "outcomes.csv"
    header = next(csv.reader(outcomes.open(encoding="utf-8", newline="")))
    row = dict.fromkeys(header, "") | {
        "outcome_id": "shao_i125-nrs-geo",
        "study_id": "shao_i125",
        "domain": "pain_score",
        "measure": "Pain score (NRS 0-10)",
        "source_term": "Numerical Rating Scale",
        "statistic": "geometric_mean",
        "value": "4.1",
        "ci_low": "3.6",
        "ci_high": "4.7",
        "unit": "NRS 0-10",
        "timepoint": "week 12",
        "time_days": "84",
        "locator": "Test fixture (no figure)",
    }
    with outcomes.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, header, lineterminator="\n").writerow(row)
    (refused,) = validation.validate_package(package)
    assert refused.column == "statistic" and "'geometric_mean' must be one of" in refused.message

    with vocabulary.STATISTICS.extended(GEOMETRIC_MEAN):
        assert validation.validate_package(package) == []  # its printed CI kept, as the entry says
        config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
        piece = evidence.build_slice(package, "i125", config["analysis"])
        s = summary.build_summary(json.loads(evidence.dumps(piece)))
    o = next(o for o in s["outcomes"] if o["outcome_id"] == "shao_i125-nrs-geo")
    assert o["display"] == "geometric mean 4.1 points (NRS 0–10) (95 % CI 3.6 to 4.7, as printed)"
    (series,) = s["trajectories"]["pain_score"]
    assert "shao_i125-nrs-geo" in [p["outcome_id"] for p in series["points"]]  # a level over time
    assert "geometric_mean" not in vocabulary.STATISTICS  # declared for the block only


def test_a_registry_extended_for_a_block_refuses_a_declared_id():
    with pytest.raises(ValueError, match="share an id"):
        with vocabulary.STATISTICS.extended(vocabulary.Statistic("mean", "m")):
            pass
    with pytest.raises(ValueError, match="needs the words of its display"):
        vocabulary.Statistic("geometric_sd")
