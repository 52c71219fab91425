"""The briefing's reference list for other tools: RIS (RevMan, EndNote, Zotero, Mendeley) and
CSL-JSON (Zotero, pandoc's citeproc), one record per work the briefing cites, in its reference
list's order, with the work's PMID, DOI and PMCID.

The records hold the curated fields as the source gives them (studies.csv): nothing is looked up.
A PubMed citation line ("2008 Mar;35(3):292-8") is split into its date, volume, issue and pages;
any other form is the CSL date's literal (printed as given; its year the date) and in the record's
note. An author list the source cuts short ("Ryu S, et al.") lists the named authors, then, in
CSL-JSON, the name "others", which CSL processors print as "et al." (RIS has no such mark: its note
says so). templates/briefing.csl, the briefing's own style, prints the briefing's reference list
from the CSL-JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, cast

from briefing.core.publish import write_atomic
from briefing.schema.models import Reference

if TYPE_CHECKING:
    from briefing.schema.models import Study

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# PubMed's citation line: year, month (or months: "Apr-Jun") and day, then volume(issue):pages,
# each part optional; a supplement's pages may hold a colon ("70 Suppl 1:S1:78-84").
PUBMED_DETAIL = re.compile(
    r"^(?P<year>\d{4})(?: (?P<month>[A-Z][a-z]{2})(?:-(?P<last_month>[A-Z][a-z]{2}))?(?: (?P<day>\d{1,2}))?)?;"
    r"(?P<volume>[^();:]+)?(?:\((?P<issue>[^()]+)\))?(?::(?P<page>[^;]+))?$"
)
# "Ryu S", "van der Velden JM": a family name and the initials of the given names.
VANCOUVER_NAME = re.compile(r"^(?P<family>.+) (?P<initials>[A-Z]{1,4})$")
ET_AL = "et al."


class JournalDetail(TypedDict, total=False):
    """A PubMed citation line's parts: the date as numbers (year, month, day; a second date for a
    range of months), the rest as printed."""

    date: list[list[int]]
    volume: str
    issue: str
    page: str


class CslName(TypedDict, total=False):
    """A CSL name: family and given (initials) in Vancouver's form, else the name as written."""

    family: str
    given: str
    literal: str


# The name CSL processors print as "et al." (pandoc's citeproc; BibTeX's "and others").
OTHERS: CslName = {"literal": "others"}


CslDate = TypedDict("CslDate", {"date-parts": list[list[int]], "literal": NotRequired[str]})
# A CSL-JSON item, its keys in the order they are written (`csl_item`).
CslItem = TypedDict(
    "CslItem",
    {
        "id": str,
        "type": str,
        "title": str,
        "author": NotRequired[list[CslName]],
        "container-title": NotRequired[str],
        "container-title-short": NotRequired[str],
        "issued": NotRequired[CslDate],
        "volume": NotRequired[str],
        "issue": NotRequired[str],
        "page": NotRequired[str],
        "DOI": NotRequired[str],
        "PMID": NotRequired[str],
        "PMCID": NotRequired[str],
        "note": str,
    },
)
DETAIL_PARTS: tuple[Literal["volume", "issue", "page"], ...] = ("volume", "issue", "page")
# RIS tags of CSL-JSON keys.
RIS_ISSUE: tuple[tuple[str, Literal["volume", "issue"]], ...] = (("VL", "volume"), ("IS", "issue"))
RIS_IDS: tuple[tuple[str, Literal["DOI", "PMID", "PMCID"]], ...] = (("DO", "DOI"), ("AN", "PMID"), ("C2", "PMCID"))


def journal_detail(detail: str | None) -> JournalDetail | None:
    """A PubMed citation line's parts (year, month and day as numbers; volume, issue, page as
    printed), or None for any other form."""
    found = PUBMED_DETAIL.match(detail or "")
    if not found or not {found["month"], found["last_month"]} <= {None, *MONTHS}:
        return None
    date = [int(found["year"])]
    if found["month"]:
        date.append(MONTHS.index(found["month"]) + 1)
        if found["day"]:
            date.append(int(found["day"]))
    last = [[date[0], MONTHS.index(found["last_month"]) + 1]] if found["last_month"] else []
    parts: JournalDetail = {"date": [date, *last]}
    for key in DETAIL_PARTS:
        if found[key]:
            parts[key] = found[key].strip()
    return parts


def authors(listed: str) -> list[CslName]:
    """The named authors as CSL names: family and initials ("J. M.") where the source writes
    Vancouver's form, the name as written otherwise (a group, another order); none for a bracketed
    remark such as "[authors not listed in the copy read]"; "others" last where the source cuts the
    list short ("et al.")."""
    names: list[CslName] = []
    for name in (part.strip() for part in listed.split(",")):
        if not name or name == ET_AL or name.startswith("["):
            continue
        vancouver = VANCOUVER_NAME.match(name)
        if vancouver:
            names.append({"family": vancouver["family"], "given": " ".join(f"{i}." for i in vancouver["initials"])})
        else:
            names.append({"literal": name})
    return names + [OTHERS] if names and listed.rstrip().endswith(ET_AL) else names


