"""Locks a killed build left are cleared, and only when no other build holds the build's flock.
tests/test_faults.py kills real builds; these are the two cases on a folder of their own."""

from __future__ import annotations

import fcntl

from briefing.build.locks import clear_stale_locks


def stale_lock(folder):
    locks = folder / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    lock = locks / "0.input.lock"
    lock.write_text("data/outcomes.csv\n")
    return lock


def test_locks_left_behind_are_removed_when_no_build_runs(tmp_path, capsys):
    lock = stale_lock(tmp_path)
    handle = clear_stale_locks(tmp_path / ".snakemake")
    try:
        assert handle is not None and not lock.exists()
        assert "Removed locks left by an interrupted build" in capsys.readouterr().err
    finally:
        handle.close()


def test_the_locks_of_a_running_build_are_kept(tmp_path):
    lock = stale_lock(tmp_path)
    with open(tmp_path / ".snakemake" / "briefing.lock", "w") as running:  # another build's flock
        fcntl.flock(running, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert clear_stale_locks(tmp_path / ".snakemake") is None
        assert lock.exists()
    handle = clear_stale_locks(tmp_path / ".snakemake")  # that build has ended
    assert handle is not None and not lock.exists()
    handle.close()
