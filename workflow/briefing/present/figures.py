"""Figures of a modality summary: SVG from matplotlib in seaborn's whitegrid theme, each with a text alternative and
the numbers behind it as a table.

The SVG must be byte-identical from build to build and safe to inline next to other figures, so
ids are salted with a constant, the date is dropped, text stays text, and every id is prefixed
with the figure's own id.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import math
import re
import textwrap
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec

from cycler import cycler

from briefing.present import figure_tables as tables
from briefing.schema.models import Figure

if TYPE_CHECKING:
    from briefing.schema.models import ResponseGroup

if TYPE_CHECKING:
    from briefing.schema.models import Estimate, Scale, Series, Study

if TYPE_CHECKING:
    import matplotlib.figure
    from matplotlib.typing import RcKeyType

PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#434343"]  # colour-blind distinguishable, dark
# Readability limits: a legend of more studies than this is unreadable, and a figure of more rows
# than these would not fit one A4 page of the PDF; larger evidence is drawn in parts ("continued").
LEGEND_MAX = 8
BARS_PER_PART = 40
RESPONSE_LABEL_WIDTH = 34  # characters per line of a response bar's label
FOREST_ROWS_PER_PART = 35
DRAWN_MAX = 256  # figures kept (a full forest plot part is some 60 KB of SVG: 15 MB at most)

P = ParamSpec("P")
_drawn: OrderedDict[str, Figure] = OrderedDict()


def _drawn_once(draw: Callable[P, Figure]) -> Callable[P, Figure]:
    """A figure is a function of its inputs alone, and drawing it is most of a modality summary's
    time when nothing is pooled: a process that summarises the same evidence again (the tests
    build the seeds' summaries hundreds of times; the benchmark repeats) gets the figure it drew,
    as a copy. The key is the inputs' JSON; inputs without one are drawn every time."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> Figure:
        try:
            key = draw.__name__ + json.dumps([args, kwargs], sort_keys=True, default=repr)
        except (TypeError, ValueError):
            return draw(*args, **kwargs)
        if key not in _drawn:
            _drawn[key] = draw(*args, **kwargs)
            while len(_drawn) > DRAWN_MAX:
                _drawn.popitem(last=False)
        _drawn.move_to_end(key)
        return _drawn[key].model_copy(deep=True)

    return drawn


# What seaborn.set_theme(style="whitegrid", context="notebook", palette=PALETTE) sets, as plain
# rcParams: importing seaborn (and the scipy.stats it loads) to set them cost every notebook
# kernel about a second and 65 MB (bench/RESULTS.md). tests/test_figures.py checks this against
# seaborn itself; only seaborn's default colormap ("rocket", for images we never draw) is left out.
SEABORN_WHITEGRID: dict[RcKeyType, object] = {
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


def _pyplot() -> Any:
    """pyplot in the briefing's style, imported when a figure is first drawn: a modality with
    nothing to draw does not pay for matplotlib (about 0.4 s of a notebook job, bench/PROFILE-21.md)."""
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

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
    return plt


def _to_svg(fig: matplotlib.figure.Figure, figure_id: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    _pyplot().close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inlined in HTML
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{figure_id}-{m.group(1)}"', svg)
    svg = re.sub(r'(url\(#|xlink:href="#|href="#)([^")]+)', lambda m: f"{m.group(1)}{figure_id}-{m.group(2)}", svg)
    return svg


@_drawn_once
def trajectory_figure(
    figure_id: str,
    series: list[Series],
    studies: dict[str, Study],
    title: str,
    ylabel: str,
    scales: dict[str, Scale] | None = None,
) -> Figure:
    """Mean (or reported summary) at each time point with error bars of ±1 SD where reported, on
    the full range of the series' scale (declared in scales.csv), else from 0. A series of fewer
    than tables.JOINED_MIN_POINTS time points is drawn as points, not as a line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    crowded = len(series) > LEGEND_MAX
    for colour, s in zip(itertools.cycle(PALETTE), series):  # every study, colours repeat
        points = s["points"]
        x = [p["time_days"] / 7 for p in points]
        y = [p["value"] for p in points]
        line = {} if tables.joined(s) else {"linestyle": "none"}
        if crowded:  # one thin line per study: the shape of the evidence, the numbers in the table
            ax.plot(x, y, marker="o", markersize=2, linewidth=0.8, alpha=0.45, color=PALETTE[0], **line)
        else:
            sds = [p["sd"] if p["sd"] is not None else 0 for p in points] if tables.has_sd(s) else None
            label = tables.series_label(s, studies)
            ax.errorbar(x, y, yerr=sds, marker="o", capsize=3, color=colour, label=label, **line)
    ax.set_xlabel("Weeks after treatment")
    ax.set_ylabel(ylabel)
    ax.set_ylim(*value_range(series, scales or {}))
    if crowded:
        ax.set_title(f"{title}: one line per study, values in the table", loc="left")
    else:
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    notes = tables.trajectory_notes(series, studies, names=not crowded)
    if notes:  # under the axis label, in the figure's own words
        ax.annotate(
            "\n".join(f"{n}." for n in notes),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -36),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
        )
    rows = tables.trajectory_table(series, studies)
    return Figure(
        id=figure_id,
        title=title,
        alt=tables.trajectory_alt(series, studies, ylabel),
        svg=_to_svg(fig, figure_id),
        table=rows,
        columns=list(rows[0]),
    )


def value_range(series: list[Series], scales: dict[str, Scale]) -> tuple[float, float | None]:
    """The value axis: a score's whole scale, so that a change is seen against all the scale could
    show (a range cut to the data magnifies it); any other level (a dose) from 0 up."""
    # A scale whose range its source does not print (QLQ-BM22) is drawn as any other level, from 0.
    bounds = {
        k: (low, high)
        for k, r in scales.items()
        if (low := r.get("minimum")) is not None and (high := r.get("maximum")) is not None
    }
    ranges = [bounds[unit] for s in series if (unit := s.get("unit")) is not None and unit in bounds]
    if ranges and len(ranges) == len(series):
        return min(float(low) for low, _ in ranges), max(float(high) for _, high in ranges)
    return min([0.0] + [float(low) for low, _ in ranges]), None


def response_figures(
    figure_id: str,
    groups: list[ResponseGroup],
    studies: dict[str, Study],
    estimates: dict[str, Estimate],
    title: str = "Response categories as reported",
) -> list[Figure]:
    """The response chart, in parts of at most BARS_PER_PART bars; a study's categories stay together."""
    parts: list[list[ResponseGroup]] = [[]]
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


def _parts(figure_id: str, figures: list[Figure]) -> list[Figure]:
    """The parts of one figure, each naming the figure it belongs to (the first keeps its id)."""
    return [f.model_copy(update={"part_of": figure_id}) for f in figures]


@_drawn_once
def response_figure(
    figure_id: str,
    groups: list[ResponseGroup],
    studies: dict[str, Study],
    estimates: dict[str, Estimate],
    continued: bool = False,
    title: str = "Response categories as reported",
) -> Figure:
    """Horizontal bars of each reported response category, with the 95 % CI where computable."""
    plt = _pyplot()
    title += " (continued)" if continued else ""
    # Long labels (study, arm, subgroup, category) wrapped: unwrapped, they squeezed the plot into
    # a third of the figure's width.
    labels = [textwrap.fill(label, RESPONSE_LABEL_WIDTH) for label in tables.response_labels(groups, studies)]
    rows = tables.response_table(groups, studies, estimates)
    values, lows, highs = _response_bars(groups, estimates)
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + (0.45 + 0.16 * (lines - 1)) * len(labels)))
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
    ax.set_xlabel("Patients, lesions or procedures (%)")
    ax.set_ylabel("")
    ax.set_title(title, loc="left")
    return Figure(
        id=figure_id,
        title=title,
        alt=tables.response_alt(rows),
        svg=_to_svg(fig, figure_id),
        table=rows,
        columns=list(rows[0]),
    )


def _response_bars(
    groups: list[ResponseGroup], estimates: dict[str, Estimate]
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
    figure_id: str,
    title: str,
    rows: list[dict[str, Any]],
    pooled: dict[str, Any],
    scale: str,
    sensitivity: dict[str, Any] | None = None,
    rob: dict[str, Any] | None = None,
) -> list[Figure]:
    """The forest plot, in parts of at most FOREST_ROWS_PER_PART studies on one shared axis; every
    part repeats the pooled result of all studies so that each can be read alone. `rob`: the
    risk-of-bias columns (risk_of_bias.forest_columns; each row then has its cells as "rob")."""
    if len(rows) <= FOREST_ROWS_PER_PART:
        return _parts(
            figure_id, [forest_figure(figure_id, title, rows, pooled, scale, sensitivity=sensitivity, rob=rob)]
        )
    xlim = None
    if scale != "proportion":
        ends = [v for r in rows for v in (r["ci_low"], r["ci_high"])]
        ends += [v for v in (pooled["ci_low"], pooled["ci_high"], pooled["pi_low"], pooled["pi_high"]) if v is not None]
        margin = 0.05 * (max(ends) - min(ends) or 1)
        xlim = (min(ends) - margin, max(ends) + margin)
    return _parts(
        figure_id,
        [
            forest_figure(
                _part_id(figure_id, i),
                title,
                chunk,
                pooled,
                scale,
                continued=i > 0,
                xlim=xlim,
                all_studies=len(rows),
                sensitivity=sensitivity,
                rob=rob,
            )
            for i, chunk in enumerate(_forest_chunks(rows))
        ],
    )


def _forest_chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows in parts of at most FOREST_ROWS_PER_PART, of even length."""
    count = math.ceil(len(rows) / FOREST_ROWS_PER_PART)
    bounds = [round(i * len(rows) / count) for i in range(count + 1)]
    return [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@_drawn_once
def forest_figure(
    figure_id: str,
    title: str,
    rows: list[dict[str, Any]],
    pooled: dict[str, Any],
    scale: str,
    continued: bool = False,
    xlim: tuple[float, float] | None = None,
    all_studies: int | None = None,
    sensitivity: dict[str, Any] | None = None,
    rob: dict[str, Any] | None = None,
) -> Figure:
    """A forest plot in the field's standard form: one row per study (estimate, 95 % CI, marker
    sized by weight) with the numbers in columns beside it, the pooled diamond, the prediction
    interval, the sensitivity analysis (an open diamond) when given, and heterogeneity underneath.
    `scale` is "proportion" (axis 0 to 1, never beyond) or "mean". Height grows with the number of
    studies so 1 to 200 rows stay legible.

    rows: dicts with label, estimate, ci_low, ci_high, weight (percent), n_text.
    pooled: PooledResult.to_dict() of the primary model (GLMM or REML); sensitivity: of the
    inverse-variance REML model beside a GLMM.
    """
    _pyplot()
    k = len(rows)
    if continued:
        title += " (continued)"
    table = tables.forest_table(rows, pooled, scale, all_studies, sensitivity)  # every number the plot prints
    columns = rob["columns"] if rob else []
    table = tables.with_rob(table, rows, columns) if rob else table
    heterogeneity = tables.heterogeneity(pooled)
    extra = 1 if sensitivity is not None else 0  # a row under the prediction interval
    legend = _rob_legend(rob["legend"], len(columns)) if rob else []
    fig, (left, ax, right), height = _forest_canvas(k + extra, len(columns), len(legend))
    # Studies from the top; pooled, prediction (and sensitivity) rows under them, one unit apart.
    ys = list(range(k + 2 + extra, 2 + extra, -1))
    below = [1.5 + extra - i for i in range(2 + extra)]
    _forest_marks(ax, rows, ys, tables.forest_pooled(pooled, scale), y_pooled=below[0], y_prediction=below[1])
    if sensitivity is not None:
        _diamond(ax, tables.forest_pooled(sensitivity, scale), below[2], facecolor="none", edgecolor=PALETTE[1])
    _forest_axis(ax, scale, xlim, k + extra)
    _forest_columns(left, right, table, ys + below[: len(table) - k], k + extra, pooled_row=k)
    if rob:
        _rob_columns(fig, rows, ys, columns, (FOREST_WIDTH, k + extra + 3, k + extra + 2.7), height, legend)
    fig.text(0.0, 0.12 / height, heterogeneity, fontsize=9, ha="left", va="bottom")
    fig.text(0.0, 1 - 0.15 / height, title, fontsize=11, ha="left", va="top")
    alt = tables.forest_alt(table, heterogeneity, k, all_studies)
    alt += tables.rob_alt(table, columns, k, rob["legend"]) if rob else ""
    return _plot_figure(fig, figure_id, title, alt, table, heterogeneity)


FOREST_WIDTH = 8.6  # inches, before any risk-of-bias columns
ROB_COLUMN = 0.42  # inches per risk-of-bias column
ROB_LEGEND_LINE = 0.13  # inches of footer per line of the risk-of-bias legend


def _plot_figure(
    fig: matplotlib.figure.Figure, figure_id: str, title: str, alt: str, table: list[dict[str, str]], heterogeneity: str
) -> Figure:
    """A forest plot as the summary's figure: drawn, with its table and text alternative."""
    return Figure(
        id=figure_id,
        title=title,
        alt=alt,
        svg=_to_svg(fig, figure_id),
        table=table,
        columns=list(table[0]),
        heterogeneity=heterogeneity,
    )


