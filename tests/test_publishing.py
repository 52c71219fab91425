"""Publishing: the GitHub Actions workflow (.github/workflows/publish.yml) and the Pages site it
deploys (workflow/briefing/build/site.py), exercised here as far as they run without GitHub.

actionlint checks the workflow. Its own shell steps run here as written, under bash with a stand-in
$GITHUB_OUTPUT: fetching the previous edition from a published site on disk (plain path and
file:// URL) and over HTTP on the loopback interface (present, absent, failing), downloading the
published site, building with the previous edition, and assembling the site. Site assembly runs on
small fixture editions (two editions, newest first, latest/, idempotency, refusals) and once on
the real edition the session's workflow run built.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from test_word import plain, revised

from briefing.build import site
from conftest import ROOT, workflow_env

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
TRIGGER_PATHS = {"data/**", "notebooks/**", "templates/**", "workflow/**", "Snakefile", "config/**"}
# The site's pages state their policy literally (the briefing's own is computed: render.py).
SITE_CSP = re.search(
    r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">',
    (ROOT / "templates" / "site" / "index.html.j2").read_text(encoding="utf-8"),
).group(1)


# --- the workflow file ---------------------------------------------------------------------------


def load_workflow() -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def actionlint() -> str:
    """The actionlint the pinned package installs beside this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if not found:
        pytest.fail("actionlint is not installed; it comes with the pinned requirements (make test installs them)")
    return found


