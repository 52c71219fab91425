"""GRADEpro's form (issue 30, item 7): each summary of findings is headed by its population, setting,
intervention and comparison and followed by the certainty legend; the evidence profile names the
outcomes (not the domain) and has № of patients, effect and importance columns; the bottom line
orders the levels it names. Built in-process from the real-study fixture (Patchell 2005, PMID
15964301; SCORAD 2019; Saito 2019; RTOG 0631; CAFE 2011) and the seeds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing import bodies, combine, evidence, modality_print, registry, render, summary, wording
from conftest import PROVENANCE, ROOT
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
COMPARATIVE = {"patchell2005", "scorad2019", "saito2019", "rtog0631", "cafe2011"}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("form")
    shutil.copytree(ROOT / "data", root / "data")
    add_studies(root, COMPARATIVE)
    return root / "data" / "datapackage.yaml"


@pytest.fixture(scope="module")
def summaries(package) -> dict[str, dict]:
    built = {}
    for m in CONFIG["modalities"]:
        piece = evidence.build_slice(package, m, CONFIG["analysis"])
        built[m] = summary.build_summary(json.loads(evidence.dumps(piece)))
    return built


@pytest.fixture(scope="module")
def page(package, summaries) -> BeautifulSoup:
    tables = evidence.read_tables(package)
    context = combine.build(CONFIG, list(summaries.values()), tables, evidence.general_statements(tables), PROVENANCE)
    html = render.render_html(json.loads(evidence.dumps(context)), ROOT / "templates")
    return BeautifulSoup(html, "html.parser")


def words(node) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ")).strip()


def profile_row(summaries: dict, key: str) -> dict:
    modality = key.partition(":")[0].partition("-vs-")[0]
    return next(r for r in summaries[modality]["sof"]["profile"] if r["key"] == key)


# ----------------------------------------------------------------------------- the profile
def test_the_profile_names_the_trials_outcomes_its_randomised_patients_effect_and_importance(summaries):
    row = profile_row(summaries, "surgery-vs-cebrt:neurological")
    assert row["outcomes"][0] == "Able to walk after treatment"  # the outcome, not "Neurological outcome"
    assert row["participants_text"] == "101"  # all randomised (50 + 51), GRADEpro's № of patients
    assert row["lead"]["effect"].startswith("RR 1.48 (1.13 to 1.93); 271 more per 1,000")  # between arms first
    assert row["importance_text"] == "important"


def test_the_profile_counts_each_body_one_way(summaries):
    assert profile_row(summaries, "srs-vs-cebrt:pain_response")["participants_text"] == "353"  # RTOG 0631's arms
    assert profile_row(summaries, "srs:pain_response")["participants_text"] == "not stated (49 enrolled)"
    review = profile_row(summaries, "cebrt-vs-cebrt:pain_response")
    assert review["lead"]["effect"] == "OR 0.85 (95 % CI 0.66 to 1.08)"  # Saito 2019's pooled OR, as stated
    assert review["importance_text"] == "critical"


def test_the_profile_prints_its_columns(page):
    table = page.select_one("#table-surgery-profile")
    heads = [words(th) for th in table.select("thead th")]
    assert heads[-4:] == ["№ of patients", "Effect (95 % CI)", "Certainty", "Importance"]
    cells = [words(c) for c in table.select("tbody tr")[0].find_all(["th", "td"])]
    assert cells[0].startswith("Able to walk after treatment;")
    assert cells[0].endswith("Neurological outcome, against radiotherapy alone")
    assert cells[-4] == "101"
    assert cells[-3].startswith("Able to walk after treatment: RR 1.48")
    assert cells[-1] == "Important"


def test_body_participants_say_what_is_stated():
    one_trial = [{"study_id": "a", "patients": 101}]
    assert wording.body_participants({"a": 101}, one_trial) == "101"
    two = [{"study_id": "a", "patients": 40}, {"study_id": "b", "patients": 30}]
    assert wording.body_participants({"a": 38, "b": None}, two) == "at least 38; not stated for 1 study"
    assert wording.body_participant_counts({"a": 38, "b": None}, two) == {"stated": 38}
    assert wording.body_participants({"a": None, "b": None}, two) == "not stated (70 enrolled)"
    assert wording.body_participant_counts({"a": None, "b": None}, two) == {"enrolled": 70}
    unknown = [{"study_id": "a", "patients": 40}, {"study_id": "b", "patients": None}]
    assert wording.body_participants({"a": None, "b": None}, unknown) == "not stated"
    assert wording.body_participant_counts({"a": None, "b": None}, unknown) == {}


def test_the_patients_the_profile_prints_are_registered_as_printed(summaries):
    entries = {e["id"]: e for e in registry.figure_registry(list(summaries.values()))}
    trial = entries["surgery-vs-cebrt:neurological:participants"]
    assert trial["value_text"] == "101" and trial["printed_in"] == list(registry.EDITIONS)
    enrolled = entries["srs:pain_response:enrolled"]
    assert enrolled["value_text"] == "49" and enrolled["printed_in"] == list(registry.EDITIONS)


# ----------------------------------------------------------------------------- SoF header, legend
def test_each_summary_of_findings_has_its_header_and_the_legend(page):
    header = page.select_one("#sof-header-surgery")
    items = dict(zip([words(d) for d in header.select("dt")], [words(d) for d in header.select("dd")], strict=True))
    assert items == {
        "Population": CONFIG["question"]["population"],
        "Setting": CONFIG["question"]["setting"],
        "Intervention": "Surgical stabilisation or reconstruction",
        "Comparison": "none: what happened after the treatment, in a single group or one arm of a trial read alone",
    }
    comparisons = page.select_one("#sof-comparisons-header-surgery")
    assert words(comparisons.select("dd")[-1]) == "radiotherapy alone"  # Patchell's comparator arm
    for table in page.select("table.sof[id$='-sof'], table.sof[id$='-sof-comparisons']"):
        if table["id"] == "table-sof-across":
            continue
        legend = table.find_parent("div").find_next_sibling("p")
        assert legend and "certainty-legend" in legend["class"], table["id"]
        text = re.sub(r"\s+", " ", legend.get_text())
        assert "high: we are very confident that the true effect lies close to the estimate" in text
        assert text.index("high") < text.index("moderate") < text.index("very low")


def test_a_modalitys_own_pdf_has_the_header(summaries):
    question = {"population": CONFIG["question"]["population"], "setting": CONFIG["question"]["setting"]}
    context = modality_print.context(summaries["surgery"], "Title", "2026-12-07", "abc", question)
    page = BeautifulSoup(modality_print.render(context, ROOT / "templates"), "html.parser")
    header = page.select_one("#sof-header-surgery")
    assert CONFIG["question"]["setting"] in words(header)
    assert page.select_one(".certainty-legend")


# ----------------------------------------------------------------------------- bottom line
def test_the_bottom_line_orders_the_levels_it_names(summaries):
    points = combine.bottom_line(list(summaries.values()))["points"]
    (text,) = [p for p in points if "certainty of the evidence" in p]
    assert text.startswith("The certainty of the evidence ranges from very low to moderate across the outcomes rated")
    assert "low or" not in text
    assert text.index("where it is moderate") < text.index("where it is low") < text.index("where it is very low")


# ----------------------------------------------------------------------------- one count, one start
def test_a_trial_is_counted_as_everyone_randomised_wherever_it_is_quoted(summaries, page):
    """RTOG 0631 states no arm sizes: its 353 randomised (the trial's patients, two arms) is what the
    profile, the direct comparisons and the headline print, never "not stated"."""
    (row,) = [r for r in combine.direct_comparisons(list(summaries.values())) if r["study_ids"] == ["rtog0631"]]
    assert row["participants"] == 353
    assert summaries["srs"]["main_pain"]["participants_text"] == "353 randomised"
    across = page.select_one("#table-sof-across")
    (srs,) = [tr for tr in across.select("tbody tr") if "Radiosurgery" in words(tr.find(["th", "td"]))]
    assert "353 randomised" in words(srs)


def test_a_trials_arm_read_alone_is_not_a_randomised_comparison():
    trial = [{"study_id": "cafe2011", "design": "randomised_trial"}]
    assert bodies.start(trial)[0] == 4
    level, reason = bodies.start(trial, alone=True)
    assert level == 2 and reason.startswith("starts low: a trial's arms read alone")


def test_cafes_kyphoplasty_arm_alone_starts_low(summaries):
    """CAFE's comparator (non-surgical management) is no modality of the briefing: its kyphoplasty
    arm's figures are surgery's evidence alone, and start low, not high as a randomised comparison."""
    (rating,) = [r for r in summaries["surgery"]["certainty"] if r["key"] == "surgery:function_qol"]
    assert rating["study_ids"] == ["cafe2011"] and rating["start"] == 2


def test_a_stated_rows_participants_are_the_trials_randomised_or_the_reviews_own(summaries):
    stated = {r["comparison_id"]: r for m in summaries.values() for r in m["sof_stated"]}
    assert stated["patchell2005-walk-or"]["participants_text"] == "101"  # 50 + 51 randomised
    (rtog,) = [r for r in stated.values() if r["study_ids"] == ["rtog0631"]]
    assert rtog["participants_text"] == "353"  # no arm sizes stated: the trial's patients
    (saito,) = [r for r in stated.values() if r["study_ids"] == ["saito2019"]]
    assert saito["participants_text"] == "as the review states them" and saito["studies"] is None
    entries = {e["id"]: e for e in registry.figure_registry(list(summaries.values()))}
    total = entries["patchell2005-walk-or:randomised"]
    assert total["value_text"] == "101" and total["printed_in"] == list(registry.EDITIONS)


def test_an_outcome_named_with_its_time_point_is_not_given_it_twice(page):
    rows = page.select("#table-surgery-sof-comparisons tbody th")
    assert words(rows[0]).startswith("Able to walk after treatment surgery and radiotherapy")  # no ", after treatment"
    assert "after treatment, after treatment" not in words(page)
    assert "at 3 months, 3 months" not in words(page.select_one("#table-srs-sof-comparisons"))


def test_the_bottom_line_lists_the_narrative_modalities_with_and(summaries):
    points = combine.bottom_line(list(summaries.values()))["points"]
    assert "For hemibody irradiation and systemic radionuclides (strontium-89, samarium-153), the briefing" in " ".join(
        points
    )