def _rob_width(columns: int, base: float = FOREST_WIDTH) -> float:
    """A forest plot's width in inches with its risk-of-bias columns."""
    return base + (ROB_COLUMN * columns + 0.1 if columns else 0)


def _rob_legend(legend: str, columns: int, base: float = FOREST_WIDTH) -> list[str]:
    """The legend's lines, as many as its words need at the figure's width (about 15 per inch)."""
    return textwrap.wrap(legend, int(_rob_width(columns, base) * 15))


def _forest_canvas(
    k: int, rob_columns: int = 0, legend_lines: int = 0
) -> tuple[matplotlib.figure.Figure, tuple[Any, Any, Any], float]:
    """The figure and its three panels (study and n, the plot, estimate and weight), in fixed
    sizes in inches, so the spacing of rows, axis and footer is the same for 1 or 200 studies;
    risk-of-bias columns widen it on the right, and their legend deepens its footer."""
    row_area = 0.24 * (k + 3)
    top, axis_band, footer_band = 0.45, 0.55, 0.35 + ROB_LEGEND_LINE * legend_lines
    height = top + row_area + axis_band + footer_band
    width = _rob_width(rob_columns)
    fig = _pyplot().figure(figsize=(width, height))
    bottom = (axis_band + footer_band) / height
    rows_h = row_area / height
    f = FOREST_WIDTH / width
    left = fig.add_axes((0.0, bottom, 0.30 * f, rows_h))
    ax = fig.add_axes((0.31 * f, bottom, 0.34 * f, rows_h))
    right = fig.add_axes((0.66 * f, bottom, 0.34 * f, rows_h))
    return fig, (left, ax, right), height


