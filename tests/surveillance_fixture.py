"""The surveillance sources served from recorded responses (tests/fixtures/surveillance/) by respx:
no network, no waiting (the polite client's clock and sleeper are fakes)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import httpx
import respx

from briefing.surveil import sources

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "tests" / "fixtures" / "surveillance"
# The two recorded runs' dates.
WHEN = {1: dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC), 2: dt.datetime(2026, 11, 9, 6, 0, tzinfo=dt.UTC)}


def project(tmp_path: Path) -> Path:
    """A copy of the data and the saved searches, with no runs yet."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "surveillance").mkdir()
    shutil.copy(ROOT / "surveillance" / "searches.yaml", tmp_path / "surveillance" / "searches.yaml")
    return tmp_path


def serve(router: respx.MockRouter, run: int, fail: set[str] = frozenset()) -> None:
    """Route each source's endpoint to run `run`'s recorded response (or to 503 for those in `fail`)."""

    def answer(name: str, body: str, kind: str) -> httpx.Response:
        if name in fail:
            return httpx.Response(503, text="Service Unavailable")
        if kind == "json":
            return httpx.Response(200, json=json.loads(body))
        return httpx.Response(200, text=body, headers={"Content-Type": "text/xml"})

    def read(name: str) -> str:
        return (RECORDED / name).read_text(encoding="utf-8")

    router.get(f"{sources.EUTILS}/esearch.fcgi").mock(
        return_value=answer("pubmed", read(f"pubmed_esearch_{run}.json"), "json")
    )
    router.get(f"{sources.EUTILS}/efetch.fcgi").mock(
        return_value=answer("pubmed", read(f"pubmed_efetch_{run}.xml"), "xml")
    )
    router.get(sources.EUROPEPMC).mock(return_value=answer("europepmc", read(f"europepmc_{run}.json"), "json"))
    router.get(sources.CTGOV).mock(return_value=answer("clinicaltrials", read(f"clinicaltrials_{run}.json"), "json"))


class Clock:
    """A fake monotonic clock that the fake sleeper advances: the rate limit is kept, in no time."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(clock: Clock | None = None) -> sources.Polite:
    clock = clock or Clock()
    return sources.Polite(httpx.Client(), per_second=3.0, clock=clock, sleep=clock.sleep)


def run(root: Path, number: int, fail: set[str] = frozenset()) -> dict:
    """`make surveil` in-process against recorded run `number`."""
    from briefing.surveil import surveillance_run

    with respx.mock(assert_all_called=False) as router:
        serve(router, number, fail)
        return surveillance_run.surveil(
            root / "surveillance" / "searches.yaml",
            root / "surveillance",
            root / "data" / "datapackage.yaml",
            client(),
            lambda: WHEN[number],
            ROOT / "templates",
        )
