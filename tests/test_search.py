"""Search in the briefing, offline: the built briefing.html opened from disk (file://) in Debian's
Chromium, with its Content-Security-Policy enforced. Typing a word lists the rows and paragraphs
that hold it as links, the keyboard reaches and opens them, axe-core finds nothing with the
results shown, and the policy allows the page's one script and one style sheet by their SHA-256
only (no 'unsafe-inline'). The figures draw the same without CSS, and no printed edition shows
the search."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page, sync_playwright
from test_browser import AXE_SCRIPT, AXE_TAGS, launch

from briefing.present.render import svg_without_css

pytestmark = pytest.mark.slow

# The seeds' hypofractionated study reports radiation myelitis: a row of its outcomes table.
WORD = "myelitis"
ROW = "outcome-sun2026-myelitis"


def policy(html: str) -> dict[str, list[str]]:
    meta = BeautifulSoup(html, "html.parser").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in meta["content"].split(";")) if d}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, built) -> Page:
    """The briefing from disk, its CSP enforced; anything the policy blocks is recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.on("console", lambda m: m.type in ("error", "warning") and opened.errors.append(m.text))
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))
    opened.goto((built / "reports" / "briefing.html").as_uri(), wait_until="load")
    yield opened
    context.close()


def results(page: Page) -> list[str]:
    return [a.get_attribute("href") for a in page.query_selector_all("#search-results a")]


def search(page: Page, words: str) -> None:
    page.keyboard.press("Tab")  # the search box is the page's first control
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type(words)


def test_typing_a_word_finds_the_row_that_holds_it(page):
    search(page, WORD)
    found = results(page)
    assert f"#{ROW}" in found
    texts = page.evaluate(
        "hrefs => hrefs.map(h => document.getElementById(h.slice(1)).textContent.toLowerCase())", found
    )
    assert all(WORD in text for text in texts)
    assert page.inner_text("#search-status") == f"{len(found)} matches."
    assert page.errors == []


def test_the_keyboard_opens_a_result_and_lands_on_its_row(page):
    search(page, WORD)
    hrefs = results(page)
    # Down from the box to the results, down to the row's link, Enter: the row has the focus,
    # in view, and the address names it.
    page.keyboard.press("ArrowDown")
    for _ in range(hrefs.index(f"#{ROW}")):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == f"#{ROW}"
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement.id === '{ROW}'")
    assert page.evaluate("location.hash") == f"#{ROW}"
    box = page.locator(f"#{ROW}").bounding_box()
    assert box["y"] + box["height"] > 0 and box["y"] < 900  # in view
    if os.environ.get("BRIEFING_SHOTS"):
        page.screenshot(path=str(Path(os.environ["BRIEFING_SHOTS"]) / "search-row.png"))


def test_enter_in_the_box_opens_the_first_result_and_up_comes_back(page):
    search(page, WORD)
    first = results(page)[0]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement.id === '{first[1:]}'")


def test_no_match_and_a_cleared_box_are_said(page):
    search(page, "xylophone")
    assert results(page) == [] and page.inner_text("#search-status") == "No match."
    page.keyboard.press("Escape")
    assert results(page) == [] and page.inner_text("#search-status") == ""


def test_axe_finds_nothing_with_the_results_shown(page):
    search(page, WORD)
    page.evaluate(AXE_SCRIPT)
    found = page.evaluate(
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS!r}}}, resultTypes: ['violations']}})"
    )
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found["violations"]] == []


def test_the_policy_allows_the_page_own_script_and_style_by_hash_only(built):
    html = (built / "reports" / "briefing.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    found = policy(html)
    assert "'unsafe-inline'" not in sum(found.values(), [])
    assert found["default-src"] == ["'none'"]
    assert found["script-src"] == [sha256(s.string) for s in soup.find_all("script")]
    assert found["style-src"] == [sha256(s.string) for s in soup.find_all("style")]
    assert len(found["script-src"]) == 1 and len(found["style-src"]) == 1
    assert not soup.find_all(style=True), "a style attribute, which the policy blocks"


def test_nothing_is_blocked_by_the_policy(page):
    # Chromium reports each blocked style or script on the console; the search ran and styled.
    assert page.errors == []
    assert page.is_visible("#search-input")
    assert page.evaluate("getComputedStyle(document.querySelector('main h2')).borderBottomStyle") == "solid"


def test_the_figures_draw_the_same_without_css(browser, built):
    """Each figure, as matplotlib wrote it (style attributes and a <style>) and as the page holds
    it (presentation attributes), screenshotted in Chromium: the same pixels."""
    context = json.loads((built / "results" / "briefing_context.json").read_text(encoding="utf-8"))
    svgs = [f["svg"] for m in context["modalities"] for f in m["figures"]]
    assert svgs
    tab = browser.new_page(viewport={"width": 900, "height": 700})
    for svg in svgs:
        drawn = []
        for version in (svg, svg_without_css(svg)):
            tab.set_content(f"<!DOCTYPE html><html><body>{version}</body></html>")
            drawn.append(tab.locator("svg").first.screenshot())
        assert drawn[0] == drawn[1]
    tab.close()


def test_no_printed_edition_shows_the_search(page, built):
    print_html = (built / "results" / "briefing.print.html").read_text(encoding="utf-8")
    assert 'id="search"' not in print_html and "<script" not in print_html
    pdf = subprocess.run(
        ["pdftotext", str(built / "reports" / "briefing.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Search this briefing" not in pdf
    # The HTML printed from the browser neither.
    page.emulate_media(media="print")
    assert not page.is_visible("#search-input")


def test_the_audit_reads_no_word_of_the_search(built):
    # The script and the empty results list add no text (and so no number) to what the audit reads.
    from briefing.verify.audit import html_text

    text = html_text((built / "reports" / "briefing.html").read_text(encoding="utf-8"))
    assert "Search this briefing" in text
    assert not re.search(r"search-hit|getElementById", text)
