"""The built pages in a real browser: Debian's Chromium, driven by Playwright (no browser download).

Every page (the briefing and each modality's notebook page) is opened from disk at a laptop and a
phone width and must show no console error, make no request other than file: and data:, have every
internal link land on an element, not overflow sideways (wide tables scroll inside their own
.table-wrap), and pass axe-core's WCAG 2.0/2.1 A and AA rules. Full-page screenshots of both widths
are written to a temporary folder, and copied to $BRIEFING_SHOTS when that is set, to be looked at.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from playwright.sync_api import Browser, sync_playwright

from conftest import ROOT

pytestmark = pytest.mark.slow

MODALITIES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["modalities"]
PAGES = ["briefing.html"] + [f"modalities/{m}.html" for m in MODALITIES]
WIDTHS = (1280, 390)
HEIGHT = 900

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core as packaged in axe-playwright-python: the script is read from disk, never fetched.
AXE_SCRIPT = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Internal links: a fragment must name an element of the page; a relative link must name a file.
LINKS_JS = """() => {
  const broken = [];
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href');
    if (href.startsWith('#')) {
      const id = decodeURIComponent(href.slice(1));
      if (!id || !document.getElementById(id)) broken.push(href);
    }
  }
  const relative = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
    .filter(h => !h.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(h));
  return {broken, relative};
}"""

# What sticks out past the right edge of the viewport (outermost elements only), for the message.
OVERFLOW_JS = """() => {
  const width = window.innerWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      let p = el.parentElement, inside = false;
      while (p && p !== document.body) {
        const s = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(s.overflowX)) { inside = true; break; }
        if (p.getBoundingClientRect().right > width + 1) { inside = true; break; }
        p = p.parentElement;
      }
      if (!inside) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                            (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
                            ' right=' + Math.round(r.right));
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: width, culprits: out.slice(0, 10)};
}"""


def launch(playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def inspect_page(browser: Browser, path: Path, shots: Path, *, bypass_csp: bool = False) -> dict:
    """Open one page at every width and record everything the tests judge."""
    found: dict = {"console": [], "requests": [], "dialogs": [], "overflow": {}, "axe": {}, "links": None}
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT}, bypass_csp=bypass_csp)

    def route(route_):
        # Record every request, and let only local files and inline data through: a page that
        # asks for anything else fails the test and still cannot reach the network.
        if urlsplit(route_.request.url).scheme in ("file", "data"):
            route_.continue_()
        else:
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type in ("error", "assert") and found["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: found["console"].append(f"page error: {e}"))
    page.on("request", lambda r: found["requests"].append(r.url))
    page.on("dialog", lambda d: (found["dialogs"].append(f"{d.type}: {d.message}"), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    # Everything a reader can unfold (the numbers behind each figure) is checked unfolded.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found["links"] = page.evaluate(LINKS_JS)
    # axe-core is evaluated through the DevTools protocol, so the pages' CSP (no scripts) does not
    # block it; it runs at every width, since what scrolls or wraps differs.
    page.evaluate(AXE_SCRIPT)
    found["axe_version"] = page.evaluate("axe.version")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.wait_for_timeout(50)
        found["overflow"][width] = page.evaluate(OVERFLOW_JS)
        page.screenshot(path=str(shots / f"{path.stem}-{width}.png"), full_page=True)
        result = page.evaluate(
            f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS!r}}}, resultTypes: ['violations']}})"
        )
        found["axe"][width] = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")} for n in v["nodes"][:5]],
                "count": len(v["nodes"]),
            }
            for v in result["violations"]
        ]
    context.close()
    return found


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    if os.environ.get("BRIEFING_SHOTS"):
        target = Path(os.environ["BRIEFING_SHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy2(png, target / png.name)


@pytest.fixture(scope="module")
def inspected(built, shots) -> dict[str, dict]:
    """Every page, opened once in one browser."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            return {name: inspect_page(browser, built / "reports" / name, shots) for name in PAGES}
        finally:
            browser.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_console_errors(inspected, name):
    assert inspected[name]["console"] == []


@pytest.mark.parametrize("name", PAGES)
def test_no_network_requests(inspected, name):
    remote = [u for u in inspected[name]["requests"] if urlsplit(u).scheme not in ("file", "data")]
    assert remote == []


@pytest.mark.parametrize("name", PAGES)
def test_internal_links_resolve(built, inspected, name):
    links = inspected[name]["links"]
    assert links["broken"] == []
    page_dir = (built / "reports" / name).parent
    missing = [h for h in links["relative"] if not (page_dir / unquote(urlsplit(h).path)).is_file()]
    assert missing == []


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_overflow(inspected, name, width):
    o = inspected[name]["overflow"][width]
    assert o["scrollWidth"] <= o["innerWidth"], f"{name} at {width}px is {o['scrollWidth']}px wide: {o['culprits']}"


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_wcag_a_or_aa_violation(inspected, name, width):
    violations = inspected[name]["axe"][width]
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
        for v in violations
    )


def test_screenshots_were_taken(inspected, shots):
    for name in PAGES:
        for width in WIDTHS:
            png = shots / f"{Path(name).stem}-{width}.png"
            assert png.read_bytes().startswith(b"\x89PNG"), png
