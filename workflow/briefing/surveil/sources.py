"""The saved searches' sources through their documented APIs (httpx): PubMed (NCBI E-utilities
esearch + efetch), Europe PMC (REST search) and ClinicalTrials.gov (API v2 /studies). Each source
returns (count, records): how many records the source says match, and the records retrieved, in a
common shape (`record`). Politeness: at most `per_second` requests a second (NCBI allows 3 without
an API key, 10 with one) and retries with exponential backoff on 429, 5xx and network errors. The
clock and the sleeper are injected, so the tests wait for nothing."""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from briefing.surveil.surveillance import Bibliographic

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
EUROPEPMC = "https://www.ebi.ac.uk/europepmc/webservices/rest/search"
CTGOV = "https://clinicaltrials.gov/api/v2/studies"
SOURCES = ("pubmed", "europepmc", "clinicaltrials")
RETRY_STATUS = {429, 500, 502, 503, 504}


class Record(Bibliographic):
    """A record as every source returns it (`record`); absent fields are empty strings."""

    source: str
    source_id: str
    preprint: bool


class TrialRecord(Record):
    """A ClinicalTrials.gov record: a record with the trial's status and completion."""

    status: str
    completion_date: str
    completion_type: str
    has_results: bool


Found = tuple[int, list[Record]]  # (how many records the source says match, those retrieved)
Params = Mapping[str, str | int]  # a request's query parameters


class SourceError(Exception):
    """A search that could not be completed: the run is recorded as failed, with this message."""


@dataclass
class Polite:
    """An httpx client that keeps to a rate limit and retries transient failures with backoff."""

    client: httpx.Client
    per_second: float = 3.0
    retries: int = 4
    backoff: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = field(default=None, init=False)

    def get(self, url: str, params: Params) -> httpx.Response:
        for attempt in range(self.retries + 1):
            self._wait()
            try:
                response = self.client.get(url, params=params)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRY_STATUS:
                    if response.is_error:
                        raise SourceError(f"{url} answered HTTP {response.status_code}")
                    return response
                failure = f"HTTP {response.status_code}"
            if attempt < self.retries:
                self.sleep(self.backoff * 2**attempt)
        raise SourceError(f"{url} failed {self.retries + 1} times, last: {failure}")

    def _wait(self) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < 1 / self.per_second:
            self.sleep(1 / self.per_second - (now - self._last))
        self._last = self.clock()


def polite_client(**kwargs: Any) -> Polite:
    """The client the searches use: NCBI's e-mail and key from the environment (NCBI_EMAIL,
    NCBI_API_KEY) raise the rate limit they allow; a User-Agent that says who asks."""
    email = os.environ.get("NCBI_EMAIL", "")
    headers = {"User-Agent": f"spinal-briefing-surveillance ({email or 'no e-mail set'})"}
    rate = 10.0 if os.environ.get("NCBI_API_KEY") else 3.0
    return Polite(httpx.Client(headers=headers, timeout=60.0), per_second=rate, **kwargs)


def record(source: str, source_id: str, **fields: str | bool | None) -> Record:
    """One record in the shape every source returns; absent fields are empty, never guessed."""
    base: Record = {
        "source": source,
        "source_id": source_id,
        "pmid": "",
        "pmcid": "",
        "doi": "",
        "nct_id": "",
        "title": "",
        "authors": "",
        "year": "",
        "journal": "",
        "abstract": "",
        "preprint": False,
    }
    return cast(Record, base | {k: v for k, v in fields.items() if v not in (None, "")})


# ------------------------------------------------------------------------------------- PubMed
def _ncbi_params() -> dict[str, str | int]:
    found: dict[str, str | int] = {"tool": "spinal-briefing", "email": os.environ.get("NCBI_EMAIL", "")}
    if os.environ.get("NCBI_API_KEY"):
        found["api_key"] = os.environ["NCBI_API_KEY"]
    return {k: v for k, v in found.items() if v}


def pubmed(http: Polite, query: str, limit: int) -> Found:
    search: dict[str, str | int] = {
        "db": "pubmed",
        "term": query,
        "retmode": "json",
        "retmax": limit,
        "sort": "pub_date",
    }
    found = http.get(f"{EUTILS}/esearch.fcgi", search | _ncbi_params()).json()["esearchresult"]
    ids = found.get("idlist", [])[:limit]
    if not ids:
        return int(found["count"]), []
    xml = http.get(
        f"{EUTILS}/efetch.fcgi", {"db": "pubmed", "id": ",".join(ids), "retmode": "xml"} | _ncbi_params()
    ).text
    return int(found["count"]), [_pubmed_article(a) for a in ET.fromstring(xml).iter("PubmedArticle")][:limit]


