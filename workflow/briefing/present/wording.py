"""Every sentence and phrase the briefing prints, built here from values the other modules
compute: an outcome as a reader sees it, a study in one sentence, a GRADE conclusion, a row of the
summary of findings, the bottom line and the limitations. Numbers go through `numbers`, the words
of the domain come from `vocabulary`; nothing here decides what is shown, only how it is said.

Plain text only, no plotting or statistics, so that combining does not import the plotting stack.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from briefing.core import numbers
from briefing.core.vocabulary import (
    DESIGNS,
    DIRECTIONS,
    DOMAINS,
    EFFECT_MEASURES,
    FACTORS,
    FINDINGS,
    STATISTICS,
    UNITS,
    Statistic,
    statistic_of,
)

if TYPE_CHECKING:
    from briefing.schema.models import EstimatorRow, LooRow

if TYPE_CHECKING:
    from briefing.schema.models import ResponseGroup

if TYPE_CHECKING:
    from briefing.schema.models import SubgroupSpec

if TYPE_CHECKING:
    from briefing.schema.models import ImportanceRecord

if TYPE_CHECKING:
    from briefing.schema.models import DescribedComparison

if TYPE_CHECKING:
    from briefing.schema.models import StatedComparison

if TYPE_CHECKING:
    from briefing.schema.models import Arm, DescribedOutcome, Estimate, Number, Outcome, Study

if TYPE_CHECKING:
    from briefing.grade.risk_of_bias import Share
    from briefing.surveil.surveillance_flow import EvidenceBase

# ----------------------------------------------------------------------------- words
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def count_words(n: int) -> str:
    return NUMBER_WORDS.get(n, str(n))


def lower_first(text: str) -> str:
    """Lower-case the first letter of ordinary words, not of abbreviations (NRS, CT-guided) nor of
    a proper name in title case ("Hospital Anxiety and Depression Scale")."""
    head = text.split(",")[0].split("(")[0]  # the name itself, not what a label adds after it
    words = [w for w in head.split()[1:] if len(w) > 3 and w.isalpha()]  # not "and", "of"
    name = bool(words) and all(w[0].isupper() and w[1:].islower() for w in words)
    # A first word with a capital inside it is a name ("Roland-Morris", "McGill"), never lowered.
    first = head.split()[0] if head.split() else ""
    name = name or any(c.isupper() for c in first[1:])
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() and not name else text


def domain_label(domain: str) -> str:
    return DOMAINS[domain].label


def p_text(p: str | None) -> str:
    return numbers.p_value(p)


def design_counts(primary: list[Study]) -> dict[str, int]:
    """Primary studies per design, in the order the designs first occur."""
    return dict(Counter(s["design"] for s in primary))


def design_phrase(design: str, n: int) -> str:
    """ "one cohort study", "45 case series"."""
    entry = DESIGNS[design]
    return f"{count_words(n)} {entry.singular if n == 1 else entry.plural}"


def design_summary(primary: list[Study]) -> str:
    parts = [design_phrase(d, n) for d, n in design_counts(primary).items()]
    return ", ".join(parts) if parts else "no primary study"


def body_label(domain: str, comparator_arms: list[str]) -> str:
    """A body of evidence's name: its outcome domain's label, and for a comparison what it is
    against (", against <the comparator arms' labels>")."""
    against = f", against {' or '.join(dict.fromkeys(comparator_arms))}" if comparator_arms else ""
    return domain_label(domain) + against


def body_participants(by_study: dict[str, int | None], members: list[Study]) -> str:
    """A body of evidence's number of patients as GRADEpro's profile prints it beside the design,
    counted one way everywhere: "101", "not stated (68 enrolled)", "at least 58; not stated for 1
    study". The numbers are body_participant_counts'."""
    counts = body_participant_counts(by_study, members)
    unstated = sum(1 for n in by_study.values() if not n)
    if "participants" in counts:
        return str(counts["participants"])
    if "stated" in counts:
        return f"at least {counts['stated']}; not stated for {unstated} {'study' if unstated == 1 else 'studies'}"
    return f"not stated ({counts['enrolled']} enrolled)" if "enrolled" in counts else "not stated"


def body_participant_counts(by_study: dict[str, int | None], members: list[Study]) -> dict[str, int]:
    """The numbers body_participants prints: every study's patients ("participants"); else the sum
    of those stated ("stated"); else, none stated, the studies' enrolled ("enrolled") if all say."""
    known = [n for n in by_study.values() if n]
    if known:
        return {"participants" if len(known) == len(by_study) else "stated": sum(known)}
    enrolled = [s.get("patients") for s in members]
    stated = [n for n in enrolled if n]
    return {"enrolled": sum(stated)} if enrolled and len(stated) == len(enrolled) else {}


# ----------------------------------------------------------------------------- sentences
def study_count_phrase(primary: list[Study]) -> str:
    """ "three primary studies (one cohort study, two case series; 120 patients in total)"."""
    patients = sum(st.get("patients") or 0 for st in primary)
    parts = [design_phrase(d, n) for d, n in sorted(design_counts(primary).items())]
    noun = "study" if len(primary) == 1 else "studies"
    return f"{count_words(len(primary))} primary {noun} ({', '.join(parts)}; {patients} patients in total)"


# ----------------------------------------------------------------------------- outcomes
def ci_text(est: Estimate) -> str:
    return numbers.ci(est["ci_low"], est["ci_high"])


def whole_trial(arms: int) -> str:
    """ "whole trial (both arms)": a comparative study's figure of all its patients together."""
    return f"whole trial ({'both arms' if arms == 2 else f'all {count_words(arms)} arms'})"


def group_prefix(o: Outcome) -> str:
    """ "surgery and radiotherapy: ", "whole trial (both arms): " or "": whose figure it is, before it."""
    who = o.get("arm_label") or o.get("whole_trial")
    return f"{who}: " if who else ""


def outcome_label(o: Outcome) -> str:
    """ "Able to walk after treatment, surgery and radiotherapy arm, subgroup unable to walk at entry, week 4"."""
    # Whose figure it is: added to the row by summary._group_of.
    arm_label, whole = o.get("arm_label"), o.get("whole_trial")
    arm = f", {arm_label} arm" if arm_label else f", {whole}" if whole else ""
    subgroup = f", subgroup {o['subgroup']}" if o.get("subgroup") else ""
    # A cumulative incidence names its time point in its figure ("12.35 % at 1 year"): not twice.
    timed = o.get("timepoint") and not statistic_of(o).at_timepoint
    when = f", {o['timepoint']}" if timed else ""
    return f"{o['measure']}{arm}{subgroup}{when}"


def comparison_scope(c: StatedComparison | dict[str, Any], arms: dict[str, Arm]) -> str:
    """ "after treatment; surgery and radiotherapy against radiotherapy alone": what a comparison
    between arms is of, beside its outcome's name (the comparisons table's first column)."""
    when = c.get("timepoint") or "time point not stated"
    subgroup = f"; subgroup {c['subgroup']}" if c.get("subgroup") else ""
    return f"{when}{subgroup}; {arms[c['arm_id']]['label']} against {arms[c['comparator_arm_id']]['label']}"


def computed_comparison(c: dict[str, Any], arms: dict[str, Arm]) -> str:
    """ "RR 1.47 (95 % CI 1.15 to 1.89), computed from 42/50 and 29/51; with radiotherapy alone 569
    per 1,000, 267 more per 1,000 (95 % CI 86 more to 506 more) with surgery and radiotherapy"
    (derived by the build): the effect only, its outcome and arms are named beside it."""
    (ai, n1), (ci_, n2) = c["counts"]
    a = c["absolute"]
    text = f"{c['effect_measure']} {numbers.ratio(c['ratio'])} "
    text += f"(95 % CI {numbers.ratio(c['ci_low'])} to {numbers.ratio(c['ci_high'])}), computed from {ai}/{n1} "
    text += f"and {ci_}/{n2}" + ("; 1/2 added to each cell for a zero count" if c["zero_cell"] else "")
    control, treated = arms[c["comparator_arm_id"]]["label"], arms[c["arm_id"]]["label"]
    text += f"; with {control} {numbers.per_thousand(Fraction(ci_ * 1000, n2))} per 1,000, "
    low, high = _more_or_fewer(a["difference_low"]), _more_or_fewer(a["difference_high"])
    capped = ", a bound capped where the risk would pass 1,000 per 1,000" if a["capped"] else ""
    return text + f"{_more_or_fewer(a['difference'])} per 1,000 (95 % CI {low} to {high}{capped}) with {treated}"


