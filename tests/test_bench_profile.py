"""The profiles: a py-spy profile is summarised by work, not waiting; the PDF measurement makes the
very PDF the build makes of the same print HTML."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from bench.profile import summarise_profile
from conftest import ROOT, workflow_env


def test_profile_summary_counts_work_not_waiting(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        'process 1:"python -m briefing pdf";render_pdf (briefing/present/render.py:140);'
        "layout (weasyprint/layout/block.py:10) 6\n"
        'process 2:"snakemake";<module> (x.py:1);_find_and_load (<frozen importlib._bootstrap>:1) 3\n'
        'process 2:"snakemake";run (threading.py:1);Condition.wait (threading.py:2) 50\n'
        'process 3:"ipykernel_launcher";figure (briefing/present/figures.py:5) 1\n'
    )
    summary = summarise_profile(raw, seconds=10.0)
    assert summary.splitlines()[0] == "10 on-CPU samples (50 idle samples dropped); scaled to 10.0 s of CPU"
    assert "60.0 %    6.0 s  WeasyPrint: layout" in summary
    assert "30.0 %    3.0 s  imports" in summary
    assert "10.0 %    1.0 s  figure rendering (matplotlib, seaborn)" in summary
    assert "60.0 %    6.0 s  python -m briefing pdf" in summary


def test_pdf_measurement_makes_the_builds_own_pdf(built, tmp_path):
    """A modality's PDF, laid out as one document as the build's modality_pdf job does (the
    briefing's own PDF is typeset in parts: present/printed.py)."""
    out = tmp_path / "bench.pdf"
    html = str(built / "results" / "modalities" / "srs" / "print.html")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run"), "--pdf", html, "--pdf-out", str(out)],
        env=workflow_env(built),
        capture_output=True,
        text=True,
        check=True,
    )
    # Digests: pytest's diff of two unequal PDFs' bytes takes many minutes.
    made, built_pdf = out.read_bytes(), (built / "results" / "modalities" / "srs.pdf").read_bytes()
    assert hashlib.sha256(made).hexdigest() == hashlib.sha256(built_pdf).hexdigest()
    import pypdf

    pages = len(pypdf.PdfReader(out).pages)
    assert f", {pages} pages," in result.stdout
    assert "MiB a page); peak" in result.stdout and "Pango layouts" in result.stdout
