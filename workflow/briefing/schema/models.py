"""The shapes of the data that flows between the steps, as typed models: the evidence slice a
notebook reads, the modality summary it writes, the briefing context the templates render, and
briefing.json, the published edition that the next edition's "What changed" compares with.

Every step checks what it writes and what it reads against these models (`write`, `read`), so a
field one step forgets or misspells fails at the boundary, naming the field, not three steps later
in a template. The JSON Schemas in workflow/schemas/ are generated from them (`python -m briefing
schemas`; a test fails when they are stale). Models validate and document; the steps still pass
plain JSON values, and a model never adds or drops a key (`dump` is the value it checked).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

# JSON keeps 28 and 28.0 apart, and so must we: a figure is shown as the source printed it.
Number = int | float


class Model(BaseModel):
    """A shape this package builds: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


# A row of a data table: a plain dict (as evidence.read_tables reads it), typed. The columns the
# code relies on are declared; the descriptor may declare more (each number comes with
# `<column>_text`, the number as written), which validation allows. A column a row may lack
# (the models' former defaults) is NotRequired. Pydantic validates these like models.
ROW = ConfigDict(extra="allow")
# A value the build computes, as a typed dict: unknown keys are errors, as in a Model.
FORBID = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- the gates
class ValidationRecord(Model):
    """results/validation.json: the data were found valid (the slices wait for it)."""

    package: str
    checksums: dict[str, Any]
    problems: Literal[0]  # written only when none was found: invalid data stop the build
    findings: list[str]


class AuditRecord(Model):
    """results/audit.json: every printed number traced (publishing waits for it)."""

    checked: list[str]
    unsourced_numbers: Literal[0]  # written only when none was found: the audit fails otherwise


# ----------------------------------------------------------------------------- the data rows
@with_config(ROW)
class Modality(TypedDict):
    modality_id: str
    name: str
    short_name: str
    description: str


@with_config(ROW)
class Study(TypedDict):
    study_id: str
    short_name: str
    title: str
    authors: str
    design: str
    modality_id: NotRequired[str | None]
    patients: NotRequired[int | None]
    lesions: NotRequired[int | None]
    year: NotRequired[int | None]
    journal: NotRequired[str | None]
    citation_detail: NotRequired[str | None]
    pmid: NotRequired[str | None]
    pmcid: NotRequired[str | None]
    doi: NotRequired[str | None]
    patients_stated: NotRequired[bool | None]
    pooled_design: NotRequired[str | None]
    regimen: NotRequired[str | None]
    # Indirectness: a reason in words where the study's population, intervention or outcome is not
    # the question's (body_proposals.indirectness).
    indirect_population: NotRequired[str | None]
    indirect_intervention: NotRequired[str | None]
    indirect_outcome: NotRequired[str | None]
    source_document: str
    source_locator: str


@with_config(ROW)
class Outcome(TypedDict):
    outcome_id: str
    study_id: str
    domain: str
    measure: str
    source_term: str
    statistic: str
    locator: str
    value: NotRequired[Number | None]
    value_text: NotRequired[str | None]
    sd: NotRequired[Number | None]
    events: NotRequired[int | None]
    denominator: NotRequired[int | None]
    time_days: NotRequired[Number | None]
    timepoint: NotRequired[str | None]
    icpr_category: NotRequired[str | None]
    denominator_unit: NotRequired[str | None]
    unit: NotRequired[str | None]
    unit_text: NotRequired[str]  # the unit in words (evidence.read_tables)
    value_qualifier: NotRequired[str | None]
    arm_id: NotRequired[str | None]
    subgroup: NotRequired[str | None]
    event: NotRequired[str | None]
    as_printed: NotRequired[bool | None]
    direction: NotRequired[str | None]
    p_value: NotRequired[str | None]
    comparison: NotRequired[str | None]
    note: NotRequired[str | None]
    subgroup_by: NotRequired[str | None]
    value_high: NotRequired[Number | None]
    ci_low: NotRequired[Number | None]
    ci_high: NotRequired[Number | None]
    # Each number as written (evidence.read_tables), where the cell is not empty.
    sd_text: NotRequired[str]
    value_high_text: NotRequired[str]
    ci_low_text: NotRequired[str]
    ci_high_text: NotRequired[str]
    scale_range_unstated: NotRequired[bool]  # its scale's range is not printed (evidence._unit_words)


@with_config(ROW)
class Arm(TypedDict):
    arm_id: str
    study_id: str
    label: str
    role: str
    modality_id: NotRequired[str | None]
    patients: NotRequired[int | None]  # when the source states it
    analysed: NotRequired[int | None]
    regimen: NotRequired[str | None]
    locator: str


class ArmPair(Model):
    """What any comparison names: one arm of a study against another, on one outcome."""

    comparison_id: str
    study_id: str
    arm_id: str
    comparator_arm_id: str
    domain: str
    measure: str