def _text(node: ET.Element | None) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def _pubmed_article(article: ET.Element) -> Record:
    citation = article.find("MedlineCitation")
    art = citation.find("Article") if citation is not None else None
    assert citation is not None and art is not None, "PubMed's DTD requires a citation and its article"
    ids = {i.get("IdType"): _text(i) for i in article.iter("ArticleId")}
    authors = [
        f"{_text(a.find('LastName'))} {_text(a.find('Initials'))}".strip() or _text(a.find("CollectiveName"))
        for a in art.iter("Author")
    ]
    abstract = " ".join((f"{p.get('Label')}: " if p.get("Label") else "") + _text(p) for p in art.iter("AbstractText"))
    pmid = _text(citation.find("PMID"))
    return record(
        "pubmed",
        pmid,
        pmid=pmid,
        pmcid=ids.get("pmc", ""),
        doi=ids.get("doi", ""),
        title=_text(art.find("ArticleTitle")),
        authors=", ".join(authors),
        year=_text(art.find("Journal/JournalIssue/PubDate/Year")) or _text(art.find("ArticleDate/Year")),
        journal=_text(art.find("Journal/ISOAbbreviation")) or _text(art.find("Journal/Title")),
        abstract=abstract,
    )


# ---------------------------------------------------------------------------------- Europe PMC
def europepmc(http: Polite, query: str, limit: int) -> Found:
    params: dict[str, str | int] = {
        "query": query,
        "format": "json",
        "resultType": "core",
        "pageSize": min(limit, 1000),
        "cursorMark": "*",
    }
    records: list[Record] = []
    while True:
        page = http.get(EUROPEPMC, params).json()
        records += [_europepmc_result(r) for r in page.get("resultList", {}).get("result", [])]
        cursor = page.get("nextCursorMark")
        done = len(records) >= min(limit, int(page["hitCount"])) or not page["resultList"]["result"]
        if done or not cursor or cursor == params["cursorMark"]:
            return int(page["hitCount"]), records[:limit]
        params["cursorMark"] = cursor


def _europepmc_result(r: dict[str, Any]) -> Record:  # r: Europe PMC's JSON, as it answers
    journal = ((r.get("journalInfo") or {}).get("journal") or {}).get("title") or r.get("journalTitle", "")
    types = (r.get("pubTypeList") or {}).get("pubType") or []
    return record(
        "europepmc",
        f"{r.get('source', '')}:{r.get('id', '')}",
        pmid=r.get("pmid", ""),
        pmcid=r.get("pmcid", ""),
        doi=r.get("doi", ""),
        title=r.get("title", "").strip(),
        authors=r.get("authorString", ""),
        year=str(r.get("pubYear", "")),
        journal=journal,
        abstract=r.get("abstractText", ""),
        preprint=r.get("source") == "PPR" or "Preprint" in types or "preprint" in types,
    )


# --------------------------------------------------------------------------- ClinicalTrials.gov
def clinicaltrials(http: Polite, query: str, limit: int) -> Found:
    params: dict[str, str | int] = {
        "query.term": query,
        "format": "json",
        "countTotal": "true",
        "pageSize": min(limit, 1000),
    }
    records: list[Record] = []
    total = None
    while True:
        page = http.get(CTGOV, params).json()
        total = page.get("totalCount", total)
        records += [_trial(s) for s in page.get("studies", [])]
        token = page.get("nextPageToken")
        if len(records) >= limit or not token:
            return int(total if total is not None else len(records)), records[:limit]
        params["pageToken"] = token


def _trial(study: dict[str, Any]) -> TrialRecord:  # study: ClinicalTrials.gov's JSON, as it answers
    protocol = study.get("protocolSection", {})
    ident = protocol.get("identificationModule", {})
    status = protocol.get("statusModule", {})
    completion = status.get("completionDateStruct") or status.get("primaryCompletionDateStruct") or {}
    start = (status.get("startDateStruct") or {}).get("date", "")
    sponsor = ((protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}).get("name", "")
    nct = ident.get("nctId", "")
    found = record(
        "clinicaltrials",
        nct,
        nct_id=nct,
        title=ident.get("officialTitle") or ident.get("briefTitle", ""),
        authors=sponsor,
        year=start[:4],
        abstract=(protocol.get("descriptionModule") or {}).get("briefSummary", ""),
    )
    return TrialRecord(
        **found,
        status=status.get("overallStatus", ""),
        completion_date=completion.get("date", ""),
        completion_type=completion.get("type", ""),
        has_results=bool(study.get("hasResults", False)),
    )


SEARCHERS: dict[str, Callable[[Polite, str, int], Found]] = {
    "pubmed": pubmed,
    "europepmc": europepmc,
    "clinicaltrials": clinicaltrials,
}