def _rob_columns(
    fig: matplotlib.figure.Figure,
    rows: list[dict[str, Any]],
    ys: Sequence[float],
    columns: list[str],
    frame: tuple[float, float, float],
    height: float,
    legend: list[str],
) -> None:
    """Each study's risk-of-bias symbols in a column per domain right of the plot's table, under
    the domains' short names (never colour alone), and the legend of names and symbols below.
    frame: where the columns start (inches), the rows' top (data units) and the headers' height."""
    start, top, header_y = frame
    x = (start + 0.1) / fig.get_size_inches()[0]  # a gap after the weight column
    rows_box = fig.axes[0].get_position()
    panel = fig.add_axes((x, rows_box.y0, 1 - x, rows_box.height))
    panel.set_xlim(0, len(columns))
    panel.set_ylim(-0.2, top)
    panel.axis("off")
    for i, c in enumerate(columns):
        panel.text(i + 0.5, header_y, c, fontweight="bold", ha="center", va="center", fontsize=8)
        for y, r in zip(ys, rows, strict=False):
            panel.text(i + 0.5, y, r["rob"][i]["symbol"], ha="center", va="center", fontsize=10)
    fig.text(0.0, 0.35 / height, "\n".join(legend), fontsize=7, ha="left", va="bottom")


def _forest_marks(
    ax: Any,
    rows: list[dict[str, Any]],
    ys: Sequence[float],
    pooled: tables.ForestPooled,
    y_pooled: float = 1.5,
    y_prediction: float = 0.5,
) -> None:
    """Each study's square and interval, the pooled diamond and the prediction interval."""
    max_weight = max(r["weight"] for r in rows)
    for y, r in zip(ys, rows, strict=False):
        ax.plot([r["ci_low"], r["ci_high"]], [y, y], color="black", linewidth=1)
        ax.scatter([r["estimate"]], [y], marker="s", s=15 + 120 * r["weight"] / max_weight, color=PALETTE[0], zorder=3)
    _diamond(ax, pooled, y_pooled, color=PALETTE[1])
    if pooled["pi_low"] is not None:
        ax.plot([pooled["pi_low"], pooled["pi_high"]], [y_prediction, y_prediction], color=PALETTE[1], linewidth=2)
    ax.axvline(pooled["estimate"], color=PALETTE[1], linestyle=":", linewidth=1)


