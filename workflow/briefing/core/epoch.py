"""A build's date: SOURCE_DATE_EPOCH, else the last commit of its inputs. Read by the provenance
record and by the PDF's fonts (typesetting.py), which stamp it, so it sits below both."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

# Inputs whose last commit dates the build when SOURCE_DATE_EPOCH is not set.
INPUTS = ("data", "config", "notebooks", "templates", "workflow", "Snakefile", "surveillance")


def git(*args: str, cwd: str | Path = ".") -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def build_epoch(cwd: str | Path = ".", data_dir: str | Path = "data") -> int:
    """SOURCE_DATE_EPOCH if set; else the time of the last commit touching the inputs; else the
    newest data file's modification time. Never the wall clock, so rebuilds are identical."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    stamp = git("log", "-1", "--format=%ct", "--", *INPUTS, cwd=cwd)
    if stamp:
        return int(stamp)
    return int(max(p.stat().st_mtime for p in Path(data_dir).iterdir() if p.is_file()))


def build_date(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%d")
