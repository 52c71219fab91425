"""The real workflow end to end, on a temporary copy: outputs, content, PDF text, incremental
rebuilds and bad input."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT, build_output, digest_tree, edit_rows, snakemake
from real_studies import add_studies

pytestmark = pytest.mark.slow

MODALITIES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["modalities"]


def rows(name: str) -> list[dict[str, str]]:
    with open(ROOT / "data" / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def html(built: Path) -> BeautifulSoup:
    return BeautifulSoup((built / "reports" / "briefing.html").read_text(encoding="utf-8"), "html.parser")


def visible_text(soup: BeautifulSoup) -> str:
    soup = BeautifulSoup(str(soup), "html.parser")
    for tag in soup(["svg", "style", "head", "summary", "sup"]):  # footnote marks run into words in PDF text
        tag.decompose()
    for tag in soup.select("#search"):  # the search box is for the screen: nothing prints it
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def test_every_output_is_published(built):
    expected = ["briefing.html", "briefing.pdf", "briefing.json", "references.ris", "references.json"]
    expected += [f"modalities/{m}.{kind}" for m in MODALITIES for kind in ("html", "pdf")]
    for name in expected:
        assert (built / "reports" / name).stat().st_size > 0, name
    for name in ["briefing.pdf"] + [f"modalities/{m}.pdf" for m in MODALITIES]:
        assert (built / "reports" / name).read_bytes().startswith(b"%PDF-"), name


def test_every_stated_figure_is_in_its_outcome_row(built):
    soup = html(built)
    for o in rows("outcomes.csv"):
        cell = soup.find(id=f"outcome-{o['outcome_id']}")
        assert cell is not None, f"outcome {o['outcome_id']} missing from the briefing"
        text = " ".join(cell.get_text(" ").split())
        for field in ("value", "sd", "events", "denominator"):
            if o[field]:
                assert re.search(rf"(?<![\d.]){re.escape(o[field])}(?![\d])", text), (
                    f"{o['outcome_id']}: {field} {o[field]} not shown in {text!r}"
                )
        if o["p_value"]:
            assert o["p_value"].lstrip("<>=") in text
        assert o["locator"] in text


def test_derived_figures_are_shown_and_labelled(built):
    text = visible_text(html(built))
    assert "84.5 % (49/58 patients, count derived; 95 % CI 73.1 to 91.6 %)" in text
    assert "0/58 patients (95 % CI 0.0 to 6.2 %)" in text
    assert "64.9 % (derived: complete 46 % + partial 18.9 %; denominator not stated; no CI computable)" in text


def test_every_study_is_described_and_referenced(built):
    soup = html(built)
    references = soup.find(id="references").get_text(" ")
    for s in rows("studies.csv"):
        assert soup.find(id=f"ref-{s['study_id']}") is not None
        for identifier in (s["pmid"], s["doi"]):
            if identifier:
                assert identifier in references
        if s["patients"]:
            row = soup.find(id=f"study-{s['modality_id']}-{s['study_id']}")
            assert s["patients"] in row.get_text(" ")


def test_every_modality_has_a_section_with_content(built):
    soup = html(built)
    statements = rows("statements.csv")
    for m in MODALITIES:
        section = soup.find(id=f"modality-{m}")
        assert section is not None, m
        has_figures = section.find("table", class_="outcomes") is not None
        has_statements = any(s["modality_id"] == m for s in statements)
        assert has_figures or has_statements, f"modality {m} has an empty section"
        if not has_figures:
            assert "Narrative summary" in section.get_text()
    for s in statements:
        assert s["statement"] in visible_text(soup)


def test_figures_have_text_alternatives_and_data(built):
    soup = html(built)
    figures = soup.find_all("figure")
    assert len(figures) >= 5
    for figure in figures:
        assert figure.find(attrs={"role": "img"})["aria-label"].strip()
        assert figure.find("svg") is not None
        assert figure.find("table") is not None


SEARCH_SCRIPT = (ROOT / "templates" / "briefing_search.js").read_text(encoding="utf-8")


def test_html_fetches_nothing_from_the_network(built):
    pages = [built / "reports" / "briefing.html"] + [built / "reports" / "modalities" / f"{m}.html" for m in MODALITIES]
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        # The briefing's one script is its search, which fetches nothing (tests/test_search.py).
        search = [SEARCH_SCRIPT] if page.name == "briefing.html" else []
        assert [script.string for script in soup.find_all("script")] == search, page.name
        for tag in soup.find_all(["link", "img", "iframe", "source"]):
            ref = tag.get("src") or tag.get("href") or ""
            assert not ref.startswith(("http:", "https:", "//")), (page.name, ref)


def pdf_words(path: Path) -> Counter:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return Counter(re.findall(r"\w+", text))


def html_words(path: Path) -> Counter:
    return Counter(re.findall(r"\w+", visible_text(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser"))))


def missing_words(html: Counter, pdf: Counter) -> dict[str, int]:
    # Checksums wrap across lines in the PDF; every other word must be there as often.
    return {w: n for w, n in html.items() if pdf[w] < n and not re.fullmatch(r"[0-9a-f]{16,}", w)}


def test_pdf_has_the_same_text(built):
    """Each PDF prints every word of the print edition it was made from, and the briefing's PDF
    with the modalities' PDFs print every word of the HTML."""
    printed = {built / "reports" / "briefing.pdf": built / "results" / "briefing.print.html"}
    printed |= {
        built / "reports" / "modalities" / f"{m}.pdf": built / "results" / "modalities" / m / "print.html"
        for m in MODALITIES
    }
    every_pdf = Counter()
    for pdf, source in printed.items():
        words = pdf_words(pdf)
        assert not missing_words(html_words(source), words), pdf.name
        every_pdf.update(words)
    assert not set(missing_words(html_words(built / "reports" / "briefing.html"), every_pdf))