def run_actionlint(path: Path) -> subprocess.CompletedProcess:
    # shellcheck (and pyflakes), when installed, are found on PATH and check the run: scripts too.
    return subprocess.run(
        [actionlint(), "-no-color", str(path)], env=workflow_env(), capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("path", sorted((ROOT / ".github" / "workflows").glob("*.yml")), ids=lambda p: p.name)
def test_actionlint_passes_on_every_workflow(path):
    result = run_actionlint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_pull_request_runs_lint_then_the_fast_tier_then_the_end_to_end_tier():
    """As the Snakemake workflow catalog's CI does: the cheap checks first, each tier only after the
    one before has passed, on the same Debian set-up (the local action) as the publishing workflow."""
    tests = yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8"))
    assert "pull_request" in tests.pop(True)
    jobs = tests["jobs"]
    assert [jobs[j].get("needs") for j in ("lint", "fast", "e2e")] == [None, "lint", "fast"]
    commands = [[st["run"] for st in jobs[j]["steps"] if "run" in st][-1] for j in ("lint", "fast", "e2e")]
    assert commands == ["make lint", "make test-fast", "make test-e2e"]
    for job in jobs.values():
        assert {"uses": "./.github/actions/debian"} in job["steps"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("lint:", "test-fast:", "test-e2e:"):
        assert f"\n{target}" in makefile, target


@pytest.mark.parametrize(
    ("changed", "runs"),
    [(["data/studies.csv"], "check"), (["data/studies.csv", "workflow/briefing/stats/meta.py"], "test"), ([], "test")],
    ids=["data only", "data and code", "run by hand"],
)
def test_an_edition_whose_push_changed_only_data_runs_the_data_checks(tmp_path, changed, runs):
    """The Test step of publishing: code was tested on its pull request, so a data-only edition
    runs `make check` (and the build's own audits) instead of waiting for the whole suite."""
    git = functools.partial(subprocess.run, cwd=tmp_path, check=True, capture_output=True)
    git(["git", "init", "-q"])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "before"])
    before = git(["git", "rev-parse", "HEAD"], text=True).stdout.strip()
    for name in changed:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    git(["git", "add", "-A"])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "after"])
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "make").write_text('#!/bin/sh\necho "make $*" > made.txt\n')
    (fake / "make").chmod(0o755)
    result, _ = run_step("Test", tmp_path, BEFORE=before if changed else "", PATH=f"{fake}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "made.txt").read_text().split() == ["make", runs]


def test_actionlint_does_find_errors(tmp_path):
    """The check above is a real one: a broken workflow fails it."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ steps.nope.outputs.x }}\n        shell: bsh\n"
    )
    result = run_actionlint(broken)
    assert result.returncode != 0
    assert "nope" in result.stdout


def test_workflow_triggers_permissions_and_order():
    workflow = load_workflow()
    push = workflow["on"]["push"]
    assert push["branches"] == ["main"]
    assert set(push["paths"]) == TRIGGER_PATHS
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False

    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"

    steps = [s.get("uses", "").split("@")[0] or s["name"] for s in build["steps"]]
    order = [
        "actions/checkout",
        "Set up Python 3.11",
        "Install the Debian packages the build and the tests need",
        "Test",
        "Fetch the previous edition",
        "Download the published site",
        "Build",
        "Assemble the site",
        "actions/upload-pages-artifact",
    ]
    assert [s for s in steps if s in order] == order
    checkout = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the build date is the last commit touching the inputs
    debian = step("Install the Debian packages the build and the tests need")["run"].split()
    assert {"chromium", "poppler-utils", "default-jre-headless"} <= set(debian)
    assert "make test" in step("Test")["run"]
    assert (
        next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))["with"][
            "path"
        ]
        == "site"
    )
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_actions_are_pinned_to_major_versions_and_scripts_take_no_expressions():
    workflow = load_workflow()
    for job in workflow["jobs"].values():
        for s in job["steps"]:
            if "uses" in s:
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", s["uses"]), s["uses"]
            # Values reach scripts through env:, never pasted into the script (no injection).
            assert "${{" not in s.get("run", ""), s["name"]


# --- running the workflow's steps here -----------------------------------------------------------


def step(name: str) -> dict:
    return next(s for s in load_workflow()["jobs"]["build"]["steps"] if s["name"] == name)


def fake_venv(workdir: Path) -> None:
    """The steps call .venv/bin/python (what `make test` creates): here, this interpreter."""
    bin_dir = workdir / ".venv" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)


def run_step(name: str, workdir: Path, **env: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Run a step's script as GitHub runs it (bash -eo pipefail), with its env: values given here.
    Returns the result and what the step wrote to $GITHUB_OUTPUT."""
    s = step(name)
    outputs = workdir / ".github_output"
    outputs.write_text("")
    missing = set(s.get("env", {})) - set(env)
    assert not missing, f"step {name!r} needs {missing}"
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]],
        cwd=workdir,
        env={**workflow_env(workdir), **env, "GITHUB_OUTPUT": str(outputs)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return result, values


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class FailingHandler(QuietHandler):
    def do_GET(self):
        self.send_error(403)


@contextlib.contextmanager
def serve(directory: Path, handler=QuietHandler):
    """An HTTP server on 127.0.0.1 for the duration of a test (a stand-in for GitHub Pages)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- fixture editions ----------------------------------------------------------------------------


def make_edition(
    root: Path, build_date: str, package: str, epoch: int, modalities=("srs", "hfrt"), title="A briefing"
) -> Path:
    """A small edition as the workflow publishes it in reports/."""
    root.mkdir(parents=True)
    briefing = {
        "title": title,
        "build_date": build_date,
        "provenance": {
            "data": {"package": package, "files": {}},
            "build_epoch": epoch,
            "build_date": build_date,
            "commit": {"sha": hashlib.sha1(package.encode()).hexdigest(), "dirty": False},
        },
    }
    (root / "briefing.json").write_text(json.dumps(briefing), encoding="utf-8")
    links = "".join(f'<a href="modalities/{m}.html">{m}</a>' for m in modalities)
    (root / "briefing.html").write_text(f"<!DOCTYPE html><title>{build_date}</title><p>{links}</p>", encoding="utf-8")
    (root / "briefing.pdf").write_bytes(b"%PDF-1.7\n% " + build_date.encode() + b"\n%%EOF\n")
    for m in modalities:
        (root / "modalities").mkdir(exist_ok=True)
        (root / "modalities" / f"{m}.html").write_text(
            f"<!DOCTYPE html><title>{m} {build_date}</title>", encoding="utf-8"
        )
    return root


FIRST = ("2026-03-02", "a1" * 32, 1772409600)
SECOND = ("2026-06-15", "b2" * 32, 1781481600)


def edition_id(spec) -> str:
    return f"{spec[0]}-{spec[1][:12]}"


def tree(root: Path) -> dict[str, str]:
    """Every file under root with its checksum (what a deploy would publish)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def two_sites(tmp_path):
    """The first edition's site, then the second edition's, built on the first as previous site."""
    first = make_edition(tmp_path / "reports1", *FIRST)
    second = make_edition(tmp_path / "reports2", *SECOND, modalities=("srs", "hfrt", "i125"))
    (tmp_path / "empty").mkdir()
    site.assemble(first, tmp_path / "empty", tmp_path / "site1")
    site.assemble(second, tmp_path / "site1", tmp_path / "site2")
    return tmp_path


class Structure(HTMLParser):
    """Enough of an HTML checker for a small generated page: every element closed in order, ids
    unique, and what the head carries."""

    VOID = {"meta", "link", "br", "img", "hr", "input", "source", "wbr", "col", "area", "base", "embed", "track"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.tags, self.meta, self.links, self.doctype = [], [], [], [], [], [], None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "meta":
            self.meta.append(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check_page(path: Path) -> Structure:
    page = Structure()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.doctype == "DOCTYPE html"
    assert not page.errors and not page.stack, (page.errors, page.stack)
    assert len(page.ids) == len(set(page.ids))
    assert "script" not in page.tags
    assert {"charset": "utf-8"} in page.meta
    assert {"http-equiv": "Content-Security-Policy", "content": SITE_CSP} in page.meta
    assert page.tags[:1] == ["html"] and "title" in page.tags
    return page


# --- site assembly -------------------------------------------------------------------------------


def test_both_editions_are_kept_with_their_files(two_sites):
    out = two_sites / "site2"
    for spec, reports in ((FIRST, "reports1"), (SECOND, "reports2")):
        edition = out / "editions" / edition_id(spec)
        assert tree(edition) == tree(two_sites / reports), spec
    manifest = json.loads((out / "editions.json").read_text())
    assert [e["id"] for e in manifest["editions"]] == [edition_id(SECOND), edition_id(FIRST)]
    assert manifest["latest"] == edition_id(SECOND)
    first = manifest["editions"][1]
    assert first["build_date"] == FIRST[0] and first["data_checksum"] == FIRST[1]
    assert {f["path"] for f in first["files"]} == {
        "briefing.html",
        "briefing.pdf",
        "briefing.json",
        "modalities/srs.html",
        "modalities/hfrt.html",
    }


def test_index_lists_editions_newest_first_with_links(two_sites):
    out = two_sites / "site2"
    page = check_page(out / "index.html")
    text = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr id="edition-([^"]+)">', text)
    assert rows == [edition_id(SECOND), edition_id(FIRST)]
    for spec in (SECOND, FIRST):
        assert spec[0] in text and spec[1][:12] in text
        for name in ("briefing.html", "briefing.pdf"):
            assert f"editions/{edition_id(spec)}/{name}" in page.links
    for href in page.links:  # every link on the index lands on a file of the site
        assert (out / href).is_file(), href
    assert text.index(SECOND[0]) < text.index(FIRST[0])


def test_latest_is_the_newest_edition(two_sites):
    out = two_sites / "site2"
    latest = tree(out / "latest")
    assert latest.pop("index.html")
    assert latest == tree(out / "editions" / edition_id(SECOND))
    check_page(out / "latest" / "index.html")
    assert "url=briefing.html" in (out / "latest" / "index.html").read_text()


def test_reassembling_the_same_edition_is_idempotent(two_sites):
    out = two_sites / "site2"
    site.assemble(two_sites / "reports2", out, two_sites / "site3")
    assert tree(two_sites / "site3") == tree(out)  # byte-identical: no duplicate, nothing dated
    site.assemble(two_sites / "reports2", out, out)  # in place, as a re-run on the same directory
    assert tree(out) == tree(two_sites / "site3")
    manifest = json.loads((out / "editions.json").read_text())
    assert len(manifest["editions"]) == 2


def test_a_rebuilt_edition_replaces_its_files_without_a_second_entry(two_sites):
    rebuilt = make_edition(two_sites / "rebuilt", *SECOND, modalities=("srs",))
    (rebuilt / "briefing.html").write_text("<!DOCTYPE html><title>rebuilt</title>", encoding="utf-8")
    site.assemble(rebuilt, two_sites / "site2", two_sites / "site3")
    manifest = json.loads((two_sites / "site3" / "editions.json").read_text())
    assert [e["id"] for e in manifest["editions"]] == [edition_id(SECOND), edition_id(FIRST)]
    assert tree(two_sites / "site3" / "editions" / edition_id(SECOND)) == tree(rebuilt)


def test_an_older_edition_does_not_become_latest(two_sites):
    older = ("2025-12-31", "c3" * 32, 1767139200)
    site.assemble(make_edition(two_sites / "older", *older), two_sites / "site2", two_sites / "site3")
    manifest = json.loads((two_sites / "site3" / "editions.json").read_text())
    assert [e["id"] for e in manifest["editions"]] == [edition_id(SECOND), edition_id(FIRST), edition_id(older)]
    assert manifest["latest"] == edition_id(SECOND)


def test_the_index_escapes_what_it_shows(tmp_path):
    reports = make_edition(tmp_path / "reports", *FIRST, title='Pain <script>alert("x")</script> & relief')
    site.assemble(reports, None, tmp_path / "site")
    text = (tmp_path / "site" / "index.html").read_text()
    assert "<script>" not in text and "Pain &lt;script&gt;" in text and "&amp; relief" in text
    check_page(tmp_path / "site" / "index.html")


@pytest.mark.parametrize(
    "damage", ["tampered", "missing", "no manifest", "traversal", "edition path", "no such directory"]
)
def test_a_damaged_previous_site_stops_assembly(two_sites, damage):
    previous = two_sites / "site2"
    edition = previous / "editions" / edition_id(FIRST)
    if damage == "tampered":
        (edition / "briefing.pdf").write_bytes(b"%PDF-1.7 not the published file")
    elif damage == "missing":
        (edition / "modalities" / "srs.html").unlink()
    elif damage == "no manifest":
        (previous / "editions.json").unlink()
    elif damage == "traversal":
        manifest = json.loads((previous / "editions.json").read_text())
        manifest["editions"][1]["files"][0]["path"] = "../../../etc/passwd"
        (previous / "editions.json").write_text(json.dumps(manifest))
    elif damage == "edition path":
        manifest = json.loads((previous / "editions.json").read_text())
        manifest["editions"][1]["path"] = "../outside/"
        (previous / "editions.json").write_text(json.dumps(manifest))
    else:
        previous = two_sites / "nowhere"
    target = two_sites / "site3"
    with pytest.raises(site.SiteError):
        site.assemble(two_sites / "reports2", previous, target)
    assert not target.exists()
    assert not [p for p in two_sites.iterdir() if p.name.startswith(".site3")]  # no staging left behind


def test_an_edition_needs_date_and_checksum(tmp_path):
    reports = make_edition(tmp_path / "reports", "23 Nov 2026", "a1" * 32, 0)
    with pytest.raises(site.SiteError, match="build_date"):
        site.assemble(reports, None, tmp_path / "site")
    (reports / "briefing.pdf").unlink()
    with pytest.raises(site.SiteError, match="briefing.pdf"):
        site.assemble(reports, None, tmp_path / "site")


# --- fetching the published site -----------------------------------------------------------------


def test_fetch_copies_every_edition_from_a_directory_a_file_url_and_http(two_sites):
    published = two_sites / "site2"
    expected = {k: v for k, v in tree(published).items() if k.startswith("editions/") or k == "editions.json"}
    with serve(published) as url:
        for n, location in enumerate([str(published), published.as_uri(), url]):
            dest = two_sites / f"fetched{n}"
            editions = site.fetch(location, dest)
            assert [e["id"] for e in editions] == [edition_id(SECOND), edition_id(FIRST)]
            assert tree(dest) == expected, location


def test_fetch_finds_no_site_before_the_first_edition(tmp_path):
    (tmp_path / "nothing").mkdir()
    with serve(tmp_path / "nothing") as url:
        for n, location in enumerate([str(tmp_path / "nothing"), (tmp_path / "nothing").as_uri(), url]):
            assert site.fetch(location, tmp_path / f"fetched{n}") == []
            assert not any((tmp_path / f"fetched{n}").iterdir())


def test_fetch_fails_rather_than_lose_an_edition(two_sites):
    published = two_sites / "site2"
    with serve(published, FailingHandler) as url:
        with pytest.raises(site.SiteError, match="403"):
            site.fetch(url, two_sites / "a")
    (published / "editions" / edition_id(FIRST) / "briefing.pdf").write_bytes(b"%PDF- changed")
    with pytest.raises(site.SiteError, match="checksum"):
        site.fetch(str(published), two_sites / "b")
    (published / "editions" / edition_id(FIRST) / "briefing.pdf").unlink()
    with pytest.raises(site.SiteError, match="missing"):
        site.fetch(published.as_uri(), two_sites / "c")


# --- the workflow's steps, as written ------------------------------------------------------------


def test_step_fetch_previous_edition_from_a_local_path_or_file_url(two_sites):
    published = two_sites / "site2"
    for n, location in enumerate([str(published), published.as_uri() + "/"]):
        workdir = two_sites / f"run{n}"
        workdir.mkdir()
        result, outputs = run_step("Fetch the previous edition", workdir, SITE_URL=location)
        assert result.returncode == 0, result.stderr
        assert outputs == {"path": "previous/briefing.json"}
        assert (workdir / "previous" / "briefing.json").read_bytes() == (
            published / "latest" / "briefing.json"
        ).read_bytes()


def test_step_fetch_previous_edition_takes_its_word_edition_when_published(two_sites):
    """The Word edition beside the previous briefing.json, for what-changed.docx; none is no error."""
    published = two_sites / "site2"
    for n, word_edition in enumerate([b"PK docx", None]):
        if word_edition:
            (published / "latest" / "briefing.docx").write_bytes(word_edition)
        else:
            (published / "latest" / "briefing.docx").unlink()
        workdir = two_sites / f"run{n}"
        workdir.mkdir()
        with serve(published) as url:
            result, outputs = run_step("Fetch the previous edition", workdir, SITE_URL=url)
        assert result.returncode == 0, result.stderr
        assert outputs == {"path": "previous/briefing.json"}
        docx = workdir / "previous" / "briefing.docx"
        assert (docx.read_bytes() if docx.exists() else None) == word_edition


def test_step_fetch_previous_edition_over_http(two_sites):
    workdir = two_sites / "run"
    workdir.mkdir()
    with serve(two_sites / "site2") as url:
        result, outputs = run_step("Fetch the previous edition", workdir, SITE_URL=url)
    assert result.returncode == 0, result.stderr
    assert outputs == {"path": "previous/briefing.json"}
    assert json.loads((workdir / "previous" / "briefing.json").read_text())["build_date"] == SECOND[0]


def test_step_fetch_previous_edition_when_none_is_published(tmp_path):
    (tmp_path / "empty-site").mkdir()
    with serve(tmp_path / "empty-site") as url:
        for n, location in enumerate([str(tmp_path / "empty-site"), (tmp_path / "empty-site").as_uri(), url]):
            workdir = tmp_path / f"run{n}"
            workdir.mkdir()
            result, outputs = run_step("Fetch the previous edition", workdir, SITE_URL=location)
            assert result.returncode == 0, result.stderr
            assert outputs == {"path": ""}, location  # the build gets no previous_edition
            assert "first" in result.stdout
            assert not (workdir / "previous" / "briefing.json").exists()


def test_step_fetch_previous_edition_stops_when_the_site_fails(tmp_path):
    with serve(tmp_path, FailingHandler) as url:
        result, outputs = run_step("Fetch the previous edition", tmp_path, SITE_URL=url)
    assert result.returncode != 0
    assert "path" not in outputs
    assert "403" in result.stdout


def test_steps_download_and_assemble_the_site(two_sites):
    """The two site steps as written: download the published site, assemble with the new edition."""
    workdir = two_sites / "run"
    workdir.mkdir()
    fake_venv(workdir)
    shutil.copytree(ROOT / "templates", workdir / "templates")  # the checkout the workflow runs in
    shutil.copytree(make_edition(two_sites / "third", "2026-09-01", "d4" * 32, 1788220800), workdir / "reports")
    with serve(two_sites / "site2") as url:
        result, _ = run_step("Download the published site", workdir, SITE_URL=url)
    assert result.returncode == 0, result.stderr
    result, _ = run_step("Assemble the site", workdir)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((workdir / "site" / "editions.json").read_text())
    assert [e["build_date"] for e in manifest["editions"]] == ["2026-09-01", SECOND[0], FIRST[0]]
    for spec in (FIRST, SECOND):
        assert tree(workdir / "site" / "editions" / edition_id(spec)) == tree(
            two_sites / "site2" / "editions" / edition_id(spec)
        )


def test_step_download_the_published_site_before_the_first_edition(tmp_path):
    fake_venv(tmp_path)
    (tmp_path / "empty-site").mkdir()
    result, _ = run_step("Download the published site", tmp_path, SITE_URL=(tmp_path / "empty-site").as_uri())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "previous-site").is_dir() and not any((tmp_path / "previous-site").iterdir())


