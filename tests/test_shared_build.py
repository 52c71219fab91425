"""The session's shared build (tests/conftest.py, `built`): reused only for the same inputs and
only while nothing has changed it; in-process, on small trees made here."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

from conftest import _intact, _prune, digest_tree, inputs_digest


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_an_edit_of_any_build_input_changes_the_key_and_a_cache_file_does_not(tmp_path):
    root = tree(tmp_path, {"Snakefile": "rule all:\n", "data/studies.csv": "a\n", "workflow/briefing/x.py": "1\n"})
    key = inputs_digest(root)
    (root / "workflow" / "briefing" / "__pycache__").mkdir()
    (root / "workflow" / "briefing" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "reports").mkdir()  # build output is not an input
    (root / "reports" / "briefing.html").write_text("<p>")
    assert inputs_digest(root) == key
    (root / "data" / "studies.csv").write_text("b\n")
    assert inputs_digest(root) != key


def test_a_build_someone_changed_is_not_reused(tmp_path):
    project = tree(tmp_path / "project", {"reports/briefing.html": "<p>1</p>", "results/x.json": "{}"})
    (tmp_path / "digest.json").write_text(json.dumps(digest_tree(project)))
    assert _intact(tmp_path)
    (project / "reports" / "briefing.html").write_text("<p>2</p>")
    assert not _intact(tmp_path)
    assert not _intact(tmp_path / "nothing-built-here")


def test_a_build_another_run_uses_is_not_pruned(tmp_path):
    """Another checkout's run (other inputs) prunes the builds nobody uses, never one a run reads:
    a run holds its build's `.use` lock, shared, for the whole session."""
    for key in ("mine", "used", "unused"):
        tree(tmp_path / key / "project", {"reports/briefing.html": key})
        (tmp_path / f"{key}.lock").touch()
    with open(tmp_path / "used.use", "a") as in_use:
        fcntl.flock(in_use, fcntl.LOCK_SH)
        _prune("mine", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["mine", "used"]