def computed_difference(c: dict[str, Any]) -> str:
    """ "MD -0.83 points (NRS 0–10) (95 % CI -1.53 to -0.13), computed from means 3.00 (SD 3.34;
    n = 209) and 3.83 (SD 2.97; n = 130)" (derived by the build): the effect only."""
    (m1, s1, n1), (m2, s2, n2) = c["means"]
    text = f"MD {numbers.mean(c['difference'])} {c['unit_text']} "
    text += f"(95 % CI {numbers.mean(c['ci_low'])} to {numbers.mean(c['ci_high'])}), "
    return text + f"computed from means {m1} (SD {s1}; n = {n1}) and {m2} (SD {s2}; n = {n2})"


def _higher_or_lower(value: float) -> str:
    return f"{numbers.mean(abs(value))} {'higher' if value >= 0 else 'lower'}"


def difference_sof_texts(row: dict[str, Any], arms: dict[str, Arm]) -> dict[str, str]:
    """GRADEpro's words for a continuous outcome: the comparator's mean, and the mean difference
    ("0.83 points lower (1.53 lower to 0.13 lower)"); no relative effect."""
    means = row["comparator_means"]
    comparator = f"mean {means[0]}" if len(means) == 1 else f"means {', '.join(means)}"
    value = row["difference"]
    difference = f"MD {numbers.mean(abs(value))} {row['unit_text']} {'higher' if value >= 0 else 'lower'} "
    difference += f"({_higher_or_lower(row['ci_low'])} to {_higher_or_lower(row['ci_high'])})"
    if row["pooled"]:
        difference += f"; pooled, {len(row['study_ids'])} trials, I² = {numbers.i2(row['pooled']['i2'])} %"
        difference += ", Knapp–Hartung CI" if row["pooled"]["knapp_hartung"] else ""
    return {
        "intervention": arms[row["arm_id"]]["label"],
        "comparator": arms[row["comparator_arm_id"]]["label"],
        "relative": "not applicable (a mean difference)",
        "comparator_risk": f"{comparator} {row['unit_text']}",
        "difference_text": difference,
    }


def comparative_sof_texts(row: dict[str, Any], arms: dict[str, Arm]) -> dict[str, Any]:
    """The words of a comparative summary-of-findings row in GRADEpro's columns: relative effect,
    risk with the comparator (and which: the assumed comparator risk), risk with the intervention
    and risk difference with the intervention, each per 1,000 with its 95 % CI."""
    a = row["absolute"]
    relative = f"RR {numbers.ratio(row['ratio'])} ({numbers.ratio(row['ci_low'])} to {numbers.ratio(row['ci_high'])})"
    if row["pooled"]:
        relative += f"; pooled, {len(row['study_ids'])} trials, I² = {numbers.i2(row['pooled']['i2'])} %"
        relative += ", Knapp–Hartung CI" if row["pooled"]["knapp_hartung"] else ""
    numerator, denominator = row["assumed_risk"]
    low, high = _more_or_fewer(a["difference_low"]), _more_or_fewer(a["difference_high"])
    capped = "; a bound capped at 1,000 per 1,000" if a["capped"] else ""
    risks = [numbers.risk_per_thousand(a[k] * a["per"]) for k in ("risk", "risk_low", "risk_high")]
    return {
        "intervention": arms[row["arm_id"]]["label"],
        "comparator": arms[row["comparator_arm_id"]]["label"],
        "relative": relative,
        "comparator_risk": f"{numbers.per_thousand(Fraction(numerator * 1000, denominator))} per 1,000",
        "comparator_basis": _assumed_risk_basis(row["comparator_arms"], len(row["study_ids"])),
        "intervention_risk": f"{risks[0]} per 1,000 ({risks[1]} to {risks[2]}{capped})",
        "difference": f"{_more_or_fewer(a['difference'])} per 1,000 ({low} to {high}{capped})",
        "baseline_texts": [_at_baseline(b) for b in row.get("baselines", [])],
    }


def _assumed_risk_basis(control_arms: list[list[int]], trials: int) -> str:
    """Which comparator risk the row assumes (comparative.assumed_risk): "the trial's comparator
    arm, 29/51", or "median of 3 trials' comparator arms"."""
    if len(control_arms) == 1:
        (events, n), *_ = control_arms
        return f"the trial's comparator arm, {events}/{n}"
    k = len(control_arms)
    of = f"{k} trials' comparator arms" if k == trials else f"{k} comparator arms, {trials} trials"
    text = f"median of {of}"
    return text + ("" if k % 2 else "; the mean of the two" if k == 2 else "; the mean of the middle two")


def _at_baseline(b: dict[str, Any]) -> str:
    """ "At a stated risk of 300 per 1,000 (whose; source, locator): 143 more per 1,000 (40 more to
    279 more)": GRADE's absolute effect at a baseline risk other than the trials' comparator's."""
    a = b["absolute"]
    risk = numbers.per_thousand(Fraction(b["value_text"]) * 10)
    low, high = _more_or_fewer(a["difference_low"]), _more_or_fewer(a["difference_high"])
    capped = "; a bound capped at 1,000 per 1,000" if a["capped"] else ""
    return (
        f"At a stated risk of {risk} per 1,000 ({b['population']}; {b['source']}, {b['locator']}): "
        f"{_more_or_fewer(a['difference'])} per 1,000 ({low} to {high}{capped})"
    )


def _more_or_fewer(difference: float) -> str:
    shown = numbers.per_thousand(abs(difference))
    return f"{shown} {'more' if difference >= 0 else 'fewer'}"


def stated_comparison(c: StatedComparison) -> str:
    """ "OR 6.2 (95 % CI 2.0 to 19.8); p = 0.001", figures as printed: the effect only, its outcome
    and arms are named beside it (comparison_scope)."""
    measure = c.get("effect_measure")
    assert measure is not None  # worded so only with one (summary._comparison_text)
    text = f"{EFFECT_MEASURES[measure].id} {c['value_text']}"
    if c.get("ci_low_text"):
        text += f" (95 % CI {c['ci_low_text']} to {c['ci_high_text']})"
    if c.get("p_value"):
        text += f"; {p_text(c['p_value'])}"
    return text


def crude_ratio_comment(c: StatedComparison, crude: dict[str, Any]) -> str:
    """ "The source's OR 6.2 differs from the crude OR 3.98 computed from the arms' counts (42/50
    against 29/51); the source does not say whether its figure is adjusted." (comparative.crude_ratio):
    the data's note instead, where it says what the figure is adjusted for."""
    stated = c.get("effect_measure")
    assert stated is not None  # a crude ratio is computed only beside a stated OR or RR
    measure = EFFECT_MEASURES[stated].id
    (a, n1), (b, n2) = crude["counts"]
    zero = "; 1/2 added to each cell for a zero count" if crude["zero_cell"] else ""
    text = f"The source's {measure} {c['value_text']} differs from the crude {measure} "
    text += f"{numbers.ratio(crude['ratio'])} computed from the arms' counts ({a}/{n1} against {b}/{n2}{zero}); "
    note = (c.get("note") or "").strip()
    if "adjust" in note.lower():
        return text + f"its note: “{note.rstrip('.')}”."
    return text + "the source does not say whether its figure is adjusted."


def display(o: Outcome, est: Estimate | None) -> str:
    """The outcome as a reader sees it: the figure as the source states it, then what the build
    computed from it (marked as derived)."""
    statistic = STATISTICS[o["statistic"]]
    if statistic.of_denominator:
        text = _percent_display(o, est)
    elif statistic.counts:
        text = count_text(o) + (f" ({ci_text(est)})" if est else "")
    elif not statistic.figures:
        direction = o.get("direction")
        assert direction is not None, "a figure without figures states its direction (validation)"
        text = DIRECTIONS[direction].text + " (no figures reported)"
    else:
        text = _stated_display(o, statistic)
    if not statistic.share and o.get("denominator"):
        text += f"; n = {o['denominator']} {o.get('denominator_unit') or ''}".rstrip()
    p = p_text(o.get("p_value"))
    if p:
        text += f", {p}"
    return text


def _percent_display(o: Outcome, est: Estimate | None) -> str:
    """A percent as printed, then its count and Wilson CI (or why there is none)."""
    value = o.get("value_text")
    text = f"{value} %"
    if (
        est
        and o.get("as_printed")
        and not o.get("value_qualifier")
        and not numbers.reproduces(est["events"], est["n"], _printed(value))
    ):
        exact = numbers.events_percent(est["events"], est["n"])
        text += (
            f" as printed ({est['events']}/{est['n']} {o.get('denominator_unit') or ''} is {exact} %; "
            f"{ci_text(est)} from the stated count)"
        ).replace("  ", " ")
    elif est:
        mark = ", count derived" if est["count_derived"] else ""
        text += f" ({est['events']}/{est['n']} {o.get('denominator_unit') or ''}{mark}; {ci_text(est)})".replace(
            " ;", ";"
        )
    elif o.get("value_qualifier") or not o.get("denominator"):
        text += unestimated_percent(o)
    else:
        text += f" of {o['denominator']} (no whole count reproduces the percentage; no CI shown)"
    return text