@with_config(ROW)
class StatedComparison(TypedDict):
    """An effect of one arm against another, as the source states it (comparisons.csv); the arm pair
    is ArmPair's."""

    comparison_id: str
    study_id: str
    arm_id: str
    comparator_arm_id: str
    domain: str
    measure: str
    effect_measure: NotRequired[str | None]  # empty: a finding without an effect measure (`finding`)
    value: NotRequired[Number | None]
    finding: NotRequired[str | None]
    ci_low: NotRequired[Number | None]
    ci_high: NotRequired[Number | None]
    p_value: NotRequired[str | None]
    subgroup: NotRequired[str | None]
    locator: str
    source_term: NotRequired[str | None]
    timepoint: NotRequired[str | None]
    time_days: NotRequired[Number | None]
    subgroup_by: NotRequired[str | None]
    studies: NotRequired[int | None]  # a review's: how many studies its pooled effect is of
    note: NotRequired[str | None]
    finding_words: NotRequired[str | None]
    event: NotRequired[str | None]  # the event kind of its study's figures (importance.with_event)
    # Each number as written (evidence.read_tables), where the cell is not empty.
    value_text: NotRequired[str]
    ci_low_text: NotRequired[str]
    ci_high_text: NotRequired[str]


@with_config(ROW)
class Statement(TypedDict):
    statement_id: str
    study_id: str
    modality_id: NotRequired[str | None]
    topic: str
    statement: str
    locator: str


@with_config(ROW)
class CertaintyRow(TypedDict):
    modality_id: str
    comparator_id: NotRequired[str | None]  # None: the modality's evidence alone (bodies.py)
    outcome_domain: str
    factor: str
    judgement: int
    reason: str


@with_config(ROW)
class ReviewInclude(TypedDict):
    """A primary study of the data that a systematic review includes (named under the review)."""

    review_id: str
    study_id: str
    locator: str
    short_name: NotRequired[str | None]


@with_config(ROW)
class Scale(TypedDict):
    scale_id: str
    name: str
    text: str
    minimum: NotRequired[Number | None]  # empty when the source does not print the scale's range
    maximum: NotRequired[Number | None]
    direction: str
    mid: NotRequired[Number | None]
    mid_source: NotRequired[str | None]


@with_config(ROW)
class BaselineRisk(TypedDict):
    baseline_id: str
    domain: str
    measure: str
    value: Number
    population: str
    source: str
    locator: str


@with_config(ROW)
class RobJudgement(TypedDict):
    """A row of data/risk_of_bias.csv."""

    study_id: str
    tool: str
    outcome_domain: NotRequired[str | None]
    rob_domain: str
    judgement: str
    support: str
    locator: str


# ----------------------------------------------------------------------------- the analysis settings
# config.yaml's `analysis`, as a slice carries it (importance.for_modality): the YAML is checked
# against workflow/schemas/config.schema.yaml; these are the code's view of the same keys
# (tests/test_models.py checks that the two name the same keys).
class Window(TypedDict):
    label: str
    min_days: Number
    max_days: Number


class PrespecifiedOutcome(TypedDict):
    id: str
    label: str
    domain: str
    importance: Literal["critical", "important", "limited"]
    terms: NotRequired[list[str]]
    events: NotRequired[Literal["harm", "benefit"]]
    modalities: NotRequired[list[str]]


class ImportanceRecord(TypedDict):
    rated_by: str
    date: str
    source: str
    before_results: NotRequired[bool]


class ContinuousOis(TypedDict):
    participants: int | None
    source: str


class ImprecisionRule(TypedDict):
    threshold: NotRequired[Number | Literal["scale_mid"] | None]
    tolerable_risk: NotRequired[Number | None]
    ois_events: NotRequired[int | None]
    source: str


class ImprecisionSettings(TypedDict, total=False):
    continuous_ois: ContinuousOis
    outcomes: dict[str, ImprecisionRule]


class RobSettings(TypedDict):
    serious_share: Number
    intermediate_share: Number
    source: str


class SubgroupSpec(TypedDict):
    covariate: str
    cutpoint: NotRequired[Number]
    unit: NotRequired[str]
    label: NotRequired[str]


class AnalysisSettings(TypedDict, total=False):
    timepoint_windows: dict[str, list[Window]]
    outcomes: list[PrespecifiedOutcome]
    importance_record: ImportanceRecord
    imprecision: ImprecisionSettings
    risk_of_bias: RobSettings
    knapp_hartung: bool
    ci: Literal["hksj", "hksj_adhoc", "wald"]
    prediction_interval: Literal["t", "z"]
    i2: Literal["tau2", "q"]
    subgroup_min_studies: int
    subgroups: dict[str, list[SubgroupSpec]]


class Tables(TypedDict, total=False):
    """The data package's tables as rows, once validation has found them valid (evidence.read_valid)."""

    modalities: list[Modality]
    studies: list[Study]
    arms: list[Arm]
    outcomes: list[Outcome]
    comparisons: list[StatedComparison]
    review_includes: list[ReviewInclude]
    identification: list[dict[str, Any]]
    baseline_risks: list[BaselineRisk]
    scales: list[Scale]
    statements: list[Statement]
    certainty: list[CertaintyRow]
    risk_of_bias: list[RobJudgement]


@with_config(FORBID)
class Evidence(TypedDict):
    """One modality's evidence (evidence.slice_for_modality): the rows its summary is built from."""

    modality_id: str
    modality: Modality
    studies: list[Study]
    arms: NotRequired[list[Arm]]
    outcomes: list[Outcome]
    comparisons: NotRequired[list[StatedComparison]]
    review_includes: NotRequired[list[ReviewInclude]]
    scales: NotRequired[list[Scale]]
    baseline_risks: NotRequired[list[BaselineRisk]]
    statements: list[Statement]
    certainty: list[CertaintyRow]
    risk_of_bias: NotRequired[list[RobJudgement]]
    identification: NotRequired[list[dict[str, Any]]]  # data/identification.csv: how the studies were found


