"""The reference list for other tools (reports/references.ris and references.json, CSL-JSON), read
back as the tools that take them do: rispy reads the RIS as a reference manager would, and pandoc's
citeproc (Debian's pandoc) formats the CSL-JSON with the briefing's own style (templates/briefing.csl:
the CSL project's Vancouver, CC BY-SA 3.0, changed where the briefing prints what its sources give,
each change commented there) into the briefing's reference list, equal to it.

The seeds' and the real-study fixture's works in-process, and the published files of the session's
build against the HTML's list. What is compared is each entry's bibliographic part (the briefing
prints the work's identifiers as links and where its figures were read after it; those are
compared field by field)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import rispy
from bs4 import BeautifulSoup

from briefing.assemble import combine
from briefing.data import evidence
from briefing.present import citations
from conftest import ROOT
from real_studies import add_studies

CSL = ROOT / "templates" / "briefing.csl"


def studies_of(tmp_path: Path, real: bool) -> list[dict]:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    if real:
        add_studies(tmp_path)
    return evidence.read_tables(tmp_path / "data" / "datapackage.yaml")["studies"]


def reference_list(studies: list[dict]) -> list[dict]:
    """The briefing's numbered list (combine.references) citing every study, in the data's order."""
    cited = [{"primary_studies": [{"study_id": s["study_id"]} for s in studies], "reviews": []}]
    return combine.references(cited, [], {s["study_id"]: s for s in studies})


@pytest.fixture(params=[False, True], ids=["seeds", "real-studies"])
def written(request, tmp_path) -> tuple[list[dict], list[dict], Path]:
    studies = studies_of(tmp_path, request.param)
    refs = reference_list(studies)
    citations.write({"references": refs}, studies, tmp_path / "references.ris", tmp_path / "references.json")
    return refs, studies, tmp_path


def citeproc(csl_json: Path) -> dict[int, str]:
    """Every item of a CSL-JSON file, as pandoc's citeproc prints the bibliography: number -> text."""
    document = '---\nnocite: "@*"\n---\n'
    result = subprocess.run(
        ["pandoc", "--from", "markdown", "--to", "plain", "--wrap=none", "--citeproc"]
        + ["--bibliography", str(csl_json), "--csl", str(CSL)],
        input=document,
        capture_output=True,
        text=True,
        check=True,
    )
    entries = re.findall(r"^(\d+)\. (.+)$", result.stdout, re.M)
    return {int(number): text for number, text in entries}


def normalised(text: str) -> str:
    return " ".join(text.split())


def test_rispy_reads_every_cited_work_with_its_identifiers(written):
    refs, studies, folder = written
    records = rispy.loads((folder / "references.ris").read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == [ref["study_id"] for ref in refs]
    titles = {s["study_id"]: s["title"] for s in studies}
    for record, ref in zip(records, refs, strict=True):
        assert record["type_of_reference"] == "JOUR"
        assert record["title"] == titles[ref["study_id"]]
        assert record.get("doi") == ref["doi"]
        assert record.get("accession_number") == ref["pmid"]  # EndNote's place for a PubMed id
        assert record.get("custom2") == ref["pmcid"]
        assert f"Reference {ref['number']} of the briefing" in record["notes"][0]
    with_ids = [r for r in records if r.get("doi") and r.get("accession_number")]
    assert with_ids or not any(ref["doi"] and ref["pmid"] for ref in refs)


def test_the_ris_keeps_the_authors_and_the_citation_line(written):
    refs, studies, folder = written
    records = {r["id"]: r for r in rispy.loads((folder / "references.ris").read_text(encoding="utf-8"))}
    for study in studies:
        record = records[study["study_id"]]
        named = [a.strip() for a in study["authors"].split(",") if a.strip() != citations.ET_AL]
        if not study["authors"].startswith("["):
            # "Ryu S" -> "Ryu, S."; a group or another order as written.
            assert [a.replace(",", "").replace(".", "").replace(" ", "") for a in record["authors"]] == [
                a.replace(" ", "") for a in named
            ]
        detail = citations.journal_detail(study.get("citation_detail")) if study.get("journal") else None
        if detail and "page" in detail:
            assert record["start_page"] == detail["page"].split("-")[0]
        if study.get("year"):
            assert record["year"] == str(study["year"])


def test_citeproc_with_the_briefings_style_gives_the_briefing_reference_list(written):
    """Equal, whitespace normalised. With Vancouver as vendored, five adjustments were needed: its
    page ranges ("292–8" for the source's "292-298"), "et al." after a list the source cuts short,
    a bracketed remark for the authors, "Year not stated in the source", a citation line not PubMed's."""
    refs, _, folder = written
    printed = citeproc(folder / "references.json")
    assert sorted(printed) == [ref["number"] for ref in refs]
    assert {ref["study_id"]: normalised(printed[ref["number"]]) for ref in refs} == {
        ref["study_id"]: normalised(ref["text"]) for ref in refs
    }


def test_the_csl_json_carries_each_identifier(written):
    refs, _, folder = written
    items = json.loads((folder / "references.json").read_text(encoding="utf-8"))
    assert [(i["id"], i.get("DOI"), i.get("PMID"), i.get("PMCID")) for i in items] == [
        (r["study_id"], r["doi"], r["pmid"], r["pmcid"]) for r in refs
    ]


def test_the_published_files_are_the_html_reference_list(built):
    """The build's own: every entry of briefing.html's list, its identifiers as its links give
    them, and its bibliographic part as citeproc prints the published CSL-JSON."""
    reports = built / "reports"
    items = {i["id"]: i for i in json.loads((reports / "references.json").read_text(encoding="utf-8"))}
    records = {r["id"]: r for r in rispy.loads((reports / "references.ris").read_text(encoding="utf-8"))}
    printed = citeproc(reports / "references.json")
    page = BeautifulSoup((reports / "briefing.html").read_text(encoding="utf-8"), "html.parser")
    entries = page.select("#references ol.references > li")
    assert len(entries) == len(items) == len(records) == len(printed) > 0
    for li in entries:
        study_id = li["id"].removeprefix("ref-")
        links = {a.get_text(): a["href"] for a in li.find_all("a")}
        item = items[study_id]
        for key in ("DOI", "PMID", "PMCID"):
            assert (item.get(key) in links) == bool(item.get(key)), (study_id, key)
        assert records[study_id].get("doi") == item.get("DOI")
        # The text before the first identifier's link ("doi: ", "PMID: " or "PMCID: ").
        bibliographic = re.sub(r"\s*(doi|PMID|PMCID):\s*$", "", li.contents[0].get_text())
        assert normalised(printed[int(li["value"])]) == normalised(bibliographic), study_id
