"""Where a briefing came from: data checksums, commit, build date and software versions."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from briefing.core.epoch import INPUTS, build_date, build_epoch, git
from briefing.data.evidence import resource_paths
from briefing.present import typesetting

# The libraries whose versions shape the output (numbers, figures, HTML, PDF).
LIBRARIES = (
    "snakemake",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "Jinja2",
    "weasyprint",
    "frictionless",
    "PyYAML",
)


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_checksums(package_path: str | Path) -> dict[str, Any]:
    """A checksum per file and one for the package: the hash of the sorted 'name checksum' lines."""
    package_path = Path(package_path)
    files = {package_path.name: sha256(package_path)}
    for path in resource_paths(package_path).values():
        files[path.name] = sha256(path)
    listing = "".join(f"{name} {digest}\n" for name, digest in sorted(files.items()))
    return {"files": dict(sorted(files.items())), "package": hashlib.sha256(listing.encode()).hexdigest()}


def commit(cwd: str | Path = ".") -> dict[str, Any]:
    sha = git("rev-parse", "HEAD", cwd=cwd)
    if sha is None:
        return {"sha": None, "dirty": None}
    dirty = bool(git("status", "--porcelain", "--", *INPUTS, cwd=cwd))
    return {"sha": sha, "dirty": dirty}


def versions() -> dict[str, str]:
    found = {"Python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def collect(package_path: str | Path, config: dict[str, Any], cwd: str | Path = ".") -> dict[str, Any]:
    epoch = build_epoch(cwd, Path(package_path).parent)
    return {
        "data": data_checksums(package_path),
        "commit": commit(cwd),
        "build_epoch": epoch,
        "build_date": build_date(epoch),
        "versions": versions(),
        "pdf": typesetting.dependencies(),
        "config": config,
    }
