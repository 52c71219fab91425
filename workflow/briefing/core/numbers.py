"""Every number the briefing prints, by one rule: half up at the precision shown.

A derived figure is rounded once, from its exact value, half up (a tie goes away from zero, so a
negative number is the mirror of its positive). The exact value of a float is the decimal it
prints as (`Decimal(repr(x))`: 0.0625 is 0.0625, not its binary neighbour); of a count over a
denominator it is the fraction itself. Text, figures, tables and the what-changed section call
these functions, so one figure never prints two ways (tests/test_numbers.py checks every
events/n with n up to 2,000). Stated figures are never re-rounded: they keep the text the source
printed.

Pure and stdlib only: the combining step imports it without the plotting stack.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from briefing.core import vocabulary

Number = int | float | Decimal | Fraction | str

# Decimals of each kind of derived figure.
PERCENT_PLACES = 1  # a percentage derived by the build (a proportion, its CI, a pooled proportion)
MEAN_PLACES = 2  # a pooled mean and its intervals
TAU2_PLACES = 4
I2_PLACES = 1
Q_PLACES = 2
WEIGHT_PLACES = 1
CHANGE_PLACES = 1  # percent change from baseline
P_PLACES = 3  # a p-value the build computes
P_FLOOR = Decimal("0.001")  # below this a computed p is printed as "p < 0.001"

_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(10)}

# How a qualifier of a stated figure is printed ("<=" in the data, "≤" on the page).
QUALIFIERS = {q.id: q.text for q in vocabulary.QUALIFIERS}


def exact(value: Number) -> Decimal | Fraction:
    """The exact value a figure stands for: a float as the decimal it prints as."""
    if isinstance(value, (Decimal, Fraction)):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool):
        raise TypeError("a truth value is not a number")
    return Decimal(value)


def declared(value: Number) -> str:
    """A value as a config declares it, without added or dropped decimals (5 -> "5", 2.5 -> "2.5"):
    a GRADE threshold is printed as the panel wrote it."""
    text = str(exact(value))
    return text[:-2] if text.endswith(".0") else text


def half_up(value: Number, places: int) -> Decimal:
    """`value` rounded half up (ties away from zero) to `places` decimals."""
    return Decimal(fixed(value, places))


def fixed(value: Number, places: int) -> str:
    """`value` with exactly `places` decimals, half up ("6.25", 1 -> "6.3"; 2, 2 -> "2.00")."""
    return _fixed(exact(value), places)


def _fixed(value: Decimal | Fraction, places: int) -> str:
    if isinstance(value, Fraction):
        return _ratio(value.numerator, value.denominator, places)
    quantum = _QUANTUM.get(places) or Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):f}"


def _ratio(numerator: int, denominator: int, places: int) -> str:
    """numerator/denominator (denominator > 0) half up, by integer arithmetic: exact, and fast
    enough for the millions of events/n the tests check."""
    units = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    digits = str(units).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return "-" + text if numerator < 0 else text  # "-0.0" for a small negative, as Decimal prints it


def decimals(text: str) -> int:
    """The decimals a source printed: "28.0" -> 1, "46" -> 0, "0.001" -> 3."""
    text = text.strip()
    return len(text.split(".")[1]) if "." in text else 0


# ----------------------------------------------------------------------------- percentages
def percent(fraction: Number, places: int = PERCENT_PLACES) -> str:
    """A proportion (0 to 1) as a percentage: 0.0625 -> "6.3". Give a Fraction for events/n."""
    return _fixed(exact(fraction) * 100, places)


def events_percent(events: int, n: int, places: int = PERCENT_PLACES) -> str:
    """events/n as a percentage, decided on the exact fraction: 1/16 -> "6.3", 1/80 -> "1.3"."""
    return _ratio(100 * events, n, places)


def reproduces(events: int, n: int, percent_text: str) -> bool:
    """Whether events/n rounds half up to the percentage at the precision it is printed with."""
    return half_up(Fraction(100 * events, n), decimals(percent_text)) == Decimal(percent_text)


def change_percent(baseline: Number, value: Number) -> str:
    """Percent change from baseline, from the exact figures: 8 -> 7.9 is "-1.3" (-1.25 %)."""
    start = Fraction(exact(baseline))
    return fixed((Fraction(exact(value)) - start) / start * 100, CHANGE_PLACES)


# ----------------------------------------------------------------------------- estimates
def mean(value: Number) -> str:
    """A pooled (derived) mean or a bound of its interval."""
    return fixed(value, MEAN_PLACES)


def estimate(value: Number, scale: str = "proportion") -> str:
    """A derived estimate on its scale: a proportion as a percentage, else a mean."""
    return percent(value) if scale == "proportion" else mean(value)


def interval(low: Number, high: Number, scale: str = "proportion") -> str:
    """ "73.1 to 91.6": the bounds of an interval, without a unit."""
    return f"{estimate(low, scale)} to {estimate(high, scale)}"


def ci_text(low_text: str, high_text: str, unit: str = "%") -> str:
    """ "95 % CI 73.1 to 91.6 %" from bounds already printed (a previous edition's, say)."""
    return f"95 % CI {low_text} to {high_text}" + (f" {unit}" if unit else "")


def ci(low: Number, high: Number, scale: str = "proportion") -> str:
    """ "95 % CI 73.1 to 91.6 %" for a proportion, "95 % CI 3.21 to 4.02" for a mean."""
    return ci_text(estimate(low, scale), estimate(high, scale), "%" if scale == "proportion" else "")


RATIO_PLACES = 2  # a ratio the build computes (risk ratio and its CI)


def ratio(value: Number) -> str:
    """A derived ratio or a bound of its CI: "1.47"."""
    return fixed(value, RATIO_PLACES)


def axis_ratio(value: Number) -> str:
    """A tick of a ratio axis, as plain as the value: 0.05 -> "0.05", 1 -> "1", 10.0 -> "10"."""
    return f"{Decimal(str(exact(value))).normalize():f}"


def per_thousand(value: Number) -> str:
    """An absolute difference per 1,000 people, whole people, sign kept: "267", "-24"."""
    return fixed(value, 0)


def risk_per_thousand(value: Number) -> str:
    """An anticipated risk per 1,000 people (0 to 1,000), whole people, with the thousands separator
    of "per 1,000": "840", "1,000"."""
    return f"{half_up(value, 0):,}"


def tau2(value: Number) -> str:
    return fixed(value, TAU2_PLACES)


def i2(value: Number) -> str:
    return fixed(value, I2_PLACES)


def q(value: Number) -> str:
    return fixed(value, Q_PLACES)


def weight(value: Number) -> str:
    """A study's weight in a pooled result, in percent."""
    return fixed(value, WEIGHT_PLACES)


# ----------------------------------------------------------------------------- p-values and SDs
def p_value(p: str | None) -> str:
    """A p-value as the source printed it: "<0.001" -> "p < 0.001", "0.03" -> "p = 0.03"."""
    if not p:
        return ""
    if p[0] in "<>=":
        op, rest = (p[:2], p[2:]) if p[:2] in ("<=", ">=") else (p[0], p[1:])
        return f"p {QUALIFIERS.get(op, op)} {rest}"
    return f"p = {p}"


def p_computed(p: Number) -> str:
    """A p-value the build computed: three decimals, or "p < 0.001" below that."""
    if exact(p) < P_FLOOR:
        return f"p < {P_FLOOR}"
    return f"p = {fixed(p, P_PLACES)}"


def sd(sd_text: str) -> str:
    """ "SD 1.9": a standard deviation as the source printed it."""
    return f"SD {sd_text}"


def mean_sd(value_text: str, sd_text: str | None) -> str:
    """ "6.1 (SD 1.9)", or the value alone when no SD is stated."""
    return f"{value_text} ({sd(sd_text)})" if sd_text else value_text


# ----------------------------------------------------------------------------- robustness of pooled results
STAT_PLACES = 2  # a test statistic (z, t, Q between) or a meta-regression coefficient
SLOPE_PLACES = 3


def change(value: Number, scale: str = "proportion") -> str:
    """A signed change of an estimate on its scale: "+1.2", "−0.8" (percentage points for a
    proportion); a change that rounds to zero prints "0.0"."""
    text = estimate(abs(Decimal(str(exact(value)))), scale)
    if not text.strip("0."):
        return text
    return ("+" if exact(value) > 0 else "−") + text


def statistic(value: Number) -> str:
    return fixed(value, STAT_PLACES)


def slope(value: Number) -> str:
    """A meta-regression coefficient on the analysis scale (a logit or a mean per covariate unit)."""
    return fixed(value, SLOPE_PLACES).replace("-", "−")
