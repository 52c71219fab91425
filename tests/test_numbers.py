"""One rule for every printed number (issue "One evidence model, one vocabulary"): half up at the
precision shown, from the exact value. The module is checked by hand-picked cases and against an
exact reference over every events/n with n up to 2,000; each place that prints a percentage
(sentences and SoF text, the response chart's table, the forest plot, what changed) is checked
to print the same string on every tie of that range and a sample around it; and a scan keeps
`:.1f` and `round()` out of the package, so the rule holds as code is added."""

from __future__ import annotations

import ast
import functools
import random
import re
import string
from decimal import Decimal
from fractions import Fraction

import pytest

from briefing.assemble import changes, registry
from briefing.core import numbers
from briefing.present import figure_tables, wording
from briefing.schema import models
from briefing.stats import effects
from conftest import ROOT

N_MAX = 2000


def reference(events: int, n: int) -> str:
    """events/n in percent, one decimal, half up: integer quotient and remainder, nothing shared
    with the module."""
    tenths, remainder = divmod(1000 * events, n)
    tenths += 2 * remainder >= n
    return f"{tenths // 10}.{tenths % 10}"


@functools.cache
def ties() -> list[tuple[int, int]]:
    """Every events/n (n <= 2,000) exactly halfway between two printed percentages: where a
    rounding rule shows itself."""
    return [(e, n) for n in range(1, N_MAX + 1) for e in range(n + 1) if 2 * (1000 * e % n) == n]


@functools.cache
def sample() -> list[tuple[int, int]]:
    """The ties, their neighbours, the ends (0 and 100 %) and a fixed random draw."""
    pairs = {(e + d, n) for e, n in ties() for d in (-1, 0, 1) if 0 <= e + d <= n}
    pairs |= {(0, n) for n in range(1, N_MAX + 1, 37)} | {(n, n) for n in range(1, N_MAX + 1, 37)}
    draw = random.Random(20261201)
    for _ in range(3000):
        n = draw.randint(1, N_MAX)
        pairs.add((draw.randint(0, n), n))
    return sorted(pairs, key=lambda p: (p[1], p[0]))


def estimate(events: int, n: int) -> dict:
    return effects.proportion_estimate({"statistic": "count", "events": events, "denominator": n})


# ----------------------------------------------------------------------------- the module
@pytest.mark.parametrize(
    "value, places, expected",
    [
        ("6.25", 1, "6.3"),  # a tie goes up
        (6.25, 1, "6.3"),  # f"{6.25:.1f}" is "6.2" (half to even)
        (2.675, 2, "2.68"),  # the float is 2.67499999...; f"{2.675:.2f}" is "2.67"
        (1.005, 2, "1.01"),
        (Fraction(1, 8), 2, "0.13"),
        (2, 2, "2.00"),  # precision is kept: trailing zeros are printed
        ("28.0", 1, "28.0"),
        (100, 1, "100.0"),
        (0, 4, "0.0000"),
        (0.00005, 4, "0.0001"),
        (1e-9, 1, "0.0"),  # never "1e-09"
        (123456.5, 0, "123457"),
        (-1.25, 1, "-1.3"),  # a negative is the mirror of its positive: ties away from zero
        (Fraction(-1, 16) * 100, 1, "-6.3"),
        (-0.04, 1, "-0.0"),  # a small decrease keeps its sign, as Decimal and :.1f print it
        (Fraction(5, 2), 0, "3"),
        (Decimal("0.05"), 1, "0.1"),
    ],
)
def test_fixed_rounds_half_up_at_the_precision_asked(value, places, expected):
    assert numbers.fixed(value, places) == expected
    assert numbers.half_up(value, places) == Decimal(expected)


@pytest.mark.parametrize("text, places", [("28.0", 1), ("46", 0), ("0.001", 3), (" 18.9 ", 1), ("-1.25", 2)])
def test_decimals_are_those_the_source_printed(text, places):
    assert numbers.decimals(text) == places


def test_percentages_of_proportions_and_of_counts():
    assert numbers.events_percent(1, 16) == numbers.percent(1 / 16) == numbers.percent(Fraction(1, 16)) == "6.3"
    assert numbers.events_percent(1, 80) == numbers.percent(1 / 80) == "1.3"  # 1.25 %
    assert numbers.events_percent(49, 58) == "84.5"
    assert numbers.events_percent(0, 7) == numbers.percent(0) == numbers.percent(0.0) == "0.0"
    assert numbers.events_percent(7, 7) == numbers.percent(1) == numbers.percent(1.0) == "100.0"
    assert numbers.events_percent(1, 3, 2) == "33.33" and numbers.events_percent(2, 3, 0) == "67"
    assert numbers.reproduces(49, 58, "84.5") and not numbers.reproduces(49, 58, "84.4")
    assert numbers.reproduces(1, 8, "12.5") and numbers.reproduces(1, 16, "6.3") and numbers.reproduces(1, 16, "6")