def _printed(value_text: str | None) -> str:
    assert value_text is not None, "a percent as printed has the text it is printed with"
    return value_text


def _stated_display(o: Outcome, statistic: Statistic) -> str:
    """A stated figure in its statistic's words ("mean 6.2 points (SD 1.1)"), with what it carries."""
    unit = o.get("unit") or ""
    words = o.get("unit_text") or (UNITS[unit].text if unit in UNITS else unit)
    text = statistic.display.format(value=range_value(o), unit=words).replace("  ", " ").strip()
    first, _, rest = text.partition(" ")
    if rest and first.lower() in o["measure"].lower().split():  # "Earliest pain relief: ≤ 24 hours"
        text = rest
    sd_text = o.get("sd_text")
    if statistic.mean and sd_text:
        text += f" ({numbers.sd(sd_text)})"
    if statistic.ratio:
        text += ratio_groups(o)
    return text + stated_extras(o)


def review_arm(o: Outcome) -> str:
    """A systematic review's pooled arm as the review states it, with its counts summed over the
    review's studies ("67 % (884/1321 patients over the review's studies)"): context for the
    review's effect, never a CI, which would take patients of several studies as one sample."""
    events, n = o.get("events"), o.get("denominator")
    statistic = STATISTICS[o["statistic"]]
    if not statistic.share or events is None or not n:
        return display(o, None)
    count = f"{events}/{n} {o.get('denominator_unit') or ''}".strip() + " over the review's studies"
    return f"{o['value_text']} % ({count})" if statistic.of_denominator else count


def ratio_groups(o: Outcome) -> str:
    """A ratio's groups, and what the source says of its direction: ", moderate HFRT versus higher
    daily doses (the source reports re-irradiation more often with moderate HFRT; ...)". A ratio
    whose direction the source's words contradict says so where it is printed, not in a comment."""
    comparison = o.get("comparison") or ""
    text = f", {comparison}" if comparison else " (groups not stated)"
    first, _, second = comparison.partition(" versus ")
    direction, value = o.get("direction"), o.get("value")
    if direction in ("increase", "decrease") and value is not None and value != 1 and second:
        more = direction == "increase"
        text += f" (the source reports {o['measure'].lower()} {'more' if more else 'less'} often with {first}"
        if (value > 1) != more:
            text += (
                f"; a ratio {'below' if value < 1 else 'above'} 1 says the opposite unless {second} is the "
                "reference group, which it does not state"
            )
        text += ")"
    return text


def finding(o: Outcome, est: Estimate | None) -> str:
    """ "Complete pain relief, week 4: 46 % (...)": an outcome with its label."""
    return f"{outcome_label(o)}: {display(o, est)}"


def reported_categories(group: ResponseGroup) -> str:
    """A study's response categories as reported, without a denominator."""
    text = ", ".join(f"{c['label'].lower()} {c['value_text']} %" for c in group["categories"])
    if group["derived_overall"]:
        text += f"; overall (complete + partial, derived) {group['derived_overall']['value_text']} %"
    whose = [w for w in (group.get("group"), f"subgroup {group['subgroup']}" if group.get("subgroup") else None) if w]
    return (
        sentence_start(f"{', '.join(whose)}: {text}" if whose else text) + " (denominator not stated; no CI computable)"
    )


def subgroup_headline(text: str, study: str, patients: int | None) -> str:
    """A subgroup's figure as a headline: labelled, beside its trial's whole group."""
    whole = f"was {patients} patients" if patients else "is not stated"
    return f"{text} (a subgroup of {study}, whose whole group {whole})"


def join_and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def name_in_sentence(name: str) -> str:
    """A name inside a sentence: lower case when only its first letter is a capital ("Spinal
    radiosurgery"), kept when it holds an abbreviation ("Hemibody RT")."""
    return name.lower() if name[1:].islower() else name


def sentence_start(text: str) -> str:
    """The first letter upper-cased, the rest kept ("REML" stays "REML")."""
    return text[:1].upper() + text[1:]


def series_key(o: Outcome) -> tuple[str, str, str] | None:
    """One group's repeated measure: its measure, arm (or whole trial) and subgroup; None without a time."""
    if o.get("time_days") is None:
        return None
    return o["measure"], o.get("arm_id") or "", o.get("subgroup") or ""


def _group(o: Outcome) -> tuple[str, str, str]:
    """The group a figure is of, whether or not it has a day: its measure, arm and subgroup."""
    return o["measure"], o.get("arm_id") or "", o.get("subgroup") or ""


def _untimed_of(o: Outcome, outcomes: list[Outcome]) -> tuple[str, str, str] | None:
    """The series a figure at a named time without a day belongs to ("last available follow-up"):
    its group's, when that group has figures at two days or more; else None."""
    if o.get("time_days") is not None or not o.get("timepoint"):
        return None
    key = _group(o)
    series = [x for x in outcomes if series_key(x) == key]
    days = [x["time_days"] for x in series]
    # As study_sentence tells a series; a crude share beside cumulative incidences (Sahgal 2013)
    # is another statistic, not the series' last point.
    alike = all(x["statistic"] == o["statistic"] for x in series)
    return key if alike and len(set(days)) == len(days) > 1 else None


def _day(o: Outcome) -> Number:
    """The day of a figure of a series (series_key: each has one), to order the series by."""
    day = o["time_days"]
    assert day is not None, "a figure of a series has its day"
    return day


def series_label(o: Outcome) -> str:
    """ "pain score (NRS 0-10), 8 Gy in one fraction arm": a series named by its measure and group."""
    return lower_first(outcome_label(o | {"timepoint": None}))


def trajectory_phrase(
    points: Sequence[Outcome],
    with_measure: bool = True,
    label: str | None = None,
    untimed: Sequence[Outcome] = (),
) -> str:
    """A repeated measure in one phrase: its first and its last time point, and whether the
    number assessed at them is stated. The group's figures at a time with no day (`untimed`, "last
    available follow-up") follow them, and the last timed point is then not called the last."""

    def at(o: Outcome) -> str:
        # "3.43 before radiotherapy", "1.5 at 1 month after radiotherapy", "2.6 (SD 0.8) at week 2"
        when, value_text = o["timepoint"], o["value_text"]
        assert when is not None and value_text is not None, "a point of a series is a figure at a named time"
        # A time point that is itself an adverb ("preoperatively", Tseng 2008) takes no "at" either.
        first = when.split()[0].lower()
        adverb = first.endswith("ly") and " " not in when.strip()
        joined = " " if first in ("before", "after", "during", "at", "within", "on") or adverb else " at "
        return f"{numbers.mean_sd(value_text, o.get('sd_text'))}{joined}{when}"

    # The first and the last time point reported: never a lowest point picked after seeing the
    # data (the series is in the chart and its table).
    first, last = points[0], points[-1]
    parts = [at(first), at(last) + (", the last time point reported" if len(points) > 2 and not untimed else "")]
    parts += [f"and {at(o)}" for o in untimed]
    # How a series' statistic is named beside it ("pain score (mean): ..."); a percentage has none.
    statistic = STATISTICS[first["statistic"]].word if first["statistic"] in STATISTICS else ""
    unit = first.get("unit") or ""
    if unit and unit not in first["measure"]:
        statistic = f"{statistic}, {unit}" if statistic else unit
    p = p_text(last.get("p_value"))
    if any(not o.get("denominator") for o in [*points, *untimed]):
        p = "number assessed not stated" + (f"; {p}" if p else "")
    text = (
        f"{statistic[0].upper() + statistic[1:]}: {', '.join(parts)}"
        if not with_measure
        else f"{label or lower_first(first['measure'])} ({statistic}): {', '.join(parts)}"
    )
    return text + (f" ({p})" if p else "")


