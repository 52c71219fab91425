"""Safe by construction: data that hold HTML, scripts, `javascript:` links or quotes that would
break out of an attribute are shown as text, in the HTML and in the PDF, and nothing in them runs.

One extra build of the workflow on a copy of the project whose data carry hostile strings in free
text fields (they still pass validation), then: the strings are in the pages' text; no page has a
script element but the briefing's search, an event-handler attribute or a `javascript:` URL; every
page carries the Content-Security-Policy; and Chromium opens every page, with and without that
policy, searches the briefing for the hostile words, and no dialog opens."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright
from test_browser import HEIGHT, WIDTHS, launch

from conftest import ROOT, copy_project, edit_csv, keep_modalities, snakemake

pytestmark = pytest.mark.slow

# The modalities the hostile rows below belong to: building only these keeps the extra build short.
MODALITIES = ["srs", "surgery", "hbi"]
PAGES = ["briefing.html"] + [f"modalities/{m}.html" for m in MODALITIES]

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTES = '" onmouseover="alert(1)'
JS_URL = "javascript:alert(1)"
MARKDOWN_LINK = "[click](javascript:alert(2))"
SVG = "'><svg onload=alert(3)>"

# (file, key column, key, column, new value): free-text fields, each shown in the briefing.
EDITS = [
    (
        "studies.csv",
        "study_id",
        "ryu2008",
        "title",
        f"{SCRIPT} Pain control by image-guided radiosurgery for solitary spinal metastasis",
    ),
    ("studies.csv", "study_id", "ryu2008", "authors", f"{JS_URL}, Ryu S, et al."),
    # The short name labels the figures too: matplotlib's SVG text and the aria-label attribute.
    ("studies.csv", "study_id", "ryu2008", "short_name", f"Ryu 2008{QUOTES}"),
    ("studies.csv", "study_id", "ryu2008", "design_note", f"Single arm {QUOTES} & 'single' quotes"),
    (
        "statements.csv",
        "statement_id",
        "hosono1995-mechanism",
        "statement",
        f"{IMG} {MARKDOWN_LINK} The review attributes most spinal pain to instability.",
    ),
    ("outcomes.csv", "outcome_id", "ryu2008-relief-complete", "note", f"Denominator not stated {SVG}"),
    ("modalities.csv", "modality_id", "hbi", "description", f"Large-field irradiation </p>{SCRIPT}<p>"),
]
HOSTILE = [SCRIPT, IMG, QUOTES, JS_URL, MARKDOWN_LINK, SVG]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """The workflow, run on data that try to inject markup and scripts."""
    workdir = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    for name, key_column, key, column, value in EDITS:
        edit_csv(workdir / "data" / name, key_column, key, column, value)
    keep_modalities(workdir / "data", MODALITIES)
    snakemake(workdir, "--config", f"modalities=[{','.join(MODALITIES)}]")
    return workdir


def soup(workdir: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((workdir / "reports" / name).read_text(encoding="utf-8"), "html.parser")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def test_hostile_strings_are_text_in_the_briefing(hostile):
    page = soup(hostile, "briefing.html")
    shown = text(page.body)
    for value in HOSTILE:
        assert value in shown, value
    raw = (hostile / "reports" / "briefing.html").read_text(encoding="utf-8")
    for value in (SCRIPT, IMG, "<svg onload", "</p><script"):
        assert value not in raw, f"{value!r} reached the HTML unescaped"
    # A quote in the data stays inside the attribute it was written into.
    labels = [el["aria-label"] for el in page.find_all(attrs={"role": "img"})]
    assert any(QUOTES in label for label in labels)


def test_hostile_strings_are_text_in_the_notebook_pages(hostile):
    # The statement reaches the surgery page through a Markdown display; the study's names
    # through pandas tables.
    assert IMG in text(soup(hostile, "modalities/surgery.html").body)
    assert QUOTES in text(soup(hostile, "modalities/srs.html").body)


# The briefing's one script: its search (templates/briefing_search.js), none of the data's.
SEARCH_SCRIPT = (ROOT / "templates" / "briefing_search.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_no_page_has_active_content(hostile, name):
    page = soup(hostile, name)
    scripts = [s.string for s in page.find_all("script")]
    assert scripts == ([SEARCH_SCRIPT] if name == "briefing.html" else [])
    assert page.find_all(["iframe", "object", "embed", "foreignObject", "foreignobject"]) == []
    for element in page.find_all(True):
        handlers = [a for a in element.attrs if a.lower().startswith("on")]
        assert not handlers, f"<{element.name} {handlers}>"
        for attribute in ("href", "src", "xlink:href", "action", "formaction"):
            value = "".join(str(element.get(attribute, "")).split()).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:text/html")), (
                f"<{element.name} {attribute}={value!r}>"
            )
    if name != "briefing.html":
        assert not page.find_all("img", src=re.compile(r"^(?!data:)")), "an <img> that loads a file"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_forbids_scripts_and_network_loads(hostile, name):
    metas = soup(hostile, name).find_all("meta", attrs={"http-equiv": re.compile("^content-security-policy$", re.I)})
    assert len(metas) == 1
    policy = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in metas[0]["content"].split(";")) if d}
    assert policy["default-src"] == ["'none'"]
    assert "script-src-attr" not in policy and "script-src-elem" not in policy
    if name == "briefing.html":
        # Its own script and style sheet, each by its hash (tests/test_search.py checks which).
        assert [len(policy["script-src"]), len(policy["style-src"]), policy["img-src"]] == [1, 1, ["data:"]]
        assert all(source.startswith("'sha256-") for source in policy["script-src"] + policy["style-src"])
    else:
        assert "script-src" not in policy
        assert all(
            source in ("'unsafe-inline'", "data:") for source in policy.get("style-src", []) + policy.get("img-src", [])
        )


def test_hostile_strings_are_text_in_the_pdf(hostile):
    pdfs = [hostile / "reports" / "briefing.pdf", *sorted((hostile / "reports" / "modalities").glob("*.pdf"))]
    pdf_text = "".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout for pdf in pdfs
    )
    squeezed = re.sub(r"\s+", "", pdf_text)  # table cells wrap long strings across lines
    for value in HOSTILE:
        assert re.sub(r"\s+", "", value) in squeezed, value


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "without-csp"])
def test_nothing_runs_in_the_browser(hostile, bypass_csp):
    """Without the CSP too: escaping alone must keep the data inert."""
    dialogs, errors = [], []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT}, bypass_csp=bypass_csp)
            context.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
            )
            for name in PAGES:
                page = context.new_page()
                page.on("dialog", lambda d, name=name: (dialogs.append(f"{name}: {d.message}"), d.dismiss()))
                page.on("console", lambda m, name=name: m.type == "error" and errors.append(f"{name}: {m.text}"))
                page.on("pageerror", lambda e, name=name: errors.append(f"{name}: {e}"))
                page.goto((hostile / "reports" / name).as_uri(), wait_until="load")
                # Hover, focus and activate everything a reader could touch, as a reader would.
                page.evaluate("""() => {
                  for (const el of document.querySelectorAll('body *')) {
                    for (const type of ['mouseover', 'mouseenter', 'focus', 'pointerdown']) {
                      el.dispatchEvent(new Event(type, {bubbles: true}));
                    }
                  }
                }""")
                if name == "briefing.html":  # the search shows the data's words as results
                    page.fill("#search-input", "alert")
                    page.hover("#search-results a")
                page.wait_for_timeout(100)
                page.close()
        finally:
            browser.close()
    assert dialogs == []
    assert errors == []  # a blocked inline script or handler would be reported here