def test_change_from_baseline_is_decided_on_the_figures_as_printed():
    assert numbers.change_percent(7.3, 2.6) == "-64.4"
    assert numbers.change_percent(8, 7.9) == "-1.3"  # -1.25 %; from the floats, :.1f printed -1.2
    assert numbers.change_percent("4", "5") == "25.0" and numbers.change_percent(6.4, 6.4) == "0.0"


def test_intervals_and_heterogeneity():
    assert numbers.ci(0.7307, 0.9162) == "95 % CI 73.1 to 91.6 %"
    assert numbers.ci(3.2149, 4.005, scale="mean") == "95 % CI 3.21 to 4.01"
    assert numbers.ci_text("6.2", "9.0") == "95 % CI 6.2 to 9.0 %"  # an old edition's text, kept
    assert numbers.interval(0.0625, 0.125) == "6.3 to 12.5"
    assert numbers.estimate(0.0625) == "6.3" and numbers.estimate(0.0625, "mean") == "0.06"
    assert (numbers.tau2(0.01235), numbers.i2(62.45), numbers.q(1.005), numbers.weight(12.25)) == (
        "0.0124",
        "62.5",
        "1.01",
        "12.3",
    )


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("<0.001", "p < 0.001"),
        ("<=0.05", "p ≤ 0.05"),
        (">=0.5", "p ≥ 0.5"),
        (">0.2", "p > 0.2"),
        ("=0.04", "p = 0.04"),
        ("0.03", "p = 0.03"),
        ("0.050", "p = 0.050"),  # as printed, never re-rounded
        ("", ""),
        (None, ""),
    ],
)
def test_p_values_as_the_source_printed_them(printed, expected):
    assert numbers.p_value(printed) == expected


@pytest.mark.parametrize(
    "p, expected",
    [(0.0005, "p < 0.001"), (0.001, "p = 0.001"), (0.0125, "p = 0.013"), (0.2, "p = 0.200"), (0.99951, "p = 1.000")],
)
def test_p_values_the_build_computes(p, expected):
    assert numbers.p_computed(p) == expected


def test_sd_pieces():
    assert numbers.sd("1.9") == "SD 1.9"
    assert numbers.mean_sd("6.1", "1.9") == "6.1 (SD 1.9)" and numbers.mean_sd("6.1", None) == "6.1"


def test_a_truth_value_is_not_a_number():
    with pytest.raises(TypeError):
        numbers.fixed(True, 1)


# ----------------------------------------------------------------------------- every events/n
def test_every_events_over_n_up_to_2000_prints_its_exact_half_up_percentage():
    wrong = [
        (e, n) for n in range(1, N_MAX + 1) for e in range(n + 1) if numbers.events_percent(e, n) != reference(e, n)
    ]
    assert wrong == []


