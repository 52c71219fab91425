"""Figures stay correct and readable as the evidence grows (issue #7, item 4): two studies with
one short name, a modality of many studies, more series than a legend can hold."""

from __future__ import annotations

import json
import re
from collections import OrderedDict

import pytest

from briefing.assemble import summary
from briefing.data import evidence
from briefing.present import figure_tables, figures
from briefing.stats import meta
from conftest import ROOT


def _studies(n: int) -> dict[str, dict[str, str]]:
    return {f"s{i}": {"short_name": f"Study {i}"} for i in range(n)}


def _group(study_id: str, values: list[float], timepoint: str = "4 weeks") -> dict:
    labels = ["Complete pain response", "Partial pain response", "Stable pain"]
    return {
        "study_id": study_id,
        "timepoint": timepoint,
        "categories": [
            {
                "outcome_id": f"{study_id}-{timepoint}-{j}",
                "label": labels[j],
                "source_term": labels[j],
                "value": v,
                "value_text": f"{v:g}",
            }
            for j, v in enumerate(values)
        ],
    }


def _bars(svg: str) -> int:
    return len(re.findall(r'<g id="[^"]*patch_\d+"', svg))


def test_two_studies_with_one_short_name_keep_their_own_bars():
    studies = {
        "a": {"short_name": "Smith 2005"},
        "b": {"short_name": "Smith 2005"},
        "c": {"short_name": "Jones 2001"},
        "d": {"short_name": "Brown 2003"},
    }
    same = figures.response_figure("f", [_group("a", [10, 20]), _group("b", [70, 25])], studies, {})
    distinct = figures.response_figure("g", [_group("c", [10, 20]), _group("d", [70, 25])], studies, {})
    # A categorical bar plot merged equal labels into one averaged bar: fewer bars, shifted labels.
    assert _bars(same.svg) == _bars(distinct.svg)
    assert [r["Percent"] for r in same.table] == ["10", "20", "70", "25"]


def test_a_study_reported_at_two_time_points_names_them():
    fig = figures.response_figure(
        "f", [_group("s0", [30, 40], "4 weeks"), _group("s0", [50, 20], "12 weeks")], _studies(1), {}
    )
    # Labels are wrapped (RESPONSE_LABEL_WIDTH): each line is a text of its own in the SVG.
    assert "Study 0 (4 weeks): Complete pain" in fig.svg and "Study 0 (12 weeks): Complete pain" in fig.svg


def test_a_long_response_label_is_wrapped_so_the_plot_keeps_its_width():
    """A response chart whose labels named study, arm, subgroup and category (van der Linden 2004)
    squeezed its plot into a third of the figure: labels wrap at RESPONSE_LABEL_WIDTH."""
    studies = {"a": {"short_name": "van der Linden 2004, 24 Gy in multiple fractions, subgroup retreated"}}
    fig = figures.response_figure("f", [_group("a", [57, 20])], studies, {})
    plot_width = float(re.search(r'<rect x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)"', fig.svg).group(1))
    svg_width = float(re.search(r'width="([0-9.]+)pt"', fig.svg).group(1))
    assert plot_width / svg_width > 0.5


def test_response_chart_comes_in_parts_that_keep_every_row_and_each_study_whole():
    # 60 studies of 3, 3, 3 and 2 bars: 165 bars, and the 40th bar would split the 14th study.
    groups = [_group(f"s{i}", [10, 20, 30] if i % 4 != 3 else [40, 50]) for i in range(60)]
    parts = figures.response_figures("fig-x-response", groups, _studies(60), {})
    assert [len(p.table) for p in parts] == [39, 38, 39, 38, 11]  # never 40: a study would straddle
    assert parts[0].id == "fig-x-response" and parts[0].title == "Response categories as reported"
    assert all(p.title.endswith("(continued)") for p in parts[1:])
    assert all(len(p.table) <= figures.BARS_PER_PART for p in parts)
    assert [r for p in parts for r in p.table] == figure_tables.response_table(groups, _studies(60), {})
    assert len({p.id for p in parts}) == len(parts)
    for p in parts:  # a study's categories never straddle two parts
        studies = [r["Study"] for r in p.table]
        assert all(studies.count(s) in (2, 3) for s in studies)