@with_config(FORBID)
class Slice(Evidence):
    """One modality's evidence with its analysis settings (evidence.build_slice): what its notebook reads."""

    settings: AnalysisSettings


# ----------------------------------------------------------------------------- computed values
@with_config(FORBID)
class RobCell(TypedDict):
    domain: str
    judgement: str
    text: str  # the symbol and the word ("+ Low"): never colour alone


@with_config(FORBID)
class RobTableRow(TypedDict):
    study_id: str
    study: str
    outcome: str  # the outcome judged; empty where the tool judges the study once
    cells: list[RobCell]


@with_config(FORBID)
class RobDomain(TypedDict):
    id: str
    short: str
    label: str


@with_config(FORBID)
class RobSupport(TypedDict):
    study: str
    outcome: str
    domain: str
    domain_label: str
    text: str
    locator: str


@with_config(FORBID)
class RobTable(TypedDict):
    """One tool's judgements of a modality's primary studies (risk_of_bias.summarise)."""

    tool: str
    label: str
    per_outcome: bool
    domains: list[RobDomain]
    rows: list[RobTableRow]
    supports: list[RobSupport]


@with_config(FORBID)
class RiskOfBias(TypedDict):
    tables: NotRequired[list[RobTable]]
    not_assessed: NotRequired[list[str]]  # primary studies without a judgement, by short name
    not_assessed_text: NotRequired[str]


@with_config(FORBID)
class Estimate(TypedDict):
    """A proportion with its CI, computed from an outcome row (effects.proportion_estimate)."""

    events: int
    n: int
    proportion: float
    ci_low: float
    ci_high: float
    ci_method: str
    count_derived: bool


@with_config(ROW)
class DescribedOutcome(Outcome):
    """An outcome row as the summary shows it: in words, with its estimate."""

    display: str
    label: str
    domain_label: str
    estimate: Estimate | None
    arm_label: NotRequired[str]  # the arm a figure is of (summary._group_of)
    whole_trial: NotRequired[str]  # or that it is the whole trial's


class Proposal(Model):
    """What the build's rule proposes where the curator's judgement differs."""

    judgement: int | None
    judgement_text: str
    reason: str


class Judgement(Model):
    factor: str
    label: str
    judgement: int | None  # None: a build proposal the rule could not make
    judgement_text: str
    reason: str
    source: str
    rule: Proposal | None = None
    # Risk of bias: each pooled result refitted without its studies at high risk (risk_of_bias.py).
    sensitivity: list[RobSensitivity] = []


class Rating(Model):
    """The certainty of one body of evidence (bodies.py, certainty.rate_bodies)."""

    domain: str
    start: int
    start_text: str
    start_reason: str
    factors: list[Judgement]
    missing: list[str] = []  # domains nobody judged: the level is then None ("not assessed")
    level: int | None
    level_text: str
    symbols: str
    key: str = ""  # "srs-vs-cebrt:pain_response"
    label: str = ""  # "Pain response, against conventional external-beam radiotherapy"
    comparator_id: str = ""  # "" for the modality's evidence alone
    study_ids: list[str] = []
    designs: str = ""
    participants_text: str = ""


@dataclass(frozen=True)
class PooledResult:
    """One pooled estimate (meta.pool). Effects are on the analysis scale (logit, raw proportion,
    mean, log ratio, difference); the *_prop fields hold the back-transformed proportion when
    proportions were pooled, the *_ratio fields the ratio when log RR/OR/HR were.
    A plain dataclass, so meta's numeric code needs no validation; as a field of a model, pydantic
    checks it like any other."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    method: str
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float | None  # prediction interval; None for the fixed-effect (FE) model
    pi_high: float | None
    tau2: float
    i2: float  # percent, 0-100
    h2: float
    q: float
    q_df: int
    q_p: float
    weights: tuple[float, ...]  # percent, sums to 100
    knapp_hartung: bool  # the CI is Hartung-Knapp-Sidik-Jonkman's (ci_method "hksj" or "hksj_adhoc")
    transform: str | None = None  # "logit" / "raw" for proportions, "log" for ratio measures, else None
    ci_method: str = "wald"  # meta.CI_METHODS; a GLMM's "t" is a t quantile on k-1 df, no rescaling
    pi_method: str = "z"  # meta.PI_METHODS: "t" on k-2 df (none below three studies) or "z"
    tau2_ci_low: float | None = None  # the Q-profile CI of tau² (inverse-variance random effects only)
    tau2_ci_high: float | None = None
    estimate_prop: float | None = None
    ci_low_prop: float | None = None
    ci_high_prop: float | None = None
    pi_low_prop: float | None = None
    pi_high_prop: float | None = None
    measure: str | None = None  # two-arm comparisons (meta.pool_comparisons): RR, OR, HR, RD or MD
    estimate_ratio: float | None = None
    ci_low_ratio: float | None = None
    ci_high_ratio: float | None = None
    pi_low_ratio: float | None = None
    pi_high_ratio: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (float/int/str/bool/None, weights as a list) for JSON/YAML."""
        out: dict[str, Any] = {}
        for key, val in asdict(self).items():
            if isinstance(val, tuple):
                out[key] = [float(w) for w in val]
            elif val is None or isinstance(val, (bool, str)):
                out[key] = val
            else:
                out[key] = int(val) if key in ("k", "q_df") else float(val)
        return out


