"""Snakemake's directory locks after a build that was killed: the Snakefile clears them before the
workflow runs, when no other build is alive in this folder.

Snakemake writes its locks as files (.snakemake/locks/) and deletes them when it ends; a build
killed with SIGKILL leaves them behind, and the next run refuses to start ("Directory cannot be
locked") until someone runs `snakemake --unlock`. A build also holds an flock on
.snakemake/briefing.lock for as long as its process lives; the kernel drops it when the process
dies, however it dies. So a run that can take the flock knows that no other build is running here,
and that any Snakemake lock left is stale.
"""

from __future__ import annotations

import fcntl
import sys
from pathlib import Path
from typing import IO


def clear_stale_locks(snakemake_dir: str | Path = ".snakemake") -> IO[str] | None:
    """Take the build's flock and delete the Snakemake locks a killed build left. Returns the open
    lock file, which the caller keeps open for as long as it runs; None when another build holds
    the flock (its locks are not stale: Snakemake's own check then refuses this run clearly)."""
    folder = Path(snakemake_dir)
    folder.mkdir(exist_ok=True)
    handle = open(folder / "briefing.lock", "w")  # held open by the caller for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    stale = [p for p in (folder / "locks").glob("*") if p.is_file()]
    for lock in stale:
        lock.unlink()
    if stale:
        print("Removed locks left by an interrupted build.", file=sys.stderr)
    return handle