def test_briefing_json_traces_every_figure(built):
    data = json.loads((built / "reports" / "briefing.json").read_text(encoding="utf-8"))
    ids = {f["id"] for f in data["figures"]}
    studies = {s["study_id"] for s in rows("studies.csv")}
    for o in rows("outcomes.csv"):
        assert o["outcome_id"] in ids
    for f in data["figures"]:
        assert f["locator"], f["id"]
        for source in f.get("derived_from", []):
            assert source in ids or source in studies  # a count of studies names the study rows
    assert data["provenance"]["data"]["package"]


# A job's line in a build's output (its rule's message, workflow/rules): "Job 7: modality_pdf (srs): ...".
JOB_LINE = re.compile(r"^Job \d+: (\w+)(?: \((\w+)\))?:", flags=re.M)


def jobs_run(output: str) -> Counter:
    """(rule, modality) of every job a run started, from Snakemake's output."""
    return Counter((rule, modality or None) for rule, modality in JOB_LINE.findall(output))


def test_one_study_edit_reruns_only_its_modality(workspace):
    """What runs, not what a dry run plans: validation is a checkpoint, so Snakemake plans every
    modality's slice as waiting for it and decides which to re-run once the data are valid."""
    outcomes = workspace / "data" / "outcomes.csv"
    original = outcomes.read_bytes()
    outcomes.write_bytes(
        original.replace(
            b"shao_i125-nrs-w8,shao_i125,pain_score,Pain score (NRS 0-10),Numerical Rating Scale,,mean,,3.3,",
            b"shao_i125-nrs-w8,shao_i125,pain_score,Pain score (NRS 0-10),Numerical Rating Scale,,mean,,3.4,",
        )
    )
    assert outcomes.read_bytes() != original
    result = snakemake(workspace)
    jobs = jobs_run(result.stdout + result.stderr)
    assert jobs.pop(("evidence_slice", "i125")) == 1 and jobs.pop(("modality_notebook", "i125")) == 1
    assert jobs.pop(("modality_pdf", "i125")) == 1 and jobs.pop(("modality_analyses", "i125")) == 1
    once = {"validate", "combine", "briefing_html", "briefing_pdf", "briefing_docx", "references", "audit", "publish"}
    once.add("all")
    assert {rule for rule, _ in jobs} == once and set(jobs.values()) == {1}


def planned(workdir: Path) -> dict[str, int]:
    """rule -> jobs of a dry run's plan."""
    plan = snakemake(workdir, "--dry-run", "--quiet", "rules").stdout
    return {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)\s*$", plan, flags=re.M) if rule != "total"}


AFTER_COMBINE = {
    "combine": 1,
    "briefing_html": 1,
    "briefing_pdf": 1,
    "briefing_docx": 1,
    "references": 1,
    "audit": 1,
    "publish": 1,
    "all": 1,
}


@pytest.mark.parametrize(
    "module, plan",
    [
        ("verify/audit.py", {"modality_pdf": len(MODALITIES), "audit": 1, "publish": 1, "all": 1}),
        (
            "present/render.py",
            {
                "briefing_html": 1,
                "briefing_pdf": 1,
                "briefing_docx": 1,
                "modality_pdf": len(MODALITIES),
                "audit": 1,
                "publish": 1,
                "all": 1,
            },
        ),
        (
            "assemble/summary.py",
            dict.fromkeys(("modality_notebook", "modality_pdf", "modality_analyses"), len(MODALITIES)) | AFTER_COMBINE,
        ),
        ("build/site.py", {}),  # not a step: nothing re-runs
    ],
)
def test_a_module_edit_reruns_only_the_steps_that_import_it(workspace, module, plan):
    path = workspace / "workflow" / "briefing" / module
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert planned(workspace) == plan