def _diamond(ax: Any, pooled: tables.ForestPooled, y: float, **style: Any) -> None:
    """A pooled estimate and its CI as a diamond centred on the row's height."""
    est, low, high = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    ax.fill([low, est, high, est], [y, y + 0.3, y, y - 0.3], zorder=3, **style)


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


@dataclass(frozen=True)
class _Column:
    """A column of a forest plot's table, drawn in `panel` at x (the panel's own units)."""

    panel: Any
    key: str
    header: str
    x: float
    ha: str = "left"
    bold: bool = True  # in the pooled row


def _forest_columns(
    left: Any, right: Any, table: list[dict[str, str]], ys: list[float], k: int, pooled_row: int | None = None
) -> None:
    """The table drawn beside the plot at each row's height: study and n on the left, estimate
    and weight on the right; the pooled row (the k-th unless said) in bold."""
    for panel in (left, right):
        panel.set_xlim(0, 1)
        panel.set_ylim(-0.2, k + 3)
        panel.axis("off")
    columns = [
        _Column(left, "Study", "Study", 0),
        _Column(left, "n", "n", 1, "right", bold=False),
        _Column(right, "Estimate [95 % CI]", "Estimate [95 % CI]", 0.05),
        _Column(right, "Weight", "Weight", 1, "right", bold=False),
    ]
    _draw_columns(
        columns, table, ys, k if pooled_row is None else pooled_row, header_y=k + 2.7, header={"va": "center"}
    )