def test_forest_plot_of_many_studies_is_drawn_in_even_parts_on_one_axis():
    k = 2 * figures.FOREST_ROWS_PER_PART - 1  # two parts, one as full as a part can be
    means = [6 + (i % 17) / 8 for i in range(k)]
    sds = [1.0 + (i % 5) / 10 for i in range(k)]
    ns = [30 + i % 50 for i in range(k)]
    pooled = meta.pool_means(means, sds, ns, method="REML").to_dict()
    rows = [
        {
            "label": f"Study {i}",
            "estimate": m,
            "ci_low": m - 1.96 * s / n**0.5,
            "ci_high": m + 1.96 * s / n**0.5,
            "n_text": str(n),
            "weight": w,
        }
        for i, (m, s, n, w) in enumerate(zip(means, sds, ns, pooled["weights"], strict=False))
    ]
    parts = figures.forest_figures("fig-x-forest-1", "Pain score, baseline", rows, pooled, "mean")
    sizes = [len(p.table) - 2 for p in parts]  # less the pooled row and the prediction interval
    assert sorted(sizes) == [figures.FOREST_ROWS_PER_PART - 1, figures.FOREST_ROWS_PER_PART]
    assert sum(sizes) == k and max(sizes) <= figures.FOREST_ROWS_PER_PART and max(sizes) - min(sizes) <= 1
    assert [p.id for p in parts][:2] == ["fig-x-forest-1", "fig-x-forest-1-cont1"]
    pooled_rows = {p.table[-2]["Estimate [95 % CI]"] for p in parts}
    assert len(pooled_rows) == 1  # every part repeats the one pooled result of all the studies
    assert all(p.table[-2]["Study"] == "Random effects (REML), all studies" for p in parts)
    # The tick labels (text, not comments, since svg.fonttype is "none": the old pattern found none).
    ticks = {tuple(re.findall(r'<g id="[^"]*xtick_\d+">.*?<text[^>]*>([^<]*)</text>', p.svg, re.S)) for p in parts}
    assert len(ticks) == 1 and all(ticks.pop())  # the same axis in every part, so rows compare across parts
    heights = [float(re.search(r'height="([\d.]+)pt"', p.svg).group(1)) for p in parts]
    assert max(heights) / 72 < 11  # a full part fits an A4 page


def test_few_studies_get_one_forest_plot():
    pooled = meta.pool_means([6.0, 7.0, 6.5], [1.0, 1.2, 1.1], [40, 50, 45], method="REML").to_dict()
    rows = [
        {"label": f"S{i}", "estimate": 6.0 + i, "ci_low": 5.5 + i, "ci_high": 6.5 + i, "n_text": "40", "weight": w}
        for i, w in enumerate(pooled["weights"])
    ]
    (only,) = figures.forest_figures("f", "t", rows, pooled, "mean")
    assert only.table[-2]["Study"] == "Random effects (REML)" and "continued" not in only.title


def test_many_series_are_drawn_without_an_unreadable_legend():
    def series(n: int) -> list[dict]:
        return [
            {
                "study_id": f"s{i}",
                "points": [
                    {
                        "time_days": d,
                        "value": v - i / 50,
                        "value_text": f"{v - i / 50:.2f}",
                        "sd": 1.0,
                        "sd_text": "1.0",
                        "timepoint": f"day {d}",
                        "change_pct_text": "",
                    }
                    for d, v in ((0, 7.0), (28, 4.0))
                ],
            }
            for i in range(n)
        ]

    few = figures.trajectory_figure("few", series(figures.LEGEND_MAX), _studies(200), "Pain", "Pain score")
    many = figures.trajectory_figure("many", series(200), _studies(200), "Pain", "Pain score")
    assert "legend" in few.svg and "legend" not in many.svg
    assert "Study 199" not in many.svg and len(many.table) == 400  # every point is in the table
    assert "one line per study" in many.title or "one line per study" in many.svg


# ----------------------------------------------------------------------------- charts over time (issue 19)
# A GRADE methodologist's read: scores drawn on a range cut to the data, unlabelled ±1 SD error bars
# among 95 % CIs, the enrolled count read as the number assessed, two measurements drawn as a course.
@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    """What each chart drew, by figure id, taken from matplotlib before it becomes SVG: the value
    axis and, per data series (drawn with round markers), its number of points and line style."""
    charts: dict[str, dict] = {}
    to_svg = figures._to_svg

    def spy(fig, figure_id):
        ax = fig.axes[0]
        series = [(len(line.get_xdata()), line.get_linestyle()) for line in ax.lines if line.get_marker() == "o"]
        charts[figure_id] = {"ylim": ax.get_ylim(), "series": series}
        return to_svg(fig, figure_id)

    monkeypatch.setattr(figures, "_to_svg", spy)
    # An empty store of drawn figures for this test: one drawn before, by another test, would not
    # pass the spy (the process's own store comes back afterwards, for the tests that follow).
    monkeypatch.setattr(figures, "_drawn", OrderedDict())
    return charts


