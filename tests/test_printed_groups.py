"""Whose figure is printed (issue 29, items 6-8), from real studies' abstracts in the fixture
(tests/fixtures/real_studies/): arms are never read as time points, every bar and headline names
its arm or subgroup, a whole trial's figure is said to be the whole trial's, and totals count each
patient and each event once, in one unit. SCORAD (Hoskin 2019, PMID 31794625), Patchell 2005
(PMID 16112300), Salazar (HBI series) (three half-body irradiation techniques), van der Velden 2018
(PMID 30595809)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_comparative_evidence import CONFIG, modality

from briefing.assemble import headlines, sof, summary
from briefing.present import figure_tables, messages
from conftest import ROOT
from real_studies import add_studies


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("printed")
    shutil.copytree(ROOT / "data", root / "data")
    add_studies(root, {"scorad2019", "patchell2005", "salazar1996_hbi", "vandervelden2018"})
    return root


def sentence(summary: dict, study_id: str) -> str:
    return next(s["text"] for s in summary["sentences"] if s["study_id"] == study_id)


def test_two_arms_at_one_time_point_are_two_arms_not_a_course_over_time(project):
    """SCORAD's ambulatory status at week 8 is 69.3 % after 8 Gy and 72.7 % after 20 Gy in 5: the
    study's sentence printed them as "72.7 at week 8, 69.3 at week 8", a series of one arm."""
    text = sentence(modality(project, "cebrt"), "scorad2019")
    assert "at week 8, " not in text
    assert "ambulatory at 8 weeks, 8 Gy in one fraction arm, week 8: 69.3 %" in text
    assert "ambulatory at 8 weeks, 20 Gy in 5 fractions arm, week 8: 72.7 %" in text


def test_each_bar_of_a_three_arm_study_names_its_arm(project):
    """Salazar (HBI series): total and complete pain relief after single-dose, split-course and daily
    fractionated half-body irradiation (73/32, 50/13, 96/49 %): six bars that read "Salazar (HBI series):
    Total pain relief" three times over."""
    hbi = modality(project, "hbi")
    (chart,) = [f for f in hbi["figures"] if f["id"] == "fig-hbi-response"]
    studies = {s["study_id"]: s for s in hbi["primary_studies"]}
    labels = figure_tables.response_labels(hbi["response_groups"], studies)
    assert len(set(labels)) == len(labels) == 6
    assert "Salazar (HBI series), daily fractionated: Total pain relief" in labels
    assert {r["Study"] for r in chart["table"]} == {
        "Salazar (HBI series), single dose",
        "Salazar (HBI series), split course",
        "Salazar (HBI series), daily fractionated",
    }


def test_a_whole_trial_figure_is_printed_as_the_whole_trials(project):
    """Salazar (HBI series)'s grade 3 toxicity (4 %) is of every technique together: printed bare, it reads
    as the figure of the arm printed before it or of the modality's one treatment."""
    hbi = modality(project, "hbi")
    (row,) = [r for r in hbi["sof"]["rows"] if r["outcome"] == "Grade 3 toxicity"]
    assert row["effect"].startswith("whole trial (all three arms): 4 %")
    assert "grade 3 toxicity, whole trial (all three arms): 4 %" in sentence(hbi, "salazar1996_hbi")


def test_a_headline_quotes_every_arm_of_a_trial_never_its_best_arm_alone(project):
    """Salazar (HBI series) states its relief rates per technique only: the headline quoted the best of the
    three (daily fractionated, 96 %) without saying it was one arm."""
    text = modality(project, "hbi")["main_pain"]["text"]
    for arm, total in (("Daily fractionated", "96"), ("Single dose", "73"), ("Split course", "50")):
        assert f"{arm.lower()}: {total} %" in text


def test_a_subgroup_is_a_headline_only_without_a_whole_group_and_then_labelled_with_the_trials_total(project):
    """Patchell 2005: regained walking among the 32 unable to walk at entry (10/16, 3/16) was the
    surgery key message, although the trial's whole group's figures (42/50, 29/51) are there."""
    surgery = modality(project, "surgery")
    assert "subgroup" not in messages.key_message(surgery)
    assert not surgery["main_pain"]["subgroup"]
    only = [r for r in surgery["sof"]["rows"] if r["subgroup"] or r["not_reported"]]
    alone = surgery | {"sof": surgery["sof"] | {"rows": only}, "sof_comparisons": [], "comparisons": []}
    text = messages.key_message(summary.as_written(alone | {"main_pain": headlines.choose(alone, CONFIG["analysis"])}))
    assert "Regained the ability to walk, subgroup unable to walk at entry" in text
    assert "(a subgroup of Patchell 2005, whose whole group was 101 patients)" in text


