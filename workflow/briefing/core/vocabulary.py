"""The words of the domain, each declared once: outcome domains, statistics, units, study designs,
pain-response categories and GRADE factors.

Everything else reads them from here: the validator (through the enums `complete_descriptor` fills
into the data package's schema, so an unknown id is a validation error naming file, row and
column), the summaries, the summary-of-findings tables, the figures, the combined briefing and the
synthetic generator. To add an outcome domain, add one `Domain` to DOMAINS below and use its id in
data/outcomes.csv; nothing else needs to change (CONTRIBUTING.md, tests/test_vocabulary.py). A
statistic or an effect measure carries its behaviour the same way (what validation asks of it, how
it is worded, what is derived from it), so adding one is its entry and its rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar


@dataclass(frozen=True)
class Domain:
    """An outcome domain. Figures are compared, pooled and rated per domain.

    role: "pain" (a candidate for the headline and the cross-modality summary of findings; reasons
    for not pooling are given), or a column of the side-by-side table (COMPARISON_COLUMNS), or ""
    for none.
    shape: "response" (categories of patients, ICPR-mapped, drawn as bars), "series" (a level
    measured over time, drawn as one line per study), or "" (each figure on its own).
    phrase: how a GRADE conclusion names the outcome and its verb, as (noun, verb, verb with s):
    "may relieve pain"; empty to use the outcome's own measure with "result in".
    events: what an event (a patient counted) of this domain is for the patient, "benefit" or
    "harm"; it decides which side of a risk-ratio forest plot favours a treatment (`event_kind`).
    Without it, a pain or lasting domain's events are benefits and a safety domain's harms.
    """

    id: str
    label: str
    role: str = ""
    shape: str = ""
    phrase: tuple[str, str, str] | tuple[()] = ()
    figure_id: str = ""  # its chart's id (fig-<modality>-<figure_id>), title and (a series) axis
    figure_title: str = ""
    axis_label: str = ""
    events: str = ""

    @property
    def event_kind(self) -> str:
        """ "benefit" (more events favour a treatment), "harm" (fewer do), or "" (not declared)."""
        return self.events or {"pain": "benefit", "lasting": "benefit", "safety": "harm"}.get(self.role, "")


def statistic_of(row: Mapping[str, Any]) -> Statistic:
    """A data row's statistic; one undeclared (validation reports it) as a plain stated figure."""
    return STATISTICS.get(row.get("statistic")) or _UNDECLARED


def event_kind(row: Mapping[str, Any]) -> str:
    """What a data row's events are for the patient: its own `event`, else its domain's kind."""
    return row.get("event") or DOMAINS[row["domain"]].event_kind


DOMAIN_LIST = (
    Domain(
        "pain_response",
        "Pain response",
        role="pain",
        shape="response",
        phrase=("pain", "relieve", "relieves"),
        figure_id="response",
        figure_title="Pain response categories as reported",
    ),
    Domain(
        "pain_score",
        "Pain score",
        role="pain",
        shape="series",
        phrase=("pain scores", "reduce", "reduces"),
        figure_id="pain",
        figure_title="Pain score over time",
        axis_label="Pain score (0–10)",
    ),
    Domain(
        "opioid_dose",
        "Opioid use",
        shape="series",
        phrase=("opioid use", "reduce", "reduces"),
        figure_id="opioid",
        figure_title="Opioid use over time",
        axis_label="Oral morphine equivalent (mg/day)",
    ),
    Domain("time_to_relief", "Time to relief"),
    Domain("durability", "Durability of relief", role="lasting"),
    Domain("relapse", "Relapse", role="lasting", events="harm"),
    Domain("pain_control", "Pain control", role="lasting"),
    Domain("retreatment", "Re-treatment", events="harm"),
    Domain("neurological", "Neurological outcome", role="safety"),
    Domain("toxicity", "Toxicity", role="safety"),
    Domain("breakthrough_pain", "Breakthrough pain", phrase=("breakthrough pain", "reduce", "reduces"), events="harm"),
    Domain("function_qol", "Function and quality of life"),
    # Outcomes beyond pain that trials of the modalities report: survival (overall or
    # progression-free) and the tumour's response or local control in the treated site.
    Domain("survival", "Survival"),
    Domain("tumour_response", "Tumour response and local control", events="benefit"),
)


