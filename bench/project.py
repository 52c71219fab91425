"""The project a run builds: a fresh copy of the build's inputs, the environment of a build in it,
a one-study edit as an author makes one, and what each rule declares it needs."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bench import COPIED, ROOT

# The build date when the source tree's commit time cannot be read (tests/conftest.py fixes the same).
FALLBACK_EPOCH = "1767225600"  # 2026-01-01
_SOURCE_EPOCH: dict[str, str] = {}  # read once per bench run


def copy_project(target: Path, source: Path = ROOT) -> Path:
    """The build's inputs (pyproject.toml's build-inputs) of `source`, without any output, in `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        path = source / name
        if not path.exists():
            continue
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, target / name)
    return target


def source_epoch() -> str:
    """The source tree's last commit time: the copies are not git checkouts, and without
    SOURCE_DATE_EPOCH their build date would follow the newest data file's time, so that an edit
    made on another day would change the edition's date and re-print every modality's PDF."""
    try:
        stamp = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        stamp = ""
    return stamp if stamp.isdigit() else FALLBACK_EPOCH


def build_env(workdir: Path, bench: bool = False) -> dict[str, str]:
    """A build's environment in `workdir`: this interpreter first on PATH, the copy's own package on
    PYTHONPATH (and, with `bench`, this package after it: the floor and the generator), a fixed
    build date."""
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in env:
        env["SOURCE_DATE_EPOCH"] = _SOURCE_EPOCH.setdefault("value", source_epoch())
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(workdir / "workflow") + (f"{os.pathsep}{ROOT}" if bench else "")
    env.setdefault("MPLCONFIGDIR", str(Path(sys.prefix) / "mplconfig"))
    env.pop("SNAKEMAKE_PROFILE", None)
    return env


def snakemake_cmd(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "snakemake"), *args]


def _read_csv_line(line: str, width: int) -> list[str] | None:
    try:
        cells = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    return cells if len(cells) == width else None


def _edit_candidates(lines: list[str], studies: dict[str, dict[str, str]]) -> list[tuple[int, int, list[str], str]]:
    """(preference, line index, cells, modality) of each outcome row with a plain number: a mean first."""
    header = next(csv.reader([lines[0]]))
    col = {name: i for i, name in enumerate(header)}
    candidates = []
    for index, line in enumerate(lines[1:], start=1):
        cells = _read_csv_line(line, len(header))
        if not cells or not re.fullmatch(r"\d+(\.\d+)?", cells[col["value"]]):
            continue
        modality = studies.get(cells[col["study_id"]], {}).get("modality_id")
        if modality:
            candidates.append((0 if cells[col["statistic"]] == "mean" else 1, index, cells, modality))
    return candidates


def edit_one_study(workdir: Path) -> tuple[str, str, str]:
    """Change one stated figure of one primary study, as an author fixing a typo would: the first
    mean (else any value) in outcomes.csv moves by one unit in its last decimal. Only that
    physical line of the file changes. Returns (outcome_id, study_id, modality_id)."""
    data = workdir / "data"
    with open(data / "studies.csv", encoding="utf-8", newline="") as fh:
        studies = {r["study_id"]: r for r in csv.DictReader(fh)}
    lines = (data / "outcomes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    col = {name: i for i, name in enumerate(next(csv.reader([lines[0]])))}
    candidates = _edit_candidates(lines, studies)
    if not candidates:
        raise RuntimeError("no outcome with a plain numeric value to edit")
    _, index, cells, modality = min(candidates, key=lambda c: (c[0], c[1]))
    value = cells[col["value"]]
    decimals = len(value.split(".")[1]) if "." in value else 0
    step, number = 10**-decimals, float(value)
    unit = cells[col["unit"]]
    upper = 10 if unit in ("NRS 0-10", "VAS 0-10") else 100 if unit == "%" else float("inf")
    number = number + step if number + step <= upper else number - step
    cells[col["value"]] = f"{number:.{decimals}f}"
    if cells[col["statistic"]] == "count" and cells[col["events"]]:
        cells[col["value"]] = cells[col["events"]]  # a count must equal its events: fall back to the note
        cells[col["note"]] = (cells[col["note"]] + " (edited)").strip()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=lines[index][len(lines[index].rstrip("\r\n")) :] or "\n").writerow(cells)
    lines[index] = buffer.getvalue()
    (data / "outcomes.csv").write_text("".join(lines), encoding="utf-8")
    return cells[col["outcome_id"]], cells[col["study_id"]], modality


def _slurm_default_memory(project: Path) -> int | None:
    profile = project / "profiles" / "slurm" / "config.yaml"
    if not profile.is_file():
        return None
    block = re.search(r"(?ms)^default-resources:[ \t]*\n(.*?)(?=^\S|\Z)", profile.read_text(encoding="utf-8"))
    mem = re.search(r"(?m)^\s+mem_mb:\s*(\d+)\s*$", block.group(1)) if block else None
    return int(mem.group(1)) if mem else None


def declared_memory(project: Path) -> dict[str, int | None]:
    """Each rule's declared mem_mb (its `resources:`), else the SLURM profile's default-resources
    mem_mb: what a cluster job is given (SLURM reads --mem in MiB). None where the rule computes
    it (not a plain number) and no default is found. `all` runs nothing."""
    default = _slurm_default_memory(project)
    declared: dict[str, int | None] = {}
    files = sorted((project / "workflow" / "rules").glob("*.smk")) + [project / "Snakefile"]
    for path in files:
        if not path.is_file():
            continue
        for block in re.split(r"(?m)^(?=(?:checkpoint|rule)\s+\w+\s*:)", path.read_text(encoding="utf-8")):
            name = re.match(r"(?:checkpoint|rule)\s+(\w+)\s*:", block)
            if not name or name.group(1) == "all":
                continue
            mem = re.search(r"(?m)^\s+mem_mb\s*=\s*(\S+?),?\s*$", block)
            if mem is None:
                declared[name.group(1)] = default
            else:
                declared[name.group(1)] = int(mem.group(1)) if mem.group(1).isdigit() else None
    return dict(sorted(declared.items()))


def notebook_templates(work: Path) -> str:
    """The folder the modality_notebook rule passes as --templates (common.smk's template_folder of
    NOTEBOOK_TEMPLATE): the common folder of templates/nbconvert/offline's files."""
    files = [p for p in (work / "templates" / "nbconvert" / "offline").rglob("*") if p.is_file()]
    return os.path.relpath(os.path.commonpath([str(p.parent) for p in files]), work)