def study_sentence(
    s: Study,
    outcomes: list[Outcome],
    estimates: dict[str, Estimate],
    comparisons: Sequence[DescribedComparison] = (),
) -> str:
    """One study in a sentence: its size, treatment and figures; a trial whose abstract states only
    between-arm results (Elhawwari 2012) is said to report them, in the comparisons' own words."""
    design = DESIGNS[s["design"]].singular
    article = "an" if design[0] in "aeiou" else "a"
    size = f"{s['patients']} patients" if s.get("patients") is not None else PATIENTS_NOT_STATED
    if s.get("lesions"):
        size += f" with {s['lesions']} lesions"
    treatment = s.get("regimen")
    regimen = f" treated with {lower_first(treatment)}" if treatment else ""
    findings = []
    done: set[tuple[str, str, str]] = set()
    series_of = {series_key(o) for o in outcomes} - {None}
    for o in outcomes:
        key = series_key(o)
        series = sorted((x for x in outcomes if key and series_key(x) == key), key=_day)
        # A series is one group's figure at several time points: two arms at one time point are two
        # figures, each named by its arm, never a course over time.
        if key and len({x["time_days"] for x in series}) == len(series) > 1:
            if key not in done:
                done.add(key)
                untimed = [x for x in outcomes if _untimed_of(x, outcomes) == key]
                findings.append(trajectory_phrase(series, label=series_label(series[0]), untimed=untimed))
            continue
        if _untimed_of(o, outcomes) in series_of:
            continue  # said with its group's series (Spine cryoablation series 2021's last follow-up)
        findings.append(f"{lower_first(outcome_label(o))}: {display(o, estimates.get(o['outcome_id']))}")
    unstated = s.get("patients") is None
    named = f"{s['short_name']}; {size})" if unstated else f"{s['short_name']}) of {size}"
    opening = f"In {article} {design} ({named}{regimen}"
    if not findings and comparisons:
        between = [f"{lower_first(c['measure'])}, {c['scope']}: {c['text']}" for c in comparisons]
        return f"{opening}, the authors reported between the arms: " + "; ".join(between) + "."
    if not findings:  # kept without figures (curation.studies_without_outcomes)
        return f"{opening}: its figures are not in this briefing's data yet."
    return f"{opening}, the authors reported " + "; ".join(findings) + "."


# ----------------------------------------------------------------------------- GRADE
# GRADE's standard phrasing for a conclusion at each level (Santesso et al. 2020, informative
# statements): "results in", "probably results in", "may result in", "very uncertain".
CONCLUSION = {
    "high": "{treatment} {verb_s} {outcome}",
    "moderate": "{treatment} probably {verb} {outcome}",
    "low": "{treatment} may {verb} {outcome}",
    "very low": "The evidence is very uncertain about the effect of {treatment} on {outcome}",
}


# GRADE's informative statements for a comparison (Santesso et al., J Clin Epidemiol 2020), by
# certainty and by the direction the result points: never "may relieve" for a result that is worse.
COMPARISON_CONCLUSION = {
    "high": "{treatment} {verb_s} {outcome} compared with {comparator}",
    "moderate": "{treatment} probably {verb} {outcome} compared with {comparator}",
    "low": "{treatment} may {verb} {outcome} compared with {comparator}",
    "very low": (
        "The evidence is very uncertain about the effect of {treatment} on {outcome} compared with {comparator}"
    ),
}
DIRECTION_VERBS = {
    "increase": ("increase", "increases"),
    "reduce": ("reduce", "reduces"),
    "no_difference": ("result in little to no difference in", "results in little to no difference in"),
    None: ("make a difference of unstated direction to", "makes a difference of unstated direction to"),
}


def comparison_conclusion(
    rating: dict[str, Any] | None, treatment: str, comparator: str, outcome: str, direction: str | None
) -> str:
    """A comparison's conclusion in GRADE's words, with the direction its result points
    (comparative.direction): "Radiosurgery may reduce pain response at 3 months compared with ..."."""
    if not rating or not rating["level"]:
        return sof_conclusion(rating, treatment, "", outcome)
    verb, verb_s = DIRECTION_VERBS[direction]
    text = COMPARISON_CONCLUSION[rating["level_text"]].format(
        treatment=treatment, comparator=comparator, outcome=lower_first(outcome), verb=verb, verb_s=verb_s
    )
    return text[0].upper() + text[1:] + "."


# What each level means, in the GRADE Working Group's words (Balshem et al., J Clin Epidemiol 2011).
MEANING = {
    "high": "we are very confident that the true effect lies close to the estimate",
    "moderate": (
        "the true effect is likely to be close to the estimate, but there is a possibility that it is substantially "
        "different"
    ),
    "low": "the true effect may be substantially different from the estimate",
    "very low": "the true effect is likely to be substantially different from the estimate",
}


# The same levels for the results of one treated group (a series, a cohort, an arm read alone): they
# show what happened after the treatment, not its effect, which needs a comparison group.
CONCLUSION_AFTER = {
    "high": "After {treatment}, {outcome}: the true values lie close to the figures shown",
    "moderate": "After {treatment}, {outcome}: the true values are probably close to the figures shown",
    "low": "After {treatment}, {outcome}: the true values may be substantially different from the figures shown",
    "very low": "After {treatment}, {outcome}: the evidence is very uncertain",
}


def conclusion_after(level_text: str, treatment: str, outcome: str) -> str:
    """ "After hypofractionated external-beam radiotherapy, pain: the evidence is very uncertain." """
    return CONCLUSION_AFTER[level_text].format(treatment=treatment, outcome=outcome) + "."


def importance_method(levels: list[str], record: ImportanceRecord | None) -> str:
    """The Methods entry on outcome importance: who rated it and when, from the config's record
    (analysis.importance_record); "before the results were read" only where the record says so."""
    if not record:
        who = ", by whom and when not recorded"
    else:
        who = f" by {record['rated_by']} on {record['date']} (recorded in {record['source']})"
        who += ", before the results were read" if record.get("before_results") else ""
    return (
        f"outcomes were rated for their importance to the decision{who} ("
        + "; ".join(levels)
        + "). Each modality's summary of findings lists its outcomes in that order and has a row for every "
        'critical outcome, "not reported" where no study reports it'
    )


def single_group_conclusion(rating: dict[str, Any] | None, treatment: str, domain: str, outcome_name: str) -> str:
    """A summary-of-findings conclusion for single-group results: never an "effect". A row whose
    body of evidence is a comparison between arms keeps GRADE's effect statement."""
    if not rating or not rating["level"] or rating.get("comparator_id"):
        return sof_conclusion(rating, treatment, domain, outcome_name)
    phrase = DOMAINS[domain].phrase
    return conclusion_after(rating["level_text"], treatment, phrase[0] if phrase else lower_first(outcome_name))


def conclusion(
    level_text: str, treatment: str, outcome: str, verb: str = "result in", verb_s: str = "results in"
) -> str:
    text = CONCLUSION[level_text].format(treatment=treatment, outcome=outcome, verb=verb, verb_s=verb_s)
    return text[0].upper() + text[1:] + "."


def judgement_text(factor: str, judgement: int | None) -> str:
    """GRADE's words for one judgement; publication bias is "undetected" or "strongly suspected"
    (GRADE's own terms), never "not serious"."""
    if judgement is None:
        return "not judged"
    if factor == "publication_bias":
        return "undetected" if judgement == 0 else f"strongly suspected ({judgement})".replace("-", "−")
    if judgement == 0:
        return "not serious" if FACTORS[factor].direction == "down" else "none"
    if FACTORS[factor].direction == "down":
        return "serious (−1)" if judgement == -1 else "very serious (−2)"
    return f"rated up (+{judgement})"


def inconsistency_reason(i2: float | None, judgement: int) -> str:
    """Why the build proposes this judgement on inconsistency; i2 None: a single study."""
    if i2 is None:
        return "A single study, so consistency cannot be judged."
    what = {-2: "considerable", -1: "substantial", 0: "no important"}[judgement]
    return f"I² = {numbers.i2(i2)} %, {what} heterogeneity."


def not_assessed(rating: dict[str, Any]) -> str:
    """Why a body of evidence has no certainty: the domains nobody judged (issue 30, item 4)."""
    missing = rating["missing"]
    return (
        f"Certainty not assessed: {join_and(missing)} {'is' if len(missing) == 1 else 'are'} not yet judged, and no "
        "level is given before all five GRADE domains are; the figures are reported as stated."
    )


def certainty_sentence(
    rating: dict[str, Any], modality_name: str, measures: list[str] | None = None, single_group: bool = False
) -> str:
    """ "Certainty of the evidence on toxicity (radiation myelitis only): very low (⊕◯◯◯). The
    evidence is very uncertain about the effect of ... on radiation myelitis." Scoped to the
    outcomes actually measured, never the whole domain they belong to."""
    label = domain_label(rating["domain"]).lower()
    # The measures, unless one of them only repeats the domain's name ("pain score (NRS 0-10)").
    measures = sorted({lower_first(m) for m in measures or []})
    measures = [] if any(m.lower().startswith(label) for m in measures) else measures
    scope = f"{label} ({', '.join(measures)}{' only' if len(measures) == 1 else ''})" if measures else label
    outcome = measures[0] if len(measures) == 1 else label
    against = rating.get("label", "").partition(", against ")[2]
    scope += f", against {against}" if against else ""
    if not rating["level"]:
        return f"Evidence on {scope}: {lower_first(not_assessed(rating))}"
    treatment = lower_first(modality_name)
    words = (conclusion_after if single_group else conclusion)(rating["level_text"], treatment, outcome)
    return f"Certainty of the evidence on {scope}: {rating['level_text']} ({rating['symbols']}). {words}"