@with_config(FORBID)
class AnalysisTable(TypedDict):
    """A small table the briefing prints beside a pooled result, every cell as printed."""

    caption: str
    columns: list[str]
    rows: list[dict[str, str]]


@with_config(FORBID)
class OnScale(TypedDict):
    """A fit's estimate and intervals on the reporting scale (a proportion back-transformed, a mean);
    no prediction interval below three studies."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None


@with_config(FORBID)
class EstimatorRow(TypedDict):
    """A pooled result by one estimator (robustness.estimators), in the order its table prints."""

    method: str
    label: str
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    tau2: float
    note: str  # why a fit did not converge; "" when it did


@with_config(FORBID)
class LooRow(TypedDict):
    """A pooled result refitted without one study (robustness.leave_one_out)."""

    omitted: str
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    tau2: float
    change: float  # of the estimate, against the whole result
    tau2_change: float
    note: str


@with_config(FORBID)
class FunnelPoint(TypedDict):
    label: str
    effect: float  # on the analysis scale
    se: float


class Robustness(Model):
    """How far a pooled result holds (robustness.analyse): each estimator's result and each
    leave-one-out refit on the reporting scale, Egger's test (None below its minimum of studies)
    with the funnel plot's data, and the tables and lines the briefing prints."""

    estimators: list[EstimatorRow]
    leave_one_out: list[LooRow]
    egger: dict[str, Any] | None
    funnel: list[FunnelPoint]
    tables: list[AnalysisTable]
    lines: list[str]


class SubgroupAnalysis(Model):
    """One prespecified covariate for one pooled result (subgroups.analyse); `done` False with the
    reason in `text` when a subgroup has fewer studies than the config's minimum."""

    covariate: str
    label: str
    done: bool
    text: str
    subgroups: list[dict[str, Any]]
    table: AnalysisTable | None
    q_between: float | None = None
    df: int | None = None
    p: float | None = None
    meta_regression: dict[str, Any] | None = None


class RobSensitivity(Model):
    """A pooled result refitted without its studies at high risk of bias (inverse-variance REML,
    metafor's rma(..., subset = ...)); result None when fewer than two studies are left."""

    label: str
    excluded: list[str]
    k: int
    scale: str
    result: PooledResult | None
    full: PooledResult
    text: str
    outcome_ids: list[str] = []  # the pooled result's rows refitted (analyses_export)


class Pooled(Model):
    domain: str
    definition: str
    label: str
    kind: str
    window: str
    outcome_ids: list[str]
    studies: list[str]
    k: int
    result: PooledResult | None
    sensitivity: PooledResult | None
    note: str
    figure_id: str | None = None
    effect: str | None = None  # its estimate in words (wording.pooled_effect), as the pooled results list it
    fallback: str | None = None  # why the GLMM was not usable (the result is then REML's)
    material: str | None = None  # the GLMM and REML results differ materially (pooling.MATERIAL_PP)
    robustness: Robustness | None = None
    subgroups: list[SubgroupAnalysis] = []
    funnel_id: str | None = None  # its funnel plot, with enough studies for one
    # Per study, in outcome_ids order: events and n, or means, sds and ns (a sensitivity analysis refits them).
    data: dict[str, list[Number]] | None = None


@with_config(FORBID)
class Category(TypedDict):
    outcome_id: str
    label: str
    source_term: str
    icpr_category: str | None
    value: Number
    value_text: str
    locator: str


# Its key `from` is a keyword: declared in TypedDict's call form, which takes no decorator.
DerivedOverall = TypedDict("DerivedOverall", {"value": float, "value_text": str, "from": list[str], "locator": str})
DerivedOverall.__pydantic_config__ = FORBID  # type: ignore[attr-defined]  # (the call form's config)


@with_config(FORBID)
class ResponseGroup(TypedDict):
    study_id: str
    timepoint: str | None
    group: NotRequired[str | None]  # the arm's label, or that the figures are a whole trial's
    subgroup: NotRequired[str | None]
    categories: list[Category]
    derived_overall: DerivedOverall | None


@with_config(FORBID)
class Point(TypedDict):
    outcome_id: str
    timepoint: str | None
    time_days: Number
    statistic: str
    value: Number
    value_text: str
    sd: Number | None
    sd_text: str | None
    n: NotRequired[int | None]  # the number assessed at this time point, where the source states it
    n_unit: NotRequired[str | None]
    unit: str | None
    locator: str
    change_pct: float | None
    change_pct_text: str | None


@with_config(FORBID)
class Series(TypedDict):
    study_id: str
    group: NotRequired[str | None]  # the arm (or subgroup) whose series it is
    measure: str
    unit: str | None
    points: list[Point]


class Figure(Model):
    """A figure: inline SVG, its text alternative, and the numbers behind it as a table."""

    id: str
    title: str
    alt: str
    svg: str
    table: list[dict[str, str]]
    columns: list[str]
    part_of: str | None = None
    heterogeneity: str | None = None


