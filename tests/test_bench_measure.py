"""One command's cost as measure() reads it: a process tree's peak memory is the sum over its
processes, its CPU time counts the children, and a run over its cap is stopped, children and all."""

from __future__ import annotations

import sys
import textwrap

from bench.measure import measure

# A parent holding 60 MiB that starts a child holding 80 MiB, both alive together for a while.
TREE = textwrap.dedent(
    """
    import subprocess, sys, time
    held = bytearray(60 * 2**20)
    child = subprocess.Popen([sys.executable, "-c",
        "import time; held = bytearray(80 * 2**20); t = time.process_time()\\n"
        "while time.process_time() - t < 0.4: pass\\n"
        "time.sleep(0.8)"])
    child.wait()
    """
)


def test_peak_memory_adds_up_the_tree_and_cpu_counts_the_children(tmp_path):
    run = measure([sys.executable, "-c", TREE], tmp_path, {}, poll=0.05)
    assert run.returncode == 0 and not run.capped
    assert run.peak_mib >= 140  # both processes' pages, held at once
    assert run.extra["root_mib"] >= 60 and run.extra["root_mib"] < 140  # the root's own, apart
    assert run.cpu >= 0.4 and run.wall >= 0.8


def test_a_run_over_its_cap_is_stopped_with_its_children(tmp_path):
    sleeper = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])"
    run = measure([sys.executable, "-c", sleeper], tmp_path, {}, cap=1.0, poll=0.05)
    assert run.capped and run.returncode != 0 and run.wall < 30
