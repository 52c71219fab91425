"""The numeric audit: a number printed without provenance fails; the built briefing passes."""

from __future__ import annotations

import json

import pytest

from briefing import audit

pytestmark = pytest.mark.slow


def test_built_briefing_passes_the_audit(built):
    reports = built / "reports"
    briefing = json.loads((reports / "briefing.json").read_text(encoding="utf-8"))
    assert (
        audit.audit(
            reports / "briefing.html",
            reports / "briefing.pdf",
            briefing,
            built / "data" / "datapackage.yaml",
            [built / "templates" / "briefing.html.j2"],
        )
        == []
    )
    assert json.loads((built / "results" / "audit.json").read_text())["unsourced_numbers"] == 0


def test_a_number_without_provenance_is_caught(built, tmp_path):
    reports = built / "reports"
    html = (reports / "briefing.html").read_text(encoding="utf-8")
    tampered = tmp_path / "briefing.html"
    tampered.write_text(
        html.replace(
            '<h2 id="limitations-heading">Limitations</h2>',
            '<h2 id="limitations-heading">Limitations</h2><p>Relief in 97.3 % of 212 patients.</p>',
        ),
        encoding="utf-8",
    )
    briefing = json.loads((reports / "briefing.json").read_text(encoding="utf-8"))
    problems = audit.audit(
        tampered, None, briefing, built / "data" / "datapackage.yaml", [built / "templates" / "briefing.html.j2"]
    )
    assert [p.split("'")[1] for p in problems] == ["97.3", "212"]


def test_numbers_skip_dates_hashes_and_words():
    assert audit.numbers("Built 2026-11-23 from fbf55ab681e0, NRS 0–10, 84.5 % (49/58), v3.11.7") == [
        "0",
        "10",
        "84.5",
        "49",
        "58",
    ]


def test_a_doi_broken_across_pdf_lines_is_not_a_stray_number():
    page = (
        "Ahmed J. Title. 1998 Mar;11(11):80-920. doi: 10.1186/syn.\n"
        "       1998.18017. PMID: 1.\nend.\n 1998.18017 unsourced"
    )
    joined = audit.BROKEN_DOI.sub(r"\1", page)
    assert "doi: 10.1186/syn.1998.18017." in joined
    # only the DOI is joined: the same digits elsewhere are still audited
    (problem,) = audit.unsourced(joined, {"1998", "11", "80", "920", "1", "10.1186"})
    assert problem.startswith("'1998.18017'") and "unsourced" in problem


def test_a_checksum_whose_first_twelve_characters_are_digits_is_not_a_stray_number(built):
    """The edition line prints the data checksum's first 12 characters; one build in about 280
    has only digits there, which read as a number: the audit allows exactly that prefix."""
    briefing = json.loads((built / "reports" / "briefing.json").read_text(encoding="utf-8"))
    digits = "156254825756" + "e" * 52
    briefing["provenance"]["data"]["package"] = digits
    allowed = audit.allowed_numbers(briefing, built / "data" / "datapackage.yaml")
    assert "156254825756" in allowed
    assert "15625482575" not in allowed  # a prefix of another length is still a stray number


TRICKY_HTML = """<!DOCTYPE html><html><head><title>7 title</title><style>p { width: 11px }</style></head>
<body><p>Kept 12 &amp; 13&nbsp;%, &#8722;14 &#150;15 &bogus; 16<br>17</br> 18<img src=x>19</p>
<!-- a comment 20 --><![CDATA[cdata 21]]><?pi 22?>
<svg width="3"><g><text x="1">0.5</text><text>23 <tspan>24</tspan></text></g><desc>25</desc></svg>
<svg><text>26</text><path/></svg> after 27
<details class="note config"><summary>28</summary><div>29 <span>30</details> 31 <template>32</template>
<div><span>33 </div> 34 </span> 35 <ruby>36<rt>37</rt><rp>38</rp></ruby> <script>var a = "<b>39</b>";</script>
<details class="configuration">40</details><pre>  41
  42 </pre><table><tr><td>43<td>44</table><p/>45 &lt;46&gt;</body></html>"""


def test_the_streaming_reader_reads_what_beautifulsoup_reads_in_odd_markup():
    """html_text and axis_labels read the HTML without building BeautifulSoup's tree, for speed;
    they must see the same text and the same axis labels as BeautifulSoup(html, "html.parser"):
    entities, comments, CDATA, void and stray end tags, unclosed tags, hidden subtrees."""
    assert audit.html_text(TRICKY_HTML) == audit.html_text_bs4(TRICKY_HTML)
    assert audit.axis_labels(TRICKY_HTML) == audit.axis_labels_bs4(TRICKY_HTML)
    assert audit.axis_labels(TRICKY_HTML) == {"0.5", "23", "24", "26"}


def test_the_streaming_reader_reads_what_beautifulsoup_reads_in_the_built_pages(built):
    results = built / "results"
    pages = [
        results / "briefing.html",
        results / "briefing.print.html",
        *sorted((results / "modalities").glob("*.html")),
    ]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert audit.html_text(html) == audit.html_text_bs4(html), page
        assert audit.axis_labels(html) == audit.axis_labels_bs4(html), page


def test_numbers_of_texts_joined_are_those_of_each_text():
    texts = ["12", ".5 and 3.", "2024-01-31", "-7", "x1 1x", "8", "", "v1.2.3 4.", "2023-12-3", "1-2024-01-01"]
    assert sorted(audit._all_numbers(texts)) == sorted(n for t in texts for n in audit.numbers(t))


def test_a_modality_pdf_is_audited_against_its_own_evidence(built, tmp_path):
    """Each modality's PDF job audits its print HTML and PDF against that modality's slice and
    summary: the built one passes; a number from another modality's data, or from nowhere, fails."""
    from briefing import modality_print

    results = built / "results"
    summary = json.loads((results / "modalities" / "hfrt" / "summary.json").read_text(encoding="utf-8"))
    evidence = json.loads((results / "evidence" / "hfrt.json").read_text(encoding="utf-8"))
    context = modality_print.context(summary, "Title", "2026-01-01", "a" * 64)
    templates = [built / "templates" / name for name in modality_print.TEMPLATES]

    def allowed() -> set[str]:
        return modality_print.allowed_numbers(context, evidence, templates)

    html = results / "modalities" / "hfrt" / "print.html"
    assert audit.check([("print HTML", html)], built / "reports" / "modalities" / "hfrt.pdf", allowed) == []
    assert json.loads((results / "modalities" / "hfrt" / "audit.json").read_text())["unsourced_numbers"] == 0
    # 46 is a figure of another modality (srs, Ryu 2008): it has no provenance in hfrt's data.
    assert "46" not in allowed() and "97.3" not in allowed()
    tampered = tmp_path / "print.html"
    text = html.read_text(encoding="utf-8")
    tampered.write_text(text.replace("</main>", "<p>46 % and 97.3 % responded.</p></main>"), encoding="utf-8")
    problems = audit.check([("print HTML", tampered)], None, allowed)
    assert [p.split(" in ")[0] for p in problems] == ["print HTML: '46'", "print HTML: '97.3'"]