class Sentence(Model):
    text: str
    study_id: str | None


@with_config(ROW)
class DescribedComparison(StatedComparison):
    text: str  # the effect, as stated
    scope: str  # its time point, subgroup and arms
    certainty: NotRequired[Rating | None]  # its body of evidence's
    crude: NotRequired[dict[str, Any] | None]  # the differing crude ratio of the same counts (comparative.crude_ratio)
    crude_comment: NotRequired[str | None]  # what the stated and the crude ratio are, in words


class ComputedComparison(ArmPair):
    """A risk ratio the build computes from two arms' counts (comparative.risk_ratio)."""

    timepoint: str | None
    subgroup: str | None
    outcome_ids: list[str]
    counts: list[list[int]]
    effect_measure: str
    yi: float  # log risk ratio and its sampling variance, what pooling takes
    vi: float
    ratio: float
    ci_low: float
    ci_high: float
    event_kind: str = ""  # "benefit", "harm" or "" (vocabulary.EVENT_KINDS, Domain.event_kind)
    zero_cell: bool
    absolute: dict[str, Any]
    text: str  # the effect, as computed
    scope: str  # its time point, subgroup and arms


class PooledStatedRatio(Model):
    """Ratios (HR, OR, RR) two or more trials state with their CI for one comparison, pooled by
    generic inverse variance (comparative.pool_stated_ratios)."""

    domain: str
    measure: str
    effect_measure: str
    timepoint: str | None
    arm_id: str
    comparator_arm_id: str
    study_ids: list[str]
    comparison_ids: list[str]
    yi: list[float]  # log ratios and their variances from the CIs, what pooling took
    vi: list[float]
    pooled: PooledResult
    sensitivity: PooledResult
    text: str
    scope: str


class ComparativeSofRow(Model):
    """A summary-of-findings row of a comparison (comparative.sof_rows), in GRADEpro's columns."""

    domain: str
    measure: str
    event_kind: str = ""
    timepoint: str | None = None
    arm_id: str
    comparator_arm_id: str
    study_ids: list[str]
    comparison_ids: list[str]
    participants: int
    comparator_arms: list[list[int]]  # each comparator arm's events and patients
    assumed_risk: list[int]  # the median of their risks, exact: numerator and denominator
    ratio: float
    ci_low: float
    ci_high: float
    pooled: PooledResult | None
    sensitivity: PooledResult | None = None  # DerSimonian-Laird, beside the REML `pooled`
    absolute: dict[str, Any]
    intervention: str
    comparator: str
    relative: str
    comparator_risk: str
    comparator_basis: str  # which comparator risk: the trial's arm, or the median of several
    intervention_risk: str
    difference: str
    baselines: list[BaselineRisk] = []
    baseline_texts: list[str] = []
    certainty: Rating | None
    conclusion: str
    figure_id: str | None = None  # its forest plot, when it pools two trials or more


class Finding(Model):
    outcome_id: str
    study_id: str
    text: str


class ModalityHeadline(Model):
    """A modality's headline (headlines.choose): its best evidence for its most important outcome,
    in the shape every table that prints it reads."""

    kind: str  # row (a summary-of-findings row), computed, difference, stated or review
    outcome: str
    outcome_id: str  # the quoted figure's id: an outcome's, or a comparison's (What changed)
    study_id: str
    study_ids: list[str]
    domain: str
    timepoints: str
    participants_text: str
    studies: int
    effect: str
    certainty: Rating | None
    conclusion: str
    definition: str
    subgroup: str | None = None
    pooled: bool = False
    tier: int  # 0 randomised comparison or review's pooled effect, 1 non-randomised comparison, 2 one group
    importance_text: str
    text: str


@with_config(FORBID)
class Unpooled(TypedDict):
    outcome_id: str
    study_id: str
    measure: str
    reason: str


@with_config(FORBID)
class Size(TypedDict):
    """What a body of evidence's proposals rest on (summary._bodies)."""

    domain: str
    participants: int | None  # None: not every study states how many its figures are of
    enrolled: NotRequired[int | None]
    studies: int
    i2: float | None
    events: NotRequired[int | None]
    printed: NotRequired[dict[str, int]]  # the patients the evidence profile prints (wording.body_participant_counts)


class SofRow(Model):
    domain: str
    body: str = ""  # its body of evidence (bodies.py); "" for a critical outcome nobody reports
    domain_label: str
    outcome: str
    timepoints: str
    participants: int | None  # None: no study states how many its figures are of
    participants_text: str
    enrolled_unstated: int | None = None  # enrolled in the studies that state no number analysed
    other_units: list[str] = []  # "61 lesions": denominators in another unit, printed apart from patients
    arms_summed: bool = False  # participants summed over a trial's arms
    studies: int
    study_ids: list[str]
    outcome_ids: list[str]
    effect: str
    pooled: bool
    certainty: Rating | None
    marks: list[str]
    comments: list[str]
    conclusion: str
    importance: str | None = None  # critical, important, limited; None: not prespecified
    importance_text: str = "not prespecified"
    not_reported: bool = False  # a critical outcome no study reports
    definition: str = ""  # what the figure measures (ICPR overall response, a source's own term)
    subgroup: str | None = None  # a subgroup's row: never a headline while a whole group's row exists


