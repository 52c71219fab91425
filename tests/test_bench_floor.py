"""The floor makes what the build makes, in one process: each modality's slice, print HTML and audit
byte for byte, its PDF, and the briefing's audit."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.floor import phase_durations
from bench.project import build_env, copy_project
from conftest import ROOT, workflow_env


def test_the_floor_prints_and_audits_each_modality_as_the_build_does(built, tmp_path):
    work = copy_project(tmp_path / "project", ROOT)
    phases = tmp_path / "phases.jsonl"
    env = workflow_env(work) | {"PYTHONPATH": build_env(work, bench=True)["PYTHONPATH"]}
    subprocess.run(
        [sys.executable, "-m", "bench.floor", str(work), str(phases)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    marks = [json.loads(line) for line in phases.read_text().splitlines()]
    names = [m["phase"] for m in marks]
    modalities = sorted(p.stem for p in (built / "results" / "evidence").glob("*.json"))
    assert names.count("modality_pdfs") == len(modalities) and names[-1] == "audit"
    assert names.index("pdf") < names.index("modality_pdfs")
    for m in modalities:
        for name in (f"evidence/{m}.json", f"modalities/{m}/print.html", f"modalities/{m}/audit.json"):
            assert (work / "results" / name).read_bytes() == (built / "results" / name).read_bytes(), name
        assert (work / "results" / "modalities" / f"{m}.pdf").is_file()
    assert json.loads((work / "results" / "audit.json").read_text()) == json.loads(
        (built / "results" / "audit.json").read_text()
    )
    durations = phase_durations(marks)
    assert set(durations) == set(names[1:]) and all(d >= 0 for d in durations.values())