def _modality(modality_id: str) -> dict:
    package = ROOT / "data" / "datapackage.yaml"
    return summary.build_summary(json.loads(evidence.dumps(evidence.build_slice(package, modality_id))))


def _figure(s: dict, figure_id: str) -> dict:
    return next(f for f in s["figures"] if f["id"] == figure_id)


def _point(day: int, value: float, sd: float | None = None, n: int | None = None) -> dict:
    return {
        "time_days": day,
        "timepoint": f"day {day}",
        "statistic": "mean",
        "value": value,
        "value_text": f"{value:g}",
        "sd": sd,
        "sd_text": None if sd is None else f"{sd:g}",
        "n": n,
        "change_pct_text": "",
    }


def test_a_pain_score_is_drawn_on_its_scales_full_range_and_a_dose_from_0(drawn):
    """Before: the value axis was fitted to the data (0-8 for iodine-125, 0-3.5 for Sun 2026)."""
    _modality("i125"), _modality("hfrt")
    assert drawn["fig-i125-pain"]["ylim"] == (0, 10)
    assert drawn["fig-hfrt-pain"]["ylim"] == (0, 10)  # 3.43 and 1.5 on NRS 0-10
    low, high = drawn["fig-i125-opioid"]["ylim"]
    assert low == 0 and high > 105.1 + 28.0  # mg/day: from 0, up to the highest error bar


def test_the_value_axis_follows_the_scale_the_series_is_on(drawn):
    scales = {"VAS 0-100": {"scale_id": "VAS 0-100", "minimum": 0, "maximum": 100}}
    series = [
        {"study_id": "s0", "unit": "VAS 0-100", "points": [_point(0, 40, 5), _point(7, 20, 4), _point(14, 22, 4)]}
    ]
    figures.trajectory_figure("vas", series, _studies(1), "Pain", "Pain score", scales)
    dose = [{"study_id": "s0", "unit": "mg/day", "points": [_point(0, 90, 5), _point(7, 60, 4), _point(14, 50, 4)]}]
    figures.trajectory_figure("dose", dose, _studies(1), "Opioid use", "mg/day", scales)
    assert drawn["vas"]["ylim"] == (0, 100)
    assert drawn["dose"]["ylim"][0] == 0
    assert figures.value_range(series + dose, scales) == (0, None)  # a scale and a dose: no scale's top
    likert = {"L 1-7": {"scale_id": "L 1-7", "minimum": 1, "maximum": 7}}
    assert figures.value_range([{"unit": "L 1-7", "points": []}], likert) == (1, 7)  # the scale's own minimum


def test_error_bars_say_they_are_one_sd_as_reported_not_a_95_ci():
    fig = _figure(_modality("i125"), "fig-i125-pain")
    note = "Error bars: ±1 SD as reported (not a 95 % CI)"
    assert note in fig["svg"]  # on the chart itself
    assert note in fig["alt"]  # the caption and text alternative
    assert any("±1 SD" in c and "not a 95 % CI" in c for c in fig["columns"])  # the data table's header
    unmeasured = _figure(_modality("hfrt"), "fig-hfrt-pain")  # Sun 2026 states no SD: no bars, no note
    assert "Error bars" not in unmeasured["svg"] and "Error bars" not in unmeasured["alt"]
    assert not any("±1 SD" in c for c in unmeasured["columns"])


def test_the_number_assessed_is_stated_or_said_to_be_not_stated_never_the_enrolled_count():
    i125 = _figure(_modality("i125"), "fig-i125-pain")
    n = figure_tables.N_COLUMN
    assert n in i125["columns"]
    assert {row[n] for row in i125["table"]} == {"not stated"}  # 68 enrolled; how many assessed, unstated
    assert "68" not in json.dumps(i125["table"]) and "68" not in i125["alt"]
    assert "Number assessed at each time point not stated" in i125["svg"]
    hfrt = _figure(_modality("hfrt"), "fig-hfrt-pain")
    assert [row[n] for row in hfrt["table"]] == ["58", "58"]  # Sun 2026 states 58 at both
    assert "Number assessed" not in hfrt["svg"] and "Number assessed" not in hfrt["alt"]


