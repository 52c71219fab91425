"""What the statistics and GRADE modules found, as values: each names a finding and carries the
facts it rests on, and present.py words or lays it out (wording.py, figure_tables.py). So those
modules compute and never choose words (the import contract in pyproject.toml); the briefing's
text is the same as when they called wording themselves.

Each finding's fields are the arguments of the function that presents it, by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.schema.models import EstimatorRow, LooRow

if TYPE_CHECKING:
    from briefing.schema.models import SubgroupSpec

if TYPE_CHECKING:
    from briefing.grade.risk_of_bias import Share


@dataclass(frozen=True, eq=False)
class Finding:
    """A finding to be worded or laid out (present.present)."""


# ----------------------------------------------------------------------------- GRADE judgements
@dataclass(frozen=True, eq=False)
class JudgementText(Finding):
    factor: str
    judgement: int | None


@dataclass(frozen=True, eq=False)
class InconsistencyByI2(Finding):
    i2: float | None
    judgement: int


@dataclass(frozen=True, eq=False)
class InconsistencySingle(Finding):
    pass


@dataclass(frozen=True, eq=False)
class InconsistencyUnpooled(Finding):
    k: int


@dataclass(frozen=True, eq=False)
class Inconsistency36(Finding):
    f: dict[str, Any]
    judgement: int | None


@dataclass(frozen=True, eq=False)
class Sentences(Finding):
    """Findings worded one after another, as one paragraph."""

    parts: tuple[Finding, ...]


@dataclass(frozen=True, eq=False)
class IndirectnessNone(Finding):
    pass


@dataclass(frozen=True, eq=False)
class IndirectnessFlagged(Finding):
    flagged: list[tuple[str, list[tuple[str, str]]]]
    share: Share
    judgement: int | None


@dataclass(frozen=True, eq=False)
class PublicationBiasSearched(Finding):
    record: dict[str, Any]
    k: int
    minimum: int


@dataclass(frozen=True, eq=False)
class PublicationBiasUnsearched(Finding):
    record: dict[str, Any]
    k: int
    minimum: int


@dataclass(frozen=True, eq=False)
class PublicationBiasByEgger(Finding):
    tests: list[dict[str, Any]]
    flagged: list[dict[str, Any]]
    alpha: float


# ----------------------------------------------------------------------------- risk of bias
@dataclass(frozen=True, eq=False)
class RobNotAssessed(Finding):
    names: list[str]


@dataclass(frozen=True, eq=False)
class RobProposalUnjudged(Finding):
    domain: str | None


@dataclass(frozen=True, eq=False)
class RobProposal(Finding):
    high: list[tuple[str, str, str]]
    share: Share
    judgement: int | None
    rules: dict[str, Any]
    some: list[str]
    unjudged: list[str]
    unknown: list[str]


@dataclass(frozen=True, eq=False)
class RobSensitivity(Finding):
    entry: dict[str, Any]


@dataclass(frozen=True, eq=False)
class WithSensitivity(Finding):
    """A risk-of-bias proposal followed by its sensitivity analysis (each refit's finding)."""

    reason: Finding
    refits: tuple[Finding, ...]


@dataclass(frozen=True, eq=False)
class RobForestLegend(Finding):
    tools: list[Any]
    one: Any | None


# ----------------------------------------------------------------------------- pooling
@dataclass(frozen=True, eq=False)
class MaterialDifference(Finding):
    primary: dict[str, Any]
    reml: dict[str, Any]
    threshold_pp: float


@dataclass(frozen=True, eq=False)
class GlmmFallback(Finding):
    message: str


@dataclass(frozen=True, eq=False)
class PoolingNote(Finding):
    """How a group of comparable outcomes was pooled, or why not (wording.POOLING_NOTES' keys)."""

    method: str


@dataclass(frozen=True, eq=False)
class NotPooled(Finding):
    """Why a pain outcome was not pooled (wording.NOT_POOLED's keys), one reason or several; `note`
    is its group's own pooling note where that is the reason."""

    reasons: tuple[str, ...]
    note: str | None = None


# ----------------------------------------------------------------------------- robustness
@dataclass(frozen=True, eq=False)
class NoSmallStudyTest(Finding):
    k: int
    minimum: int


@dataclass(frozen=True, eq=False)
class EggerResult(Finding):
    test: dict[str, Any]
    alpha: float


@dataclass(frozen=True, eq=False)
class RobustnessLine(Finding):
    estimators: list[EstimatorRow]
    loo: list[LooRow]
    result: dict[str, Any]
    scale: str


@dataclass(frozen=True, eq=False)
class RobustnessTables(Finding):
    """The tables printed under a pooled result: its estimators, and leave-one-out (`shown` of all
    `total` refits, by `method`) when there was any."""

    rows: list[EstimatorRow]
    shown: list[LooRow]
    total: int
    method: str
    kind: str
    scale: str


# ----------------------------------------------------------------------------- subgroups
@dataclass(frozen=True, eq=False)
class SubgroupsNotDone(Finding):
    name: str
    sizes: dict[str, int]
    minimum: int
    missing: int


@dataclass(frozen=True, eq=False)
class SubgroupsDone(Finding):
    name: str
    q: float
    df: int
    p: float
    regression: dict[str, Any] | None
    spec: SubgroupSpec
    missing: int
    kind: str


@dataclass(frozen=True, eq=False)
class SubgroupTable(Finding):
    name: str
    subgroups: list[dict[str, Any]]
    scale: str
