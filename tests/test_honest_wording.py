"""Honest wording (issue 30, item 6): a single group's result says what happened after the
treatment, never its "effect"; the Methods' importance statement says who rated the outcomes and
when from a record in the config (analysis.importance_record), and claims "before the results were
read" only where that record says so."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from briefing import combine, evidence, summary
from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


@pytest.fixture(scope="module")
def hfrt(tmp_path_factory) -> dict:
    """The seeds' hypofractionated series (Sun 2026, 58 patients, one group)."""
    project = tmp_path_factory.mktemp("seeds")
    shutil.copytree(ROOT / "data", Path(project) / "data")
    piece = evidence.build_slice(Path(project) / "data" / "datapackage.yaml", "hfrt", CONFIG["analysis"])
    return summary.build_summary(json.loads(evidence.dumps(piece)))


def test_a_single_group_result_is_worded_after_treatment_never_as_an_effect(hfrt):
    rated = [
        r for r in hfrt["sof"]["rows"] if r["certainty"] and r["certainty"]["level"]
    ]  # a body not assessed says so
    assert rated
    for row in rated:
        assert row["conclusion"].startswith("After hypofractionated external-beam radiotherapy, "), row
        assert "effect" not in row["conclusion"], row
    ratings = [s["text"] for s in hfrt["sentences"] if s["study_id"] is None]
    assert ratings and not [t for t in ratings if "effect of" in t]
    assert hfrt["main_pain"]["conclusion"] == (
        "After hypofractionated external-beam radiotherapy, pain: the evidence is very uncertain."
    )


def test_the_importance_statement_says_who_rated_and_when_from_the_config():
    text = combine.importance_method(CONFIG["analysis"])
    assert "by the briefing's maintainers, from the outcome importance in shared/BRIEFING.md on 2026-12-01" in text
    assert "before the results were read" not in text  # the record does not show it
    unrecorded = {k: v for k, v in CONFIG["analysis"].items() if k != "importance_record"}
    text = combine.importance_method(unrecorded)
    assert "by whom and when not recorded" in text and "before the results" not in text
    shown = copy.deepcopy(CONFIG["analysis"])
    shown["importance_record"]["before_results"] = True
    assert ", before the results were read (" in combine.importance_method(shown)


def test_the_config_schema_checks_the_importance_record():
    jsonschema.validate(CONFIG, SCHEMA)
    bad = copy.deepcopy(CONFIG)
    del bad["analysis"]["importance_record"]["date"]
    with pytest.raises(jsonschema.ValidationError, match="'date' is a required property"):
        jsonschema.validate(bad, SCHEMA)