@dataclass(frozen=True)
class Statistic:
    """What a value is, and what follows from it: how the briefing words it, what validation asks of
    its row and what the build derives from it. Callers ask these, never the id, so a new statistic
    is one entry here and its rows in outcomes.csv (tests/test_vocabulary.py).

    display: words of a stated figure ({value} as printed, {unit} in words); a share of patients is
    worded from its estimate instead, a statistic without figures by its direction.
    series: a point of a level measured over time. word: how a series names its statistic beside it.
    ratio: between two groups of the study, printed with them (the outcome's `comparison`, first
    group against second); above 0.
    """

    id: str
    display: str = ""
    series: bool = False
    word: str = ""
    ratio: bool = False
    figures: bool = True  # False: the source reports a direction only (no value, no unit)
    counts: bool = False  # the value is the number of events: it needs them, and they are the value
    of_denominator: bool = False  # a percent of the denominator: its count stated, or derived from it
    unit: str = ""  # the one unit it is given in
    change: bool = False  # a change from baseline: negative allowed, within the scale's width either way
    mean: bool = False  # with its SD and n, pooled across studies; its SD printed beside it
    arm_difference: bool = False  # with its SD and n, two arms' values give a mean difference
    stated_ci: bool = False  # its CI is kept as printed (a share's is computed from its counts)
    range: bool = False  # lowest in value, highest in value_high
    at_timepoint: bool = False  # its figure names its time point ("12.35 % at 1 year"), its label not
    unspecified: bool = False  # the source does not say whether a mean or a median (a limitation)

    def __post_init__(self) -> None:
        if self.figures and not self.share and not self.display:
            raise ValueError(f"statistic {self.id!r} needs the words of its display")

    @property
    def share(self) -> bool:
        """A share of the denominator's patients: worded from its estimate and Wilson CI, n within."""
        return self.counts or self.of_denominator

    @property
    def name(self) -> str:
        return self.id.replace("_", " ")

    def counted(self, o: Mapping[str, Any], derive: Callable[[str, int], int | None]) -> tuple[int, bool] | None:
        """The events behind row o's figure and whether the build derived them (`derive`: the whole
        count of a printed percent of n that reproduces it); None when nothing is counted, or the
        figure is a bound or an approximation ("> 80 %", "about 23") without a stated count."""
        if self.counts and o.get("events") is not None:
            return None if o.get("value_qualifier") else (o["events"], False)
        if not self.of_denominator or o.get("value") is None:
            return None
        if o.get("events") is not None:
            return o["events"], False
        if o.get("value_qualifier"):
            return None
        events = derive(o["value_text"], o["denominator"])
        return None if events is None else (events, True)


STATISTIC_LIST = (
    Statistic("percent", of_denominator=True, unit="%"),
    Statistic("count", counts=True),
    Statistic("mean", "mean {value} {unit}", series=True, word="mean", mean=True, arm_difference=True, stated_ci=True),
    Statistic("median", "median {value} {unit}", series=True, word="median", stated_ci=True),
    Statistic("minimum", "earliest {value} {unit}"),
    Statistic(
        "summary_unspecified",
        "{value} {unit} (mean or median not stated)",
        series=True,
        word="mean or median not stated",
        stated_ci=True,
        unspecified=True,
    ),
    Statistic(
        "mean_change",
        "mean change {value} {unit}",
        word="mean change",
        change=True,
        arm_difference=True,
        stated_ci=True,
    ),
    Statistic("hazard_ratio", "hazard ratio {value}", ratio=True, stated_ci=True),
    # A time-to-event estimate (Kaplan-Meier or competing risks) at a time point: not a crude share
    # of patients, so never pooled with percents and given no Wilson interval.
    Statistic(
        "cumulative_incidence",
        "cumulative incidence {value} {unit}",
        word="cumulative incidence",
        unit="%",
        stated_ci=True,
        at_timepoint=True,
    ),
    # The lowest and highest value the source states ("13–217 days"): value and value_high.
    Statistic("range", "range {value} {unit}", range=True),
    Statistic("test_only", figures=False),
)
_UNDECLARED = Statistic("", "{value} {unit}")


@dataclass(frozen=True)
class Unit:
    """A unit of measurement of outcomes.csv, how it is written after a number, and the range a
    value in it must lie in (None: no bound). Scores of a scale (NRS, VAS, RDQ, ...) have their unit
    declared in the data instead (data/scales.csv: range, direction, minimal important difference)."""

    id: str
    text: str
    minimum: float | None = None
    maximum: float | None = None


