"""The prespecified outcomes and their GRADE importance (critical, important, of limited
importance), rated before looking at the results and declared in the config (analysis.outcomes),
most important first, as ../shared/BRIEFING.md lists them.

An outcome row of the data belongs to the first prespecified outcome whose domain is its domain
and, where the entry lists `terms`, whose measure or source term contains one of them (toxicity
holds myelitis, fractures and pain flare, which matter differently). A row that belongs to none is
reported as it is, after the prespecified ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

    @property
    def importance_text(self) -> str:
        return LEVELS[self.importance]

    @property
    def critical(self) -> bool:
        return self.importance == "critical"

    def matches(self, o: dict[str, Any]) -> bool:
        if o.get("domain") != self.domain:
            return False
        text = f"{o.get('measure') or ''} {o.get('source_term') or ''}".lower()
        return not self.terms or any(t.lower() in text for t in self.terms)


def prespecified(settings: dict[str, Any] | None) -> list[Prespecified]:
    """The config's list (analysis.outcomes), in its order; empty when the config declares none."""
    return [
        Prespecified(
            id=e["id"],
            label=e["label"],
            domain=e["domain"],
            importance=e["importance"],
            terms=tuple(e.get("terms") or ()),
            order=i,
        )
        for i, e in enumerate((settings or {}).get("outcomes") or [])
    ]


def classify(o: dict[str, Any], outcomes: list[Prespecified]) -> Prespecified | None:
    """The prespecified outcome an outcome row reports, or None."""
    return next((p for p in outcomes if p.matches(o)), None)


def sort_key(p: Prespecified | None, domain_order: int) -> tuple[int, int, int]:
    """Critical before important before limited; within a level, the config's order; rows of no
    prespecified outcome last, in the vocabulary's domain order."""
    if p is None:
        return len(RANK), domain_order, 0
    return RANK[p.importance], p.order, domain_order