def footnote(body: str, judgement: dict[str, Any]) -> str:
    """The footnote of one GRADE judgement: domain, factor, judgement, whose it is (the curator's,
    or the build's proposal), the reason; and what the build's rule proposes where the curator's
    judgement differs from it (the curator's stands)."""
    f = judgement
    whose = "the curator's judgement" if f["source"] == "curator" else "proposed by the build's rule"
    # `body`: a body of evidence's label ("Pain response, against radiotherapy alone"), or a domain id.
    name = domain_label(body) if body in DOMAINS else body
    text = f"{name}, {f['label'].lower()} ({f['judgement_text']}; {whose}): {f['reason']}"
    if rule := f.get("rule"):
        verb = "cannot judge it" if rule["judgement"] is None else f"would propose {rule['judgement_text']}"
        text += f" The build's rule {verb}: {rule['reason']}"  # its reason as written: it may open with a name (Egger)
    return text


# ----------------------------------------------------------------------------- summary of findings
def pooled_effect(entry: dict[str, Any]) -> str:
    r = entry["result"]
    if r.get("estimate_prop") is not None:
        text = f"Pooled {numbers.percent(r['estimate_prop'])} % ({numbers.ci(r['ci_low_prop'], r['ci_high_prop'])})"
        if r.get("pi_low_prop") is not None:
            text += f"; 95 % prediction interval {numbers.interval(r['pi_low_prop'], r['pi_high_prop'])} %"
    else:
        text = f"Pooled mean {numbers.mean(r['estimate'])} ({numbers.ci(r['ci_low'], r['ci_high'], scale='mean')})"
        if r.get("pi_low") is not None:
            text += f"; 95 % prediction interval {numbers.interval(r['pi_low'], r['pi_high'], scale='mean')}"
    return text + f"; I² = {numbers.i2(r['i2'])} %, {tau2_text(r)}"


def tau2_text(r: dict[str, Any]) -> str:
    """ "τ² = 0.2984 (95 % CI 0.0440 to 2.4526)": τ² with its Q-profile CI where one was computed."""
    text = f"τ² = {numbers.tau2(r['tau2'])}"
    if r.get("tau2_ci_low") is None:
        return text
    return text + f" ({numbers.ci_text(numbers.tau2(r['tau2_ci_low']), numbers.tau2(r['tau2_ci_high']), '')})"


def sof_effect(
    outcomes: list[DescribedOutcome], pooled: list[dict[str, Any]], studies: dict[str, Study], k: int
) -> str:
    """The row's effect: its pooled results; else each study's series over time; else each figure."""
    repeated = len({o.get("time_days") for o in outcomes}) > 1 and all(o.get("time_days") is not None for o in outcomes)
    if pooled:
        return " | ".join(f"{p['window']}: {pooled_effect(p)}" for p in pooled)
    if repeated:
        by_study: dict[tuple[str, str], list[DescribedOutcome]] = {}
        for o in outcomes:  # a comparative study's arms are series of their own
            who = o.get("arm_label") or o.get("whole_trial") or ""
            by_study.setdefault((o["study_id"], who), []).append(o)
        several = len({sid for sid, _ in by_study}) > 1
        return "; ".join(
            (f"{studies[sid]['short_name']}: " if several else "")
            + (f"{arm}: " if arm else "")
            + trajectory_phrase(sorted(series, key=_day), with_measure=False)
            for (sid, arm), series in by_study.items()
        )
    return "; ".join(
        (f"{studies[o['study_id']]['short_name']}: " if k > 1 else "") + group_prefix(o) + o["display"]
        for o in outcomes
    )


def timepoints(outcomes: Sequence[Outcome]) -> str:
    # In reading order, then by day: two studies' baselines (both day 0) keep the order of their
    # studies, never a set's hash order (PYTHONHASHSEED).
    timepoints = sorted(
        dict.fromkeys(timepoint for o in outcomes if (timepoint := o.get("timepoint"))),
        key=lambda t: next(o.get("time_days") or 0 for o in outcomes if o.get("timepoint") == t),
    )
    if not timepoints:
        return "time point not stated"
    return timepoints[0] + (f" to {timepoints[-1]}" if len(timepoints) > 1 else "")


def sof_conclusion(rating: dict[str, Any] | None, treatment: str, domain: str, outcome_name: str) -> str:
    if not rating:
        return "Certainty not rated by the curator for this outcome; the figures are reported as stated."
    if not rating["level"]:
        return not_assessed(rating)
    phrase = DOMAINS[domain].phrase
    if phrase:
        noun, verb, verb_s = phrase
        return conclusion(rating["level_text"], treatment, noun, verb, verb_s)
    return conclusion(rating["level_text"], treatment, lower_first(outcome_name), "result in", "results in")


# ----------------------------------------------------------------------------- the briefing
# ----------------------------------------------------------------------------- references
def vancouver(study: Study) -> str:
    """A Vancouver-style reference from the fields the source gives; missing parts are left out,
    never guessed."""
    authors = [a.strip() for a in study["authors"].split(",")]
    if len(authors) > 6 and "et al." not in authors:
        authors = authors[:6] + ["et al."]
    parts = [", ".join(authors).replace(", et al.", ", et al"), study["title"]]
    detail: str | int | None = study.get("year")
    journal = study.get("journal")
    if journal:
        parts.append(journal)  # an abbreviation may end with its own full stop ("Oncol.")
        detail = study.get("citation_detail") or detail
    parts.append(str(detail) if detail else "Year not stated in the source")
    # Each part ends with one full stop: never "Oncol.. " nor ". ." where a part is missing.
    return " ".join(part.strip().rstrip(".") + "." for part in parts if part and part.strip())


def study_size(study: Study) -> str:
    """ "Zhang 2016 (20 patients)"; the name alone when the source states no number."""
    return f"{study['short_name']} ({study['patients']} patients)" if study.get("patients") else study["short_name"]


def review_results(review: dict[str, Any]) -> list[str]:
    """A systematic review's pooled results, one phrase each: its stated effects ("Overall pain
    response, single fraction against multiple fractions: OR 0.85 (95 % CI 0.66 to 1.08), 9 studies
    pooled (Saito 2019, systematic review with meta-analysis)"), else its pooled arms' figures."""
    arms = {a["arm_id"]: a["label"] for a in review["arms"]}
    kind = DESIGNS.where(pooled=True)[0].singular
    source = f" ({review['short_name']}, {kind})"
    texts = []
    for c in review["comparisons"]:
        pooled = f", {c['studies']} studies pooled" if c.get("studies") else ""
        texts.append(f"{c['measure']}, {arms[c['arm_id']]} against {arms[c['comparator_arm_id']]}: {c['text']}{pooled}")
    compared = {c["measure"] for c in review["comparisons"]}
    for measure in dict.fromkeys(o["measure"] for o in review["outcomes"] if o["measure"] not in compared):
        shown = [f"{o.get('arm_label') or 'all'} {o['display']}" for o in review["outcomes"] if o["measure"] == measure]
        texts.append(f"{measure}: {'; '.join(shown)}")
    return [text + source for text in texts]


def review_key_message(findings: list[dict[str, str]]) -> str:
    """A modality whose only figures are systematic reviews' pooled results."""
    if not findings:
        return "No primary study in the data; the reviews give no figure for this modality."
    return (
        "No primary study in the data; a systematic review with meta-analysis gives pooled results, "
        "as the review states them. " + ". ".join(f["text"] for f in findings) + "."
    )


def source_text(document: str, locator: str) -> str:
    """ "PubMed 26719712, abstract (methods and results)": where a study's figures were read, the
    part of the document said once ("(abstract)" of the document and "Abstract" of the locator). A
    local copy's file name (a seed, "000_126d6cb8bbb6aa5f.txt") means nothing to a reader, who gets
    the locator alone: it says what the copy is ("PubMed record: citation line and abstract")."""
    if re.fullmatch(r"[\w.-]+\.(txt|md|html|pdf)", document.strip()):
        return locator
    head, _, part = document.rstrip().rpartition(" (")
    if head and part.endswith(")") and locator.lower().startswith(part[:-1].lower()):
        document = head
    return f"{document}, {lower_first(locator)}"


