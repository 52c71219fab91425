"""Figures of a modality summary: SVG from matplotlib in seaborn's whitegrid theme, each with a text alternative and
the numbers behind it as a table.

The SVG must be byte-identical from build to build and safe to inline next to other figures, so
ids are salted with a constant, the date is dropped, text stays text, and every id is prefixed
with the figure's own id.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from typing import Any

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

from . import figure_tables as tables  # noqa: E402

PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#434343"]  # colour-blind distinguishable, dark
# Readability limits: a legend of more studies than this is unreadable, and a figure of more rows
# than these would not fit one A4 page of the PDF; larger evidence is drawn in parts ("continued").
LEGEND_MAX = 8
BARS_PER_PART = 40
FOREST_ROWS_PER_PART = 35


# What seaborn.set_theme(style="whitegrid", context="notebook", palette=PALETTE) sets, as plain
# rcParams: importing seaborn (and the scipy.stats it loads) to set them cost every notebook
# kernel about a second and 65 MB (bench/RESULTS.md). tests/test_figures.py checks this against
# seaborn itself; only seaborn's default colormap ("rocket", for images we never draw) is left out.
SEABORN_WHITEGRID = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12.0,
    "axes.linewidth": 1.25,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.titlesize": 12.0,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.0,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 11.0,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.labelsize": 11.0,
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}


def _style() -> None:
    matplotlib.rcParams.update(SEABORN_WHITEGRID)
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


def trajectory_figure(
    figure_id: str, series: list[dict[str, Any]], studies: dict[str, dict[str, Any]], title: str, ylabel: str
) -> dict[str, Any]:
    """Mean (or reported summary) at each time point with error bars of ±1 SD where reported."""
    _style()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    crowded = len(series) > LEGEND_MAX
    for colour, s in zip(itertools.cycle(PALETTE), series):  # every study, colours repeat
        points = s["points"]
        x = [p["time_days"] / 7 for p in points]
        y = [p["value"] for p in points]
        sds = [p["sd"] if p["sd"] is not None else 0 for p in points]
        has_sd = any(p["sd"] is not None for p in points)
        label = tables.study_label(studies, s["study_id"])
        if not has_sd:
            label += " (summary statistic not stated; no SD)"
        if crowded:  # one thin line per study: the shape of the evidence, the numbers in the table
            ax.plot(x, y, marker="o", markersize=2, linewidth=0.8, alpha=0.45, color=PALETTE[0])
        else:
            ax.errorbar(x, y, yerr=sds if has_sd else None, marker="o", capsize=3, color=colour, label=label)
    ax.set_xlabel("Weeks after treatment")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if crowded:
        ax.set_title(f"{title}: one line per study, values in the table", loc="left")
    else:
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    rows = tables.trajectory_table(series, studies)
    return {
        "id": figure_id,
        "title": title,
        "alt": tables.trajectory_alt(series, studies, ylabel),
        "svg": _to_svg(fig, figure_id),
        "table": rows,
        "columns": list(rows[0]),
    }


def response_figures(
    figure_id: str,
    groups: list[dict[str, Any]],
    studies: dict[str, dict[str, Any]],
    estimates: dict[str, dict[str, Any]],
    title: str = "Response categories as reported",
) -> list[dict[str, Any]]:
    """The response chart, in parts of at most BARS_PER_PART bars; a study's categories stay together."""
    parts: list[list[dict[str, Any]]] = [[]]
    for g in groups:
        if parts[-1] and sum(len(x["categories"]) for x in parts[-1]) + len(g["categories"]) > BARS_PER_PART:
            parts.append([])
        parts[-1].append(g)
    return _parts(
        figure_id,
        [
            response_figure(_part_id(figure_id, i), part, studies, estimates, continued=i > 0, title=title)
            for i, part in enumerate(parts)
        ],
    )


def _part_id(figure_id: str, index: int) -> str:
    return figure_id if index == 0 else f"{figure_id}-cont{index}"


