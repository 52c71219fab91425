"""Figures of a modality summary: SVG from seaborn/matplotlib, each with a text alternative and
the numbers behind it as a table.

The SVG must be byte-identical from build to build and safe to inline next to other figures, so
ids are salted with a constant, the date is dropped, text stays text, and every id is prefixed
with the figure's own id.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#434343"]  # colour-blind distinguishable, dark


def _style() -> None:
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "spinal-briefing",
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.titlesize": 11,
        }
    )


def _to_svg(fig: matplotlib.figure.Figure, figure_id: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inlined in HTML
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{figure_id}-{m.group(1)}"', svg)
    svg = re.sub(r'(url\(#|xlink:href="#|href="#)([^")]+)', lambda m: f"{m.group(1)}{figure_id}-{m.group(2)}", svg)
    return svg


def _study_label(studies: dict[str, dict[str, Any]], study_id: str) -> str:
    return studies.get(study_id, {}).get("short_name", study_id)


def trajectory_figure(figure_id: str, series: list[dict[str, Any]], studies: dict[str, dict[str, Any]], title: str, ylabel: str) -> dict[str, Any]:
    """Mean (or reported summary) at each time point with error bars of ±1 SD where reported."""
    _style()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    rows = []
    for colour, s in zip(PALETTE, series):
        points = s["points"]
        x = [p["time_days"] / 7 for p in points]
        y = [p["value"] for p in points]
        sds = [p["sd"] if p["sd"] is not None else 0 for p in points]
        has_sd = any(p["sd"] is not None for p in points)
        label = _study_label(studies, s["study_id"])
        if not has_sd:
            label += " (summary statistic not stated; no SD)"
        ax.errorbar(x, y, yerr=sds if has_sd else None, marker="o", capsize=3, color=colour, label=label)
        for p in points:
            rows.append(
                {
                    "Study": _study_label(studies, s["study_id"]),
                    "Time point": p["timepoint"],
                    "Value": p["value_text"],
                    "SD": p["sd_text"] or "not reported",
                    "Change from baseline (%), derived": p["change_pct_text"] or "",
                }
            )
    ax.set_xlabel("Weeks after treatment")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title, loc="left")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    alt = _trajectory_alt(series, studies, ylabel)
    return {"id": figure_id, "title": title, "alt": alt, "svg": _to_svg(fig, figure_id), "table": rows}


def _trajectory_alt(series: list[dict[str, Any]], studies: dict[str, dict[str, Any]], ylabel: str) -> str:
    parts = []
    for s in series:
        points = "; ".join(
            f"{p['timepoint']}: {p['value_text']}" + (f" (SD {p['sd_text']})" if p["sd_text"] else "") for p in s["points"]
        )
        parts.append(f"{_study_label(studies, s['study_id'])}: {points}")
    return f"Line chart of {ylabel.lower()} over time. " + ". ".join(parts) + "."


def response_figure(figure_id: str, groups: list[dict[str, Any]], studies: dict[str, dict[str, Any]], estimates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Horizontal bars of each reported response category, with the 95 % CI where computable."""
    _style()
    labels, values, lows, highs, rows = [], [], [], [], []
    for g in groups:
        for c in g["categories"]:
            study = _study_label(studies, g["study_id"])
            labels.append(f"{study}: {c['label']}")
            values.append(c["value"])
            est = estimates.get(c["outcome_id"])
            lows.append(c["value"] - est["ci_low"] * 100 if est else 0)
            highs.append(est["ci_high"] * 100 - c["value"] if est else 0)
            rows.append(
                {
                    "Study": study,
                    "Category (source term)": f"{c['label']} ({c['source_term']})",
                    "Time point": g["timepoint"] or "not stated",
                    "Percent": c["value_text"],
                    "95 % CI": f"{est['ci_low'] * 100:.1f} to {est['ci_high'] * 100:.1f}" if est else "not computable (no denominator)",
                }
            )
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * len(labels)))
    sns.barplot(x=values, y=labels, ax=ax, color=PALETTE[0], orient="h")
    if any(lows) or any(highs):
        ax.errorbar(values, range(len(values)), xerr=[lows, highs], fmt="none", ecolor="black", capsize=3)
    for i, v in enumerate(values):  # the label sits right of the interval, not on it
        ax.text(v + highs[i] + 1.5, i, f"{rows[i]['Percent']} %", va="center", fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Patients or lesions (%)")
    ax.set_ylabel("")
    ax.set_title("Pain response categories as reported", loc="left")
    alt = "Bar chart of pain response categories. " + "; ".join(
        f"{r['Study']}, {r['Category (source term)']}: {r['Percent']} %" for r in rows
    ) + "."
    return {"id": figure_id, "title": "Pain response categories as reported", "alt": alt, "svg": _to_svg(fig, figure_id), "table": rows}