def test_two_measurements_are_drawn_as_points_and_a_longer_series_as_a_line(drawn):
    """Before: Sun 2026's two scores were joined by a line, a course between them nobody measured."""
    hfrt, i125 = _figure(_modality("hfrt"), "fig-hfrt-pain"), _figure(_modality("i125"), "fig-i125-pain")
    assert drawn["fig-hfrt-pain"]["series"] == [(2, "None")]
    assert drawn["fig-i125-pain"]["series"] == [(6, "-")]
    assert "two time points only, drawn as separate points without a connecting line" in hfrt["alt"]
    assert "two time points only" in hfrt["svg"]  # the legend says so
    assert "(drawn as a line)" in i125["alt"]
    crowded = [{"study_id": f"s{i}", "points": [_point(0, 7), _point(28, 4)]} for i in range(figures.LEGEND_MAX + 1)]
    figures.trajectory_figure("crowded", crowded, _studies(figures.LEGEND_MAX + 1), "Pain", "Pain score")
    assert {style for _, style in drawn["crowded"]["series"]} == {"None"}


def test_the_theme_is_seaborns_whitegrid_without_importing_seaborn():
    """figures sets seaborn's theme as plain rcParams so that a notebook kernel need not import
    seaborn; this is what seaborn itself sets, key by key, in a fresh interpreter."""
    import json
    import subprocess
    import sys

    probe = """
import json, matplotlib
matplotlib.use("svg")
import matplotlib.colors as mc
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
import seaborn
from briefing.present import figures
seaborn.set_theme(style="whitegrid", context="notebook", palette=figures.PALETTE)
def plain(key, value):
    if key == "axes.prop_cycle":
        return [mc.to_hex(c) for c in value.by_key()["color"]]
    return str(value).split(".")[-1].lower() if key == "lines.solid_capstyle" else value
changed = {k: plain(k, v) for k, v in matplotlib.rcParams.items() if repr(v) != before[k]}
print(json.dumps(changed, default=str))
"""
    seaborn = json.loads(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    ours = {
        k: [matplotlib_hex(c) for c in v.by_key()["color"]] if k == "axes.prop_cycle" else v
        for k, v in figures.SEABORN_WHITEGRID.items()
    }
    assert seaborn.pop("image.cmap") == "rocket"  # a colormap seaborn registers, for images we never draw
    assert json.loads(json.dumps(ours, default=str)) == seaborn

    # And building a figure does not load seaborn (nor the scipy.stats it pulls in).
    check = (
        "import sys\nfrom briefing.present import figures\nfigures._pyplot()\n"
        "print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout.split() == [
        "False",
        "False",
    ]


def matplotlib_hex(colour: str) -> str:
    import matplotlib.colors

    return matplotlib.colors.to_hex(colour)


def test_a_summary_without_figures_does_not_import_matplotlib():
    """A narrative modality draws nothing, so its notebook job need not load matplotlib (about
    0.4 s, bench/PROFILE-21.md); the first figure drawn imports it."""
    import subprocess
    import sys

    check = (
        "import sys\nfrom briefing.assemble import summary\nfrom briefing.present import figures\n"
        "print('matplotlib' in sys.modules)\n"
        "figures._pyplot()\nprint('matplotlib.pyplot' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_the_same_inputs_give_the_same_figure_once_drawn_as_a_copy(monkeypatch):
    """A process draws a figure once for the same inputs (figures._drawn_once): the same figure
    again, as a copy that a caller may change; other inputs are drawn; at most DRAWN_MAX are kept."""
    monkeypatch.setattr(figures, "_drawn", OrderedDict())
    drawn: list[str] = []
    to_svg = figures._to_svg
    monkeypatch.setattr(figures, "_to_svg", lambda fig, figure_id: drawn.append(figure_id) or to_svg(fig, figure_id))
    groups = [_group("s0", [30, 40])]
    first = figures.response_figure("f", groups, _studies(1), {})
    first.table.clear()
    again = figures.response_figure("f", groups, _studies(1), {})
    assert drawn == ["f"] and again.table and again == figures.response_figure("f", groups, _studies(1), {})
    figures.response_figure("g", groups, _studies(1), {})
    assert drawn == ["f", "g"]
    monkeypatch.setattr(figures, "DRAWN_MAX", 1)
    figures.response_figure("h", groups, _studies(1), {})
    figures.response_figure("g", groups, _studies(1), {})
    assert drawn == ["f", "g", "h", "g"]