def _parts(figure_id: str, figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts of one figure, each naming the figure it belongs to (the first keeps its id)."""
    return [f | {"part_of": figure_id} for f in figures]


def response_figure(
    figure_id: str,
    groups: list[dict[str, Any]],
    studies: dict[str, dict[str, Any]],
    estimates: dict[str, dict[str, Any]],
    continued: bool = False,
    title: str = "Response categories as reported",
) -> dict[str, Any]:
    """Horizontal bars of each reported response category, with the 95 % CI where computable."""
    _style()
    title += " (continued)" if continued else ""
    labels = tables.response_labels(groups, studies)
    rows = tables.response_table(groups, studies, estimates)
    values, lows, highs = _response_bars(groups, estimates)
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * len(labels)))
    # Bars at explicit positions: a categorical bar plot would merge two rows that share a label
    # (two studies with one short name) and shift every interval below them.
    positions = list(range(len(values)))
    ax.barh(positions, values, color=PALETTE[0], height=0.8)
    if any(lows) or any(highs):
        ax.errorbar(values, positions, xerr=[lows, highs], fmt="none", ecolor="black", capsize=3)
    for i, v in enumerate(values):  # the label sits right of the interval, not on it
        ax.text(v + highs[i] + 1.5, i, tables.bar_label(rows[i]), va="center", fontsize=9)
    ax.set_yticks(positions, labels)
    ax.set_ylim(len(values) - 0.5, -0.5)  # first row at the top, no empty band
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Patients or lesions (%)")
    ax.set_ylabel("")
    ax.set_title(title, loc="left")
    return {
        "id": figure_id,
        "title": title,
        "alt": tables.response_alt(rows),
        "svg": _to_svg(fig, figure_id),
        "table": rows,
        "columns": list(rows[0]),
    }


def _response_bars(
    groups: list[dict[str, Any]], estimates: dict[str, dict[str, Any]]
) -> tuple[list[float], list[float], list[float]]:
    """Each bar's length and how far its interval reaches below and above it (0 without one)."""
    values, lows, highs = [], [], []
    for c in (c for g in groups for c in g["categories"]):
        est = estimates.get(c["outcome_id"])
        values.append(c["value"])
        # max(0, ...): at 0 % or 100 % the interval bound equals the value up to rounding
        lows.append(max(0.0, c["value"] - est["ci_low"] * 100) if est else 0)
        highs.append(max(0.0, est["ci_high"] * 100 - c["value"]) if est else 0)
    return values, lows, highs


def forest_figures(
    figure_id: str, title: str, rows: list[dict[str, Any]], pooled: dict[str, Any], scale: str
) -> list[dict[str, Any]]:
    """The forest plot, in parts of at most FOREST_ROWS_PER_PART studies on one shared axis; every
    part repeats the pooled result of all studies so that each can be read alone."""
    if len(rows) <= FOREST_ROWS_PER_PART:
        return _parts(figure_id, [forest_figure(figure_id, title, rows, pooled, scale)])
    xlim = None
    if scale != "proportion":
        ends = [v for r in rows for v in (r["ci_low"], r["ci_high"])]
        ends += [v for v in (pooled["ci_low"], pooled["ci_high"], pooled["pi_low"], pooled["pi_high"]) if v is not None]
        margin = 0.05 * (max(ends) - min(ends) or 1)
        xlim = (min(ends) - margin, max(ends) + margin)
    count = math.ceil(len(rows) / FOREST_ROWS_PER_PART)
    bounds = [round(i * len(rows) / count) for i in range(count + 1)]  # parts of even length
    chunks = [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return _parts(
        figure_id,
        [
            forest_figure(
                _part_id(figure_id, i), title, chunk, pooled, scale, continued=i > 0, xlim=xlim, all_studies=len(rows)
            )
            for i, chunk in enumerate(chunks)
        ],
    )


def forest_figure(
    figure_id: str,
    title: str,
    rows: list[dict[str, Any]],
    pooled: dict[str, Any],
    scale: str,
    continued: bool = False,
    xlim: tuple[float, float] | None = None,
    all_studies: int | None = None,
) -> dict[str, Any]:
    """A forest plot in the field's standard form: one row per study (estimate, 95 % CI, marker
    sized by weight) with the numbers in columns beside it, the pooled diamond, the prediction
    interval, and heterogeneity underneath. `scale` is "proportion" (axis 0 to 1, never beyond)
    or "mean". Height grows with the number of studies so 1 to 200 rows stay legible.

    rows: dicts with label, estimate, ci_low, ci_high, weight (percent), n_text.
    pooled: PooledResult.to_dict() of the REML model.
    """
    _style()
    k = len(rows)
    if continued:
        title += " (continued)"
    table = tables.forest_table(rows, pooled, scale, all_studies)  # every number the plot prints
    heterogeneity = tables.heterogeneity(pooled)
    fig, (left, ax, right), height = _forest_canvas(k)
    ys = list(range(k + 2, 2, -1))  # studies from the top; pooled at 1.5, prediction at 0.5
    _forest_marks(ax, rows, ys, tables.forest_pooled(pooled, scale))
    _forest_axis(ax, scale, xlim, k)
    _forest_columns(left, right, table, ys + [1.5, 0.5], k)
    fig.text(0.0, 0.12 / height, heterogeneity, fontsize=9, ha="left", va="bottom")
    fig.text(0.0, 1 - 0.15 / height, title, fontsize=11, ha="left", va="top")
    return {
        "id": figure_id,
        "title": title,
        "alt": tables.forest_alt(table, heterogeneity, k, all_studies),
        "svg": _to_svg(fig, figure_id),
        "table": table,
        "columns": list(table[0]),
        "heterogeneity": heterogeneity,
    }


def _forest_canvas(k: int) -> tuple[matplotlib.figure.Figure, tuple[Any, Any, Any], float]:
    """The figure and its three panels (study and n, the plot, estimate and weight), in fixed
    sizes in inches, so the spacing of rows, axis and footer is the same for 1 or 200 studies."""
    row_area = 0.24 * (k + 3)
    top, axis_band, footer_band = 0.45, 0.55, 0.35
    height = top + row_area + axis_band + footer_band
    fig = plt.figure(figsize=(8.6, height))
    bottom = (axis_band + footer_band) / height
    rows_h = row_area / height
    left = fig.add_axes((0.0, bottom, 0.30, rows_h))
    ax = fig.add_axes((0.31, bottom, 0.34, rows_h))
    right = fig.add_axes((0.66, bottom, 0.34, rows_h))
    return fig, (left, ax, right), height


def _forest_marks(ax: Any, rows: list[dict[str, Any]], ys: list[int], pooled: dict[str, float | None]) -> None:
    """Each study's square and interval, the pooled diamond and the prediction interval."""
    max_weight = max(r["weight"] for r in rows)
    for y, r in zip(ys, rows, strict=False):
        ax.plot([r["ci_low"], r["ci_high"]], [y, y], color="black", linewidth=1)
        ax.scatter([r["estimate"]], [y], marker="s", s=15 + 120 * r["weight"] / max_weight, color=PALETTE[0], zorder=3)
    est, low, high = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    ax.fill([low, est, high, est], [1.5, 1.8, 1.5, 1.2], color=PALETTE[1], zorder=3)
    if pooled["pi_low"] is not None:
        ax.plot([pooled["pi_low"], pooled["pi_high"]], [0.5, 0.5], color=PALETTE[1], linewidth=2)
    ax.axvline(est, color=PALETTE[1], linestyle=":", linewidth=1)


def _forest_axis(ax: Any, scale: str, xlim: tuple[float, float] | None, k: int) -> None:
    ax.set_ylim(-0.2, k + 3)
    if scale == "proportion":
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
        ax.set_xticklabels(["0", "25", "50", "75", "100"])
        ax.set_xlabel("Proportion (%)")
    else:
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_xlabel("Mean")
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)


def _forest_columns(left: Any, right: Any, table: list[dict[str, str]], ys: list[float], k: int) -> None:
    """The table drawn beside the plot at each row's height: study and n on the left, estimate
    and weight on the right; the pooled row (the k-th) in bold."""
    for panel in (left, right):
        panel.set_xlim(0, 1)
        panel.set_ylim(-0.2, k + 3)
        panel.axis("off")
    header_y = k + 2.7
    left.text(0, header_y, "Study", fontweight="bold", va="center")
    left.text(1, header_y, "n", fontweight="bold", va="center", ha="right")
    right.text(0.05, header_y, "Estimate [95 % CI]", fontweight="bold", va="center")
    right.text(1, header_y, "Weight", fontweight="bold", va="center", ha="right")
    for i, (y, row) in enumerate(zip(ys, table, strict=False)):
        bold = {"fontweight": "bold"} if i == k else {}
        left.text(0, y, row["Study"], va="center", fontsize=9, **bold)
        if row["n"]:
            left.text(1, y, row["n"], va="center", ha="right", fontsize=9)
        right.text(0.05, y, row["Estimate [95 % CI]"], va="center", fontsize=9, **bold)
        if row["Weight"]:
            right.text(1, y, row["Weight"], va="center", ha="right", fontsize=9)