UNIT_LIST = (
    Unit("%", "%", 0, 100),
    Unit("patients", "patients"),
    Unit("days", "days"),
    Unit("hours", "hours"),
    Unit("weeks", "weeks"),
    Unit("months", "months"),
    Unit("mg/day", "mg/day"),
    Unit("ratio", ""),
)


@dataclass(frozen=True)
class Design:
    """A study design: how tables name it, how sentences count it, and what it means for GRADE
    (randomised evidence starts high) and for the data. A review is never a primary study: its
    patients are not counted and its figures are never pooled with the studies'. A narrative review
    or a systematic review without meta-analysis gives statements only; a systematic review with
    meta-analysis may also give its pooled results (comparisons.csv), shown as that review's."""

    id: str
    label: str
    singular: str
    plural: str
    randomised: bool = False
    review: bool = False
    systematic: bool = False
    pooled: bool = False


DESIGN_LIST = (
    Design("randomised_trial", "randomised trial", "randomised trial", "randomised trials", randomised=True),
    Design("clinical_trial", "clinical trial", "non-randomised clinical trial", "non-randomised clinical trials"),
    Design("prospective_cohort", "prospective cohort", "prospective cohort study", "prospective cohort studies"),
    Design(
        "retrospective_cohort", "retrospective cohort", "retrospective cohort study", "retrospective cohort studies"
    ),
    Design("cohort", "cohort", "cohort study", "cohort studies"),
    Design("case_series", "case series", "case series", "case series"),
    Design(
        "non_randomised_comparative",
        "non-randomised comparative",
        "non-randomised comparative study",
        "non-randomised comparative studies",
    ),
    Design("single_arm", "single-arm study", "single-arm study", "single-arm studies"),
    Design("narrative_review", "narrative review", "narrative review", "narrative reviews", review=True),
    Design(
        "systematic_review",
        "systematic review",
        "systematic review without meta-analysis",
        "systematic reviews without meta-analysis",
        review=True,
        systematic=True,
    ),
    Design(
        "systematic_review_meta_analysis",
        "systematic review with meta-analysis",
        "systematic review with meta-analysis",
        "systematic reviews with meta-analysis",
        review=True,
        systematic=True,
        pooled=True,
    ),
)


@dataclass(frozen=True)
class Factor:
    """A GRADE domain of certainty: rated down ("down") or up ("up")."""

    id: str
    label: str
    direction: str


FACTOR_LIST = (
    Factor("risk_of_bias", "Risk of bias", "down"),
    Factor("inconsistency", "Inconsistency", "down"),
    Factor("indirectness", "Indirectness", "down"),
    Factor("imprecision", "Imprecision", "down"),
    Factor("publication_bias", "Publication bias", "down"),
    Factor("large_effect", "Large effect", "up"),
    Factor("dose_response", "Dose-response gradient", "up"),
    Factor("confounding", "Plausible confounding", "up"),
)


@dataclass(frozen=True)
class EffectMeasure:
    """An effect of one arm against another, as a source states it: a ratio (no effect at 1,
    pooled on the log scale) or a difference (no effect at 0). `risk(ratio, comparator_risk)`: the
    risk with the intervention that a ratio gives (uncapped), for its absolute effect; None: no
    absolute effect is derived from it. `crude`: recomputed from the two arms' counts (escalc)
    beside a stated value."""

    id: str
    label: str
    ratio: bool
    risk: Callable[[float, float], float] | None = dataclasses.field(default=None, compare=False)
    crude: bool = False


EFFECT_MEASURE_LIST = (
    EffectMeasure("HR", "hazard ratio", ratio=True, risk=lambda ratio, acr: 1 - (1 - acr) ** ratio),
    EffectMeasure(
        "OR", "odds ratio", ratio=True, risk=lambda ratio, acr: ratio * acr / (1 - acr + ratio * acr), crude=True
    ),
    EffectMeasure("RR", "risk ratio", ratio=True, risk=lambda ratio, acr: acr * ratio, crude=True),
    EffectMeasure("RD", "risk difference", ratio=False),
    EffectMeasure("MD", "mean difference", ratio=False),
    EffectMeasure("SMD", "standardised mean difference", ratio=False),
)


