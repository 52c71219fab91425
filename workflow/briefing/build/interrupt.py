"""Ctrl-C in a step. The terminal sends SIGINT to Snakemake and its jobs; Snakemake then waits for
the running jobs to end, so a job that misses the signal holds the whole build.

Python turns SIGINT into a KeyboardInterrupt raised wherever the main thread is, and in a few
places (a weak reference's callback, as importlib's module locks use) that exception is printed
and dropped: a notebook job interrupted while importing went on, started its kernel and waited
in a cell for ever (seen in the fault tests under load). So the command line records the signal
from its first line (`install`), and a notebook run, which holds a kernel that the signal does
not reach (jupyter_client starts it in a session of its own), kills its kernel instead of raising
(`stops_kernel`): papermill, seeing its kernel dead, then ends as a failure that unwinds normally.
An exception raised half-way through pyzmq's making of a socket had also left the job waiting for
ever to close it."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_received = False  # a SIGINT came, even if the KeyboardInterrupt it raised was dropped


def _record(signum: int, frame: Any) -> None:
    global _received
    _received = True
    raise KeyboardInterrupt


def install() -> None:
    """Ctrl-C raises KeyboardInterrupt as usual, and is remembered (see `received`)."""
    signal.signal(signal.SIGINT, _record)


def received() -> bool:
    """Whether a SIGINT came since `install`, whatever became of its KeyboardInterrupt."""
    return _received


class Kernel:
    """The kernel a notebook run holds (`manager`, its jupyter_client kernel manager) and what
    SIGINT does while it is held: the kernel is killed, nothing is raised."""

    def __init__(self) -> None:
        self.manager: Any = None
        self.interrupted = False

    def __call__(self, signum: int, frame: Any) -> None:
        global _received
        if self.interrupted:  # a second Ctrl-C: at once
            raise KeyboardInterrupt
        self.interrupted = _received = True
        self.kill()

    def hold(self, manager: Any) -> Any:
        """Hold the kernel `manager` has just started; killed at once if Ctrl-C came first."""
        self.manager = manager
        self.kill()
        return manager

    def kill(self) -> None:
        pid = getattr(getattr(self.manager, "provisioner", None), "pid", None)
        if self.interrupted and pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@contextmanager
def stops_kernel() -> Iterator[Kernel]:
    """Within: SIGINT kills the kernel held (see `Kernel`); once the block has cleaned up, an
    interrupted run raises KeyboardInterrupt, so the job ends as interrupted. Signal handlers
    belong to the main thread: in another thread (a test calling the run from a thread) Python's
    default stays."""
    kernel = Kernel()
    if threading.current_thread() is not threading.main_thread():
        yield kernel
        return
    if _received:  # its KeyboardInterrupt was dropped before the run: no kernel, no cell
        raise KeyboardInterrupt("interrupted (SIGINT) before the notebook ran")
    previous = signal.signal(signal.SIGINT, kernel)
    try:
        yield kernel
    finally:
        signal.signal(signal.SIGINT, previous)
        if kernel.interrupted:
            raise KeyboardInterrupt("interrupted (SIGINT): the notebook's kernel was stopped")