class Footnote(Model):
    mark: str
    text: str


class MarkedJudgement(Judgement):
    mark: str


class ProfileLead(Model):
    """The effect the evidence profile prints for a body: that of its leading row."""

    outcome: str
    effect: str
    studies: int
    pooled: bool


class ProfileRow(Model):
    domain: str
    key: str
    label: str
    designs: str
    participants_text: str  # № of patients, GRADEpro's column
    factors: dict[str, MarkedJudgement]
    rating: Rating
    outcomes: list[str] = []  # the outcomes its rows name
    lead: ProfileLead | None = None
    importance: str | None = None
    importance_text: str = "not prespecified"


class Sof(Model):
    rows: list[SofRow]
    footnotes: list[Footnote]
    profile: list[ProfileRow]
    not_assessed: list[Rating] = []  # bodies of evidence with data whose certainty is not assessed


@with_config(FORBID)
class StatedSofRow(TypedDict):
    """A summary-of-findings row of a comparison a source states (summary._stated_sof)."""

    comparison_id: str
    domain: str
    measure: str
    timepoint: str | None
    subgroup: str | None
    intervention: str
    comparator: str
    study_ids: list[str]
    relative: str
    comment: NotRequired[str | None]  # a stated ratio that differs from the crude one of the same counts
    certainty: Rating | None
    conclusion: str
    participants: NotRequired[int | None]  # a trial's everyone randomised (comparative.randomised)
    participants_text: NotRequired[str]
    studies: NotRequired[int | None]  # None: a review's pooled result, its studies its own


@with_config(FORBID)
class ReviewResult(TypedDict):
    """A systematic review's pooled results, shown as that review's (summary._review_results)."""

    study_id: str
    short_name: str
    arms: list[Arm]
    outcomes: list[DescribedOutcome]
    comparisons: list[DescribedComparison]
    other_outcomes: NotRequired[list[DescribedOutcome]]  # no comparison of the review lists them: rows of their own
    includes: list[ReviewInclude]


class ComputedDifference(ArmPair):
    """A mean difference the build computes from two arms' means, SDs and numbers assessed."""

    timepoint: str | None
    subgroup: str | None
    outcome_ids: list[str]
    unit_text: str
    means: list[list[Any]]  # [mean as printed, SD as printed, n] per arm, intervention first
    effect_measure: str
    yi: float
    vi: float
    difference: float
    ci_low: float
    ci_high: float
    text: str
    scope: str


class DifferenceSofRow(Model):
    """A summary-of-findings row of a continuous outcome between arms (comparative.sof_difference_rows)."""

    domain: str
    measure: str
    timepoint: str | None
    arm_id: str
    comparator_arm_id: str
    unit_text: str
    study_ids: list[str]
    comparison_ids: list[str]
    participants: int
    comparator_means: list[str]
    difference: float
    ci_low: float
    ci_high: float
    pooled: PooledResult | None
    sensitivity: PooledResult | None
    intervention: str
    comparator: str
    relative: str
    comparator_risk: str
    difference_text: str
    certainty: Rating | None
    conclusion: str


class ModalitySummary(Model):
    """One modality's summary (summary.build_summary): what its notebook writes."""

    modality_id: str
    modality: Modality
    kind: str
    primary_studies: list[Study]
    reviews: list[Study]
    review_results: list[ReviewResult] = []
    patients: int
    patients_unstated: list[str] = []  # studies whose arm of this modality has no stated size
    patients_not_stated: list[str] = []  # studies whose source states no number of patients (counted as none)
    comparator_in: list[dict[str, str]] = []
    arms: list[Arm] = []
    comparisons: list[DescribedComparison] = []
    computed_comparisons: list[ComputedComparison] = []
    computed_differences: list[ComputedDifference] = []
    designs: str
    outcomes: list[DescribedOutcome]
    estimates: dict[str, Estimate]
    response_groups: list[ResponseGroup]
    trajectories: dict[str, list[Series]]
    pooled: list[Pooled]
    certainty: list[Rating]
    evidence_size: dict[str, Size]
    figures: list[Figure]
    sentences: list[Sentence]
    statements: list[Statement]
    main_pain: ModalityHeadline | None
    unpooled: list[Unpooled]
    findings: dict[str, list[Finding]]
    overall_certainty: Rating | None
    sof: Sof
    sof_comparisons: list[ComparativeSofRow] = []
    sof_differences: list[DifferenceSofRow] = []
    sof_stated: list[StatedSofRow] = []
    comparators: dict[str, str] = {}  # each comparative study's comparator modality (bodies.comparators)
    comparison_figures: list[Figure] = []  # the forest plots of sof_comparisons, shown beside them
    pooled_ratios: list[PooledStatedRatio] = []  # stated ratios of one comparison, pooled (issue 29)
    prespecified: list[str] = []  # prespecified subgroup analyses that had nothing pooled to run on
    risk_of_bias: RiskOfBias = RiskOfBias()