@dataclass(frozen=True)
class Term:
    """A value of a small closed list, and its words."""

    id: str
    text: str = ""


# ICPR consensus categories of pain response, in the order a study's categories are listed.
CATEGORY_LIST = (Term("overall"), Term("complete"), Term("partial"), Term("progression"))
# A bound the source states ("> 80 %"), as printed.
# "approximately" / "about" is no bound, but as with a bound nothing is derived from the number.
QUALIFIER_LIST = (Term("<", "<"), Term("<=", "≤"), Term(">", ">"), Term(">=", "≥"), Term("approx", "about"))
# The change a test_only outcome reports without figures.
DIRECTION_LIST = (
    Term("decrease", "decreased"),
    Term("increase", "increased"),
    Term("improvement", "improved"),
    Term("worsening", "worsened"),
    Term("no_change", "no change"),
    # A comparative study's finding for the intervention arm, as its source words it.
    Term("not_improved", "not improved"),
)
# What a denominator counts; figures of different units are never summed or pooled together.
DENOMINATOR_UNIT_LIST = (Term("patients"), Term("lesions"), Term("procedures"))
# A between-arm finding the source states without an effect measure (comparisons.csv `finding`):
# what it says of the arm against its comparator, worded as the source words it.
FINDING_LIST = (
    Term("no_difference", "no difference between the arms"),
    Term("higher", "higher with"),
    Term("lower", "lower with"),
)
# Which end of a scale is better for the patient (data/scales.csv).
SCALE_DIRECTION_LIST = (
    Term("lower_better", "a lower score is better"),
    Term("higher_better", "a higher score is better"),
)
# What a counted event is for the patient, when it is not its domain's default (Domain.event_kind):
# "able to walk" is a benefit in the neurological domain, whose events are otherwise harms.
EVENT_KIND_LIST = (Term("benefit", "more events are better"), Term("harm", "fewer events are better"))
# How the studies of the data were identified (data/identification.csv).
IDENTIFICATION_METHOD_LIST = (
    Term("systematic_search", "a systematic search"),
    Term("curated_selection", "a curated selection, not a systematic search"),
)
# The part an arm of a comparative study plays.
ARM_ROLE_LIST = (Term("intervention"), Term("comparator"))
# The columns of the side-by-side table that list findings of the domains with that role.
COMPARISON_COLUMN_LIST = (Term("lasting", "durability"), Term("safety", "safety"))
# A column that lists only one kind of event (event_kind): the Safety column holds harms, never a
# benefit its domain also counts ("able to walk" in the neurological domain).
COMPARISON_COLUMN_EVENTS = {"safety": "harm"}


@dataclass(frozen=True)
class Appraisal:
    """A judgement a risk-of-bias tool allows, with the symbol and word the briefing prints (never
    colour alone)."""

    id: str
    text: str
    symbol: str
    # What an overall judgement weighs in GRADE's risk-of-bias domain: "low", "some" (some concerns;
    # "no information" and "seek further info" count here) or "high" (risk_of_bias.propose).
    concern: str = ""


@dataclass(frozen=True)
class RobTool:
    """A study-level risk-of-bias tool: its domains (or checklist items) in order, ending with the
    overall judgement; the judgements a domain and the overall allow; the designs it fits; whether
    it judges each outcome apart (RoB 2, ROBINS-I) or the study once (JBI)."""

    id: str
    label: str
    domains: tuple[Term, ...]
    judgements: tuple[Appraisal, ...]
    overall_judgements: tuple[Appraisal, ...]
    designs: tuple[str, ...]
    per_outcome: bool


