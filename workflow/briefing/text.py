"""Wording shared by the modality summaries, the summary-of-findings tables and the combined
briefing: plain text only, no computation, so that combining does not import the plotting stack."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import numbers
from .vocabulary import DESIGNS, DOMAINS, STATISTICS


def design_counts(primary: list[dict[str, Any]]) -> dict[str, int]:
    """Primary studies per design, in the order the designs first occur."""
    return dict(Counter(s["design"] for s in primary))


def design_phrase(design: str, n: int) -> str:
    """ "one cohort study", "45 case series"."""
    entry = DESIGNS[design]
    return f"{count_words(n)} {entry.singular if n == 1 else entry.plural}"


NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def domain_label(domain: str) -> str:
    return DOMAINS[domain].label


def count_words(n: int) -> str:
    return NUMBER_WORDS.get(n, str(n))


def p_text(p: str | None) -> str:
    return numbers.p_value(p)


def lower_first(text: str) -> str:
    """Lower-case the first letter of ordinary words, not of abbreviations (NRS, CT-guided)."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def trajectory_phrase(points: list[dict[str, Any]], with_measure: bool = True) -> str:
    """A repeated measure in one phrase: baseline, lowest point, and last point."""

    def at(o: dict[str, Any]) -> str:
        return f"{numbers.mean_sd(o['value_text'], o.get('sd_text'))} {o['timepoint']}"

    first, last = points[0], points[-1]
    lowest = min(points[1:], key=lambda o: o["value"]) if len(points) > 2 else None
    parts = [at(first)]
    if lowest is not None and lowest is not last:
        parts.append(f"lowest {at(lowest)}")
    parts.append(at(last))
    # How a series' statistic is named beside it ("pain score (mean): ..."); a percentage has none.
    statistic = STATISTICS[first["statistic"]].word if first["statistic"] in STATISTICS else ""
    unit = first.get("unit") or ""
    if unit and unit not in first["measure"]:
        statistic = f"{statistic}, {unit}" if statistic else unit
    p = p_text(last.get("p_value"))
    text = (
        f"{statistic[0].upper() + statistic[1:]}: {', '.join(parts)}"
        if not with_measure
        else f"{lower_first(first['measure'])} ({statistic}): {', '.join(parts)}"
    )
    return text + (f" ({p})" if p else "")