def bottom_line_points(
    primary: list[Study],
    one_per_modality: bool,
    randomised: bool,
    levels: list[str],
    narrative: list[str],
    direct: int = 0,
    searched: bool = False,
) -> list[str]:
    """The bottom line's points: where the evidence comes from, whether any comparison is direct
    (`direct`: the studies comparing two modalities), what its certainty means (GRADE's words;
    `levels` highest first), and which modalities have no estimates."""
    lead = f"The quantitative evidence comes from {study_count_phrase(primary)}"
    points = [lead + (", each on a different modality." if one_per_modality else ".")]
    if direct:
        points.append(
            f"{count_words(direct).capitalize()} {'study compares' if direct == 1 else 'studies compare'} "
            "two modalities directly; those comparisons are shown apart from the indirect side-by-side of the "
            "modalities."
        )
    elif not randomised:
        # "Found" only after a recorded systematic search; a selection says what it holds.
        lead = "The search found no" if searched else "The data hold no"
        points.append(
            f"{lead} randomised trial and no study comparing two modalities, so every comparison across "
            "modalities is indirect."
        )
    else:
        points.append("No study in the data compares two modalities, so every comparison across them is indirect.")
    if len(levels) == 1:
        points.append(f"The certainty of the evidence is {levels[0]} for every outcome rated: {MEANING[levels[0]]}.")
    elif levels:
        meanings = "; ".join(f"where it is {level}, {MEANING[level]}" for level in levels)
        points.append(
            f"The certainty of the evidence ranges from {levels[-1]} to {levels[0]} across the outcomes rated: "
            f"{meanings}."
        )
    if narrative:
        names = join_and([lower_first(name) for name in narrative])
        points.append(f"For {names}, the briefing has narrative review statements only, no effect estimates.")
    return points


def identification(record: dict[str, Any], short: bool = False) -> str:
    """How the studies were identified, as the scope says it (`short`: as the bottom line does)."""
    if short and record["method"] == "curated_selection":
        return (
            "The studies are a curated selection, not the result of a systematic search (see the scope): "
            "a kind of study missing here may still exist."
        )
    if record["method"] == "systematic_search":
        text = f"The studies come from a systematic search of {record['databases'].replace(';', ',')}"
        text += f", last run on {record['last_search_date']}"
        if record.get("records_screened") is not None and record.get("studies_included") is not None:
            text += f" ({record['records_screened']} records screened, {record['studies_included']} studies included)"
        return text + f": {lower_first(record['description'])}."
    return (
        f"The studies are a curated selection, not the result of a systematic search: "
        f"{lower_first(record['description'])}. A kind of study missing here may still exist."
    )


def limitations(
    no_denominator: list[str],
    unspecified: list[str],
    unmapped: list[str],
    unidentified: list[str],
    locators: list[str],
    direct: list[str] | None = None,
    selected: bool = False,
) -> list[str]:
    """The limitations, each naming the studies it concerns (`direct`: the studies comparing two
    modalities)."""
    items = []
    if no_denominator:
        items.append(
            f"Some percentages are reported without a denominator ({', '.join(no_denominator)}); "
            "they are shown as stated, without a confidence interval."
        )
    if unspecified:
        items.append(
            "Some pain scores are not stated to be means or medians and have no measure of spread "
            f"({', '.join(unspecified)})."
        )
    if unmapped:
        responses = " and ".join(d.label for d in DOMAINS.where(shape="response"))
        items.append(
            f"{responses} is defined differently across studies and not always by the ICPR "
            f"consensus criteria ({', '.join(unmapped)}); definitions are kept as the sources state them."
        )
    if selected:
        items.append(
            "The studies were selected, not identified by a systematic search: relevant studies, including "
            "randomised trials, may be missing, and no conclusion about what exists can be drawn."
        )
    if unidentified:
        items.append(f"No PMID or DOI is given in the source for: {', '.join(unidentified)}.")
    items.append(
        "Figures were extracted from the parts of the sources named in their locators ("
        + "; ".join(locators)
        + "); full texts may hold more detail."
    )
    indirect = "different patients, designs, outcome definitions and time points."
    if direct:
        items.append(
            f"Apart from the direct comparisons of {', '.join(direct)}, comparisons across modalities are "
            f"indirect: {indirect}"
        )
    else:
        items.append(f"Comparisons across modalities are indirect: {indirect}")
    return items


# ----------------------------------------------------------------------------- robustness of pooled results
# How a group of comparable outcomes was pooled, or why not (findings.PoolingNote).
POOLING_NOTES = {
    "single_study": "one study: reported as it stands, nothing pooled",
    "repeated_in_window": "a study reports this outcome more than once in the window; not pooled",
    "glmm": "binomial–normal GLMM on logit proportions (maximum likelihood); inverse-variance logit REML as "
    "sensitivity analysis",
    "reml_logit": "random effects (REML) on logit proportions, the GLMM not being usable",
    "reml_means": "random effects (REML), inverse-variance weights; DerSimonian–Laird as sensitivity analysis",
}

# Why a pain outcome was not pooled (findings.NotPooled), in a reader's words.
NOT_POOLED = {
    "bound": "stated as a bound",
    "no_denominator": "no denominator stated",
    "no_count": "no count reproduces the percentage",
    "no_sd": "no SD stated",
    "no_number_assessed": "no number assessed stated",
    "no_time_point": "no time point (time_days)",
    "outside_windows": "time point outside the pooling windows",
    "one_study": "one study only",
    "compared": "compared between the trial's arms (see the comparative summary of findings)",
}


def pooling_note(method: str) -> str:
    return POOLING_NOTES[method]


def not_pooled(reasons: tuple[str, ...], note: str | None = None) -> str:
    """The reasons joined with "and"; "pooling_note" is the group's own note (`note`)."""
    return " and ".join(note or "" if r == "pooling_note" else NOT_POOLED[r] for r in reasons)


def glmm_fallback(message: str) -> str:
    """Why a pooled proportion is the inverse-variance REML result and not the GLMM's."""
    return sentence_start(message)


def material_difference(primary: dict[str, Any], reml: dict[str, Any], threshold_pp: float) -> str:
    """The note when the GLMM and the inverse-variance REML results differ materially."""
    return (
        f"GLMM and inverse-variance REML differ by more than {numbers.declared(threshold_pp)} percentage points "
        f"(GLMM {numbers.percent(primary['estimate_prop'])} %, "
        f"{numbers.ci(primary['ci_low_prop'], primary['ci_high_prop'])}; "
        f"REML {numbers.percent(reml['estimate_prop'])} %, {numbers.ci(reml['ci_low_prop'], reml['ci_high_prop'])}): "
        "the two weigh small studies and proportions near 0 or 1 differently; the GLMM, which uses the binomial "
        "likelihood of each study's counts, is the primary result"
    )


def robustness_line(estimators: list[EstimatorRow], loo: list[LooRow], result: dict[str, Any], scale: str) -> str:
    """One line: the prediction interval first (the headline of heterogeneity), I² beside it, then
    how far the estimators and leaving out each study move the estimate."""
    unit = " %" if scale == "proportion" else ""
    low, high = (
        (result["pi_low_prop"], result["pi_high_prop"])
        if scale == "proportion"
        else (result["pi_low"], result["pi_high"])
    )
    if low is None:  # fewer than three studies: no t distribution on k - 2 df
        text = (
            f"no 95 % prediction interval with {count_words(result['k'])} studies (I² = {numbers.i2(result['i2'])} %)"
        )
    else:
        text = (
            f"95 % prediction interval {numbers.interval(low, high, scale)}{unit} (I² = {numbers.i2(result['i2'])} %)"
        )
    usable = [e for e in estimators if not e["note"]]
    ests = [e["estimate"] for e in usable]
    names = ", ".join(e["method"] for e in usable)
    text += f"; estimators {names} give {numbers.interval(min(ests), max(ests), scale)}{unit}"
    if loo:
        top = max(loo, key=lambda r: abs(r["change"]))
        each = [r["estimate"] for r in loo]
        text += (
            f"; leaving out one study at a time gives {numbers.interval(min(each), max(each), scale)}{unit}, "
            f"the largest change omitting {top['omitted']} ({numbers.change(top['change'], scale)})"
        )
    else:
        text += "; leave-one-out needs three studies or more"
    return text


def no_small_study_test(k: int, minimum: int) -> str:
    return (
        f"No funnel plot or Egger's test: {k} studies, fewer than the {minimum} the Cochrane Handbook asks for "
        "before small-study effects can be told from chance"
    )


def egger_result(test: dict[str, Any], alpha: float, pointer: bool = True) -> str:
    verdict = "asymmetry suggested" if test["significant"] else "no evidence of asymmetry"
    return (
        f"Egger's test for small-study effects: t = {numbers.statistic(test['stat'])}, df = {test['df']}, "
        f"{numbers.p_computed(test['p'])} ({verdict} at p < {numbers.declared(alpha)})"
    ) + ("; see the funnel plot" if pointer else "")


def publication_bias_reason(tests: list[dict[str, Any]], flagged: list[dict[str, Any]], alpha: float) -> str:
    where = "; ".join(f"{t['label']}: {numbers.p_computed(t['p'])}" for t in tests)
    if flagged:
        return f"Egger's test suggests small-study effects (p < {numbers.declared(alpha)}): {where}."
    return f"Egger's test finds no small-study effects (p < {numbers.declared(alpha)} taken as a signal): {where}."