def _draw_columns(
    columns: list[_Column],
    table: list[dict[str, str]],
    ys: list[float],
    k: int,
    header_y: float,
    header: dict[str, str | int],
) -> None:
    """Each column's header, then its cells at each row's height; the pooled row (the k-th) bold."""
    for c in columns:
        c.panel.text(c.x, header_y, c.header, fontweight="bold", ha=c.ha, **header)
    for i, (y, row) in enumerate(zip(ys, table, strict=False)):
        for c in columns:
            bold = {"fontweight": "bold"} if i == k and c.bold else {}
            if row[c.key]:
                c.panel.text(c.x, y, row[c.key], va="center", ha=c.ha, fontsize=9, **bold)


# ----------------------------------------------------------------------------- comparative forest plots
# A risk-ratio axis is symmetric about 1 on the log scale, as RevMan draws it: the narrowest of these
# reaches (1/r to r) that holds every interval, with its ticks; an interval beyond 1/100 or 100 ends
# in an arrow at the edge.
RATIO_REACHES = {
    2: (0.5, 1, 2),
    5: (0.2, 0.5, 1, 2, 5),
    10: (0.1, 0.2, 0.5, 1, 2, 5, 10),
    20: (0.05, 0.2, 1, 5, 20),
    50: (0.02, 0.1, 1, 10, 50),
    100: (0.01, 0.1, 1, 10, 100),
}
# Inches across the comparative plot: study, each arm's events/total (right-aligned at its edge),
# the plot, then risk ratio and weight.
COMPARISON_WIDTH = 9.1
COMPARISON_PANELS = ((0.0, 3.95), (4.1, 2.7), (6.95, 2.15))  # (left edge, width) of each panel
WRAP = {"title": 100, "favours": 30}  # characters per line