def test_an_edit_of_effects_reruns_validation_and_every_notebook(workspace):
    path = workspace / "workflow" / "briefing" / "stats" / "effects.py"
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    plan = planned(workspace)
    assert plan["validate"] == 1 and plan["modality_notebook"] == len(MODALITIES)
    assert AFTER_COMBINE.items() <= plan.items()


def test_bad_input_stops_before_any_notebook_and_keeps_the_reports(workspace):
    before = digest_tree(workspace / "reports")
    studies = workspace / "data" / "studies.csv"
    outcomes = workspace / "data" / "outcomes.csv"
    studies.write_bytes(studies.read_bytes().replace(b",58,,hfrt,", b",fifty-eight,,hfrt,"))
    outcomes.write_bytes(
        outcomes.read_bytes().replace(
            b",Pain score (NRS 0-10),Numerical Rating Scale,,mean,,7.3,1.3,",
            b",Pain score (NRS 0-10),Numerical Rating Scale,,mean,,17.3,1.3,",
        )
    )
    result = snakemake(workspace, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert re.search(r"data/studies.csv, row 3, column 'patients': .*'fifty-eight'", output)
    assert re.search(r"data/outcomes.csv, row 15, column 'value': .*17.3", output)
    assert {rule for rule, _ in jobs_run(output)} == {"validate"}  # validation gates the slices and notebooks
    assert digest_tree(workspace / "reports") == before


def test_snakemake_report_attaches_the_briefing(built, tmp_path):
    report = tmp_path / "snakemake-report.html"
    snakemake(built, "--report", str(report))
    text = report.read_text(encoding="utf-8", errors="replace")
    assert "briefing.pdf" in text and "i125.html" in text


# ----------------------------------------------------------------------------- quiet builds (issue 29)
# A seed build printed 94,661 bytes (28 jobs): every job's inputs, outputs and resources, and its
# shell command with 3.5 KB of settings JSON, so that an error drowned. Now one line per job.
BYTES_PER_JOB = 1000  # measured: about 310, with Snakemake's banner and job table


def test_a_build_prints_one_line_per_job_and_its_command_goes_to_the_log(built):
    output = build_output(built).read_text(encoding="utf-8")
    jobs = jobs_run(output)
    once = {"validate", "combine", "briefing_html", "briefing_pdf", "briefing_docx", "references", "audit", "publish"}
    once.add("all")
    per_modality = {"evidence_slice", "modality_notebook", "modality_pdf", "modality_analyses"}
    assert set(jobs) == {(r, None) for r in once} | {(r, m) for r in per_modality for m in MODALITIES}
    assert set(jobs.values()) == {1}
    assert len(output.encode("utf-8")) <= BYTES_PER_JOB * sum(jobs.values()), len(output.encode("utf-8"))
    assert "Shell command" not in output and "timepoint_windows" not in output  # no command, no settings
    log = (built / "logs" / "validate.log").read_text(encoding="utf-8")
    assert log.startswith("$ briefing validate --package data/datapackage.yaml --modalities srs")
    first = log.splitlines()[0]
    assert '--settings {"' in first and '"imprecision": ' in first and '"timepoint_windows": ' in first


# ----------------------------------------------------------------------------- config and data (issue 29)
def test_a_study_of_a_modality_the_config_omits_stops_the_build_at_validation(workspace):
    """Patchell 2005 (PMID 16112300) with its surgery arm in a modality declared in modalities.csv
    but not in the config: the build died in briefing_html with KeyError: 'patchell2005'."""
    before = digest_tree(workspace / "reports")
    data = workspace / "data"
    with open(data / "modalities.csv", "a", encoding="utf-8") as fh:
        fh.write("decompression,Direct decompressive surgery,Decompressive surgery,Surgical decompression.\n")
    add_studies(workspace, {"patchell2005"})
    edit_rows(data / "studies.csv", "patchell2005", modality_id="decompression")
    edit_rows(data / "arms.csv", "patchell2005-surgery", modality_id="decompression")
    result = snakemake(workspace, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "KeyError" not in output
    assert set(jobs_run(output)) == {("validate", None)}  # nothing after validation started
    assert "Error in rule validate" in output
    studies = [r["study_id"] for r in csv.DictReader(open(data / "studies.csv", encoding="utf-8"))]
    row = 2 + studies.index("patchell2005")  # the header is row 1
    problem = f"data/studies.csv, row {row}, column 'modality_id': modality 'decompression' is not in the config's"
    assert problem in output and "add 'decompression' to `modalities:`" in output
    # The end of the job's log ends the output: the problems, not the command or its settings.
    last = (workspace / "logs" / "validate.log").read_text(encoding="utf-8").splitlines()[-1]
    assert last in output.rsplit("Logfile logs/validate.log:", 1)[1]
    assert digest_tree(workspace / "reports") == before