def subgroups_not_done(name: str, sizes: dict[str, int], minimum: int, missing: int) -> str:
    if len(sizes) < 2:
        why = (
            f"all {sum(sizes.values())} studies fall in one subgroup ({next(iter(sizes))})"
            if sizes
            else "no study states it"
        )
    else:
        counted = " and ".join(f"{k} ({g})" for g, k in sizes.items())
        why = f"subgroups of {counted} studies, fewer than the {minimum} per subgroup prespecified"
    unstated = f" ({missing} not stating it)" if missing else ""
    return f"Subgroups by {name}: not analysed, {why}{unstated}"


def subgroups_done(
    name: str,
    q: float,
    df: int,
    p: float,
    regression: dict[str, Any] | None,
    spec: SubgroupSpec,
    missing: int,
    kind: str,
) -> str:
    text = f"Subgroups by {name}: test for subgroup differences Q = {numbers.q(q)}, df = {df}, {numbers.p_computed(p)}"
    if regression is not None:
        s = regression["slope"]
        unit = f" {spec['unit']}" if spec.get("unit") else " unit"
        scale = "logit" if kind == "proportion" else "mean"
        text += (
            f"; meta-regression on {name}: slope {numbers.slope(s['estimate'])} per{unit} on the {scale} scale "
            f"(95 % CI {numbers.slope(s['ci_low'])} to {numbers.slope(s['ci_high'])}, {numbers.p_computed(s['p'])}), "
            f"residual τ² = {numbers.tau2(regression['tau2'])}"
        )
    if missing:
        text += f" ({missing} studies not stating it left out)"
    return text


def subgroups_nothing_pooled(spec: SubgroupSpec) -> str:
    name = spec.get("label") or spec["covariate"].replace("_", " ")
    return f"Prespecified subgroups by {name}: not analysed, nothing was pooled"


# ----------------------------------------------------------------------------- stated forms (issue 29)
# What real abstracts state beyond a plain figure, each said as the source says it.

PATIENTS_NOT_STATED = "number of patients not stated"


def stated_finding(c: StatedComparison, arms: dict[str, Arm]) -> str:
    """A between-arm finding without an effect measure, as the source words it: "higher with 8 Gy in one
    fraction than with 20 Gy in 5 fractions (the source: “twice as common”; no effect measure stated)".
    Never a change within an arm, never "increased"."""
    stated = c.get("finding")
    assert stated is not None  # validation: a comparison without an effect measure states a finding
    finding = FINDINGS[stated]
    arm, comparator = (arms[c[k]]["label"] if c.get(k) in arms else "" for k in ("arm_id", "comparator_arm_id"))
    text = finding.text if stated == "no_difference" else f"{finding.text} {arm} than with {comparator}"
    words = f"the source: “{c['finding_words']}”; " if c.get("finding_words") else ""
    text += f" ({words}no effect measure stated)"
    if c.get("p_value"):
        text += f"; {p_text(c['p_value'])}"
    return text


def stated_effect_row(c: dict[str, Any], study: Study) -> str:
    """A critical outcome's figure that no primary study of the modality gives but a trial or a
    systematic review states between two arms: "Saito 2019 (systematic review with meta-analysis,
    9 studies pooled): OR 0.85 (95 % CI 0.66 to 1.08); time point not stated; single fraction
    against multiple fractions"."""
    pooled = f", {c['studies']} studies pooled" if c.get("studies") else ""
    return f"{study['short_name']} ({DESIGNS[study['design']].singular}{pooled}): {c['text']}; {c['scope']}"


def patients_text(study: Study) -> str:
    """A study's number of patients as printed, or that the source states none."""
    return PATIENTS_NOT_STATED if study.get("patients") is None else str(study["patients"])


def arm_size_text(arm: Arm) -> str:
    """An arm's size: randomised (or allocated) and, where stated, analysed, side by side."""
    size = "size not stated" if arm.get("patients") is None else f"{arm['patients']} patients"
    analysed = arm.get("analysed")
    if analysed is not None:
        size += f", {analysed} analysed"
    return size


def unestimated_percent(o: Outcome) -> str:
    """Why a percentage has no count or CI: a bound or an approximate value (nothing derived from
    either), or no denominator (its stated count, if any, shown as stated)."""
    if o.get("value_qualifier") == "approx":
        return " (approximate as stated; no count or CI derived)"
    if o.get("value_qualifier"):
        return " (a bound as stated; no count or CI derived)"
    events = f"{o['events']} {o.get('denominator_unit') or 'patients'}; " if o.get("events") is not None else ""
    return f" ({events}denominator not stated; no CI computable)"


def count_text(o: Outcome) -> str:
    """ "42/50 patients", or a count the source states without a denominator: "23 patients (no
    denominator stated)", "none (0 patients; no denominator stated)"."""
    unit = o.get("denominator_unit") or ""
    if o.get("value_qualifier"):  # as printed, "about 23" or "> 20", with what it is of
        of = f" of {o['denominator']}" if o.get("denominator") else ""
        return f"{o['value_text']} {unit or 'patients'}{of} (as stated; no CI derived)"
    if o.get("denominator"):
        return f"{o['events']}/{o['denominator']} {unit}".strip()
    counted = f"{o['events']} {unit or 'patients'}"
    return f"none ({counted}; no denominator stated)" if o["events"] == 0 else f"{counted} (no denominator stated)"


def range_value(o: Outcome) -> str:
    """The value as printed; a range's two ends, "0.03–43.01"."""
    high = o.get("value_high_text")
    if high and statistic_of(o).range:
        return f"{o['value_text']}–{high}"
    return o.get("value_text") or ""


def stated_extras(o: Outcome) -> str:
    """What a figure carries beyond its value: a cumulative incidence's time point, a CI as printed
    (never recomputed), and a scale whose range the source does not print."""
    text = ""
    if o.get("timepoint") and statistic_of(o).at_timepoint:
        text += f" at {o['timepoint']}"
    low, high = o.get("ci_low_text"), o.get("ci_high_text")
    if low and high:
        unit = "%" if o.get("unit") == "%" else ""
        text += f" ({numbers.ci_text(low, high, unit)}, as printed)"
    if o.get("scale_range_unstated"):
        text += " (the scale's range is not stated by the source)"
    return text


def patients_total(s: dict[str, Any]) -> str:
    """A modality's patients, and the studies that state no number, counted as none: "765 patients
    (and one study whose number of patients is not stated, counted as none)"."""
    text = f"{s['patients']} patients"
    unstated = len(s.get("patients_not_stated") or [])
    if unstated:
        which = "one study whose" if unstated == 1 else f"{count_words(unstated)} studies whose"
        text += f" (and {which} number of patients is not stated, counted as none)"
    return text


def pooled_ratio_text(row: dict[str, Any]) -> str:
    """ "HR 0.80 (95 % CI 0.70 to 0.91), pooled from 2 trials' stated hazard ratios (generic inverse
    variance, REML on the log scale); I² = 0.0 %, τ² = 0.0000" (derived by the build)."""
    p = row["pooled"]
    label = EFFECT_MEASURES[row["effect_measure"]].label
    text = f"{row['effect_measure']} {numbers.ratio(p['estimate_ratio'])} "
    text += f"(95 % CI {numbers.ratio(p['ci_low_ratio'])} to {numbers.ratio(p['ci_high_ratio'])}), "
    text += f"pooled from {count_words(p['k'])} trials' stated {label}s (generic inverse variance, REML on the log "
    return text + f"scale); I² = {numbers.i2(p['i2'])} %, {tau2_text(p)}"


def rob_not_assessed(names: list[str]) -> str:
    """The primary studies of a modality without a risk-of-bias judgement (data/risk_of_bias.csv)."""
    return f"Risk of bias not assessed: {', '.join(names)}." if names else ""


# ----------------------------------------------------------------------------- GRADE proposals per body of evidence
def rob_proposal_unjudged(domain: str | None) -> str:
    what = f" for {domain_label(domain).lower()}" if domain else ""
    return f"No study of this body of evidence has an overall risk-of-bias judgement{what} (data/risk_of_bias.csv)."


def rob_proposal(
    high: list[tuple[str, str, str]],
    share: Share,
    judgement: int | None,
    rules: dict[str, Any],
    some: list[str],
    unjudged: list[str],
    unknown: list[str],
) -> str:
    """Why the build proposes this risk-of-bias judgement: the studies at high risk (tool and
    judgement), their share of the weight or participants, and the cut-offs it was held to."""
    who = "; ".join(f"{name}: {tool} {word.lower()}" for name, tool, word in high)
    if share["share"] is None:
        of = "no participant count to weigh the studies by"
    elif share["basis"] == "weight":
        of = f"{numbers.percent(share['share'])} % of the weight of the pooled {share['label']}"
    else:
        of = f"{numbers.percent(share['share'])} % of the participants"
    serious, between = numbers.declared(rules["serious_share"]), numbers.declared(rules["intermediate_share"])
    if not high:
        text = f"No study at high risk of bias ({of})"
    else:
        text = f"Studies at high risk of bias ({who}) carry {of}"
    if judgement == -1 and share["share"] is not None and share["share"] * 100 >= rules["serious_share"]:
        text += f": most of the evidence ({serious} % or more), serious"
    elif judgement == -1 and share["share"] is not None:
        text += f": between {between} % and {serious} %, enough to affect the interpretation, serious"
    elif judgement == -1:
        text += ": every study is at high risk, serious"
    elif judgement == 0 and high:
        text += f": under {between} %, not serious"
    elif judgement is None:
        text += ": the build does not judge it"
    text += f" (GRADE guidelines 4; the panel's cut-offs {between} % and {serious} %, config analysis.risk_of_bias)."
    if some:
        text += f" Some concerns or no information, counted as some concerns: {join_and(some)}."
    if unjudged:
        text += f" Not judged for this outcome: {join_and(unjudged)}."
    if unknown:
        text += f" Participants not stated, not weighed: {join_and(unknown)}."
    return text