def comparison_forest_figures(figure_id: str, comparison: dict[str, Any]) -> list[Figure]:
    """The forest plot of one comparison pooled over two trials or more, in parts of at most
    FOREST_ROWS_PER_PART trials on one shared axis; every part repeats the totals, the pooled
    result, the prediction interval and the sensitivity estimate of all trials.

    comparison: title; rows (label, counts, ratio, ci_low, ci_high, weight: see
    figure_tables.comparison_forest_table); pooled and sensitivity (PooledResult.to_dict() of the
    REML and DerSimonian-Laird models on log risk ratios); intervention and comparator (the arms'
    labels); event_kind ("benefit", "harm" or "", vocabulary.Domain.event_kind)."""
    rows = comparison["rows"]
    totals = [[sum(r["counts"][arm][i] for r in rows) for i in (0, 1)] for arm in (0, 1)]
    reach = _ratio_reach(rows, comparison["pooled"], comparison["sensitivity"])
    chunks = [rows] if len(rows) <= FOREST_ROWS_PER_PART else _forest_chunks(rows)
    everything = len(rows) if len(chunks) > 1 else None
    return _parts(
        figure_id,
        [
            comparison_forest_figure(_part_id(figure_id, i), comparison, chunk, totals, reach, i > 0, everything)
            for i, chunk in enumerate(chunks)
        ],
    )


def _ratio_reach(rows: list[dict[str, Any]], pooled: dict[str, Any], sensitivity: dict[str, Any] | None) -> int:
    """The narrowest symmetric reach of the axis that holds every interval drawn."""
    ends = [v for r in rows for v in (r["ci_low"], r["ci_high"])]
    for result in (pooled, sensitivity or {}):
        ends += [result.get(f"{key}_ratio") for key in ("ci_low", "ci_high", "pi_low", "pi_high")]
    farthest = max(abs(math.log(v)) for v in ends if v is not None)
    return next((r for r in RATIO_REACHES if math.log(r) >= farthest), max(RATIO_REACHES))


@_drawn_once
def comparison_forest_figure(
    figure_id: str,
    comparison: dict[str, Any],
    rows: list[dict[str, Any]],
    totals: list[list[int]],
    reach: int,
    continued: bool = False,
    all_studies: int | None = None,
) -> Figure:
    """A comparative forest plot as RevMan and metafor draw it: per trial each arm's events/total,
    the risk ratio with its 95 % CI (a square sized by weight) and the REML weight; the totals with
    the pooled diamond, the prediction interval and the DerSimonian-Laird estimate (an open diamond);
    a log axis with a line at 1 and which side favours which arm; heterogeneity underneath."""
    _pyplot()
    k = len(rows)
    title = comparison["title"] + (" (continued)" if continued else "")
    pooled, sensitivity = comparison["pooled"], comparison["sensitivity"]
    table = tables.comparison_forest_table(rows, pooled, sensitivity, totals, all_studies)
    rob = comparison.get("rob")
    columns = rob["columns"] if rob else []
    table = tables.with_rob(table, rows, columns) if rob else table
    legend = _rob_legend(rob["legend"], len(columns), COMPARISON_WIDTH) if rob else []
    heterogeneity = tables.heterogeneity(pooled)
    sides = tables.favours(comparison["event_kind"], comparison["intervention"], comparison["comparator"])
    favours = [textwrap.wrap(words, WRAP["favours"]) for words in sides]
    below = len(table) - k  # the rows under the trials: total, prediction interval, sensitivity
    title_lines = textwrap.wrap(title, WRAP["title"])
    shape = (len(title_lines), max(map(len, favours)), len(columns), len(legend))
    fig, (left, ax, right), height = _comparison_canvas(k + below, *shape)
    ys = [float(y) for y in range(k + below, below, -1)] + [below - 0.5 - i for i in range(below)]
    marks = [{"estimate": r["ratio"]} | {key: r[key] for key in ("ci_low", "ci_high", "weight")} for r in rows]
    summary = tables.forest_pooled(pooled, "ratio")
    _forest_marks(ax, marks, ys[:k], summary, y_pooled=ys[k], y_prediction=ys[min(k + 1, len(ys) - 1)])
    if sensitivity is not None:
        s = tables.forest_pooled(sensitivity, "ratio")
        _diamond(ax, s, ys[-1], facecolor="none", edgecolor=PALETTE[1])
    _beyond_the_axis(ax, marks, ys, summary, reach)
    _ratio_axis(ax, reach, k + below + 2.2, favours)
    _comparison_columns(left, right, table, ys, k, top=k + below + 2.2)
    if rob:
        frame = (COMPARISON_WIDTH, k + below + 2.2, k + below + 0.9)
        _rob_columns(fig, rows, ys, columns, frame, height, legend)
    fig.text(0.0, 0.12 / height, heterogeneity, fontsize=9, ha="left", va="bottom")
    fig.text(0.0, 1 - 0.15 / height, "\n".join(title_lines), fontsize=11, ha="left", va="top")
    alt = tables.comparison_alt(table, heterogeneity, sides, k, all_studies)
    alt += tables.rob_alt(table, columns, k, rob["legend"]) if rob else ""
    return _plot_figure(fig, figure_id, title, alt, table, heterogeneity)


