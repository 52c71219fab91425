"""Notebook kernels talk over Unix sockets of their own: two notebook jobs starting at the same
moment cannot pick the same TCP port ("Address already in use" killed a kernel in a test build)."""

from pathlib import Path

import pytest

from briefing.build import notebook

ROOT = Path(__file__).resolve().parents[1]


def test_each_kernel_gets_its_own_sockets():
    manager = notebook._socket_kernel_manager()
    a, b = manager(kernel_name="python3"), manager(kernel_name="python3")
    assert a.transport == b.transport == "ipc"
    assert a.connection_file != b.connection_file
    assert a.ip != b.ip and a.ip.startswith(a.connection_file.removesuffix(".json"))
    assert len(f"{a.ip}-99999") < 100  # a socket path's limit is about 104 characters


def test_a_killed_kernel_is_polled_for_often():
    # The override shortens jupyter_client's wait only while jupyter_client waits through it.
    from jupyter_client.manager import KernelManager

    assert "_async_wait" in vars(KernelManager) and "_async_wait" in vars(notebook._socket_kernel_manager())


def _notebook(path, *sources):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell("x = 1", metadata={"tags": ["parameters"]})] + [new_code_cell(s) for s in sources]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), str(path))
    return path


def _gone(kernel):
    # The process killed, its connection file and sockets removed, the client's channels closed.
    leftovers = [p for p in (kernel.connection_file, *(f"{kernel.ip}-{n}" for n in range(1, 6))) if Path(p).exists()]
    return not kernel.has_kernel and not leftovers and not any(c.channels_running for c in kernel.clients)


def test_the_kernel_started_first_runs_the_notebook_and_is_stopped(tmp_path):
    template = _notebook(tmp_path / "in.ipynb", "print(x * 2)")
    kernel = notebook.start_kernel()
    try:
        executed = notebook.execute(template, tmp_path / "out.ipynb", {"x": 21}, kernel)
    finally:
        notebook.stop_kernel(kernel)
    assert executed.cells[-1].outputs[0]["text"] == "42\n"
    assert _gone(kernel)


def test_a_failing_cell_stops_the_run_and_its_kernel(tmp_path, monkeypatch):
    from papermill.exceptions import PapermillExecutionError

    kernels = []
    start = notebook.start_kernel
    monkeypatch.setattr(notebook, "start_kernel", lambda: kernels.append(start()) or kernels[-1])
    template = _notebook(tmp_path / "in.ipynb", "raise ValueError('no')")
    with pytest.raises(PapermillExecutionError):
        notebook.run(template, tmp_path / "out.ipynb", {"x": 2}, ROOT / "templates" / "nbconvert" / "offline")
    assert "ValueError" in (tmp_path / "out.ipynb").read_text()  # the executed notebook shows where it stopped
    assert _gone(kernels[0])


def test_ctrl_c_during_a_cell_kills_the_kernel_and_ends_the_job(tmp_path):
    """SIGINT (Ctrl-C reaches the job, not the kernel in its session of its own) ends the run at
    once as interrupted, its kernel killed; the build, which waits for its jobs, can then end.
    The cell announces itself with a file, so the signal certainly comes while it runs."""
    import os
    import signal
    import subprocess
    import sys
    import time

    started = tmp_path / "kernel-pid"
    template = _notebook(
        tmp_path / "in.ipynb",
        f"import os, pathlib, time\npathlib.Path({str(started)!r}).write_text(str(os.getpid()))\ntime.sleep(3600)",
    )
    code = (
        "import sys\nfrom briefing.build import notebook\n"
        "notebook.run(sys.argv[1], sys.argv[2], {'x': 2}, sys.argv[3])\n"
    )
    args = [template, tmp_path / "out.ipynb", ROOT / "templates" / "nbconvert" / "offline"]
    env = os.environ | {"PYTHONPATH": str(ROOT / "workflow")}
    job = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600  # only ends a run that hangs
    while not (started.exists() and started.read_text()) and job.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    kernel = int(started.read_text())
    job.send_signal(signal.SIGINT)
    _, stderr = job.communicate(timeout=600)
    assert job.returncode != 0 and "interrupted (SIGINT)" in stderr
    with pytest.raises(ProcessLookupError):
        os.kill(kernel, 0)


def test_ctrl_c_while_the_kernel_starts_stops_it_before_any_cell(tmp_path, monkeypatch):
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers belong to the main thread")
    kernels = []

    def start_then_ctrl_c():
        kernels.append(start())
        os.kill(os.getpid(), signal.SIGINT)  # handled here, at once, by the run's handler
        return kernels[-1]

    start = notebook.start_kernel
    monkeypatch.setattr(notebook, "start_kernel", start_then_ctrl_c)
    ran = tmp_path / "ran"
    template = _notebook(tmp_path / "in.ipynb", f"open({str(ran)!r}, 'w').close()")
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match="interrupted"):
        notebook.run(template, tmp_path / "out.ipynb", {"x": 2}, ROOT / "templates" / "nbconvert" / "offline")
    assert not ran.exists() and _gone(kernels[0])
    assert signal.getsignal(signal.SIGINT) is handler  # Python's own again


# What needs scipy and statsmodels (briefing.stats.meta): something pooled or computed between arms.
COMPUTED = ("pooled_ratios", "computed_comparisons", "computed_differences")


def test_a_modality_with_nothing_to_pool_summarises_without_scipy_or_statsmodels(tmp_path):
    """Their import is 1.5 s of a notebook job's CPU (stats.meta). A seed modality that pools and
    computes nothing must not pay it: pool_stated_ratios imported meta before finding it had
    nothing to pool, so every job paid it."""
    import json
    import subprocess
    import sys

    import yaml

    from briefing.assemble import summary
    from briefing.data import evidence

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    package = ROOT / "data" / "datapackage.yaml"
    plain = []
    for m in config["modalities"]:
        path = tmp_path / f"{m}.json"
        path.write_text(evidence.dumps(evidence.build_slice(package, m, config["analysis"])))
        s = summary.build_summary(json.loads(path.read_text()))
        if not any(p["result"] for p in s["pooled"]) and not any(s[k] for k in COMPUTED):
            plain.append(path)
    assert plain, "some seed modality pools nothing (the test needs one)"
    code = (
        "import sys, json; from briefing.assemble import summary\n"
        "for p in sys.argv[1:]: summary.build_summary(json.loads(open(p).read()))\n"
        "print(sorted(m for m in ('scipy', 'statsmodels', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, *map(str, plain)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"{[p.stem for p in plain]} imported {out.stdout.strip()}"