@pytest.mark.slow
def test_steps_build_with_the_previous_edition_and_publish_the_real_edition(built, tmp_path):
    """The real edition the session built: rebuilt with a previous edition (one study fewer) as the
    Build step passes it, then assembled onto a published site holding one earlier edition."""
    workdir = tmp_path / "project"
    shutil.copytree(built, workdir, symlinks=True)  # outputs and .snakemake: only the combining steps re-run
    fake_venv(workdir)
    previous = json.loads((built / "reports" / "briefing.json").read_text())
    dropped = previous["references"].pop()["study_id"]
    (workdir / "previous").mkdir()
    (workdir / "previous" / "briefing.json").write_text(json.dumps(previous))
    shutil.copyfile(built / "reports" / "briefing.docx", workdir / "previous" / "briefing.docx")

    result, _ = run_step("Build", workdir, PREVIOUS_EDITION="previous/briefing.json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    edition = json.loads((workdir / "reports" / "briefing.json").read_text())
    assert edition["changes"].get("first_edition") is not True
    assert dropped in json.dumps(edition["changes"])
    # The Word document of what changed: the previous Word edition with the changes tracked.
    changed = (workdir / "reports" / "what-changed.docx").read_bytes()
    assert revised(changed, accept=True) == plain((workdir / "reports" / "briefing.docx").read_bytes())
    assert revised(changed, accept=False) == plain((built / "reports" / "briefing.docx").read_bytes())

    earlier = make_edition(tmp_path / "earlier", "2020-01-06", "e5" * 32, 1578268800)
    site.assemble(earlier, None, workdir / "previous-site")
    result, _ = run_step("Assemble the site", workdir)
    assert result.returncode == 0, result.stderr
    out = workdir / "site"
    new_id = f"{edition['build_date']}-{edition['provenance']['data']['package'][:12]}"
    manifest = json.loads((out / "editions.json").read_text())
    assert [e["id"] for e in manifest["editions"]] == [new_id, "2020-01-06-" + "e5" * 6]
    assert tree(out / "editions" / new_id) == tree(workdir / "reports")
    html = (out / "editions" / new_id / "briefing.html").read_text(encoding="utf-8")
    for href in set(re.findall(r'href="(modalities/[^"#]+)"', html)):  # the edition's own links work
        assert (out / "editions" / new_id / href).is_file(), href
    check_page(out / "index.html")
    assert (out / "latest" / "briefing.pdf").read_bytes() == (workdir / "reports" / "briefing.pdf").read_bytes()
    listed = {f["path"]: f["sha256"] for f in manifest["editions"][0]["files"]}
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in ("briefing.docx", "what-changed.docx"):
        assert listed[name] == hashlib.sha256((workdir / "reports" / name).read_bytes()).hexdigest()
        assert f'href="editions/{new_id}/{name}"' in index and f"SHA-256 {listed[name]}" in index


@pytest.mark.slow
def test_an_edition_that_adds_a_study_publishes_through_the_ci_path(built, workspace):
    """The publishing workflow's own steps after a real data change that moves the totals: the
    site holds the seeds' edition; a curator adds a real study (Zhang 2016, iodine-125); the run
    fetches the published edition over HTTP, builds (with the audit), and assembles the site. The
    previous edition's figures are accepted as the old values, under their readers' labels."""
    from real_studies import add_studies

    published = workspace.parent / "published"
    site.assemble(built / "reports", None, published)
    add_studies(workspace, {"zhang2016_i125"})
    fake_venv(workspace)
    with serve(published) as url:
        result, outputs = run_step("Fetch the previous edition", workspace, SITE_URL=url)
        assert result.returncode == 0, result.stderr
        result, _ = run_step("Build", workspace, PREVIOUS_EDITION=outputs["path"])
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        result, _ = run_step("Download the published site", workspace, SITE_URL=url)
        assert result.returncode == 0, result.stderr
    result, _ = run_step("Assemble the site", workspace)
    assert result.returncode == 0, result.stderr

    edition = json.loads((workspace / "reports" / "briefing.json").read_text())
    changes = edition["changes"]
    assert (
        changes["previous"]["build_date"] == json.loads((built / "reports" / "briefing.json").read_text())["build_date"]
    )
    assert [a["label"] for a in changes["sections"]["studies"]["added"]] == ["Zhang 2016"]
    changed = {c["label"]: c for c in changes["sections"]["figures"]["changed"]}
    old_total = json.loads((built / "reports" / "briefing.json").read_text())
    old_total = next(f["value_text"] for f in old_total["figures"] if f["id"] == "total:patients")
    assert changed["All modalities: Patients in all primary studies"]["old"] == old_total
    assert int(changed["All modalities: Patients in all primary studies"]["new"]) == int(old_total) + 20
    # Only what really changed: figures of the new study, of its modality, and the totals.
    i125_name = next(m["name"] for m in edition["modalities"] if m["modality_id"] == "i125")
    for kind in ("changed", "added"):
        for item in changes["sections"]["figures"][kind]:
            assert item["label"].startswith(("Zhang 2016: ", f"{i125_name}: ", "All modalities: ")), item
    (i125,) = [m for m in changes["per_modality"] if m["modality_id"] == "i125"]
    assert "Studies added: Zhang 2016." in i125["lines"]
    assert [m["modality_id"] for m in changes["per_modality"]] == ["i125"]
    html = (workspace / "reports" / "briefing.html").read_text(encoding="utf-8")
    assert "zhang2016_i125-relief" not in BeautifulSoup(html, "html.parser").find(id="what-changed").get_text()
    assert len(json.loads((workspace / "site" / "editions.json").read_text())["editions"]) == 2


def test_the_site_lists_an_editions_word_documents_with_their_checksums(tmp_path):
    """briefing.docx, what-changed.docx and the references (RIS, CSL-JSON) beside the HTML and PDF,
    each with its SHA-256; an earlier edition without them is listed as before."""
    earlier = make_edition(tmp_path / "earlier", "2026-01-05", "a1" * 32, 1767571200)
    site.assemble(earlier, None, tmp_path / "site1")
    reports = make_edition(tmp_path / "reports", "2026-02-02", "b2" * 32, 1769990400)
    (reports / "briefing.docx").write_bytes(b"PK word edition")
    (reports / "what-changed.docx").write_bytes(b"PK what changed")
    (reports / "references.ris").write_text("TY  - JOUR\r\nER  - \r\n")
    (reports / "references.json").write_text("[]")
    manifest = site.assemble(reports, tmp_path / "site1", tmp_path / "site2")
    new, old = manifest["editions"]
    listed = {f["path"]: f["sha256"] for f in new["files"]}
    index = (tmp_path / "site2" / "index.html").read_text(encoding="utf-8")
    for name in ("briefing.docx", "what-changed.docx", "references.ris", "references.json"):
        assert listed[name] == hashlib.sha256((reports / name).read_bytes()).hexdigest()
        assert f'href="{new["path"]}{name}"' in index and f"SHA-256 {listed[name]}" in index
        assert (tmp_path / "site2" / "latest" / name).read_bytes() == (reports / name).read_bytes()
    assert not {f["path"] for f in old["files"]} & {"briefing.docx", "what-changed.docx"}
    assert f'href="{old["path"]}briefing.docx"' not in index
    check_page(tmp_path / "site2" / "index.html")
    assert site.fetch(str(tmp_path / "site2"), tmp_path / "fetched")  # the manifest's names are accepted
