"""The typed models of what the steps write: every step's JSON has its model's shape, the JSON
Schema generated from the models is committed and current, and no step changes what it was given."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from pydantic import TypeAdapter

from briefing.assemble import combine, summary
from briefing.data import evidence
from briefing.schema import models
from conftest import PROVENANCE, ROOT

PACKAGE = ROOT / "data" / "datapackage.yaml"
MODALITIES = ["srs", "hfrt", "cebrt", "i125", "surgery", "hbi", "radionuclide"]


def test_the_committed_schema_is_the_one_the_models_give():
    committed = json.loads((ROOT / "workflow" / "schemas" / models.SCHEMA_FILE).read_text(encoding="utf-8"))
    assert committed == models.json_schema(), "run `python -m briefing schemas` and commit the result"


def _validator(definition: str) -> jsonschema.protocols.Validator:
    schema = models.json_schema()
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]})


@pytest.mark.parametrize(
    ("pattern", "definition"),
    [
        ("results/validation.json", "ValidationRecord"),
        ("results/evidence/*.json", "Slice"),
        ("results/modalities/*/summary.json", "ModalitySummary"),
        ("results/briefing_context.json", "BriefingContext"),
        ("results/briefing.json", "PublishedBriefing"),
        ("reports/briefing.json", "PublishedBriefing"),
        ("results/audit.json", "AuditRecord"),
    ],
)
def test_what_a_build_writes_meets_the_json_schema(built, pattern, definition):
    """Checked with jsonschema, independently of the models that wrote the schema."""
    files = sorted(built.glob(pattern))
    assert files
    validator = _validator(definition)
    for path in files:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.loads(path.read_text()))]
        assert errors == [], f"{path.relative_to(built)}:\n" + "\n".join(errors[:10])


def test_a_misshapen_summary_is_refused_at_the_boundary_naming_the_field(tmp_path):
    result = summary.build_summary(evidence.build_slice(PACKAGE, "srs"))
    broken = copy.deepcopy(result)
    del broken["outcomes"][0]["display"]
    broken["sof"]["rows"][0]["efect"] = broken["sof"]["rows"][0].pop("effect")
    with pytest.raises(ValueError) as error:
        summary.write_summary(broken, str(tmp_path / "summary.json"))
    message = str(error.value)
    assert "outcomes.0.display" in message and "Field required" in message
    assert "sof.rows.0.efect" in message and "Extra inputs are not permitted" in message
    assert not (tmp_path / "summary.json").exists()
    summary.write_summary(result, str(tmp_path / "summary.json"))  # the real one passes
    assert models.read(tmp_path / "summary.json", models.ModalitySummary) == json.loads(evidence.dumps(result))


def test_a_gate_record_holds_no_count_but_zero():
    """The gates are written only when nothing was found: a record with a count above 0 is refused."""
    with pytest.raises(ValueError, match="unsourced_numbers"):
        models.check(models.AuditRecord, {"checked": ["html"], "unsourced_numbers": 3})
    record = {"package": "data", "checksums": {}, "problems": 1, "findings": []}
    with pytest.raises(ValueError, match="problems"):
        models.check(models.ValidationRecord, record)


def test_a_value_keeps_its_json_type_through_the_model():
    """28 and 28.0 stay apart: a model check never turns an integer into a float or back."""
    row = {"outcome_id": "o", "study_id": "s", "domain": "d", "measure": "m", "source_term": "t"}
    row |= {"statistic": "mean", "locator": "l", "value": 28, "sd": 2.50, "value_text": "28"}
    checked = TypeAdapter(models.Outcome).validate_python(row)
    assert checked == row and isinstance(checked["value"], int) and isinstance(checked["sd"], float)
    assert models.check(models.Outcome, row) is row


def test_no_step_changes_what_it_was_given():
    """A summary is built from its slice without changing it; the briefing from the summaries."""
    tables = evidence.read_tables(PACKAGE)
    slices = [evidence.slice_for_modality(tables, m) for m in MODALITIES]
    given = copy.deepcopy(slices)
    summaries = [json.loads(evidence.dumps(summary.build_summary(s))) for s in slices]
    assert slices == given
    kept = copy.deepcopy(summaries)
    config = {"title": "t", "question": {}, "modalities": MODALITIES}
    combine.build(config, summaries, tables, evidence.general_statements(tables), copy.deepcopy(PROVENANCE))
    assert summaries == kept


def test_every_model_forbids_unknown_keys_except_data_rows_and_old_editions():
    """A key one step adds and no model declares is an error, except in rows of the data tables,
    whose columns the data package's descriptor declares, and in editions of any age, which What
    changed reads (`models.Edition`): there a key newer code dropped is ignored. The rows are typed
    dicts (TypedDict), checked by pydantic like the models."""
    rows = {models.Modality, models.Study, models.Arm, models.Outcome, models.StatedComparison}
    rows |= {models.Statement, models.CertaintyRow, models.ReviewInclude, models.Scale, models.BaselineRisk}
    rows |= {models.RobJudgement, models.DescribedOutcome, models.DescribedComparison}
    for row in rows:
        assert row.__pydantic_config__.get("extra") == "allow", row
        with_extra = {key: None for key in row.__required_keys__} | {"unknown": 1}
        with pytest.raises(ValueError) as error:  # the declared columns are still checked...
            models.check(row, with_extra)
        assert "unknown" not in str(error.value)  # ...and an undeclared one is no error
    assert models.Slice.__pydantic_config__.get("extra") == "forbid"
    for model in _all_models():
        extra = model.model_config.get("extra")
        if issubclass(model, models.Lenient):
            assert extra == "ignore", model
        else:
            assert extra == "forbid", model


def test_an_edition_from_older_code_loads_with_defaults_for_what_it_lacks():
    old = {"build_date": "2025-01-01", "references": [{"study_id": "a", "text": "Smith J. T. 2020."}]}
    old |= {"modalities": [{"modality_id": "m", "studies": ["a"], "certainty": [{"domain": "d", "mark": "x"}]}]}
    edition = models.Edition.model_validate(old)
    assert edition.statements is None and edition.package is None and edition.references[0].short_name is None
    assert not edition.modalities[0].has_headline and edition.modalities[0].certainty[0].symbols == ""


def _all_models() -> list[type]:
    found = [m for m in vars(models).values() if isinstance(m, type) and issubclass(m, models.BaseModel)]
    return [m for m in found if m not in (models.BaseModel, models.Model, models.Lenient)]


def test_a_pooled_result_is_checked_field_by_field():
    """meta's result type is a plain dataclass; inside a model it is checked like a model."""
    from briefing.stats import meta

    result = meta.pool_proportions([4, 5, 7], [11, 13, 20], transform="logit", method="REML").to_dict()
    entry = {"domain": "d", "definition": "x", "label": "x", "kind": "proportion", "window": "w"}
    entry |= {"outcome_ids": ["a", "b", "c"], "studies": ["a", "b", "c"], "k": 3, "note": "n"}
    models.Pooled.model_validate(entry | {"result": result, "sensitivity": None})
    with pytest.raises(ValueError, match="result.tau"):
        models.check(models.Pooled, entry | {"result": result | {"tau": 1.0}, "sensitivity": None})
    with pytest.raises(ValueError, match="result.k"):
        models.check(models.Pooled, entry | {"result": result | {"k": "three"}, "sensitivity": None})