def test_what_changed_never_reads_two_different_figures_as_one_that_changed():
    """A headline that moves to another figure (here from van der Velden 2018's response among all
    treated patients to its response among the assessable) is no change of one figure."""
    from briefing.assemble import changes
    from briefing.schema.models import EditionModality

    old = EditionModality(
        modality_id="cebrt",
        headline="Overall pain response, all treated patients: 262/432 patients (95 % CI 56.0 to 65.1 %)",
        headline_outcome_id="vandervelden2018-response-all",
    )
    new = old.model_copy(
        update={
            "headline": "Overall pain response, assessable patients: 67 % (262/390 patients; 95 % CI 62.4 to 71.7 %)",
            "headline_outcome_id": "vandervelden2018-response-assessable",
        }
    )
    (line,) = changes._study_lines(old, new, changes.Names())
    assert "→" not in line and "different figures, not one figure that changed" in line
    (same,) = changes._study_lines(old, old.model_copy(update={"headline": old.headline + " "}), changes.Names())
    assert "→" in same


def test_the_same_responders_under_two_denominators_are_counted_once(project):
    """van der Velden 2018: 262 responders of 432 treated, the same 262 as 67 % of the 390
    assessable. The events the imprecision rule sets against the optimal information size were 524;
    the participants are 432 (each study once), not 822."""
    from briefing.grade import imprecision

    cebrt = modality(project, "cebrt")
    assert cebrt["evidence_size"]["cebrt:pain_response"]["participants"] == 432
    assert cebrt["evidence_size"]["cebrt:pain_response"]["events"] == 262
    items = imprecision.items(cebrt["outcomes"], cebrt["pooled"], None)["pain_response"]
    assert sum(i.events for i in items) == 524 and imprecision.events_once(items) == 262


def test_a_subgroups_events_are_never_added_to_its_whole_groups(project):
    """Patchell 2005: 42/50 walked after treatment with surgery, 29/51 with radiotherapy alone; 10/16
    and 3/16 of those unable to walk at entry regained walking, subsets of the same arms (the rule
    once counted 52 events in one arm). The body of evidence is the trial's comparison: every
    randomised patient (GRADEpro: 101), each arm's events once."""
    assert modality(project, "surgery")["evidence_size"]["surgery-vs-cebrt:neurological"] == {
        "domain": "neurological",
        "participants": 101,
        "enrolled": 101,
        "studies": 1,
        "i2": None,
        "events": 42 + 29,
        "printed": {"participants": 101},  # the evidence profile's № of patients
    }


def test_a_whole_trial_beside_its_arms_and_a_denominator_of_lesions_are_never_summed_as_patients(project):
    """The arithmetic of a row's totals on SCORAD's arm sizes (345 and 341 randomised, 686 in all)
    taken as denominators, and Ryu 2008's 61 lesions as a denominator in another unit (the figures
    are the test's, the sizes the sources'): a figure of the whole trial beside its arms counted
    the trial twice (1,372); lesions were added to patients as participants."""
    cebrt = modality(project, "cebrt")
    studies = {s["study_id"]: s for s in cebrt["primary_studies"]}
    arms = {a["arm_id"]: a for a in cebrt["arms"]}
    amb = [o for o in cebrt["outcomes"] if o["measure"] == "Ambulatory at 8 weeks"]
    per_arm = [o | {"denominator": arms[o["arm_id"]]["patients"], "denominator_unit": "patients"} for o in amb]
    whole = amb[0] | {"arm_id": None, "denominator": 686, "denominator_unit": "patients"}
    assert sof.participants(per_arm + [whole], studies, arms) == (686, 1)
    assert sof.analysed(per_arm + [whole], studies, arms).participants == 686
    lesions = amb[0] | {"arm_id": None, "denominator": 61, "denominator_unit": "lesions"}
    size = sof.analysed(per_arm + [lesions], studies, arms)
    assert size.participants == 686 and sof.participants_text(size) == "686; figures of 61 lesions apart"


# The whole workflow on these studies (with every other real study): tests/test_real_build.py.
