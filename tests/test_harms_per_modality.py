"""Harms per modality (issue 30, item 7): each modality's summary of findings lists its own critical
harms (config analysis.outcomes, `modalities`), not one radiotherapy list for all, and a benefit
(walking) is never filed under neurological deterioration (`events`)."""

from __future__ import annotations

import copy

import yaml
from test_comparative_evidence import CONFIG, modality, project  # noqa: F401 (the fixture)

from briefing.data import evidence, importance
from conftest import ROOT

RADIATION = {"Radiation myelopathy or myelitis", "Vertebral compression fracture"}


def missing(summary: dict) -> set[str]:
    return {r["outcome"] for r in summary["sof"]["rows"] if r["not_reported"]}


def test_each_modality_lists_its_own_critical_harms_as_not_reported(project):  # noqa: F811
    surgery, radionuclide = modality(project, "surgery"), modality(project, "radionuclide")
    hbi, srs = modality(project, "hbi"), modality(project, "srs")
    assert {"Perioperative mortality", "Perioperative complications", "Neurological deterioration"} <= missing(surgery)
    assert not missing(surgery) & RADIATION
    assert "Haematological toxicity" in missing(radionuclide) and not missing(radionuclide) & RADIATION
    assert {"Haematological toxicity", "Pain flare", "Radiation myelopathy or myelitis"} <= missing(hbi)
    assert "Pain flare" in missing(srs) and "Perioperative mortality" not in missing(srs)


def test_walking_is_a_benefit_never_filed_under_neurological_deterioration(project):  # noqa: F811
    surgery = modality(project, "surgery")
    walking = [r for r in surgery["sof"]["rows"] if "walk" in r["outcome"].lower()]
    assert walking and all(r["importance_text"] == "important" for r in walking)
    (deterioration,) = [r for r in surgery["sof"]["rows"] if r["outcome"] == "Neurological deterioration"]
    assert deterioration["not_reported"]


def test_a_modalitys_slice_carries_only_its_own_outcomes_so_an_edit_rebuilds_only_it():
    surgery = importance.prespecified(importance.for_modality(CONFIG["analysis"], "surgery"))
    assert "myelopathy" not in {p.id for p in surgery} and "perioperative_mortality" in {p.id for p in surgery}
    package = ROOT / "data" / "datapackage.yaml"
    before = evidence.slice_digests(package, CONFIG["modalities"], CONFIG["analysis"])
    edited = copy.deepcopy(CONFIG["analysis"])
    entry = next(e for e in edited["outcomes"] if e["id"] == "perioperative_mortality")
    entry["terms"] = [*entry["terms"], "fatal"]
    after = evidence.slice_digests(package, CONFIG["modalities"], edited)
    assert [m for m in CONFIG["modalities"] if before[m] != after[m]] == ["surgery"]


def test_the_config_schema_checks_events_and_modalities():
    import jsonschema

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    bad = copy.deepcopy(CONFIG)
    bad["analysis"]["outcomes"][2]["events"] = "side effect"
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError as e:
        assert "'side effect' is not one of ['harm', 'benefit']" in e.message
    else:
        raise AssertionError("an unknown event kind passed the schema")


def test_an_outcome_for_a_modality_the_config_does_not_build_is_refused():
    from briefing.verify import validation

    assert validation.config_problems(CONFIG) == []
    bad = copy.deepcopy(CONFIG)
    bad["analysis"]["outcomes"][2]["modalities"] = ["srs", "sbrt"]
    (problem,) = validation.config_problems(bad)
    assert problem.column == "analysis.outcomes.2.modalities" and "'sbrt' is not one of modalities" in problem.message