def _comparison_canvas(
    rows: int, title_lines: int, favours_lines: int, rob_columns: int = 0, legend_lines: int = 0
) -> tuple[matplotlib.figure.Figure, tuple[Any, Any, Any], float]:
    """The figure and its three panels in fixed sizes in inches (as _forest_canvas), with room for
    the title's lines, two-line column headers above the rows, and under the axis its ticks, its
    label and the lines of the "Favours" words."""
    row_area = 0.24 * (rows + 2.4)
    top, axis_band = 0.3 + 0.2 * title_lines, 0.62 + 0.17 * favours_lines
    footer_band = 0.35 + ROB_LEGEND_LINE * legend_lines
    height = top + row_area + axis_band + footer_band
    total = _rob_width(rob_columns, COMPARISON_WIDTH)
    fig = _pyplot().figure(figsize=(total, height))
    bottom, rows_h = (axis_band + footer_band) / height, row_area / height
    panels = tuple(fig.add_axes((x / total, bottom, width / total, rows_h)) for x, width in COMPARISON_PANELS)
    return fig, panels, height


def _beyond_the_axis(
    ax: Any, rows: list[dict[str, Any]], ys: list[float], pooled: tables.ForestPooled, reach: int
) -> None:
    """An arrow at the edge of the axis where an interval goes on beyond it."""
    ends = [(r["ci_low"], r["ci_high"], y, "black") for r, y in zip(rows, ys, strict=False)]
    if pooled["pi_low"] is not None:
        ends.append((pooled["pi_low"], pooled["pi_high"], ys[len(rows) + 1], PALETTE[1]))
    for low, high, y, colour in ends:
        if low < 1 / reach:
            ax.plot([1 / reach], [y], marker="<", color=colour, markersize=5, clip_on=False, zorder=4)
        if high > reach:
            ax.plot([reach], [y], marker=">", color=colour, markersize=5, clip_on=False, zorder=4)


def _ratio_axis(ax: Any, reach: int, top: float, favours: list[list[str]]) -> None:
    """A log axis from 1/reach to reach, ticks as ratios, a line at 1 and, under the axis, which
    side favours which arm (the lines of the words left of 1, and right of it)."""
    ax.set_xscale("log")
    ax.set_xlim(1 / reach, reach)
    ticks = list(RATIO_REACHES[reach])
    ax.set_xticks(ticks, tables.ratio_ticks(ticks), fontsize=9)
    ax.minorticks_off()
    ax.axvline(1, color="black", linewidth=1)
    ax.set_ylim(-0.2, top)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(tables.RATIO_AXIS_LABEL, fontsize=9)
    for lines, sign, ha in ((favours[0], -1, "right"), (favours[1], 1, "left")):
        ax.annotate(
            "\n".join(lines),
            xy=(1, 0),
            xycoords=("data", "axes fraction"),
            xytext=(4 * sign, -40),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=9,
            fontstyle="italic",
        )