OVERALL = "overall"
_ROB2_LEVELS = (
    Appraisal("low", "Low", "+", "low"),
    Appraisal("some_concerns", "Some concerns", "!", "some"),
    Appraisal("high", "High", "−", "high"),
)
_ROBINS_LEVELS = (
    Appraisal("low", "Low", "+", "low"),
    Appraisal("moderate", "Moderate", "!", "some"),
    Appraisal("serious", "Serious", "−", "high"),
    Appraisal("critical", "Critical", "×", "high"),
    Appraisal("no_information", "No information", "?", "some"),
)
# Domain labels as the tools publish them: RoB 2 (Sterne 2019, doi:10.1136/bmj.l4898), ROBINS-I
# (Sterne 2016, doi:10.1136/bmj.i4919), JBI checklist for case series (Munn 2020,
# doi:10.11124/JBISRIR-D-19-00099). Ids carry no standalone number ("D1", "Q1"): the audit reads
# none in them.
ROB_TOOL_LIST = (
    RobTool(
        "rob2",
        "RoB 2 (randomised trials)",
        (
            Term("D1", "Bias arising from the randomisation process"),
            Term("D2", "Bias due to deviations from intended interventions"),
            Term("D3", "Bias due to missing outcome data"),
            Term("D4", "Bias in measurement of the outcome"),
            Term("D5", "Bias in selection of the reported result"),
            Term(OVERALL, "Overall risk of bias"),
        ),
        _ROB2_LEVELS,
        _ROB2_LEVELS,
        ("randomised_trial",),
        per_outcome=True,
    ),
    RobTool(
        "robins_i",
        "ROBINS-I (non-randomised comparisons)",
        (
            Term("D1", "Bias due to confounding"),
            Term("D2", "Bias in selection of participants into the study"),
            Term("D3", "Bias in classification of interventions"),
            Term("D4", "Bias due to deviations from intended interventions"),
            Term("D5", "Bias due to missing data"),
            Term("D6", "Bias in measurement of outcomes"),
            Term("D7", "Bias in selection of the reported result"),
            Term(OVERALL, "Overall risk of bias"),
        ),
        _ROBINS_LEVELS,
        _ROBINS_LEVELS,
        # A cohort or non-randomised trial that compares groups of patients treated differently.
        ("non_randomised_comparative", "clinical_trial", "prospective_cohort", "retrospective_cohort", "cohort"),
        per_outcome=True,
    ),
    RobTool(
        "jbi_case_series",
        "JBI checklist for case series",
        (
            Term("Q1", "Clear criteria for inclusion"),
            Term("Q2", "Condition measured in a standard, reliable way for all participants"),
            Term("Q3", "Valid methods used to identify the condition for all participants"),
            Term("Q4", "Consecutive inclusion of participants"),
            Term("Q5", "Complete inclusion of participants"),
            Term("Q6", "Clear reporting of participants' demographics"),
            Term("Q7", "Clear reporting of participants' clinical information"),
            Term("Q8", "Outcomes or follow-up results clearly reported"),
            Term("Q9", "Clear reporting of the presenting sites' or clinics' demographic information"),
            Term("Q10", "Appropriate statistical analysis"),
            Term(OVERALL, "Overall appraisal"),
        ),
        (
            Appraisal("yes", "Yes", "+"),
            Appraisal("no", "No", "−"),
            Appraisal("unclear", "Unclear", "?"),
            Appraisal("not_applicable", "Not applicable", "○"),
        ),
        (
            Appraisal("include", "Include", "+", "low"),
            Appraisal("exclude", "Exclude", "−", "high"),
            Appraisal("seek_further_info", "Seek further info", "?", "some"),
        ),
        # A series of treated patients without a comparison group, whatever its label.
        ("case_series", "single_arm", "clinical_trial", "prospective_cohort", "retrospective_cohort", "cohort"),
        per_outcome=False,
    ),
)

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by id, in their declared order (the order the briefing shows them)."""

    def __init__(self, kind: str, entries: tuple[T, ...]) -> None:
        self.kind = kind
        self._entries = {e.id: e for e in entries}  # type: ignore[attr-defined]
        if len(self._entries) != len(entries):
            raise ValueError(f"two {kind} entries share an id")

    def __getitem__(self, id: str) -> T:
        try:
            return self._entries[id]
        except KeyError:
            known = ", ".join(self._entries)
            raise KeyError(f"unknown {self.kind} {id!r} (declared in vocabulary.py: {known})") from None

    @contextmanager
    def extended(self, *entries: T) -> Iterator[None]:
        """The registry with `entries` declared after its own, until the block ends: a statistic
        (or any entry) added as a curator would add it here, without editing this file (the tests)."""
        added = {e.id: e for e in entries}  # type: ignore[attr-defined]
        if len(added) != len(entries) or set(added) & set(self._entries):
            raise ValueError(f"two {self.kind} entries share an id")
        self._entries |= added
        try:
            yield
        finally:
            for id in added:
                del self._entries[id]

    def get(self, id: object, default: T | None = None) -> T | None:
        return self._entries.get(id, default)  # type: ignore[call-overload]

    def __contains__(self, id: object) -> bool:
        return id in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def ids(self) -> list[str]:
        return list(self._entries)

    def order(self, id: str) -> int:
        """Position in the declared order; unknown ids last."""
        return self.ids.index(id) if id in self._entries else len(self._entries)

    def where(self, **wanted: Any) -> list[T]:
        return [e for e in self if all(getattr(e, k) == v for k, v in wanted.items())]


DOMAINS: Registry[Domain] = Registry("outcome domain", DOMAIN_LIST)
STATISTICS: Registry[Statistic] = Registry("statistic", STATISTIC_LIST)
UNITS: Registry[Unit] = Registry("unit", UNIT_LIST)
DESIGNS: Registry[Design] = Registry("study design", DESIGN_LIST)
FACTORS: Registry[Factor] = Registry("GRADE factor", FACTOR_LIST)
CATEGORIES: Registry[Term] = Registry("ICPR category", CATEGORY_LIST)
QUALIFIERS: Registry[Term] = Registry("value qualifier", QUALIFIER_LIST)
DIRECTIONS: Registry[Term] = Registry("direction", DIRECTION_LIST)
DENOMINATOR_UNITS: Registry[Term] = Registry("denominator unit", DENOMINATOR_UNIT_LIST)
COMPARISON_COLUMNS: Registry[Term] = Registry("comparison column", COMPARISON_COLUMN_LIST)
FINDINGS: Registry[Term] = Registry("between-arm finding", FINDING_LIST)
EFFECT_MEASURES: Registry[EffectMeasure] = Registry("effect measure", EFFECT_MEASURE_LIST)
ARM_ROLES: Registry[Term] = Registry("arm role", ARM_ROLE_LIST)
SCALE_DIRECTIONS: Registry[Term] = Registry("scale direction", SCALE_DIRECTION_LIST)
EVENT_KINDS: Registry[Term] = Registry("event kind", EVENT_KIND_LIST)
IDENTIFICATION_METHODS: Registry[Term] = Registry("identification method", IDENTIFICATION_METHOD_LIST)
ROB_TOOLS: Registry[RobTool] = Registry("risk-of-bias tool", ROB_TOOL_LIST)

# The columns of the data package whose values are these lists: their enums are filled in here, so
# data/datapackage.yaml does not repeat them.
COLUMNS: dict[tuple[str, str], Registry[Any]] = {
    ("studies", "design"): DESIGNS,
    ("studies", "pooled_design"): DESIGNS,
    ("arms", "role"): ARM_ROLES,
    ("scales", "direction"): SCALE_DIRECTIONS,
    ("identification", "method"): IDENTIFICATION_METHODS,
    ("comparisons", "domain"): DOMAINS,
    ("baseline_risks", "domain"): DOMAINS,
    ("comparisons", "effect_measure"): EFFECT_MEASURES,
    ("comparisons", "finding"): FINDINGS,
    ("outcomes", "domain"): DOMAINS,
    ("outcomes", "icpr_category"): CATEGORIES,
    ("outcomes", "statistic"): STATISTICS,
    ("outcomes", "value_qualifier"): QUALIFIERS,
    ("outcomes", "denominator_unit"): DENOMINATOR_UNITS,
    ("outcomes", "direction"): DIRECTIONS,
    ("outcomes", "event"): EVENT_KINDS,
    ("certainty", "outcome_domain"): DOMAINS,
    ("certainty", "factor"): FACTORS,
    ("risk_of_bias", "tool"): ROB_TOOLS,
    ("risk_of_bias", "outcome_domain"): DOMAINS,
}


def complete_descriptor(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The data package descriptor with each vocabulary column's enum filled in from the registry."""
    for resource in descriptor.get("resources", []):
        for field in resource.get("schema", {}).get("fields", []):
            registry = COLUMNS.get((resource.get("name"), field.get("name")))
            if registry is not None:
                field.setdefault("constraints", {})["enum"] = registry.ids
    return descriptor


def labels(registry: Registry[Any]) -> dict[str, str]:
    """id -> the words the briefing uses for it, where they differ from the id (data dictionary)."""
    words = {e.id: getattr(e, "label", "") or getattr(e, "text", "") for e in registry}
    return {k: v for k, v in words.items() if v and v != k}
