"""The prespecified outcomes and their GRADE importance (critical, important, of limited
importance), rated before looking at the results and declared in the config (analysis.outcomes),
most important first, as ../shared/BRIEFING.md lists them.

An outcome row of the data belongs to the first prespecified outcome whose domain is its domain
and, where the entry lists `terms`, whose measure or source term contains one of them (toxicity
holds myelitis, fractures and pain flare, which matter differently). A row that belongs to none is
reported as it is, after the prespecified ones. An entry that lists `events` (harm or benefit)
takes only rows whose events are of that kind (vocabulary.event_kind): "able to walk" is never filed
under neurological deterioration. An entry that lists `modalities` is prespecified for those
modalities only (each modality's own harms: perioperative mortality for surgery, haematological
toxicity for radionuclides); `for_modality` cuts the list for one modality's evidence slice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from briefing.core.vocabulary import event_kind

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Outcome

LEVELS = {"critical": "critical", "important": "important", "limited": "of limited importance"}
RANK = {level: i for i, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Prespecified:
    id: str
    label: str
    domain: str
    importance: str
    terms: tuple[str, ...] = ()
    order: int = 0
    events: str = ""
    modalities: tuple[str, ...] = ()

    @property
    def importance_text(self) -> str:
        return LEVELS[self.importance]

    @property
    def critical(self) -> bool:
        return self.importance == "critical"

    @property
    def scope_text(self) -> str:
        """ "" for every modality, else " (surgery only)" with the modalities' ids."""
        return f" ({', '.join(self.modalities)} only)" if self.modalities else ""

    def matches(self, o: Mapping[str, Any]) -> bool:
        if o.get("domain") != self.domain:
            return False
        if self.events and event_kind(o) != self.events:
            return False
        text = f"{o.get('measure') or ''} {o.get('source_term') or ''}".lower()
        return not self.terms or any(t.lower() in text for t in self.terms)


def prespecified(settings: AnalysisSettings | None) -> list[Prespecified]:
    """The config's list (analysis.outcomes), in its order; empty when the config declares none."""
    return [
        Prespecified(
            id=e["id"],
            label=e["label"],
            domain=e["domain"],
            importance=e["importance"],
            terms=tuple(e.get("terms") or ()),
            order=i,
            events=e.get("events") or "",
            modalities=tuple(e.get("modalities") or ()),
        )
        for i, e in enumerate((settings or {}).get("outcomes") or [])
    ]


def for_modality(settings: AnalysisSettings | None, modality_id: str) -> AnalysisSettings:
    """The analysis settings as one modality's slice carries them: the prespecified outcomes that
    apply to it (an entry without `modalities` applies to all). A change to another modality's
    outcomes leaves this slice, and so its build, as it was."""
    chosen = cast("AnalysisSettings", dict(settings or {}))  # a copy: the config's own list stays whole
    if "outcomes" in chosen:
        chosen["outcomes"] = [
            e for e in chosen["outcomes"] if not e.get("modalities") or modality_id in e["modalities"]
        ]
    return chosen


def with_event(c: dict[str, Any], outcomes: list[Outcome]) -> dict[str, Any]:
    """A stated comparison with the event kind its study's figures of the same measure declare
    (comparisons.csv has no `event` column): Patchell's OR for walking is a benefit, not a harm."""
    kinds = [o.get("event") for o in outcomes if (o["study_id"], o["measure"]) == (c["study_id"], c["measure"])]
    return c if c.get("event") else c | {"event": next((k for k in kinds if k), None)}


def classify(o: Mapping[str, Any], outcomes: list[Prespecified]) -> Prespecified | None:
    """The prespecified outcome a row reports, or None: any row with a domain and a measure (an
    outcome, a stated comparison, a summary-of-findings row, a pooled result's domain and label),
    its source term and event where it has them."""
    return next((p for p in outcomes if p.matches(o)), None)


def sort_key(p: Prespecified | None, domain_order: int) -> tuple[int, int, int]:
    """Critical before important before limited; within a level, the config's order; rows of no
    prespecified outcome last, in the vocabulary's domain order."""
    if p is None:
        return len(RANK), domain_order, 0
    return RANK[p.importance], p.order, domain_order