# ----------------------------------------------------------------------------- the briefing
@with_config(FORBID)
class RegisteredFigure(TypedDict):
    """A figure the briefing shows, stated or derived, traced to its rows and locator."""

    id: str
    table: str
    locator: str
    derived: bool
    modality_id: NotRequired[str | None]
    study_id: NotRequired[str | None]
    field: NotRequired[str | None]
    label: NotRequired[str | None]
    statistic: NotRequired[str | None]
    value_text: NotRequired[str | None]
    sd_text: NotRequired[str | None]
    events: NotRequired[int | None]
    denominator: NotRequired[int | None]
    unit: NotRequired[str | None]
    timepoint: NotRequired[str | None]
    p_value: NotRequired[str | None]
    ci_low_text: NotRequired[str | None]
    ci_high_text: NotRequired[str | None]
    studies: NotRequired[int | None]  # a systematic review's pooled result: the studies it pools
    derivation: NotRequired[str | None]
    derived_from: NotRequired[list[str] | None]
    result: NotRequired[PooledResult | None]
    shown: NotRequired[list[str] | None]
    detail: NotRequired[list[str] | None]  # printed only where the per-study detail is: forest plots, tables
    source_document: NotRequired[str | None]
    # Where it is printed ("html", "briefing_pdf", "modality_pdf"): the audit finds it there;
    # and where it is deliberately not, with the reason.
    printed_in: NotRequired[list[str]]
    left_out: NotRequired[dict[str, str]]


class Reference(Model):
    number: int
    study_id: str
    short_name: str
    anchor: str
    text: str
    pmid: str | None
    pmcid: str | None
    doi: str | None
    source_document: str
    source_locator: str
    source: str = ""  # where the figures were read, in words (wording.source_text)


class Provenance(Model):
    build_date: str
    build_epoch: int
    data: dict[str, Any]
    commit: dict[str, Any]
    versions: dict[str, str]
    pdf: dict[str, Any]
    config: dict[str, Any]
    jobs: dict[str, int]


class Changes(Model):
    """The what-changed section (changes.compare)."""

    first_edition: bool
    note: str | None
    summary: str
    short: str
    previous: dict[str, str | None] | None = None
    previous_date: str | None = None
    previous_checksum: str | None = None
    sections: dict[str, dict[str, list[dict[str, Any]]]] | None = None
    counts: dict[str, dict[str, int]] | None = None
    per_modality: list[dict[str, Any]] | None = None
    surveillance: dict[str, Any] | None = None  # records screened, trial statuses changed (surveillance.py)


class Headline(Model):
    modality_id: str
    name: str
    text: str | None
    certainty: Rating | None


class BottomLine(Model):
    points: list[str]
    per_modality: list[Headline]


class ComparisonColumn(Model):
    shown: list[Finding]
    more: list[str]


class ReviewFinding(Model):
    study_id: str
    text: str


class ComparisonRow(Model):
    modality_id: str
    name: str
    studies: int
    reviews: int
    study_ids: list[str]
    review_ids: list[str]
    patients: int
    patients_unstated: list[str] = []
    without_figures: list[str] = []  # primary studies kept in the data without figures for now
    patients_not_stated: list[str] = []
    designs: str
    main_pain: ModalityHeadline | None
    review_findings: list[ReviewFinding] = []  # no primary study: a systematic review's pooled results
    columns: dict[str, ComparisonColumn]
    certainty: Rating | None
    ratings: list[Rating] = []  # each rated outcome's
    kind: str


class AcrossRow(ModalityHeadline):
    modality_id: str
    name: str
    definition_differs: bool = False  # its definition is not the ICPR overall response the others use


class DirectComparison(Model):
    """A trial's comparison of two of the briefing's modalities (combine.direct_comparisons)."""

    intervention: str
    comparator: str
    measure: str
    arms: str
    participants: int | None  # None: an arm's size is not stated
    study_ids: list[str]
    effect: str
    comment: str | None = None  # a stated ratio that differs from the crude one of the same counts
    certainty: Rating | None
    kind: str  # "computed" from the arms' counts, "stated" by the source, or "reported": no effect stated


class BriefingContext(Model):
    """Everything the briefing template renders (combine.build)."""

    title: str
    subtitle: str
    question: dict[str, str]
    build_date: str
    bottom_line: BottomLine
    comparison: list[ComparisonRow]
    direct_comparisons: list[DirectComparison] = []
    identification: dict[str, Any] | None = None
    identification_text: str = ""
    surveillance: dict[str, Any] | None = None  # the evidence base from the searches (surveillance_flow.py)
    sof_across: list[AcrossRow]
    modalities: list[ModalitySummary]
    general_statements: list[Statement]
    limitations: list[str]
    key_messages: dict[str, str] = {}  # per modality id: what a panel reads first
    research_gaps: list[str] = []
    methods: dict[str, str]
    references: list[Reference]
    ref_numbers: dict[str, int]
    provenance: Provenance
    figures: list[RegisteredFigure]
    print_cites_max: int
    changes: Changes
    vocabulary: dict[str, Any]


class PublishedFigure(Model):
    id: str
    title: str
    alt: str
    table: list[dict[str, str]]


class PublishedModality(Model):
    modality_id: str
    name: str
    kind: str
    studies: list[str]
    reviews: list[str]
    patients: int
    headline: str | None
    # The figure the headline quotes (an outcome's or a comparison's id): What changed compares like with like.
    headline_outcome_id: str | None = None
    certainty: list[Rating]
    pooled: list[Pooled]
    summary_of_findings: list[SofRow]
    figures: list[PublishedFigure]
    sentences: list[Sentence]


