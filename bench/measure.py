"""One command's cost: wall time around the process, CPU time of the whole tree (os.wait4), peak
memory as the largest sum of RSS over the tree (psutil, every 0.2 s) and the root's own RSS (for a
build, Snakemake's). What each job of a build cost comes from Snakemake itself (jobs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

if TYPE_CHECKING:
    from bench.floor import PhaseMark
    from bench.jobs import JobRecord


class RunExtra(TypedDict, total=False):
    """What a run measured beside its times, by the scenario that ran it (scenarios.py). Read back
    from --json, tuples are lists."""

    root_mib: float  # the root process's own peak (measure)
    jobs: list[JobRecord]  # a build's: each job's benchmark file
    ran: list[tuple[str, str | None]]  # a build's: (rule, modality wildcard) of each job its log names
    totals: dict[str, int]  # a build's: rule -> the jobs it planned
    edited: tuple[str, str, str]  # a one-study edit's: (outcome_id, study_id, modality_id)
    counts: str  # a scale build's: the row counts of its synthetic package, as printed
    phases: list[PhaseMark]  # the floor's
    durations: dict[str, float]  # the floor's: phase -> seconds
    summaries_done: int
    modality_pdfs_done: int
    modalities: int  # a scale floor's
    studies: int  # a notebook's: the studies of its evidence slice
    modality: str  # a notebook's


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    returncode: int
    capped: bool = False
    output: str = ""
    extra: RunExtra = field(default_factory=RunExtra)


class Watch:
    """Polls a process tree in a thread: the largest RSS sum, the root's largest RSS, and each
    process's CPU seconds (for a capped run, whose killed descendants are not all reaped)."""

    def __init__(self, pid: int, poll: float):
        self.pid, self.poll = pid, poll
        self.peak = self.root_peak = 0
        self.cpu_seen: dict[int, float] = {}
        self.stopping, self.capped = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def tree(self) -> list[Any]:
        import psutil

        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self) -> None:
        import psutil

        total = 0
        for p in self.tree():
            try:
                with p.oneshot():
                    rss, times = p.memory_info().rss, p.cpu_times()
            except psutil.Error:
                continue
            self.cpu_seen[p.pid] = times.user + times.system
            total += rss
            if p.pid == self.pid:
                self.root_peak = max(self.root_peak, rss)
        self.peak = max(self.peak, total)

    def loop(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.poll)

    def kill(self) -> None:
        """Stop the run and every process it started (by pid: kernels leave the session)."""
        import psutil

        self.capped.set()
        procs = self.tree()
        for p in procs:
            try:
                p.send_signal(signal.SIGTERM)
            except psutil.Error:
                pass
        # Only the descendants are waited for here: waiting for the root would reap it, and
        # os.wait4 in measure() needs to (its rusage is the CPU time of the run).
        _, alive = psutil.wait_procs(procs[1:], timeout=5)
        for p in alive + procs[:1]:
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    p.kill()
            except psutil.Error:
                pass


def measure(cmd: list[str], cwd: Path, env: dict[str, str], cap: float | None = None, poll: float = 0.2) -> Run:
    """Run `cmd` (stopped after `cap` seconds, if given): its wall time, the CPU time of the whole
    tree, the peak RSS sum of the tree, and the root's own peak (extra["root_mib"])."""
    out = tempfile.TemporaryFile(mode="w+b")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    watch = Watch(proc.pid, poll)
    watch.thread.start()
    timer = threading.Timer(cap, watch.kill) if cap else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if timer:
        timer.cancel()
    watch.stopping.set()
    watch.thread.join()
    out.seek(0)
    text = out.read().decode("utf-8", errors="replace")
    out.close()
    cpu = usage.ru_utime + usage.ru_stime
    if watch.capped.is_set():  # killed descendants are not all reaped by their parents: take the polled sum too
        cpu = max(cpu, sum(watch.cpu_seen.values()))
    peak = max(watch.peak, usage.ru_maxrss * 1024) / 2**20
    extra: RunExtra = {"root_mib": round(watch.root_peak / 2**20, 1)}
    return Run(wall, cpu, peak, proc.returncode, watch.capped.is_set(), text, extra)
