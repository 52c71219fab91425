"""Surveillance (issue 33): saved searches run against recorded responses, each run a record, the
new records deduplicated into the screening queue, decisions validated as data, and the flow of
records reconciled."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import respx
import yaml
from surveillance_fixture import RECORDED, Clock, client, project, run

from briefing.data.evidence import read_tables
from briefing.surveil import sources, surveillance, surveillance_flow, surveillance_run


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return project(tmp_path)


def queue(root: Path) -> list[dict[str, str]]:
    return surveillance.read_queue(root / "surveillance" / "queue.csv")


def test_each_source_is_read_in_the_common_shape():
    with respx.mock() as router:
        from surveillance_fixture import serve

        serve(router, 2)
        http = client()
        count, pubmed = sources.pubmed(http, "q", 500)
        _, europe = sources.europepmc(http, "q", 500)
        _, trials = sources.clinicaltrials(http, "q", 500)
    assert count == 4
    rtog = next(r for r in pubmed if r["pmid"] == "37079324")
    assert rtog["doi"] == "10.1001/jamaoncol.2023.0356" and rtog["pmcid"] == "PMC10119775"
    assert rtog["year"] == "2023" and rtog["journal"] == "JAMA Oncol" and rtog["authors"].startswith("Ryu S, ")
    assert rtog["abstract"].startswith("BACKGROUND: ")
    assert [r["preprint"] for r in europe] == [False, False, True]
    assert {r["nct_id"]: r["status"] for r in trials}["NCT09999901"] == "ACTIVE_NOT_RECRUITING"


def test_a_second_run_that_returns_a_superset_queues_only_its_new_records(root):
    first = run(root, 1)
    assert first["statuses"] == ["complete"] * 3
    # Sprave 2018 from PubMed and Europe PMC is one record; the preprint, Hosono 1995 (already in
    # data/, so included by the data) and the two trials are the others.
    assert first["new"] == [
        "pmid:30170568",
        "pmid:7634599",
        "doi:10.21203/rs.3.rs-0000001/v1",
        "nct:NCT00922974",
        "nct:NCT09999901",
    ]
    rows = {r["record_id"]: r for r in queue(root)}
    assert rows["pmid:7634599"]["decision"] == "include" and rows["pmid:7634599"]["study_id"] == "hosono1995"
    assert rows["pmid:30170568"]["decision"] == "awaiting"
    rows["pmid:30170568"] |= {
        "decision": "exclude",
        "reason": "wrong_population",
        "reviewer": "AB",
        "decision_date": "2026-11-03",
    }
    surveillance.write_queue(root / "surveillance" / "queue.csv", list(rows.values()))

    second = run(root, 2)
    # RTOG 0631's article joins its preprint's row; only Saito 2019 and the new trial are new.
    assert second["new"] == ["pmid:31673664", "nct:NCT09999902"]
    after = {r["record_id"]: r for r in queue(root)}
    assert after["pmid:30170568"]["decision"] == "exclude"  # an earlier decision is kept
    ids = after["doi:10.21203/rs.3.rs-0000001/v1"]["ids"].split()
    assert (
        "pmid:37079324" in ids
        and "title:stereotactic_radiosurgery_vs_conventional_radiotherapy_for_localized_vertebral" in " ".join(ids)
    )
    assert all(
        k.startswith(("pmid:", "doi:", "pmcid:", "nct:", "title:")) for r in after.values() for k in r["ids"].split()
    )
    assert len(list((root / "surveillance" / "runs").glob("*.json"))) == 6  # none overwritten
    page = (root / "surveillance" / "queue.html").read_text(encoding="utf-8")
    assert "Single- Versus Multiple-Fraction Radiation Therapy" in page and "Abstract" in page
    assert "default-src 'none'; style-src 'unsafe-inline'" in page and "<script" not in page
    assert 'id="show-awaiting"' in page and "#show-awaiting:checked ~ .records .record:not(.awaiting)" in page


def test_duplicates_across_sources_are_merged_with_a_preprint_and_its_article(root):
    run(root, 1)
    run(root, 2)
    groups = surveillance.group_records(surveillance.read_runs(root / "surveillance" / "runs"))
    rtog = next(g for g in groups if "pmid:37079324" in g["keys"])
    assert rtog["sources"] == ["pubmed", "europepmc"]
    assert rtog["source_records"] == ["europepmc:MED:37079324", "europepmc:PPR:PPR000001", "pubmed:37079324"]
    assert rtog["title"].startswith("Stereotactic Radiosurgery vs Conventional")  # the article's, not the preprint's
    assert len(groups) == 7


def test_a_failed_run_is_recorded_and_does_not_move_the_last_search_date(root):
    run(root, 1)
    clock = Clock()
    with respx.mock() as router:
        router.get(sources.CTGOV).mock(return_value=httpx.Response(503))
        http = sources.Polite(httpx.Client(), clock=clock, sleep=clock.sleep)
        searches = surveillance.load_searches(root / "surveillance" / "searches.yaml")
        from surveillance_fixture import WHEN

        [path] = surveillance_run.run_searches(
            searches, http, root / "surveillance" / "runs", lambda: WHEN[2], ["clinicaltrials"]
        )
    record = json.loads(path.read_text())
    assert record["status"] == "failed" and "HTTP 503" in record["error"] and record["records"] == []
    assert clock.slept == [1.0, 2.0, 4.0, 8.0]  # retried with backoff, no real wait
    runs = surveillance.read_runs(root / "surveillance" / "runs")
    assert surveillance.last_searched(runs)["clinicaltrials"] == "2026-11-02"


def test_a_run_cut_off_at_max_records_is_recorded_as_such(root):
    searches = surveillance.load_searches(root / "surveillance" / "searches.yaml")
    searches["searches"][0]["max_records"] = 1
    with respx.mock(assert_all_called=False) as router:
        from surveillance_fixture import WHEN, serve

        serve(router, 1)
        [path] = surveillance_run.run_searches(
            searches, client(), root / "surveillance" / "runs", lambda: WHEN[1], ["pubmed"]
        )
    record = json.loads(path.read_text())
    assert record["status"] == "cut_off" and record["count"] == 2
    assert surveillance.last_searched(surveillance.read_runs(root / "surveillance" / "runs")) == {}


def test_the_rate_limit_waits_between_requests():
    clock = Clock()
    with respx.mock() as router:
        router.get(sources.CTGOV).mock(return_value=httpx.Response(200, json={"studies": [], "totalCount": 0}))
        http = sources.Polite(httpx.Client(), per_second=2.0, clock=clock, sleep=clock.sleep)
        for _ in range(3):
            sources.clinicaltrials(http, "q", 10)
    assert clock.slept == [0.5, 0.5]


def test_a_changed_trial_status_is_read_from_the_latest_run(root):
    run(root, 1)
    before = surveillance_flow.trials(
        surveillance.group_records(surveillance.read_runs(root / "surveillance" / "runs"))
    )
    run(root, 2)
    after = surveillance_flow.trials(surveillance.group_records(surveillance.read_runs(root / "surveillance" / "runs")))
    status = lambda trials: {t["nct_id"]: t["status"] for t in trials}  # noqa: E731
    assert status(before)["NCT09999901"] == "RECRUITING"
    assert status(after) == {
        "NCT00922974": "ACTIVE_NOT_RECRUITING",
        "NCT09999901": "ACTIVE_NOT_RECRUITING",
        "NCT09999902": "NOT_YET_RECRUITING",
    }
    assert (
        after[0]["url"] == "https://clinicaltrials.gov/study/NCT00922974"
        and after[0]["completion_date"] == "2026-12-31"
    )


def decide(root: Path, record: str, **cells: str) -> None:
    rows = queue(root)
    for r in rows:
        if r["record_id"] == record:
            r.update(cells)
    surveillance.write_queue(root / "surveillance" / "queue.csv", rows)


def problems(root: Path, today: str = "2026-11-10") -> tuple[list[str], list[str]]:
    searches = surveillance.load_searches(root / "surveillance" / "searches.yaml")
    studies = read_tables(root / "data" / "datapackage.yaml")["studies"]
    errors, warnings = surveillance.decision_problems(queue(root), searches, studies, today)
    return [str(e) for e in errors], warnings


def test_an_unknown_reason_code_is_an_error_naming_the_record(root):
    run(root, 1)
    decide(root, "pmid:30170568", decision="exclude", reason="too_small", reviewer="AB", decision_date="2026-11-03")
    errors, _ = problems(root)
    assert errors == [
        "surveillance/queue.csv, row 2, column 'reason': pmid:30170568: reason 'too_small' is not one of the codes "
        "in searches.yaml: wrong_population, wrong_intervention, no_pain_outcome, wrong_design, duplicate_report, "
        "not_retrievable"
    ]


def test_an_included_record_without_its_study_is_a_warning_then_an_error_after_the_grace(root):
    run(root, 1)
    decide(root, "pmid:30170568", decision="include", reviewer="AB", decision_date="2026-11-03")
    errors, warnings = problems(root)
    assert errors == [] and any("pmid:30170568: included on 2026-11-03 but no study in data/" in w for w in warnings)
    errors, _ = problems(root, today="2027-03-01")
    assert errors == [
        "surveillance/queue.csv, row 2, column 'study_id': pmid:30170568: included on 2026-11-03 but no study in "
        "data/ is this record after the 90 days' grace"
    ]


def test_a_study_in_data_that_a_record_is_must_be_included_and_one_no_search_found_is_named(root):
    run(root, 1)
    decide(root, "pmid:7634599", decision="exclude", reason="wrong_design", reviewer="AB", decision_date="2026-11-03")
    errors, warnings = problems(root)
    assert errors == [
        "surveillance/queue.csv, row 3, column 'decision': pmid:7634599: study hosono1995 in data/ is this record, "
        "but the record is not included"
    ]
    assert (
        "data/studies.csv: study ryu2008 has no decision in surveillance/queue.csv: no search found it "
        "(counted as other sources)" in warnings
    )


def test_the_flow_reconciles_and_its_included_studies_are_those_in_data(root):
    run(root, 1)
    decide(
        root, "pmid:30170568", decision="exclude", reason="wrong_population", reviewer="AB", decision_date="2026-11-03"
    )
    run(root, 2)
    decide(
        root, "nct:NCT09999902", decision="exclude", reason="wrong_design", reviewer="AB", decision_date="2026-11-10"
    )
    base = surveillance_flow.load(root / "surveillance", read_tables(root / "data" / "datapackage.yaml")["studies"])
    f = base["flow"]
    assert surveillance_flow.reconciles(f) == []
    # PubMed 4, Europe PMC 4 (Sprave, RTOG's preprint and article), ClinicalTrials.gov 3: 11.
    assert [(i["label"], len(i["records"])) for i in f["identified"]] == [
        ("PubMed", 4),
        ("Europe PMC", 3),
        ("ClinicalTrials.gov", 3),
    ]
    assert len(f["identified_total"]) == 10 and f["duplicates"] == 3 and len(f["screened"]) == 7
    assert f["excluded"] == ["pmid:30170568", "nct:NCT09999902"]
    assert [(r["code"], len(r["records"])) for r in f["reasons"]] == [("wrong_population", 1), ("wrong_design", 1)]
    assert f["included"] == ["pmid:7634599"] and len(f["awaiting"]) == 4
    assert f["studies_from_searches"] == ["hosono1995"]
    assert sorted(f["studies_from_searches"] + f["studies_other"]) == f["studies"]
    assert [s["last_searched"] for s in base["sources"]] == ["2026-11-09"] * 3


def test_searches_yaml_is_checked_against_its_schema(tmp_path):
    bad = yaml.safe_load((RECORDED.parents[2] / "surveillance" / "searches.yaml").read_text())
    bad["searches"][0]["source"] = "embase"
    bad["searches"].append(dict(bad["searches"][1]))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(bad))
    found = surveillance.search_problems(tmp_path / "s.yaml")
    assert any(p.startswith("searches.0.source: 'embase' is not one of") for p in found)
    assert "searches: the id 'europepmc' is used twice" in found


def test_make_check_fails_on_an_unknown_reason_code_naming_the_record(root, monkeypatch, capsys):
    from briefing import cli

    shutil.copytree(RECORDED.parents[2] / "config", root / "config")
    run(root, 1)
    monkeypatch.chdir(root)
    assert cli.main(["check"]) == 0
    decide(root, "pmid:30170568", decision="exclude", reason="too_small", reviewer="AB", decision_date="2026-11-03")
    assert cli.main(["check"]) == 1
    assert "pmid:30170568: reason 'too_small' is not one of the codes" in capsys.readouterr().err


def test_a_new_study_is_pre_filled_from_an_included_record(root, monkeypatch, capsys):
    from briefing import cli

    shutil.copytree(RECORDED.parents[2] / "config", root / "config")
    run(root, 1)
    run(root, 2)
    monkeypatch.chdir(root)
    assert cli.main(["new-study", "--study", "rtog0631", "--modality", "srs", "--record", "pmid:37079324"]) == 0
    assert "From pmid:37079324: title, authors, year, journal, pmid, pmcid, doi." in capsys.readouterr().out
    row = next(s for s in read_tables(root / "data" / "datapackage.yaml")["studies"] if s["study_id"] == "rtog0631")
    assert row["doi"] == "10.1001/jamaoncol.2023.0356" and row["journal"] == "JAMA Oncol" and row["year"] == 2023


def test_an_included_record_may_name_its_study_before_the_study_is_in_data(root):
    run(root, 1)
    decide(root, "pmid:30170568", decision="include", reviewer="AB", decision_date="2026-11-03", study_id="sprave2018")
    errors, warnings = problems(root)
    assert errors == [] and any(
        "study 'sprave2018' is not in data/studies.csv yet (grace: 90 days)" in w for w in warnings
    )
    errors, _ = problems(root, today="2027-03-01")
    assert [e.split(": ", 1)[1] for e in errors] == [
        "pmid:30170568: included on 2026-11-03 but study 'sprave2018' is not in data/studies.csv "
        "after the 90 days' grace"
    ]
