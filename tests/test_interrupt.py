"""Ctrl-C in a step is never lost: Python can drop the KeyboardInterrupt a SIGINT raises (in a
weak reference's callback or a __del__, as importlib's module locks use), and a notebook job that
dropped it went on and held the build for ever. The command line records the signal itself."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from briefing.build import interrupt

ROOT = Path(__file__).resolve().parents[1]
# An object whose __del__ sends the process SIGINT: Python prints the KeyboardInterrupt raised
# there ("Exception ignored in ...") and goes on, as it does in importlib's module-lock callbacks.
DROPPED = "import os, signal\nclass Dropped:\n    def __del__(self):\n        os.kill(os.getpid(), signal.SIGINT)\n"


def python(code: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT / "workflow")}
    return subprocess.run([sys.executable, "-c", DROPPED + code], env=env, capture_output=True, text=True, timeout=600)


def test_a_sigint_whose_keyboardinterrupt_python_drops_is_still_received():
    result = python(
        "from briefing.build import interrupt\ninterrupt.install()\nDropped()\nprint('went on', interrupt.received())\n"
    )
    assert "KeyboardInterrupt" in result.stderr  # dropped: "Exception ignored in ... __del__"
    assert result.stdout == "went on True\n"


def test_the_command_line_exits_130_after_a_dropped_sigint():
    result = python(
        "import runpy, sys\n"
        "sys.argv = ['briefing', '--help']\n"
        "import briefing.build.interrupt as i\n"
        "real = i.install\n"
        "def install():\n"  # the signal comes, and is dropped, just after the command line's first line
        "    real(); Dropped()\n"
        "i.install = install\n"
        "runpy.run_module('briefing', run_name='__main__')\n"
    )
    assert "usage:" in result.stdout  # the command went on ...
    assert result.returncode == 130  # ... and still ends as interrupted


def test_a_notebook_run_after_a_dropped_sigint_starts_no_kernel(monkeypatch):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers belong to the main thread")
    monkeypatch.setattr(interrupt, "_received", True)
    with pytest.raises(KeyboardInterrupt, match="before the notebook ran"), interrupt.stops_kernel() as held:
        held.hold(pytest.fail("no kernel is started"))