def test_a_proportion_held_as_a_float_prints_as_its_exact_fraction():
    """The forest plot and the pooled results carry events/n as a float: it prints as the fraction.
    Every pair up to n = 1,000, and up to 2,000 the ties, their neighbours and the draw (sample()):
    a pair that is no tie lies at least 1/(2,000 n) from a rounding boundary, far beyond a float's
    error, so only a tie can print otherwise."""
    pairs = [(e, n) for n in range(1, N_MAX // 2 + 1) for e in range(n + 1)] + sample()
    wrong = [(e, n) for e, n in pairs if numbers.percent(e / n) != reference(e, n)]
    assert wrong == [] and len(pairs) > 500_000


def test_the_rule_this_replaces_fails_on_the_ties():
    """`:.1f` on the float (what the forest plot and what-changed printed) rounds 1,228 of the
    pairs with n < 2,000 differently, all of them ties: the checks above can fail."""
    old = [(e, n) for e, n in ties() if n < N_MAX and f"{e / n * 100:.1f}" != reference(e, n)]
    assert len(old) == 1228 and (1, 16) in old and (1, 80) in old
    assert len(ties()) == 3400


# ----------------------------------------------------------------------------- every place agrees
def test_sentences_and_sof_text_print_the_exact_percentage_and_the_shared_interval():
    shown = re.compile(
        r"^-1 % as printed \((\d+)/(\d+) patients is (\S+) %; (95 % CI \S+ to \S+ %) from the stated count\)$"
    )
    for e, n in sample():
        est = estimate(e, n)
        ci = numbers.ci(est["ci_low"], est["ci_high"])
        # "-1" is never reproduced, so the sentence prints what the stated count gives
        o = {"statistic": "percent", "value_text": "-1", "as_printed": True, "denominator": n}
        text = wording.display(o | {"denominator_unit": "patients"}, est)
        assert shown.match(text).groups() == (str(e), str(n), reference(e, n), ci), text
        assert wording.display({"statistic": "count", "events": e, "denominator": n}, est) == f"{e}/{n} ({ci})"


def test_the_response_chart_table_prints_the_sentences_interval():
    pairs = sample()
    groups = [
        {
            "study_id": "s",
            "timepoint": None,
            "categories": [{"outcome_id": f"{e}/{n}", "label": "x", "source_term": "x", "value_text": "1"}],
        }
        for e, n in pairs
    ]
    estimates = {f"{e}/{n}": estimate(e, n) for e, n in pairs}
    rows = figure_tables.response_table(groups, {}, estimates)
    for (e, n), row in zip(pairs, rows, strict=True):
        assert f"95 % CI {row['95 % CI']} %" == wording.ci_text(estimates[f"{e}/{n}"])


def test_the_forest_table_prints_the_sentences_percentage_and_interval():
    pairs = sample()
    rows = []
    for e, n in pairs:
        est = estimate(e, n)
        rows.append({"label": "s", "n_text": f"{e}/{n}", "weight": 0.25} | {k: est[k] for k in ("ci_low", "ci_high")})
        rows[-1]["estimate"] = est["proportion"]
    pooled = {"estimate_prop": 0.0625, "ci_low_prop": 0.0125, "ci_high_prop": 0.125, "pi_low_prop": None}
    table = figure_tables.forest_table(rows, pooled | {"pi_high_prop": None}, "proportion")
    for (e, n), row in zip(pairs, table, strict=False):
        ci = wording.ci_text(estimate(e, n))
        low, high = re.match(r"95 % CI (\S+) to (\S+) %", ci).groups()
        assert row["Estimate [95 % CI]"] == f"{reference(e, n)} [{low}, {high}]"
        assert row["Weight"] == "0.3 %"
    assert table[len(pairs)]["Estimate [95 % CI]"] == "6.3 [1.3, 12.5]"  # the pooled row, ties too


def test_pooled_results_and_what_changed_print_the_same_percentage():
    for e, n in sample()[::7]:
        est = estimate(e, n)
        result = {"estimate_prop": e / n, "ci_low_prop": est["ci_low"], "ci_high_prop": est["ci_high"], "k": 2}
        ci = numbers.ci(est["ci_low"], est["ci_high"])
        assert changes._pooled_text(result) == f"{reference(e, n)} % ({ci}), k = 2"
        entry = {"result": result | {"pi_low_prop": None, "i2": 12.25, "tau2": 0.00125}}
        assert wording.pooled_effect(entry) == f"Pooled {reference(e, n)} % ({ci}); I² = 12.3 %, τ² = 0.0013"


def test_what_changed_prints_the_registrys_interval_as_the_sentence_does():
    pairs = sample()[::5]
    outcomes = [
        {
            "outcome_id": f"o{i}",
            "study_id": "s",
            "label": "Pain response",
            "statistic": "count",
            "events": e,
            "denominator": n,
            "locator": "Table 2",
            "estimate": estimate(e, n),
        }
        for i, (e, n) in enumerate(pairs)
    ]
    context = {"modality_id": "m", "primary_studies": [], "reviews": [], "outcomes": outcomes, "patients": 0}
    context |= {"response_groups": [], "trajectories": {}, "pooled": [], "certainty": [], "sof": {"rows": []}}
    entries = {f["id"]: f for f in registry.figure_registry([context])}
    for o in outcomes:
        shown = changes._value(models.EditionFigure.model_validate(entries[f"{o['outcome_id']}:ci"]))
        assert shown == f"{o['events']}/{o['denominator']}; {wording.ci_text(o['estimate'])}"


def test_a_drawn_forest_plot_and_response_chart_print_their_tables():
    from briefing.present import figures

    pooled = {"estimate_prop": 0.0625, "ci_low_prop": 0.0125, "ci_high_prop": 0.125, "pi_low_prop": 0.0125}
    pooled |= {"pi_high_prop": 0.5, "tau2": 0.00125, "i2": 62.25, "q": 1.005, "q_df": 1, "q_p": 0.0125}
    rows = [
        {"label": "A", "estimate": 1 / 16, "ci_low": 0.01, "ci_high": 0.2, "n_text": "1/16", "weight": 62.25},
        {"label": "B", "estimate": 1 / 80, "ci_low": 0.002, "ci_high": 0.06, "n_text": "1/80", "weight": 37.75},
    ]
    (forest,) = figures.forest_figures("f", "t", rows, pooled, "proportion")
    cells = [v for row in forest.table for v in row.values() if v]
    assert cells[:8] == ["A", "1/16", "6.3 [1.0, 20.0]", "62.3 %", "B", "1/80", "1.3 [0.2, 6.0]", "37.8 %"]
    drawn = [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", forest.svg)]
    assert all(cell in drawn for cell in cells)
    assert forest.heterogeneity == "Heterogeneity: τ² = 0.0013; I² = 62.3 %; Q = 1.01, df = 1, p = 0.013"
    assert forest.heterogeneity in drawn
    group = {"study_id": "s", "timepoint": None, "categories": [{"outcome_id": "o", "label": "Complete"}]}
    group["categories"][0] |= {"source_term": "complete", "value": 6.25, "value_text": "6.25"}
    chart = figures.response_figure("r", [group], {}, {"o": estimate(1, 16)})
    assert chart.table[0]["95 % CI"] == numbers.interval(*effects.wilson(1, 16))
    assert "6.25 %" in re.findall(r"<text[^>]*>([^<]*)</text>", chart.svg)


def test_trajectories_print_the_change_from_the_figures_as_printed():
    rows = [
        {"study_id": "s", "domain": "pain_score", "measure": "NRS", "statistic": "mean", "time_days": d, "value": v}
        | {"outcome_id": f"o{d}", "value_text": str(v), "locator": "T1", "timepoint": f"day {d}"}
        for d, v in ((0, 8.0), (28, 7.9), (56, 2.0))
    ]
    (series,) = effects.trajectory(rows, "pain_score")
    assert [p["change_pct_text"] for p in series["points"]] == [None, "-1.3", "-75.0"]


# ----------------------------------------------------------------------------- the rule holds later
# Only numbers.py rounds. (The synthetic generator, bench/synthetic.py, is outside the package: it
# writes made-up source data as a source would print it, the input of a build.)
EXEMPT = {"numbers.py"}
PRECISION = re.compile(r"\.\d|[eEfFgG%]$")  # a format spec that rounds: ".1f", ".0%", "e"
PERCENT_FORMAT = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[eEfFgG]")


def offences(source: str) -> list[str]:
    """Where code rounds a number itself: a rounding format spec (f-string, str.format, format()),
    %-formatting of a float, round() to decimals or inside an f-string, Decimal's quantize or a
    ROUND_ mode."""
    tree = ast.parse(source)
    in_fstring = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        found += [f"line {getattr(node, 'lineno', '?')}: {what}" for what in _rounding(node, in_fstring)]
    return found


def _rounding(node: ast.AST, in_fstring: set[int]) -> list[str]:
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None and node.conversion == -1:
        spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
        return [f"format spec {spec!r}"] if PRECISION.search(spec) else []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        receiver = node.func.value
        if isinstance(receiver, ast.Constant) and isinstance(receiver.value, str):
            specs = [spec or "" for _, _, spec, _ in string.Formatter().parse(receiver.value)]
            return [f"str.format spec {s!r}" for s in specs if PRECISION.search(s)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        return ["%-format"] if PERCENT_FORMAT.search(str(node.left.value)) else []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("round", "format"):
        if node.func.id == "format" or len(node.args) + len(node.keywords) > 1 or id(node) in in_fstring:
            return [f"{node.func.id}()"]
    if isinstance(node, (ast.Attribute, ast.Name)):
        name = node.attr if isinstance(node, ast.Attribute) else node.id
        if name == "quantize" or name.startswith("ROUND_"):
            return [name]
    return []


@pytest.mark.parametrize(
    "snippet",
    [
        "x = f'{v:.1f}'",
        "x = f'{v:g}'",
        "x = f'{v * 100:.2f} %'",
        "x = f'{share:.0%}'",
        "x = f'{v:{width}.3f}'",
        "x = '%.1f' % v",
        "x = '{:.2f}'.format(v)",
        "x = format(v, '.1f')",
        "x = round(v, 1)",
        "x = f'{round(v)}'",
        "x = d.quantize(q, rounding=ROUND_HALF_EVEN)",
    ],
)
def test_the_scan_finds_rounding_outside_the_module(snippet):
    assert offences(snippet)


def test_the_scan_lets_layout_and_text_through():
    layout = [
        "x = f'{name:>10} {n} {v!r} {entry!r:.200}'",  # widths, and a long repr cut short
        "k = round(len(rows) / 3)",  # a whole number for an index, not printed
        "z = '{a} {b}'.format(a=1, b=2)",
        "w = '%s of %d' % (a, b)",
        "c = \"--config c='{confirm: true}'\"",
    ]
    assert offences("\n".join(layout)) == []


def test_no_module_but_numbers_rounds_a_printed_number():
    found = {
        str(path.relative_to(ROOT)): problems
        for path in sorted((ROOT / "workflow" / "briefing").rglob("*.py"))
        if path.name not in EXEMPT and (problems := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_template_rounds_a_number():
    for path in (ROOT / "templates").rglob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*(round|format)\b|%\.\d|\bformat\(", text), path