def _comparison_columns(
    left: Any, right: Any, table: list[dict[str, str]], ys: list[float], k: int, top: float
) -> None:
    """The table beside the plot: study and each arm's events/total on the left, risk ratio and
    weight on the right, under two-line headers; the total and pooled row (the k-th) in bold."""
    for panel, (_, width) in ((left, COMPARISON_PANELS[0]), (right, COMPARISON_PANELS[2])):
        panel.set_xlim(0, width)  # the panel's units are inches
        panel.set_ylim(-0.2, top)
        panel.axis("off")
    edge = COMPARISON_PANELS[0][1]
    head = tables.COMPARISON_HEADERS
    columns = [
        _Column(left, "Study", head["Study"], 0),
        _Column(left, tables.INTERVENTION, head[tables.INTERVENTION], edge - 1.0, "right"),
        _Column(left, tables.COMPARATOR, head[tables.COMPARATOR], edge, "right"),
        _Column(right, tables.RATIO, head[tables.RATIO], 0),
        _Column(right, "Weight", head["Weight"], COMPARISON_PANELS[2][1], "right", bold=False),
    ]
    _draw_columns(columns, table, ys, k, header_y=top - 1.6, header={"va": "bottom", "fontsize": 9})


# ----------------------------------------------------------------------------- funnel plots
@_drawn_once
def funnel_figure(figure_id: str, title: str, entry: dict[str, Any], egger: str) -> Figure:
    """A funnel plot of one pooled result, on the analysis scale (logit proportion or mean): each
    study's effect against its standard error (the axis inverted, largest studies on top), the
    inverse-variance REML estimate as a vertical line and its pseudo-95 % limits (± 1.96 SE), with
    Egger's test underneath. Drawn only with enough studies (robustness.SMALL_STUDY_MIN)."""
    plt = _pyplot()
    points = entry["robustness"]["funnel"]
    centre = _funnel_centre(entry)
    table = tables.funnel_table(points)
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    se_max = max(p["se"] for p in points) * 1.05
    mouth = [centre - 1.96 * se_max, centre, centre + 1.96 * se_max]
    ax.plot(mouth, [se_max, 0, se_max], color=".5", linestyle="--", linewidth=1)
    effects = [p["effect"] for p in points]
    ax.set_xlim(min(effects + mouth[:1]) - 0.1, max(effects + mouth[2:]) + 0.1)
    ax.axvline(centre, color=PALETTE[1], linewidth=1)
    ax.scatter([p["effect"] for p in points], [p["se"] for p in points], color=PALETTE[0], s=22, zorder=3)
    ax.set_ylim(se_max, 0)
    ax.set_ylabel("Standard error")
    ax.set_xlabel("Logit proportion" if entry["kind"] == "proportion" else "Mean")
    ax.set_title(textwrap.fill(title, 70), fontsize=11, loc="left")
    fig.text(0.0, 0.0, textwrap.fill(egger, 110), fontsize=8, ha="left", va="top")
    return Figure(
        id=figure_id,
        title=title,
        alt=f"Funnel plot of {len(points)} studies: standard error against the "
        + ("logit proportion" if entry["kind"] == "proportion" else "mean")
        + f". {egger}.",
        svg=_to_svg(fig, figure_id),
        table=table,
        columns=list(tables.FUNNEL_COLUMNS),
        part_of=entry["figure_id"],
        heterogeneity=egger,
    )


def _funnel_centre(entry: dict[str, Any]) -> float:
    """The inverse-variance REML estimate on the analysis scale: the funnel's centre, as in Egger's
    regression (which uses the same effects and variances)."""
    if entry["kind"] == "proportion":
        reml = entry["sensitivity"] or entry["result"]
        return reml["estimate"]
    return entry["result"]["estimate"]