def test_the_analysis_settings_type_names_the_keys_the_config_schema_allows():
    """config.yaml's `analysis` is checked against workflow/schemas/config.schema.yaml; the code reads
    it as models.AnalysisSettings: the two name the same keys, at each level, so neither drifts."""
    import yaml

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    analysis = schema["properties"]["analysis"]["properties"]
    assert set(analysis) == set(models.AnalysisSettings.__annotations__)
    items = {
        models.Window: analysis["timepoint_windows"]["additionalProperties"]["items"],
        models.PrespecifiedOutcome: analysis["outcomes"]["items"],
        models.ImportanceRecord: analysis["importance_record"],
        models.ImprecisionSettings: analysis["imprecision"],
        models.ContinuousOis: analysis["imprecision"]["properties"]["continuous_ois"],
        models.ImprecisionRule: analysis["imprecision"]["properties"]["outcomes"]["additionalProperties"],
        models.RobSettings: analysis["risk_of_bias"],
        models.SubgroupSpec: analysis["subgroups"]["additionalProperties"]["items"],
    }
    for shape, declared in items.items():
        assert set(shape.__annotations__) == set(declared["properties"]), shape
        assert _required(shape) == set(declared.get("required", [])), shape
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    models.check(models.AnalysisSettings, config["analysis"])


def _required(shape: type) -> set[str]:
    """A TypedDict's required keys, from its annotations (strings here: `from __future__ import
    annotations` hides NotRequired from `__required_keys__`; pydantic reads them right)."""
    if not shape.__total__:
        return set()
    return {key for key, kind in shape.__annotations__.items() if "NotRequired[" not in str(kind)}