def rob_sensitivity(entry: dict[str, Any]) -> str:
    """The pooled result without its studies at high risk, beside the same model with them."""
    scale = entry["scale"]
    with_all = f"{_pooled_text(entry['full'], scale)} with them"
    left = f"Without {join_and(entry['excluded'])} (high risk of bias), {entry['label']}"
    if entry["result"] is None:
        return f"{left}: {entry['k']} study left, nothing to pool; {with_all}, inverse-variance REML."
    shown = _pooled_text(entry["result"], scale)
    return f"{left}: {shown} from {entry['k']} studies, against {with_all} (inverse-variance REML)."


def _pooled_text(r: dict[str, Any], scale: str) -> str:
    """ "62.1 % (95 % CI 50.2 to 72.8 %)" from a pooled result on its reporting scale."""
    key = "_prop" if scale == "proportion" else ""
    unit = " %" if scale == "proportion" else ""
    ci = numbers.ci(r["ci_low" + key], r["ci_high" + key], scale)
    return f"{numbers.estimate(r['estimate' + key], scale)}{unit} ({ci})"


def rob_with_sensitivity(reason: str, refits: list[str]) -> str:
    """A risk-of-bias proposal, then what each pooled result would be without the studies at high risk."""
    return reason + (" Sensitivity analysis: " + " ".join(refits) if refits else "")


def rob_forest_legend(tools: list[Any], one: Any | None) -> str:
    """What the risk-of-bias columns beside a forest plot mean: each domain's short name (one tool)
    and each symbol, in words, per tool."""
    parts = []
    if one is not None:
        parts.append(
            f"Risk of bias ({one.label.split(' (')[0]}): "
            + "; ".join(f"{'Overall' if d.id == 'overall' else d.id}: {d.text.lower()}" for d in one.domains)
        )
    else:
        parts.append("Risk of bias: each study's overall judgement, with the tool that fits its design")
    for t in tools:
        seen: dict[str, list[str]] = {}
        for a in t.judgements + t.overall_judgements:
            if a.text.lower() not in seen.setdefault(a.symbol, []):
                seen[a.symbol].append(a.text.lower())
        parts.append(f"{t.label.split(' (')[0]}: " + ", ".join(f"{s} {' or '.join(w)}" for s, w in seen.items()))
    return ". ".join(parts) + "."


def inconsistency_single() -> str:
    return "A single study: inconsistency is not applicable, and the evidence is not rated down for it."


def inconsistency_unpooled(k: int) -> str:
    return (
        f"{k} studies, no result of theirs pooled: the build has no like results to set side by side, so "
        "it does not judge inconsistency (GRADE guidance 36); the curator does."
    )


def inconsistency_36(f: dict[str, Any], judgement: int | None) -> str:
    """Why the build proposes this on inconsistency for one pooled result (GRADE guidance 36): the
    overlap of the studies' CIs, the point estimates against the threshold, the prediction interval;
    I² as support."""
    scale = f["scale"]
    unit = " %" if scale == "proportion" else ""
    overlap = "the studies' 95 % CIs all overlap" if f["overlap"] else "the studies' 95 % CIs do not all overlap"
    text = f"Pooled {f['label']}: {overlap}"
    if f["t"] is None:
        text += f"; no threshold declared for {f['name']}, so the spread is not set against one"
    else:
        word = "tolerable risk" if f["kind"] == "harm" else "threshold"
        where = "on both sides of" if f["both_sides"] else "all on one side of"
        text += f"; the point estimates lie {where} the {word} of {numbers.declared(f['t'])} %"
    if f["pi"][0] is not None:
        pi = f"{numbers.estimate(f['pi'][0], scale)} to {numbers.estimate(f['pi'][1], scale)}{unit}"
        crosses = f.get("pi_crosses")
        text += f"; 95 % prediction interval {pi}" + (
            "" if crosses is None else (", crossing it" if crosses else ", not crossing it")
        )
    if f["i2"] is not None:
        text += f"; I² = {numbers.i2(f['i2'])} % (support only)"
    verdict = {
        -1: "serious (−1): results on both sides of the threshold that do not overlap",
        0: "not serious",
        None: "not judged by the build: whether the spread matters is the curator's call",
    }[judgement]
    return f"{text}. {verdict.capitalize()} (GRADE guidance 36)."


def indirectness_none() -> str:
    return (
        "No study of this body of evidence is flagged as indirect in population, intervention or outcome "
        "(studies.csv: indirect_population, indirect_intervention, indirect_outcome)."
    )


def indirectness_flagged(flagged: list[tuple[str, list[tuple[str, str]]]], share: Share, judgement: int | None) -> str:
    """Which studies are flagged as indirect and why, their share of the body, and the proposal."""
    who = "; ".join(name + " (" + "; ".join(f"{aspect}: {text}" for aspect, text in why) + ")" for name, why in flagged)
    if share["share"] is None:
        of = "no participant count to weigh them by"
    elif share["basis"] == "weight":
        of = f"{numbers.percent(share['share'])} % of the weight of the pooled {share['label']}"
    else:
        of = f"{numbers.percent(share['share'])} % of the participants"
    verdict = {
        -1: "most of the evidence, serious",
        0: "less than most of the evidence, not serious",
        None: "the build does not judge it",
    }[judgement]
    if share["share"] is None and judgement == -1:
        verdict = "every study, serious"
    return f"Flagged as indirect: {who}. They carry {of}: {verdict}."


def publication_bias_searched(record: dict[str, Any], k: int, minimum: int) -> str:
    return (
        f"{k} {'study' if k == 1 else 'studies'}, fewer than the {minimum} a funnel-plot test needs (Cochrane "
        f"Handbook 13.3.5.4); the studies come from a systematic search of {_databases(record)}, "
        f"last run on {record['last_search_date']}, and nothing in the record suggests missing studies: undetected."
    )


def publication_bias_unsearched(record: dict[str, Any], k: int, minimum: int) -> str:
    test = f"{k} {'study' if k == 1 else 'studies'}, fewer than the {minimum} a funnel-plot test needs"
    if record.get("method") == "curated_selection":
        return (
            f"Not assessed: {test}, and the studies are a curated selection, not the result of a systematic search "
            "(data/identification.csv), so whether studies are missing cannot be judged."
        )
    return f"Not assessed: {test}, and no search is recorded (data/identification.csv)."


def _databases(record: dict[str, Any]) -> str:
    """The databases a search record lists, separated by ';' there, as a reader's list."""
    return ", ".join(d.strip() for d in (record.get("databases") or "").split(";") if d.strip())


def surveillance_description(base: EvidenceBase) -> str:
    """The scope's account of the saved searches: each source with its last search date, what
    came from elsewhere and what awaits a decision (surveillance_flow.evidence_base)."""
    f = base["flow"]
    searched = join_and([f"{s['last_searched']} ({s['label']})" for s in base["sources"]])
    # No file path: the scope is read by a panel, not by the curators (issue 29, item 12).
    text = f"saved searches re-run on a schedule, last run on {searched}; the flow of records is below"
    if f["studies_other"]:
        n = len(f["studies_other"])
        text += f"; {count_words(n)} {'study comes' if n == 1 else 'studies come'} from other sources"
        text += " (a curated selection), not from these searches"
    if f["awaiting"]:
        n = len(f["awaiting"])
        text += f"; {count_words(n)} {'record awaits' if n == 1 else 'records await'} classification"
    return text


def surveillance_changes(found: dict[str, Any]) -> str:
    """What changed's sentence on the searches (changes.surveillance_changes): records screened
    since the previous edition, and trials whose registry status changed."""
    n, moved = len(found["screened"]), len(found["status_changes"])
    text = f"{count_words(n).capitalize()} {'record' if n == 1 else 'records'} screened since the previous edition"
    if moved:
        text += f"; {count_words(moved)} registered {'trial' if moved == 1 else 'trials'} changed status"
    return text + "."
