"""The scheduled surveillance workflow (.github/workflows/surveil.yml), as far as it runs without
GitHub and the network: actionlint passes it; what it runs, `make surveil`, is the Snakemake target
outside `rule all` whose command runs here against the recorded responses; and it proposes exactly
the run records and the queue."""

from __future__ import annotations

import shutil

import pytest
import respx
import yaml
from surveillance_fixture import client, project, serve
from test_publishing import run_actionlint

from briefing import cli
from briefing.surveil import surveillance
from conftest import ROOT, snakemake

WORKFLOW = ROOT / ".github" / "workflows" / "surveil.yml"


def steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["surveil"]["steps"]


def test_actionlint_passes_on_the_surveillance_workflow():
    result = run_actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_weekly_and_by_hand_and_proposes_the_runs_and_the_queue():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    on = workflow.get("on", workflow.get(True))
    assert on["schedule"][0]["cron"].endswith("* * 1") and "workflow_dispatch" in on
    assert [s.get("run") for s in steps() if "run" in s] == ["make surveil"]
    pull = next(s for s in steps() if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert pull["with"]["add-paths"].split() == [
        "surveillance/runs/*.json",
        "surveillance/queue.csv",
        "surveillance/queue.html",
    ]


@pytest.mark.e2e  # runs Snakemake (two dry runs)
def test_make_surveil_is_a_target_outside_rule_all(tmp_path):
    shutil.copytree(
        ROOT,
        tmp_path / "p",
        ignore=shutil.ignore_patterns(".git", "results", "reports", ".snakemake", "logs", "__pycache__", "tests"),
    )
    dry = snakemake(tmp_path / "p", "-n", "surveil").stdout
    assert "surveil" in dry and "combine" not in dry
    assert "surveil" not in snakemake(tmp_path / "p", "-n").stdout.split("Job stats:")[-1]
    assert (
        "surveil:" in (ROOT / "Makefile").read_text()
        and "snakemake --cores 1 $(SNAKEMAKE_ARGS) surveil" in (ROOT / "Makefile").read_text()
    )


def test_the_workflows_command_runs_against_the_recorded_responses(tmp_path, monkeypatch, capsys):
    """The rule's command, `briefing surveil`, with the real client (httpx), the sources served by respx."""
    root = project(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setattr("briefing.surveil.sources.polite_client", lambda **kwargs: client())  # no real waits
    with respx.mock(assert_all_called=False) as router:
        serve(router, 1)
        assert cli.main(["surveil", "--templates", str(ROOT / "templates")]) == 0
    out = capsys.readouterr().out
    assert out.count(": complete") == 3 and "5 new record(s) queued in surveillance/queue.csv" in out
    assert len(surveillance.read_queue(root / "surveillance" / "queue.csv")) == 5
