"""Every edition states its evidence base from the surveillance records (issue 33): the scope names
each source with its last search date, the flow of records is printed and audited, What changed
lists the records screened since the previous edition and a trial's changed status; with no run,
the edition is a curated selection, exactly as before. In process: run -> queue -> decision ->
data/ -> edition, against the recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from surveillance_fixture import project, run
from test_surveillance import decide

from briefing import audit, cli, combine, evidence, models, render, summary, surveillance_flow
from conftest import PROVENANCE, ROOT
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return project(tmp_path)


def edition(root: Path, previous: dict | None = None) -> tuple[dict, dict, str, str]:
    """The combine step in process, then both HTML editions: (context, briefing.json, HTML, print HTML)."""
    package = root / "data" / "datapackage.yaml"
    tables = evidence.read_tables(package)
    summaries = [
        summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, m, CONFIG["analysis"]))))
        for m in CONFIG["modalities"]
    ]
    base = cli._evidence_base(str(root / "surveillance"), tables["studies"], previous)
    provenance = PROVENANCE | {"config": CONFIG, "build_epoch": 1767225600}
    context = combine.build(
        CONFIG, summaries, tables, evidence.general_statements(tables), provenance, base, previous=previous
    )
    public = combine.public_json(context)
    models.check(models.BriefingContext, context)
    models.check(models.PublishedBriefing, public)
    html = render.render_html(context, ROOT / "templates")
    return context, public, html, render.render_html(context, ROOT / "templates", print_edition=True)


def audited(public: dict, root: Path, *pages: tuple[str, str, str]) -> list[str]:
    """The numeric audit of each (label, edition, HTML) as the audit step runs it."""
    templates = sorted((ROOT / "templates").glob("briefing*.j2"))
    allowed = audit.allowed_numbers(public, root / "data" / "datapackage.yaml", templates)
    found = []
    for label, where, html in pages:
        text = audit.html_text(html)
        found += audit.unsourced(text, allowed) + audit.not_found(public["figures"], where, text, label, ordered=True)
    return found


def test_with_no_run_the_edition_is_a_curated_selection_as_before(root):
    context, public, html, _ = edition(root)
    assert "surveillance" not in context and "surveillance" not in public and "surveillance" not in context["changes"]
    assert context["identification_text"].startswith("The studies are a curated selection")
    assert 'id="evidence-base"' not in html and "flow-box" not in html


def test_run_queue_decision_data_edition(root):
    run(root, 1)
    decide(
        root, "pmid:30170568", decision="exclude", reason="wrong_population", reviewer="AB", decision_date="2026-11-03"
    )
    _, first, _, _ = edition(root)

    run(root, 2)
    decide(root, "pmid:31673664", decision="exclude", reason="wrong_design", reviewer="AB", decision_date="2026-11-10")
    decide(root, "doi:10.21203/rs.3.rs-0000001/v1", decision="include", reviewer="AB", decision_date="2026-11-10")
    add_studies(root, {"rtog0631"})  # the included record's study, curated into data/
    context, public, html, print_html = edition(root, first)

    f = context["surveillance"]["flow"]
    assert surveillance_flow.reconciles(f) == []
    assert f["included"] == ["pmid:7634599", "doi:10.21203/rs.3.rs-0000001/v1"]
    assert f["studies_from_searches"] == ["hosono1995", "rtog0631"]
    assert len(f["studies"]) == 6 and len(f["studies_other"]) == 4 and len(f["awaiting"]) == 3
    # The scope names each source with its last search date.
    assert context["identification_text"] == (
        "The studies come from a systematic search of PubMed, Europe PMC, ClinicalTrials.gov, last run on "
        "2026-11-09 (7 records screened, 6 studies included): saved searches re-run on a schedule, last "
        "run on 2026-11-09 (PubMed), 2026-11-09 (Europe PMC) and 2026-11-09 (ClinicalTrials.gov); the flow "
        "of records is below; four studies come from other sources (a curated selection), not from these "
        "searches; three records await classification."
    )
    assert "Records screened: 7" in audit.html_text(html) and "Duplicates removed: 3" in audit.html_text(html)
    assert "Records identified: 10 PubMed: 4 Europe PMC: 3 ClinicalTrials.gov: 3" in " ".join(
        audit.html_text(html).split()
    )
    # What changed: the records screened since the first edition, and the trial whose status changed.
    sc = context["changes"]["surveillance"]
    assert [r["record_id"] for r in sc["screened"]] == ["pmid:31673664", "nct:NCT09999902"]
    assert context["surveillance"]["new_since_previous"] == ["pmid:31673664", "nct:NCT09999902"]
    assert sc["status_changes"] == [
        {
            "nct_id": "NCT09999901",
            "title": next(t["title"] for t in context["surveillance"]["trials"] if t["nct_id"] == "NCT09999901"),
            "before": "recruiting",
            "after": "active, not recruiting",
        }
    ]
    assert "Trial NCT09999901 changed status: recruiting, now active, not recruiting." in audit.html_text(html)
    assert context["changes"]["short"].endswith(
        " Two records screened since the previous edition; one registered trial changed status."
    )
    assert 'href="https://clinicaltrials.gov/study/NCT09999902"' in html
    # Every number printed traces to the register or the data, and every registered count is printed.
    assert audited(public, root, ("HTML", "html", html), ("print HTML", "briefing_pdf", print_html)) == []
    ids = {e["id"] for e in public["figures"]}
    assert {"surveillance:screened", "surveillance:duplicates", "surveillance:new", "surveillance:studies"} <= ids


@pytest.mark.slow
def test_a_build_with_surveillance_records_prints_the_flow_and_passes_the_audit(workspace):
    """The end-to-end path through Snakemake: run, queue, decisions, the included study in data/,
    then the build, whose audit step checks the flow's numbers in the HTML, print HTML and PDF."""
    from conftest import snakemake

    run(workspace, 1)
    decide(
        workspace,
        "pmid:30170568",
        decision="exclude",
        reason="wrong_population",
        reviewer="AB",
        decision_date="2026-11-03",
    )
    run(workspace, 2)
    decide(workspace, "doi:10.21203/rs.3.rs-0000001/v1", decision="include", reviewer="AB", decision_date="2026-11-10")
    add_studies(workspace, {"rtog0631"})
    snakemake(workspace)
    text = audit.html_text((workspace / "reports" / "briefing.html").read_text(encoding="utf-8"))
    assert "Records identified: 10" in text and "Duplicates removed: 3" in text and "Records screened: 7" in text
    assert "Studies in this briefing: 6 from the searches: 2 from other sources: 4" in " ".join(text.split())
    assert "2026-11-09 (PubMed), 2026-11-09 (Europe PMC) and 2026-11-09 (ClinicalTrials.gov)" in text
    assert "Records identified: 10 PubMed: 4 Europe PMC: 3 ClinicalTrials.gov: 3" in " ".join(text.split())
    assert "Records screened since the searches began: 7" in text
    assert json.loads((workspace / "results" / "audit.json").read_text())["unsourced_numbers"] == 0
    pdf = " ".join(" ".join(audit.pdf_pages(workspace / "reports" / "briefing.pdf")).split())
    assert "Records screened: 7" in pdf and "NCT09999901" in pdf
