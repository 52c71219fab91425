"""Comparative evidence from real studies (tests/fixtures/real_studies/): two-arm trials within and
across modalities, a subgroup, a systematic review with meta-analysis, a trial whose arm sizes the
abstract omits, and a score on a scale the data declare. Figures from the abstracts, with PMIDs:
Patchell 2005 (16112300), SCORAD (Hoskin 2019, 31794625), Saito 2019 (31673664), RTOG 0631 (Ryu
2023, 37079324); CAFE (Berenson 2011, DOI only: its PMID was not confirmed)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from briefing.assemble import combine, summary
from briefing.data import evidence
from briefing.verify.validation import validate_package
from conftest import ROOT, append_rows, edit_rows
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
COMPARATIVE = {"patchell2005", "scorad2019", "saito2019", "rtog0631", "cafe2011"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path, COMPARATIVE)
    return tmp_path


def problems(project: Path) -> list[tuple[str, int | None, str | None, str]]:
    found = validate_package(project / "data" / "datapackage.yaml", CONFIG["modalities"])
    return [(Path(p.file).name, p.row, p.column, p.message) for p in found]


def modality(project: Path, modality_id: str) -> dict:
    package = project / "data" / "datapackage.yaml"
    piece = evidence.build_slice(package, modality_id, CONFIG["analysis"])
    return summary.build_summary(json.loads(evidence.dumps(piece)))


def append(project: Path, name: str, rows: list[dict[str, str]]) -> None:
    append_rows(project / "data" / name, rows)


def edit(project: Path, name: str, key: str, **changes: str) -> None:
    edit_rows(project / "data" / name, key, **changes)


def test_the_comparative_studies_are_valid(project):
    assert problems(project) == []


def test_a_systematic_reviews_pooled_result_is_the_reviews_own_and_never_counted_twice(project):
    cebrt = modality(project, "cebrt")
    assert [s["study_id"] for s in cebrt["primary_studies"]] == ["scorad2019"]
    assert [s["study_id"] for s in cebrt["reviews"]] == ["lin2006", "saito2019"]
    assert cebrt["patients"] == 686  # SCORAD's 686; not the 2,681 patients the review pooled
    (review,) = cebrt["review_results"]
    (pooled,) = review["comparisons"]
    assert pooled["value_text"] == "0.85" and pooled["studies"] == 9
    assert pooled["text"] == "OR 0.85 (95 % CI 0.66 to 1.08)"
    assert pooled["scope"] == "time point not stated; single fraction against multiple fractions"
    arms = [(o["arm_id"], o["events"], o["denominator"]) for o in review["outcomes"]]
    assert sorted(arms) == [("saito2019-multi", 953, 1360), ("saito2019-single", 884, 1321)]
    ids = {o["outcome_id"] for o in cebrt["outcomes"]} | {i for p in cebrt["pooled"] for i in p["outcome_ids"]}
    assert not any(i.startswith("saito2019") for i in ids)  # nothing of the review among the studies'
    assert not cebrt["sof_comparisons"]  # SCORAD states percentages without counts: no RR computed


def test_a_review_names_its_included_studies_that_are_in_the_data(project):
    append(project, "review_includes.csv", [{"review_id": "saito2019", "study_id": "scorad2019", "locator": "t"}])
    assert problems(project) == []  # (a test row: Saito's abstract names none of its nine studies)
    (review,) = modality(project, "cebrt")["review_results"]
    assert [(i["study_id"], i["short_name"]) for i in review["includes"]] == [("scorad2019", "Hoskin 2019 (SCORAD)")]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ({"review_id": "scorad2019", "study_id": "patchell2005"}, "review_id", "is not a systematic review"),
        ({"review_id": "saito2019", "study_id": "lin2006"}, "study_id", "is a review; list the primary studies"),
        ({"review_id": "saito2019", "study_id": "saito2019"}, "study_id", "cannot include itself"),
        ({"review_id": "lin2006", "study_id": "sun2026"}, "review_id", "is not a systematic review (narrative review)"),
    ],
)
def test_a_wrong_review_include_is_refused_with_its_cell(project, row, column, words):
    append(project, "review_includes.csv", [row | {"locator": "t"}])
    (found,) = problems(project)
    assert found[:3] == ("review_includes.csv", 2, column) and words in found[3], found


@pytest.mark.parametrize(
    ("name", "key", "changes", "column", "words"),
    [
        # A score on a scale the data do not declare.
        ("outcomes.csv", "cafe2011-rdq-m1", {"unit": "RDQ"}, "unit", "nor a scale of scales.csv"),
        # A level outside its declared scale, and a change wider than the scale.
        ("outcomes.csv", "cafe2011-rdq-m1", {"value": "25"}, "value", "outside 0-24, the range of unit 'RDQ 0-24'"),
        ("outcomes.csv", "cafe2011-rdq-change", {"value": "-25"}, "value", "outside -24-24"),
        # A negative value that is not a change.
        ("outcomes.csv", "cafe2011-rdq-m1", {"value": "-9.1"}, "value", "with statistic 'mean_change'"),
        ("scales.csv", "RDQ 0-24", {"mid": "3"}, "mid_source", "needs its source"),
        ("scales.csv", "RDQ 0-24", {"direction": "down"}, "direction", "must be one of: lower_better"),
        ("outcomes.csv", "patchell2005-regain-rt", {"subgroup": ""}, "subgroup", "give the subgroup's label"),
        # Only a systematic review with meta-analysis gives figures.
        ("studies.csv", "saito2019", {"design": "systematic_review"}, "study_id", "gives statements, not effect"),
        ("comparisons.csv", "patchell2005-walk-or", {"studies": "3"}, "studies", "only a systematic review's"),
    ],
)
def test_scales_subgroups_and_review_figures_are_checked_cell_by_cell(project, name, key, changes, column, words):
    edit(project, name, key, **changes)
    found = problems(project)
    assert found and all(f[0] in (name, "outcomes.csv", "comparisons.csv") for f in found), found
    assert any(f[2] == column and words in f[3] for f in found), found


def test_a_mean_change_on_a_declared_scale_is_worded_with_the_scales_unit(project):
    surgery = modality(project, "surgery")
    change = next(o for o in surgery["outcomes"] if o["outcome_id"] == "cafe2011-rdq-change")
    assert change["display"] == "mean change -8.3 points (RDQ 0–24); n = 65 patients, p < 0.0001"


def test_a_trial_without_arm_sizes_counts_no_invented_patients(project):
    srs = modality(project, "srs")
    assert srs["patients"] == 49  # Ryu 2008's 49; RTOG 0631's radiosurgery arm size is not stated
    assert srs["patients_unstated"] == ["rtog0631"]
    # Its key points' between-arm finding, in their words: never a change within the radiosurgery arm.
    assert not any(o["study_id"] == "rtog0631" for o in srs["outcomes"])
    [finding] = [c for c in srs["comparisons"] if c["study_id"] == "rtog0631"]
    assert finding["text"].startswith("lower with radiosurgery than with conventional external-beam radiotherapy")
    assert "“worse pain response was observed”" in finding["text"]


def test_direct_comparisons_list_every_trial_of_two_modalities_once(project):
    summaries = [modality(project, m) for m in CONFIG["modalities"]]
    rows = combine.direct_comparisons(summaries)
    assert [(r["intervention"], r["comparator"], r["kind"], r["study_ids"]) for r in rows] == [
        ("Radiosurgery (single fraction)", "Conventional EBRT", "stated", ["rtog0631"]),
        ("Surgery", "Conventional EBRT", "computed", ["patchell2005"]),
        ("Surgery", "Conventional EBRT", "stated", ["patchell2005"]),
    ]
    assert rows[1]["effect"].startswith("RR 1.48 (1.13 to 1.93); 271 more per 1,000")
    points = " ".join(combine.bottom_line(summaries)["points"])
    assert "Two studies compare two modalities directly" in points
    studies = {st["study_id"]: st for st in evidence.read_tables(project / "data" / "datapackage.yaml")["studies"]}
    (limit,) = [x for x in combine.limitations(summaries, studies) if "indirect" in x]
    assert limit.startswith("Apart from the direct comparisons of Patchell 2005, Ryu 2023 (RTOG 0631), comparisons")
    assert "No randomised trial" not in points
    cebrt = next(s for s in summaries if s["modality_id"] == "cebrt")
    assert [c["study_id"] for c in cebrt["comparator_in"]] == ["patchell2005", "rtog0631"]
    # SCORAD compares two schedules of the same modality: not a direct comparison of modalities.
    assert not any("scorad2019" in r["study_ids"] for r in rows)


# The whole build of every real study, the comparative ones included: tests/test_real_build.py.


def test_a_stated_baseline_risk_gives_a_second_absolute_effect(project):
    """GRADE: the anticipated absolute effect at the trials' comparator risk and at a baseline risk
    the data state. RR 1.4772 (1.1310 to 1.9295) at 30 %: 443 per 1,000, 143 more (39 more to 279
    more). (A test row: the risk and its source are made up for the arithmetic.)"""
    row = {"baseline_id": "walk-test", "domain": "neurological", "measure": "Able to walk after treatment"}
    row |= {"value": "30", "population": "a test population", "source": "test source", "locator": "Table 1"}
    append(project, "baseline_risks.csv", [row])
    assert problems(project) == []
    sof = modality(project, "surgery")["sof_comparisons"]
    (walk,) = [r for r in sof if r["measure"] == "Able to walk after treatment"]
    (at,) = walk["baselines"]
    assert round(at["absolute"]["risk"] * 1000, 1) == 443.2
    assert walk["baseline_texts"] == [
        "At a stated risk of 300 per 1,000 (a test population; test source, Table 1): "
        "143 more per 1,000 (39 more to 279 more)"
    ]
    assert walk["comparator_risk"] == "569 per 1,000"  # the trial's own comparator risk stays


def test_an_outcome_says_when_its_events_are_a_benefit_and_time_points_are_never_pooled_as_trials(project):
    """Walking is counted in the neurological domain, whose events are harms by default; the row
    marks it a benefit, so the forest plot's "favours" sides follow it. The same trial's walking at
    two time points gives two rows of the summary of findings, not one pooled over "two trials"."""
    surgery = modality(project, "surgery")
    walk = next(r for r in surgery["sof_comparisons"] if r["measure"] == "Able to walk after treatment")
    assert walk["event_kind"] == "benefit" and walk["timepoint"] == "after treatment"
    later = [
        o | {"outcome_id": o["outcome_id"] + "-later", "timepoint": "one year", "time_days": "365"}
        for o in csv.DictReader((project / "data" / "outcomes.csv").open(encoding="utf-8", newline=""))
        if o["outcome_id"] in ("patchell2005-walk-surgery", "patchell2005-walk-rt")
    ]
    append(project, "outcomes.csv", later)
    rows = [r for r in modality(project, "surgery")["sof_comparisons"] if r["measure"] == walk["measure"]]
    assert [(r["timepoint"], r["pooled"]) for r in rows] == [("after treatment", None), ("one year", None)]


def test_knapp_hartung_is_an_option_of_the_config_for_pooled_comparisons(tmp_path):
    from test_arms import BCG3, _three_trials, with_patchell

    from briefing.stats import meta

    data = with_patchell(ROOT / "data", tmp_path / "data")
    _three_trials(data)
    tables = evidence.read_tables(data / "datapackage.yaml")
    yi, vi = meta.escalc_2x2("RR", *zip(*[(t, t + n, c, c + m) for t, n, c, m in BCG3], strict=True))
    for knapp_hartung in (False, True):
        piece = evidence.slice_for_modality(tables, "surgery") | {"settings": {"knapp_hartung": knapp_hartung}}
        row = next(r for r in summary.build_summary(piece)["sof_comparisons"] if r["measure"] == "Event")
        expected = meta.pool_comparisons("RR", yi, vi, knapp_hartung=knapp_hartung)
        assert (row["ci_low"], row["ci_high"]) == (expected.ci_low_ratio, expected.ci_high_ratio)
        assert ("Knapp–Hartung CI" in row["relative"]) is knapp_hartung
    found = [str(p) for p in validate_package(data / "datapackage.yaml", settings={"knapp_hartung": "yes"})]
    assert found == ["config, column 'analysis.knapp_hartung': must be true or false, not 'yes'"]


def test_two_arms_means_give_a_mean_difference_pooled_over_trials_on_the_raw_scale(project):
    """Test rows (not a source's): one trial's pain score at 3 months, 3.00 (SD 3.34, n 209) with
    radiosurgery against 3.83 (SD 2.97, n 130) with conventional radiotherapy. MD -0.83, variance
    3.34²/209 + 2.97²/130 = 0.121229 (escalc "MD", vtype "LS"), 95 % CI -1.51 to -0.15. A second
    trial makes the row pooled (REML, raw scale), equal to meta.pool_comparisons("MD")."""
    from briefing.stats import meta

    def trial(sid: str, means: tuple[tuple[str, str, str], tuple[str, str, str]]) -> None:
        study = next(
            r for r in csv.DictReader((project / "data" / "studies.csv").open()) if r["study_id"] == "rtog0631"
        )
        append(project, "studies.csv", [study | {"study_id": sid, "pmid": "", "pmcid": "", "doi": "", "title": sid}])
        arms = [("srs", "intervention", "srs"), ("ebrt", "comparator", "cebrt")]
        append(
            project,
            "arms.csv",
            [
                {"arm_id": f"{sid}-{a}", "study_id": sid, "label": a, "role": r, "modality_id": m, "locator": "t"}
                for a, r, m in arms
            ],
        )
        append(
            project,
            "outcomes.csv",
            [
                {
                    "outcome_id": f"{sid}-{a}",
                    "study_id": sid,
                    "arm_id": f"{sid}-{a}",
                    "domain": "pain_score",
                    "measure": "Pain score (NRS 0-10)",
                    "source_term": "pain score",
                    "statistic": "mean",
                    "value": m,
                    "sd": sd,
                    "denominator": n,
                    "unit": "NRS 0-10",
                    "timepoint": "3 months",
                    "time_days": "91",
                    "locator": "t",
                }
                for (a, _, _), (m, sd, n) in zip(arms, means, strict=True)
            ],
        )

    trial("testtrial_a", (("3.00", "3.34", "209"), ("3.83", "2.97", "130")))
    assert problems(project) == []
    srs = modality(project, "srs")
    (md,) = srs["computed_differences"]
    assert round(md["difference"], 4) == -0.83 and round(md["vi"], 6) == 0.121229
    assert (round(md["ci_low"], 2), round(md["ci_high"], 2)) == (-1.51, -0.15)
    assert md["text"] == (
        "MD -0.83 points (NRS 0–10) (95 % CI -1.51 to -0.15), computed from means 3.00 (SD 3.34; n = 209) "
        "and 3.83 (SD 2.97; n = 130)"
    )
    (row,) = srs["sof_differences"]
    assert row["difference_text"] == "MD 0.83 points (NRS 0–10) lower (1.51 lower to 0.15 lower)"
    trial("testtrial_b", (("2.50", "2.00", "100"), ("3.00", "2.20", "90")))
    (row,) = modality(project, "srs")["sof_differences"]
    expected = meta.pool_comparisons(
        "MD", *meta.escalc_md([3.00, 2.50], [3.34, 2.00], [209, 100], [3.83, 3.00], [2.97, 2.20], [130, 90])
    )
    assert row["difference"] == expected.estimate and row["pooled"]["k"] == 2
    assert row["participants"] == 209 + 130 + 100 + 90