def _note(reference: Reference, study: Study, detail: JournalDetail | None) -> str:
    note = [f"Reference {reference.number} of the briefing ({reference.short_name})."]
    if study.get("citation_detail") and detail is None:
        note.append(f"Citation as the source gives it: {study['citation_detail']}.")
    if study["authors"].rstrip().endswith(ET_AL):
        note.append("The source names only the authors listed, then 'et al.'.")
    note.append(f"Figures read from: {reference.source}.")
    return " ".join(note)


def csl_item(reference: Reference, study: Study) -> CslItem:
    """One cited work as a CSL-JSON item (study: its row of data/studies.csv, as evidence.read_tables
    gives it: models.Study declares only the columns every step needs)."""
    journal, citation_detail, year = study.get("journal"), study.get("citation_detail"), study.get("year")
    detail = journal_detail(citation_detail) if journal else None
    # The note is set last: the item's keys are written in the order they are set.
    item = cast(CslItem, {"id": reference.study_id, "type": "article-journal", "title": study["title"]})
    if named := authors(study["authors"]):
        item["author"] = named
    if journal:
        item["container-title"] = item["container-title-short"] = journal.strip()
    dates = (detail or {}).get("date") or ([[year]] if year else None)
    if dates:
        item["issued"] = {"date-parts": dates}
        if detail is None and journal and citation_detail:
            item["issued"]["literal"] = citation_detail  # printed as the source gives it
    for key in DETAIL_PARTS:
        if detail and detail.get(key):
            item[key] = detail[key]
    identifiers: tuple[tuple[Literal["DOI", "PMID", "PMCID"], str | None], ...] = (
        ("DOI", reference.doi),
        ("PMID", reference.pmid),
        ("PMCID", reference.pmcid),
    )
    for name, value in identifiers:
        if value:
            item[name] = value
    item["note"] = _note(reference, study, detail)
    return item


def _end_page(first: str, last: str) -> str:
    """The last page in full: PubMed shortens "292-298" to "292-8"."""
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        return first[: len(first) - len(last)] + last
    return last


def ris_record(item: CslItem) -> list[tuple[str, str]]:
    """A CSL-JSON item as RIS tags (EndNote's use for PubMed records: AN the PMID, C2 the PMCID)."""
    tags = [("TY", "JOUR"), ("ID", item["id"]), ("TI", item["title"])]
    for name in item.get("author", []):
        if name != OTHERS:
            tags.append(("AU", name.get("literal") or f"{name['family']}, {name['given']}"))
    if "container-title" in item:
        tags += [("JO", item["container-title"]), ("JA", item["container-title-short"])]
    if "issued" in item:
        date = item["issued"]["date-parts"][0]
        tags.append(("PY", str(date[0])))
        # YYYY/MM/DD/other, the parts not known left empty ("2008/03//").
        parts = [str(date[0])] + [f"{part:02d}" for part in date[1:]]
        tags.append(("DA", "/".join(parts + [""] * (4 - len(parts)))))
    tags += [(tag, item[key]) for tag, key in RIS_ISSUE if key in item]
    if "page" in item:
        first, _, last = item["page"].partition("-")
        tags.append(("SP", first))
        if last:
            tags.append(("EP", _end_page(first, last)))
    tags += [(tag, item[key]) for tag, key in RIS_IDS if key in item]
    return tags + [("N1", item["note"]), ("ER", "")]


def ris(items: list[CslItem]) -> str:
    """RIS as its specification writes it: `TAG  - value`, CRLF line ends, a blank line between records."""
    lines = []
    for item in items:
        lines += [f"{tag}  - {value}" for tag, value in ris_record(item)]
        lines.append("")
    return "\r\n".join(lines)


def items(references: list[Reference], studies: list[Study]) -> list[CslItem]:
    """Every work of the briefing's reference list, in its order."""
    by_id = {s["study_id"]: s for s in studies}
    return [csl_item(reference, by_id[reference.study_id]) for reference in references]


def write(briefing: dict[str, Any], studies: list[Study], ris_path: str | Path, csl_path: str | Path) -> int:
    """Write the RIS and CSL-JSON files of briefing.json's references (briefing: the document as
    models.read gives it); returns how many works they hold."""
    found = items([Reference.model_validate(r) for r in briefing["references"]], studies)
    write_atomic(ris_path, ris(found))
    write_atomic(csl_path, json.dumps(found, ensure_ascii=False, indent=1) + "\n")
    return len(found)