class PublishedBriefing(Model):
    """briefing.json: what a machine needs to check the briefing or compare two editions."""

    title: str
    build_date: str
    provenance: Provenance
    methods: dict[str, str]
    modalities: list[PublishedModality]
    figures: list[RegisteredFigure]
    references: list[Reference]
    statements: list[Statement]
    changes: Changes | None
    surveillance: dict[str, Any] | None = None


# ----------------------------------------------------------------------------- any edition
class Lenient(BaseModel):
    """What "What changed" reads from an edition of any age: what it lacks takes a default, what
    newer code dropped is ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class EditionReference(Lenient):
    study_id: str
    short_name: str | None = None  # older editions: the first author, from the citation
    text: str = ""


class EditionJudgement(Lenient):
    factor: str
    label: str = ""
    judgement: int | None = None
    reason: str = ""


class EditionRating(Lenient):
    domain: str
    # The body of evidence rated (bodies.py); editions built before bodies had none: their domain.
    key: str = ""
    label: str = ""
    symbols: str = ""
    level_text: str = ""
    factors: list[EditionJudgement] = []


class EditionPooled(Lenient):
    definition: str
    label: str | None = None
    window: str
    result: dict[str, Any] | None = None


class EditionSofRow(Lenient):
    domain: str
    domain_label: str | None = None


class EditionModality(Lenient):
    modality_id: str
    name: str | None = None
    studies: list[str] = []
    reviews: list[str] = []
    patients: int | None = None
    headline: str | None = None  # not in editions before the headline was published
    headline_outcome_id: str | None = None  # not in editions before issue 29
    certainty: list[EditionRating] = []
    pooled: list[EditionPooled] = []
    summary_of_findings: list[EditionSofRow] = []

    @property
    def has_headline(self) -> bool:
        return "headline" in self.model_fields_set


class EditionFigure(Lenient):
    id: str
    modality_id: str | None = None
    study_id: str | None = None
    field: str | None = None
    label: str | None = None
    timepoint: str | None = None
    value_text: str | None = None
    value_qualifier: str | None = None
    unit: str | None = None
    sd_text: str | None = None
    events: int | None = None
    denominator: int | None = None
    ci_low_text: str | None = None
    ci_high_text: str | None = None
    p_value: str | None = None
    result: dict[str, Any] | None = None


class EditionStatement(Lenient):
    statement_id: str
    statement: str
    study_id: str | None = None
    topic: str | None = None


class Edition(Lenient):
    """briefing.json as "What changed" compares it, for this edition and any earlier one."""

    title: str = ""
    build_date: str | None = None
    provenance: dict[str, Any] = {}
    references: list[EditionReference] = []
    modalities: list[EditionModality] = []
    figures: list[EditionFigure] = []
    statements: list[EditionStatement] | None = None  # not in editions before statements were published

    @property
    def package(self) -> str | None:
        return self.provenance.get("data", {}).get("package")


# ----------------------------------------------------------------------------- at the boundaries
SCHEMAS: dict[str, Any] = {  # a BaseModel or a TypedDict of this module
    "validation": ValidationRecord,
    "slice": Slice,
    "summary": ModalitySummary,
    "briefing_context": BriefingContext,
    "briefing": PublishedBriefing,
    "audit": AuditRecord,
}


def check(model: Any, data: Any, where: str | Path = "") -> Any:
    """`data`, after checking that it has the model's shape (a model, or a TypedDict of a row or a
    slice); a ValueError names the first fields that do not."""
    from pydantic import ValidationError

    try:
        _adapter(model).validate_python(data)
    except ValidationError as exc:
        raise ValueError(f"{where or model.__name__} does not have the shape of {model.__name__}:\n{exc}") from None
    return data


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def write(path: str | Path, model: Any, data: Any) -> None:
    """Check, then write atomically as canonical JSON."""
    from briefing.core.publish import write_json

    write_json(path, check(model, data, path))


def read(path: str | Path, model: Any) -> Any:
    """Read a step's JSON and check its shape."""
    import json

    with open(path, encoding="utf-8") as fh:
        return check(model, json.load(fh), path)


def json_schema() -> dict[str, Any]:
    """One JSON Schema with a definition per model a step writes (shared parts defined once)."""
    _, schema = TypeAdapter.json_schemas(
        [(name, "validation", _adapter(model)) for name, model in SCHEMAS.items()],
        by_alias=True,
        title="What the steps of the briefing write",
        description="The models of workflow/briefing/schema/models.py: "
        + ", ".join(f"{name}.json is {model.__name__}" for name, model in SCHEMAS.items()),
    )
    return schema


SCHEMA_FILE = "steps.schema.json"


def write_schema(folder: str | Path) -> Path:
    """workflow/schemas/steps.schema.json, as `json_schema` gives it."""
    from briefing.core.publish import dumps, write_atomic

    path = Path(folder) / SCHEMA_FILE
    write_atomic(path, dumps(json_schema()))
    return path


# ----------------------------------------------------------------------------- a problem found in the data
@dataclass(frozen=True, order=True)
class Problem:
    """One problem validation (validation.py) or a surveillance record (surveillance.py) found: where, and what."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"
