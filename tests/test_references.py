"""The reference list for other tools (reports/references.ris and references.json, CSL-JSON), read
back as the tools that take them do: rispy reads the RIS as a reference manager would, and pandoc's
citeproc (Debian's pandoc) formats the CSL-JSON with the Vancouver style (templates/vancouver.csl,
from the CSL project's styles, CC BY-SA 3.0) into the briefing's own reference list.

The seeds' and the real-study fixture's works in-process, and the published files of the session's
build against the HTML's list. What is compared is each entry's bibliographic part (the briefing
prints the work's identifiers as links and where its figures were read after it; those are
compared field by field). Where the style and the briefing differ for a reason of principle, the
comparison says which, from the work's own row (`comparable`, `expected`)."""

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

CSL = ROOT / "templates" / "vancouver.csl"


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


def _full_range(match: re.Match) -> str:
    first, last = match[1], match[2]
    return f"{first}-{first[: len(first) - len(last)] + last if len(last) < len(first) else last}"


def comparable(text: str) -> str:
    """Page ranges in full with a hyphen: the style prints them in its own form ("292–8" for
    "292-298"), the briefing as the source does. A journal article without volume, issue or pages
    ends "2026;" in the style, whose ';' is meant to lead to them."""
    text = " ".join(text.replace("–", "-").split())
    text = re.sub(r"(\d+)-(\d+)", _full_range, text)
    return re.sub(r";$", ".", text)


def expected(text: str, study: dict) -> str:
    """The briefing's entry less what the CSL-JSON does not hold as the briefing prints it: "et al."
    after an author list the source cuts short (a CSL name list has no such mark: the record's note
    says so), a bracketed remark in place of the authors, "Year not stated in the source", and a
    citation line that is not PubMed's (kept whole in the record's note; the style prints the year)."""
    listed = [a.strip() for a in study["authors"].split(",")]
    if listed[-1] == citations.ET_AL and len(listed) <= 7:
        text = text.replace(", et al. ", ". ", 1)
    if study["authors"].startswith("["):
        text = text.replace(study["authors"].rstrip(".") + ". ", "", 1)
    text = text.replace(" Year not stated in the source.", "")
    detail = study.get("citation_detail")
    if study.get("journal") and detail and citations.journal_detail(detail) is None:
        text = text.replace(detail.rstrip(".") + ".", f"{study['year']}.")
    return comparable(text)


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


def test_citeproc_with_the_vancouver_style_gives_the_briefing_reference_list(written):
    refs, studies, folder = written
    by_id = {s["study_id"]: s for s in studies}
    printed = citeproc(folder / "references.json")
    assert sorted(printed) == [ref["number"] for ref in refs]
    for ref in refs:
        assert comparable(printed[ref["number"]]) == expected(ref["text"], by_id[ref["study_id"]]), ref["study_id"]


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
    studies = {s["study_id"]: s for s in evidence.read_tables(built / "data" / "datapackage.yaml")["studies"]}
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
        assert comparable(printed[int(li["value"])]) == expected(bibliographic, studies[study_id]), study_id
