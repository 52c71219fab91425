"""A seeded generator of synthetic evidence, for benchmarks and scale tests.

`generate(studies=N, modalities=M, seed=S, out=DIR)` writes a *valid* data package of N studies
(primary studies and some reviews) across M modalities, and a config that lists those modalities:

    DIR/data/datapackage.yaml     copied unchanged from the project
    DIR/data/{modalities,studies,arms,outcomes,comparisons,review_includes,statements,certainty,scales}.csv
    DIR/config/config.yaml        the project's config with the `modalities:` list replaced

so that copying DIR over a copy of the project gives a project that builds the synthetic
evidence. The CSV columns are those the descriptor declares, in its order.

The outcome mix imitates the curated seed data: pain-response categories (complete and partial,
as percentages of a stated denominator, or an overall response with its count, or percentages
without a denominator), pain scores and opioid doses as means with SDs over several time points
(some as unspecified summaries without spread), toxicity counts, hazard ratios for re-treatment,
times to relief and durations, and outcomes reported only as a test. Percentages are always
printed from a whole count, so the build can derive it back.

About one primary study in five compares two arms (mostly randomised): its modality against the
next modality with primary studies (a direct comparison) or against a comparator outside the
briefing (best supportive care, ...), the same two per modality so that the build pools several
trials. Each arm states its overall pain response (a count) and often its pain flares; some trials
also give a subgroup's response, a mean change in disability on a scale declared in scales.csv
(RDQ 0-24, added to the project's scales), and the effects the source states between the arms
(OR, RR, HR, MD with CI and p, a subgroup's apart). Comparative studies replace single-arm ones:
the number of primary studies per modality does not depend on them.

Roughly one study in twelve is a review: mostly narrative reviews and systematic reviews without
meta-analysis, which make statements about one to three modalities, and about a fifth systematic
reviews with meta-analysis, which give their pooled result (two arms' totals and a risk ratio with
the number of studies pooled) and name the package's primary studies they include. About one
modality in seven has review statements only. Every modality with quantitative outcomes gets
GRADE rows.

The same arguments always give the same bytes (`random.Random(seed)`, fixed iteration orders,
"\\n" line ends).

    python -m bench.synthetic --studies 500 --modalities 30 --seed 1 --out /tmp/syn
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import re
import shutil
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal, NotRequired, Protocol, cast

import yaml
from typing_extensions import TypedDict, Unpack

from briefing.core import vocabulary
from briefing.grade import certainty as grade

if TYPE_CHECKING:
    from briefing.schema.models import Arm, Outcome

ROOT = Path(__file__).resolve().parents[1]

# Seed modalities are reused (in their order) for the first modalities; the rest are synthetic.
SEED_MODALITIES = [
    ("srs", "Single-fraction spinal radiosurgery", "Radiosurgery (single fraction)"),
    ("hfrt", "Hypofractionated external-beam radiotherapy", "Hypofractionated RT"),
    ("cebrt", "Conventional external-beam radiotherapy", "Conventional EBRT"),
    ("i125", "CT-guided iodine-125 seed brachytherapy", "Iodine-125 brachytherapy"),
    ("surgery", "Surgical stabilisation or reconstruction", "Surgery"),
    ("hbi", "Hemibody irradiation", "Hemibody irradiation"),
    ("radionuclide", "Systemic radionuclides (strontium-89, samarium-153)", "Radionuclides (Sr-89/Sm-153)"),
]
TECHNIQUES = [
    "Stereotactic",
    "Hypofractionated",
    "Conventional",
    "Image-guided",
    "Proton",
    "Carbon-ion",
    "Cementoplasty plus",
    "Radiofrequency ablation plus",
    "Percutaneous",
    "Adaptive",
    "Split-course",
]
TREATMENTS = [
    "body radiotherapy",
    "radiosurgery",
    "brachytherapy",
    "vertebroplasty",
    "kyphoplasty",
    "cryoablation",
    "microwave ablation",
    "stabilisation",
    "radionuclide therapy",
    "re-irradiation",
]
SURNAMES = [
    "Ryu",
    "Sun",
    "Shao",
    "Hosono",
    "Lin",
    "Chow",
    "Sahgal",
    "Gerszten",
    "Lutz",
    "Hartsell",
    "Rades",
    "Patchell",
    "Bilsky",
    "Laufer",
    "Yamada",
    "Zeng",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Kim",
    "Park",
    "Nguyen",
    "Tanaka",
    "Sato",
    "Müller",
    "Schmidt",
    "Rossi",
    "Garcia",
    "Silva",
    "Johansson",
    "Novak",
    "Kowalski",
    "Dubois",
    "O'Brien",
    "Smith",
    "Jones",
    "Brown",
    "Ahmed",
    "Singh",
]
JOURNALS = [
    "J Pain Symptom Manage",
    "Int J Radiat Oncol Biol Phys",
    "Radiother Oncol",
    "Spine (Phila Pa 1976)",
    "J Neurosurg Spine",
    "Cancer",
    "Support Care Cancer",
    "Clin Oncol (R Coll Radiol)",
    "Pain Physician",
    "Cancer Med",
    "Pract Radiat Oncol",
    "Eur Spine J",
]
DOI_PREFIXES = ["10.1016", "10.1002", "10.1007", "10.3171", "10.1097", "10.1186"]
SINGLE_ARM_DESIGNS = [
    ("clinical_trial", 0.11),
    ("prospective_cohort", 0.28),
    ("retrospective_cohort", 0.39),
    ("cohort", 0.11),
    ("case_series", 0.11),
]
# About one primary study in five compares two arms, most of them randomised (as in the literature
# on palliative radiotherapy of bone metastases); they replace single-arm studies, not add to them.
COMPARATIVE_SHARE = 0.2
COMPARATIVE_DESIGNS = [("randomised_trial", 0.8), ("non_randomised_comparative", 0.2)]
# Of the reviews, about one in five is a systematic review with meta-analysis (its pooled results
# and the package's studies it includes) and about one in seven one without (statements only).
META_ANALYSIS_SHARE = 0.2
SYSTEMATIC_SHARE = 0.15
DESIGN_NOTES = {
    "randomised_trial": "Randomised, two arms.",
    "non_randomised_comparative": "Two treatment groups, allocated by the treating team.",
    "clinical_trial": "Single-arm clinical trial; no comparison group.",
    "prospective_cohort": "Prospective single-centre cohort.",
    "retrospective_cohort": "Retrospective review of consecutive patients.",
    "cohort": "Cohort; the abstract does not say whether it was prospective.",
    "case_series": "Consecutive case series.",
    "narrative_review": "Narrative review; no figures in the abstract.",
    "systematic_review": "Systematic review without meta-analysis; its conclusions are recorded as statements.",
    "systematic_review_meta_analysis": "Systematic review with meta-analysis of comparative studies.",
}
REVIEW_TITLES = {
    "narrative_review": "Management of painful spinal metastases: a review",
    "systematic_review": "Management of painful spinal metastases: a systematic review",
    "systematic_review_meta_analysis": "Pain relief in spinal metastases: a systematic review and meta-analysis",
}
# Comparators outside the briefing's modalities: (arm label, regimen). Each modality's trials use
# one of them, so that several trials compare the same treatments and the build pools them.
OUTSIDE_COMPARATORS = [
    ("best supportive care", "Analgesics and supportive care as needed"),
    ("sham procedure", "Sham procedure under the same sedation"),
    ("analgesics alone", "Oral analgesics titrated to pain"),
]
# Where a trial's figures of a subgroup come from: (subgroup, the covariate it splits on).
SUBGROUPS = [
    ("neuropathic pain at entry", "pain type at entry"),
    ("unable to walk at entry", "ambulatory status at entry"),
    ("aged 70 or older", "age at entry"),
]
# The share of patients who respond in the intervention and in the comparator arm.
RESPONSE_RATES = [(0.45, 0.85), (0.25, 0.7)]
# A disability scale beside the project's pain scales: mean changes are recorded on it. Declared
# in the package's scales.csv (without a minimal important difference: none is cited here).
RDQ = {
    "scale_id": "RDQ 0-24",
    "name": "Roland-Morris Disability Questionnaire",
    "text": "points (RDQ 0–24)",
    "minimum": "0",
    "maximum": "24",
    "direction": "lower_better",
    "mid": "",
    "mid_source": "",
}
Z_95 = NormalDist().inv_cdf(0.975)
TOPICS = ["rationale", "indications", "technique", "patient selection", "toxicity", "role", "outcome"]
LOCATORS = ["Abstract (results)", "Abstract", "Results, Table 2", "Results, Figure 3", "Key findings"]
TOXICITIES = [
    "Vertebral compression fracture",
    "Radiation myelitis",
    "Pain flare",
    "Grade 3 or higher toxicity",
    "Nausea",
    "Wound complication",
]
# The time points of repeated measures: (label, days). Baseline first.
SCORE_TIMES = [
    ("before treatment", 0),
    ("week 1", 7),
    ("week 2", 14),
    ("week 4", 28),
    ("week 6", 42),
    ("week 8", 56),
    ("week 12", 84),
]
RESPONSE_TIMES = [("1 month after treatment", 30), ("3 months after treatment", 90), ("6 weeks after treatment", 42)]
FACTORS = [f.id for f in vocabulary.FACTORS.where(direction="down")]
UPGRADES = [f.id for f in vocabulary.FACTORS.where(direction="up")]
RATED_DOMAINS = ("pain_response", "pain_score", "opioid_dose", "toxicity")

# The rows of the tables, as the generator builds them: the CSV writer prints each cell with str(),
# and "" is a blank cell.
Blank = Literal[""]


class ModalityRow(TypedDict):
    modality_id: str
    name: str
    short_name: str
    description: str


class Identifiers(TypedDict):
    pmid: str
    pmcid: str
    doi: str


class StudyCells(Identifiers):
    """The columns of studies.csv a primary study and a review fill alike."""

    study_id: str
    short_name: str
    title: str
    authors: str
    year: int
    journal: str
    citation_detail: str
    design: str
    design_note: str
    population: str
    modality_id: str
    regimen: str
    dose_per_fraction_min_gy: float | Blank
    dose_per_fraction_max_gy: float | Blank
    fractions_min: int | Blank
    fractions_max: int | Blank
    enrolment_period: str
    follow_up: str
    funding: str
    source_document: str
    source_locator: str


class PrimaryStudyRow(StudyCells):
    patients: int
    lesions: int | Blank


class ReviewRow(StudyCells):
    patients: int | Blank  # a meta-analysis's: its arms' totals
    lesions: Blank


StudyRow = PrimaryStudyRow | ReviewRow


class Comparator(TypedDict):
    """What a trial compares its modality with: a treatment outside the briefing or another modality."""

    label: str
    modality_id: str
    regimen: str


class ArmRow(TypedDict):
    arm_id: str
    study_id: str
    label: str
    role: str
    modality_id: str
    patients: int
    regimen: str
    locator: str


class Reported(TypedDict):
    """What the figures of one pain response share (a percentage at one time point)."""

    domain: str
    statistic: str
    unit: str
    timepoint: str
    time_days: int


def _reported(label: str, days: int) -> Reported:
    """A pain response's percentage at one time point."""
    return {"domain": "pain_response", "statistic": "percent", "unit": "%", "timepoint": label, "time_days": days}


class CountCells(TypedDict):
    """A count of patients: events of n."""

    statistic: str
    value: int
    events: int
    denominator: int
    denominator_unit: str
    unit: str


class Subgroup(TypedDict, total=False):
    subgroup: str
    subgroup_by: str


class OutcomeCells(Subgroup):
    """A figure's columns of outcomes.csv, but its ids and locator."""

    domain: str
    measure: str
    source_term: str
    statistic: str
    value: NotRequired[str | int]
    sd: NotRequired[str]
    events: NotRequired[int | Blank]
    denominator: NotRequired[int]
    denominator_unit: NotRequired[str]
    unit: NotRequired[str]
    timepoint: NotRequired[str]
    time_days: NotRequired[int]
    icpr_category: NotRequired[str]
    comparison: NotRequired[str]
    direction: NotRequired[str]
    p_value: NotRequired[str]
    note: NotRequired[str]


class OutcomeRow(OutcomeCells):
    outcome_id: str
    study_id: str
    arm_id: NotRequired[str]
    locator: str


class StatedEffect(TypedDict):
    """An effect as a source prints it: value, 95 % CI and p."""

    value: str
    ci_low: str
    ci_high: str
    p_value: str


class ComparisonCells(StatedEffect, Subgroup):
    """An effect's columns of comparisons.csv, but its ids, effect measure and locator."""

    domain: str
    measure: str
    source_term: str
    timepoint: str
    time_days: NotRequired[int]
    studies: NotRequired[int]
    note: NotRequired[str]


class ComparisonRow(ComparisonCells):
    comparison_id: str
    study_id: str
    arm_id: str
    comparator_arm_id: str
    effect_measure: str
    locator: str


class ReviewIncludeRow(TypedDict):
    review_id: str
    study_id: str
    locator: str


class StatementRow(TypedDict):
    statement_id: str
    study_id: str
    modality_id: str
    topic: str
    statement: str
    locator: str


class CertaintyRow(TypedDict):
    modality_id: str
    outcome_domain: str
    factor: str
    judgement: int
    reason: str


class Tables(TypedDict):
    """The tables the generator draws, in the order it returns them."""

    modalities: list[ModalityRow]
    studies: list[StudyRow]
    arms: list[ArmRow]
    outcomes: list[OutcomeRow]
    comparisons: list[ComparisonRow]
    review_includes: list[ReviewIncludeRow]
    statements: list[StatementRow]
    certainty: list[CertaintyRow]


class Add(Protocol):
    """Adds a figure of the study to its outcomes (`_Generator.outcomes`)."""

    def __call__(self, suffix: str, /, **fields: Unpack[OutcomeCells]) -> None: ...


def _pct(events: int, n: int) -> str:
    """A percentage as a source prints it from a whole count: one decimal, half up."""
    value = (Decimal(events) * 100 / n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}"


def _num(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}"


def _separate_lookalikes(primary: list[PrimaryStudyRow], outcomes: list[OutcomeRow]) -> None:
    """Two studies of one size whose random figures happen to coincide (three or more) look to
    validation like one study entered twice (curation.duplicate_studies): at thousands of studies
    a few pairs do. The later study gets one patient more until no study of its size matches it."""
    figures: dict[str, set[tuple[str, str, str, int | None]]] = {}
    for o in outcomes:
        key = (o["domain"], o["statistic"], str(o.get("value", "")), o.get("denominator") or None)
        figures.setdefault(o["study_id"], set()).add(key)
    by_size: dict[int, list[set[tuple[str, str, str, int | None]]]] = {}
    for study in primary:
        mine = figures.get(study["study_id"], set())
        while any(len(mine & theirs) >= 3 for theirs in by_size.get(study["patients"], [])):
            study["patients"] += 1
            if study["lesions"]:
                study["lesions"] += 1  # never fewer lesions than patients
        by_size.setdefault(study["patients"], []).append(mine)


def _log_ratio(measure: str, a: int, n1: int, c: int, n2: int) -> tuple[float, float]:
    """The log risk ratio or log odds ratio of a/n1 against c/n2, and its standard error (the
    counts have no zero cell: 0 < a < n1, 0 < c < n2)."""
    if measure == "RR":
        return math.log(a / n1) - math.log(c / n2), math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return math.log(a * (n2 - c) / ((n1 - a) * c)), math.sqrt(1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c))


def _p_value(z: float) -> str:
    """A two-sided p-value as sources print it."""
    p = math.erfc(abs(z) / math.sqrt(2))
    return "<0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def _stated_effect(estimate: float, se: float, ratio: bool) -> StatedEffect:
    """An effect as a source prints it: value, 95 % CI and p. A ratio comes as its logarithm (and
    its SE on that scale) and is printed with two decimals, never below 0.01 so it stays above 0;
    a difference is printed with one. Rounding keeps the value within its CI."""
    bounds = (estimate, estimate - Z_95 * se, estimate + Z_95 * se)
    texts = [f"{max(math.exp(b), 0.01):.2f}" if ratio else _num(b) for b in bounds]
    return {"value": texts[0], "ci_low": texts[1], "ci_high": texts[2], "p_value": _p_value(estimate / se)}


def _count(events: int, n: int) -> CountCells:
    """The cells of a count of patients: events of n, as outcomes.csv holds it."""
    return {
        "statistic": "count",
        "value": events,
        "events": events,
        "denominator": n,
        "denominator_unit": "patients",
        "unit": "patients",
    }


def _no_rows(modalities: list[ModalityRow]) -> Tables:
    """The tables with their modalities and no other row yet."""
    return {
        "modalities": modalities,
        "studies": [],
        "arms": [],
        "outcomes": [],
        "comparisons": [],
        "review_includes": [],
        "statements": [],
        "certainty": [],
    }


class _Generator:
    def __init__(self, n_studies: int, n_modalities: int, seed: int):
        if n_studies < 1 or n_modalities < 1:
            raise ValueError("at least one study and one modality are needed")
        self.rng = random.Random(seed)
        self.n_studies = n_studies
        self.n_modalities = n_modalities

    # ------------------------------------------------------------------ modalities
    def modalities(self) -> list[ModalityRow]:
        rows: list[ModalityRow] = []
        for i in range(self.n_modalities):
            if i < len(SEED_MODALITIES):
                mid, name, short = SEED_MODALITIES[i]
            else:
                technique = TECHNIQUES[i % len(TECHNIQUES)]
                treatment = TREATMENTS[(i // len(TECHNIQUES)) % len(TREATMENTS)]
                mid = f"syn_m{i + 1:03d}"
                name = f"{technique} {treatment} (synthetic modality {i + 1})"
                short = f"{technique} {treatment.split()[0]} {i + 1}"
            rows.append(
                {
                    "modality_id": mid,
                    "name": name,
                    "short_name": short,
                    "description": f"Synthetic evidence for benchmarking: {name.lower()}.",
                }
            )
        return rows

    # ------------------------------------------------------------------ studies
    def _authors(self) -> tuple[str, str]:
        rng = self.rng
        names = [f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHJKLMNPRSTWYZ')}" for _ in range(rng.randint(1, 8))]
        first = names[0].split()[0]
        if len(names) > 6 or rng.random() < 0.3:
            return f"{names[0]}, et al.", first
        return ", ".join(names), first

    def _identifiers(self, number: int, year: int) -> Identifiers:
        """PMID, PMCID and DOI, each ending in the study's number: two random ones would now and then
        coincide at thousands of studies, and validation takes that for one study entered twice."""
        rng = self.rng
        return {
            "pmid": str(rng.randint(10, 999) * 100_000 + number) if rng.random() < 0.7 else "",
            "pmcid": f"PMC{rng.randint(10, 129) * 100_000 + number}" if rng.random() < 0.25 else "",
            "doi": f"{rng.choice(DOI_PREFIXES)}/syn.{year}.{number:05d}" if rng.random() < 0.8 else "",
        }

    def _study_cells(self, number: int, design: str) -> StudyCells:
        """Every column of studies.csv but the patients and lesions, in order; blank where a
        primary study's figures go."""
        rng = self.rng
        year = rng.randint(1990, 2025)
        authors, first = self._authors()
        journal = rng.choice(JOURNALS) if rng.random() < 0.85 else ""
        review = vocabulary.DESIGNS[design].review
        return {
            "study_id": f"s{number:05d}",
            "short_name": f"{first} {year}",
            "title": (
                f"{REVIEW_TITLES[design]} ({number})"
                if review
                else f"Pain relief after treatment of spinal metastases: a {design.replace('_', ' ')} ({number})"
            ),
            "authors": authors,
            "year": year,
            "journal": journal,
            "citation_detail": f"{year} {rng.choice(['Jan', 'Mar', 'Jun', 'Sep', 'Nov'])};{rng.randint(1, 120)}"
            f"({rng.randint(1, 12)}):{rng.randint(1, 900)}-{rng.randint(901, 999)}"
            if journal
            else "",
            **self._identifiers(number, year),
            "design": design,
            "design_note": DESIGN_NOTES[design],
            "population": "" if review else "Adults with painful spinal metastases from solid tumours.",
            "modality_id": "",
            "regimen": "",
            "dose_per_fraction_min_gy": "",
            "dose_per_fraction_max_gy": "",
            "fractions_min": "",
            "fractions_max": "",
            "enrolment_period": "",
            "follow_up": "",
            "funding": "",
            "source_document": f"syn_{number:05d}.txt",
            "source_locator": "PubMed record: citation line and abstract",
        }

    def review(self, number: int, modality_id: str, design: str) -> ReviewRow:
        """A review's row of studies.csv: a meta-analysis belongs to the modality it pools; its
        patients are its arms' (set with them)."""
        cells = self._study_cells(number, design)
        modality = modality_id if vocabulary.DESIGNS[design].pooled else ""
        return {**cells, "patients": "", "lesions": "", "modality_id": modality}

    def study(self, number: int, modality_id: str, design: str) -> PrimaryStudyRow:
        """A primary study's row of studies.csv: every column, then its figures."""
        rng = self.rng
        cells = self._study_cells(number, design)
        patients = int(rng.lognormvariate(4.2, 0.6)) + 12  # median about 80, a long right tail
        row: PrimaryStudyRow = {**cells, "patients": patients, "lesions": "", "modality_id": modality_id}
        year = row["year"]
        if rng.random() < 0.5:
            row["lesions"] = patients + rng.randint(0, patients // 2)
        if rng.random() < 0.8:
            dmin = rng.choice([1.8, 2, 3, 4, 4.5, 5, 6, 8, 10, 12, 16, 18, 24])
            dmax = dmin if rng.random() < 0.6 else round(dmin + rng.choice([1, 2, 4, 6]), 1)
            fmin = rng.choice([1, 1, 1, 3, 5, 10])
            fmax = fmin if rng.random() < 0.6 else fmin + rng.choice([1, 2, 4])
            row.update(
                {
                    "dose_per_fraction_min_gy": dmin,
                    "dose_per_fraction_max_gy": dmax,
                    "fractions_min": fmin,
                    "fractions_max": fmax,
                    "regimen": f"{dmin}–{dmax} Gy per fraction in {fmin}–{fmax} fractions"
                    if (dmin, fmin) != (dmax, fmax)
                    else f"{dmin} Gy in {fmin} fraction{'s' if fmin > 1 else ''}",
                }
            )
        if rng.random() < 0.6:
            start = rng.randint(1985, year - 1) if year > 1985 else 1985
            row["enrolment_period"] = f"{start} to {min(year, start + rng.randint(1, 6))}"
        if rng.random() < 0.5:
            row["follow_up"] = f"Median {rng.randint(3, 36)} months"
        if rng.random() < 0.3:
            row["funding"] = (
                "Not stated" if rng.random() < 0.5 else f"Grant {rng.randint(100, 999)}-{rng.randint(10, 99)}"
            )
        return row

    # ------------------------------------------------------------------ outcomes
    def outcomes(self, study: PrimaryStudyRow) -> list[OutcomeRow]:
        rng = self.rng
        sid = study["study_id"]
        rows: list[OutcomeRow] = []

        def add(suffix: str, **fields: Unpack[OutcomeCells]) -> None:
            rows.append({"outcome_id": f"{sid}-{suffix}", "study_id": sid, "locator": rng.choice(LOCATORS), **fields})

        self._responses(study, add)
        self._series(study, add)
        self._counts(study, add)
        self._other_outcomes(study, add)
        if not rows:  # every draw above came up empty: a primary study needs a figure (validation)
            self._overall_response(add, study["patients"], "patients", _reported(*RESPONSE_TIMES[0]))
        return rows

    def _responses(self, study: PrimaryStudyRow, add: Add) -> None:
        """Pain response: categories of a stated denominator, an overall count, or no denominator."""
        rng = self.rng
        n = study["patients"]
        # Pain response: categories of a stated denominator, an overall count, or no denominator.
        if rng.random() < 0.85:
            kind = rng.random()
            times = rng.sample(RESPONSE_TIMES[:2], rng.choice([1, 1, 2]))
            lesions = study["lesions"] or 0  # a blank: no count of lesions stated
            for label, days in sorted(times, key=lambda t: t[1]):
                unit_lesions = bool(lesions) and rng.random() < 0.15
                denominator = lesions if unit_lesions else max(5, n - rng.randint(0, n // 5))
                dunit = "lesions" if unit_lesions else "patients"
                common = _reported(label, days)
                # Never exactly 0 % or 100 %: the response figure cannot draw those yet (a Wilson
                # bound a rounding error beyond the estimate gives matplotlib a negative error bar).
                if kind < 0.55:
                    self._response_categories(add, denominator, dunit, common)
                elif kind < 0.85:
                    self._overall_response(add, denominator, dunit, common)
                else:
                    self._response_without_denominator(add, common)

    def _response_categories(self, add: Add, denominator: int, dunit: str, common: Reported) -> None:
        """Complete and partial response of a stated denominator."""
        rng = self.rng
        complete = rng.randint(1, denominator // 2)
        partial = rng.randint(1, denominator - complete - 1)
        c_text, p_text = _pct(complete, denominator), _pct(partial, denominator)
        if Decimal(c_text) + Decimal(p_text) > 100:
            partial = max(1, partial - 1)
            p_text = _pct(partial, denominator)
        add(
            f"cr-{common['time_days']}",
            measure="Complete pain response",
            source_term="complete response",
            icpr_category="complete",
            value=c_text,
            denominator=denominator,
            denominator_unit=dunit,
            **common,
        )
        add(
            f"pr-{common['time_days']}",
            measure="Partial pain response",
            source_term="partial response",
            icpr_category="partial",
            value=p_text,
            denominator=denominator,
            denominator_unit=dunit,
            **common,
        )

    def _overall_response(self, add: Add, denominator: int, dunit: str, common: Reported) -> None:
        """An overall response, its count stated or left to the build."""
        rng = self.rng
        events = rng.randint(denominator // 3, denominator - 1)
        stated = rng.random() < 0.5
        add(
            f"or-{common['time_days']}",
            measure="Overall pain response",
            source_term="overall response (ICPR)",
            icpr_category="overall",
            value=_pct(events, denominator),
            events=events if stated else "",
            denominator=denominator,
            denominator_unit=dunit,
            note="" if stated else "Count not stated; derived by the build from the percentage.",
            **common,
        )

    def _response_without_denominator(self, add: Add, common: Reported) -> None:
        """Categories as percentages of no stated denominator."""
        rng = self.rng
        complete = rng.randint(10, 50)
        partial = rng.randint(5, 100 - complete - 10)
        stable = rng.randint(0, 100 - complete - partial)
        add(
            f"cr-{common['time_days']}",
            measure="Complete pain relief",
            source_term="complete pain relief",
            icpr_category="complete",
            value=str(complete),
            note="Denominator not stated.",
            **common,
        )
        add(
            f"pr-{common['time_days']}",
            measure="Partial pain relief",
            source_term="partial relief",
            icpr_category="partial",
            value=str(partial),
            note="Denominator not stated.",
            **common,
        )
        add(
            f"stable-{common['time_days']}",
            measure="Stable symptoms",
            source_term="stable symptoms",
            icpr_category="",
            value=str(stable),
            note="Not an ICPR response category; kept as reported.",
            **common,
        )

    def _series(self, study: PrimaryStudyRow, add: Add) -> None:
        """Repeated measures: pain score and opioid dose over time, mean (SD) or unspecified summary."""
        rng = self.rng
        n = study["patients"]
        # Repeated measures: pain score and opioid dose over time, mean (SD) or unspecified summary.
        for domain, chance, measure, unit, start, floor, spread in (
            ("pain_score", 0.6, "Pain score (NRS 0-10)", "NRS 0-10", (6.0, 8.5), 1.5, (0.6, 2.0)),
            ("opioid_dose", 0.35, "Daily oral morphine equivalent", "mg/day", (60.0, 180.0), 15.0, (8.0, 40.0)),
        ):
            if rng.random() >= chance:
                continue
            if domain == "pain_score" and rng.random() < 0.3:
                measure, unit = "Pain score (VAS 0-10)", "VAS 0-10"
            unspecified = rng.random() < 0.15
            k = rng.randint(3, len(SCORE_TIMES))
            points = [SCORE_TIMES[0]] + sorted(rng.sample(SCORE_TIMES[1:], k - 1), key=lambda t: t[1])
            value = rng.uniform(*start)
            assessed = n - rng.randint(0, n // 10)
            for index, (label, days) in enumerate(points):
                if index:
                    value = max(floor, value * rng.uniform(0.55, 1.05))
                if unit.endswith("0-10"):
                    value = min(value, 10.0)
                sd = (
                    ""
                    if unspecified
                    else _num(rng.uniform(*spread) * (1 if unit.endswith("0-10") else value / 100 + 0.3))
                )
                last = index == len(points) - 1
                add(
                    f"{domain.split('_')[0]}-{days}",
                    domain=domain,
                    measure=measure,
                    source_term=measure.split(" (")[0].lower(),
                    statistic="summary_unspecified" if unspecified else "mean",
                    value=_num(value),
                    sd=sd,
                    denominator=assessed,
                    denominator_unit="patients",
                    unit=unit,
                    timepoint=label,
                    time_days=days,
                    comparison="before treatment" if last and index else "",
                    direction="decrease" if last and index else "",
                    p_value=rng.choice(["<0.001", "0.002", "0.03", "0.2"]) if last and index else "",
                    note="The abstract does not say whether these are means or medians." if unspecified else "",
                )

    def _counts(self, study: PrimaryStudyRow, add: Add) -> None:
        """Toxicity and neurological events, counts of patients."""
        rng = self.rng
        n = study["patients"]
        # Toxicity counts of patients.
        if rng.random() < 0.6:
            for j, name in enumerate(rng.sample(TOXICITIES, rng.randint(1, 3))):
                events = rng.randint(0, max(1, n // 6))
                add(
                    f"tox-{j + 1}",
                    domain="toxicity",
                    measure=name,
                    source_term=name.lower(),
                    **_count(events, n),
                    timepoint="during follow-up",
                )
        if rng.random() < 0.1:
            events = rng.randint(0, max(1, n // 10))
            add(
                "neuro",
                domain="neurological",
                measure="Neurological deterioration",
                source_term="neurological deterioration",
                **_count(events, n),
            )

    def _other_outcomes(self, study: PrimaryStudyRow, add: Add) -> None:
        """Time to relief, durability, re-treatment and quality of life, now and then."""
        # Long, but a list: one optional row per outcome domain, each drawn with its own chance.
        rng = self.rng
        n = study["patients"]
        if rng.random() < 0.3:
            add(
                "ttr",
                domain="time_to_relief",
                measure="Time to pain relief",
                source_term="median time to pain relief",
                statistic="median",
                value=rng.randint(2, 30),
                unit="days",
            )
        if rng.random() < 0.2:
            add(
                "dur",
                domain="durability",
                measure="Duration of pain relief",
                source_term="median duration of pain relief",
                statistic="median",
                value=_num(rng.uniform(2, 24)),
                unit="months",
            )
        if rng.random() < 0.15:
            add(
                "retreat-hr",
                domain="retreatment",
                measure="Re-treatment",
                source_term="re-irradiation",
                statistic="hazard_ratio",
                value=f"{rng.uniform(0.3, 1.6):.2f}",
                denominator=n,
                denominator_unit="patients",
                unit="ratio",
                timepoint="during follow-up",
                comparison="higher versus lower dose per fraction",
                p_value=rng.choice(["0.01", "0.04", "0.3"]),
            )
        if rng.random() < 0.1:
            add(
                "qol",
                domain="function_qol",
                measure="Quality of life",
                source_term="quality of life",
                statistic="test_only",
                denominator=n,
                denominator_unit="patients",
                timepoint="after versus before treatment",
                comparison="before treatment",
                direction="improvement",
                note="Reported as improved; no scores given.",
            )

    # ------------------------------------------------------------------ comparative studies
    def comparators(self, modalities: list[ModalityRow], quantitative: list[str]) -> dict[str, list[Comparator]]:
        """What each modality's trials compare it with: one treatment outside the briefing and,
        when there is another, the next modality with primary studies (a direct comparison). The
        same two per modality, so that several trials compare the same treatments and pool."""
        short = {m["modality_id"]: m["short_name"] for m in modalities}
        options: dict[str, list[Comparator]] = {}
        for i, m in enumerate(quantitative):
            label, regimen = OUTSIDE_COMPARATORS[i % len(OUTSIDE_COMPARATORS)]
            options[m] = [{"label": label, "modality_id": "", "regimen": regimen}]
            if len(quantitative) > 1:
                other = quantitative[(i + 1) % len(quantitative)]
                options[m].append({"label": short[other], "modality_id": other, "regimen": ""})
        return options

    def _arms(self, study: StudyRow, label: str, comparator: Comparator, sizes: list[int]) -> list[ArmRow]:
        """The intervention arm (the study's modality) and the comparator arm, with their sizes."""
        sid, locator = study["study_id"], self.rng.choice(["Abstract (methods)", "Methods", "Table 1"])
        return [
            {
                "arm_id": f"{sid}-treated",
                "study_id": sid,
                "label": label,
                "role": "intervention",
                "modality_id": study["modality_id"],
                "patients": sizes[0],
                "regimen": study["regimen"],
                "locator": locator,
            },
            {
                "arm_id": f"{sid}-control",
                "study_id": sid,
                "label": comparator["label"],
                "role": "comparator",
                "modality_id": comparator["modality_id"],
                "patients": sizes[1],
                "regimen": comparator["regimen"],
                "locator": locator,
            },
        ]

    def trial(
        self, study: PrimaryStudyRow, label: str, comparator: Comparator
    ) -> tuple[list[ArmRow], list[OutcomeRow], list[ComparisonRow]]:
        """A two-arm study: its arms, each arm's figures (whole groups, sometimes a subgroup), and
        the effects it states between them. Its figures are all of an arm: a whole-study figure of
        the same outcome would make the modality's pooling see the study twice."""
        rng = self.rng
        n = study["patients"]
        allocated = n - rng.randint(0, n // 20)  # a few patients leave before allocation
        first = round(allocated * rng.uniform(0.45, 0.55))
        arms = self._arms(study, label, comparator, [first, allocated - first])
        outcomes: list[OutcomeRow] = []
        comparisons: list[ComparisonRow] = []
        counts = self._arm_responses(arms, outcomes)
        if rng.random() < 0.5:
            comparisons.append(self._response_comparison(arms, counts, "response", rng.choice(["OR", "RR"])))
        if rng.random() < 0.25:
            self._subgroup(arms, outcomes, comparisons)
        if rng.random() < 0.7:
            self._arm_events(arms, outcomes)
        if rng.random() < 0.35:
            self._disability_change(arms, outcomes, comparisons)
        if rng.random() < 0.2:
            comparisons.append(self._progression_hazard(arms))
        return arms, outcomes, comparisons

    def _arm_row(self, arm: ArmRow, suffix: str, **fields: Unpack[OutcomeCells]) -> OutcomeRow:
        """A figure of one arm (outcomes.csv)."""
        return {
            "outcome_id": f"{arm['arm_id']}-{suffix}",
            "study_id": arm["study_id"],
            "arm_id": arm["arm_id"],
            "locator": self.rng.choice(LOCATORS),
            **fields,
        }

    def _comparison(
        self, arms: list[ArmRow], what: str, effect: str, **fields: Unpack[ComparisonCells]
    ) -> ComparisonRow:
        """An effect a source states between the intervention and the comparator arm."""
        sid = arms[0]["study_id"]
        return {
            "comparison_id": f"{sid}-{what}-{effect.lower()}",
            "study_id": sid,
            "arm_id": arms[0]["arm_id"],
            "comparator_arm_id": arms[1]["arm_id"],
            "effect_measure": effect,
            "locator": self.rng.choice(LOCATORS),
            **fields,
        }

    def _arm_responses(self, arms: list[ArmRow], outcomes: list[OutcomeRow]) -> list[tuple[int, int]]:
        """The overall pain response of each arm at one month, with its count (a binary outcome
        the build compares). Never 0 % or 100 %, as for single-arm studies."""
        rng = self.rng
        label, days = RESPONSE_TIMES[0]
        counts = []
        for arm, (low, high) in zip(arms, RESPONSE_RATES, strict=True):
            n = arm["patients"] - rng.randint(0, arm["patients"] // 10)
            events = min(n - 1, max(1, round(n * rng.uniform(low, high))))
            counts.append((events, n))
            outcomes.append(
                self._arm_row(
                    arm,
                    f"response-{days}",
                    domain="pain_response",
                    measure="Overall pain response",
                    source_term="overall response (ICPR)",
                    icpr_category="overall",
                    statistic="percent",
                    value=_pct(events, n),
                    events=events,
                    denominator=n,
                    denominator_unit="patients",
                    unit="%",
                    timepoint=label,
                    time_days=days,
                )
            )
        return counts

    def _response_comparison(
        self, arms: list[ArmRow], counts: list[tuple[int, int]], what: str, effect: str, **fields: Unpack[Subgroup]
    ) -> ComparisonRow:
        """The odds or risk ratio of response the source states, from the arms' counts."""
        (a, n1), (c, n2) = counts
        label, days = RESPONSE_TIMES[0]
        return self._comparison(
            arms,
            what,
            effect,
            domain="pain_response",
            measure="Overall pain response",
            source_term="overall response (ICPR)",
            timepoint=label,
            time_days=days,
            **_stated_effect(*_log_ratio(effect, a, n1, c, n2), ratio=True),
            **fields,
        )

    def _subgroup(self, arms: list[ArmRow], outcomes: list[OutcomeRow], comparisons: list[ComparisonRow]) -> None:
        """The response of one subgroup in each arm (counts of patients) and the odds ratio the
        source states for it: figures the build keeps apart from the whole groups'."""
        rng = self.rng
        subgroup, by = rng.choice(SUBGROUPS)
        label, days = RESPONSE_TIMES[0]
        counts = []
        for arm, (low, high) in zip(arms, RESPONSE_RATES, strict=True):
            n = max(2, round(arm["patients"] * rng.uniform(0.25, 0.45)))
            events = min(n - 1, max(1, round(n * rng.uniform(low, high))))
            counts.append((events, n))
            outcomes.append(
                self._arm_row(
                    arm,
                    f"response-{days}-subgroup",
                    domain="pain_response",
                    measure="Overall pain response",
                    source_term="overall response (ICPR)",
                    icpr_category="overall",
                    **_count(events, n),
                    timepoint=label,
                    time_days=days,
                    subgroup=subgroup,
                    subgroup_by=by,
                )
            )
        comparisons.append(
            self._response_comparison(arms, counts, "response-subgroup", "OR", subgroup=subgroup, subgroup_by=by)
        )

    def _arm_events(self, arms: list[ArmRow], outcomes: list[OutcomeRow]) -> None:
        """Pain flare in each arm: a count of a safety outcome (zero counts included)."""
        for arm in arms:
            events = self.rng.randint(0, max(1, arm["patients"] // 5))
            outcomes.append(
                self._arm_row(
                    arm,
                    "flare",
                    domain="toxicity",
                    measure="Pain flare",
                    source_term="pain flare",
                    **_count(events, arm["patients"]),
                    timepoint="during follow-up",
                )
            )

    def _disability_change(
        self, arms: list[ArmRow], outcomes: list[OutcomeRow], comparisons: list[ComparisonRow]
    ) -> None:
        """The mean change in disability on a declared scale (RDQ) in each arm, and now and then
        the mean difference the source states."""
        rng = self.rng
        label, days = "week 12", 84
        stated = []
        for arm, (low, high) in zip(arms, [(1.5, 6.0), (0.5, 4.0)], strict=True):
            n = arm["patients"] - rng.randint(0, arm["patients"] // 5)
            change, sd = _num(-rng.uniform(low, high)), _num(rng.uniform(3.0, 6.0))
            stated.append((float(change), float(sd), n))
            outcomes.append(
                self._arm_row(
                    arm,
                    f"rdq-{days}",
                    domain="function_qol",
                    measure="Change in disability (RDQ)",
                    source_term="change in Roland-Morris score",
                    statistic="mean_change",
                    value=change,
                    sd=sd,
                    denominator=n,
                    denominator_unit="patients",
                    unit=RDQ["scale_id"],
                    timepoint=label,
                    time_days=days,
                    comparison="week 12 versus before treatment",
                )
            )
        if rng.random() < 0.5:
            (m1, s1, n1), (m2, s2, n2) = stated
            comparisons.append(
                self._comparison(
                    arms,
                    "rdq",
                    "MD",
                    domain="function_qol",
                    measure="Change in disability (RDQ)",
                    source_term="difference in Roland-Morris score change",
                    timepoint=label,
                    time_days=days,
                    **_stated_effect(m1 - m2, math.sqrt(s1 * s1 / n1 + s2 * s2 / n2), ratio=False),
                )
            )

    def _progression_hazard(self, arms: list[ArmRow]) -> ComparisonRow:
        """A hazard ratio of pain progression, stated without arm figures (as survival analyses are)."""
        rng = self.rng
        effect = _stated_effect(math.log(rng.uniform(0.5, 1.2)), rng.uniform(0.12, 0.35), ratio=True)
        return self._comparison(
            arms,
            "progression",
            "HR",
            domain="relapse",
            measure="Pain progression",
            source_term="time to pain progression",
            timepoint="during follow-up",
            **effect,
        )

    def meta_analysis(
        self, review: ReviewRow, label: str, comparator: Comparator, candidates: list[PrimaryStudyRow]
    ) -> tuple[list[ArmRow], list[OutcomeRow], list[ComparisonRow], list[ReviewIncludeRow]]:
        """A systematic review's pooled result: its two arms (their totals over the trials it
        pooled), each arm's overall response, the pooled risk ratio with the number of studies,
        and the package's primary studies it includes (some of `candidates`)."""
        rng = self.rng
        rid = review["study_id"]
        included = sorted(rng.sample(candidates, min(len(candidates), rng.randint(2, 5))), key=lambda s: s["study_id"])
        k = len(included) + rng.randint(1, 4)  # it also pooled trials that are not in the package
        sizes = [sum(rng.randint(15, 60) for _ in range(k)) for _ in range(2)]
        review["patients"] = sum(sizes)
        arms = self._arms(review, label, comparator, sizes)
        outcomes: list[OutcomeRow] = []
        (a, n1), (c, n2) = self._arm_responses(arms, outcomes)
        log_rr, se = _log_ratio("RR", a, n1, c, n2)
        heterogeneity = rng.uniform(1.0, 1.6)  # random effects: wider than the totals alone give
        label_time, days = RESPONSE_TIMES[0]
        comparison = self._comparison(
            arms,
            "response",
            "RR",
            domain="pain_response",
            measure="Overall pain response",
            source_term="overall response (ICPR)",
            timepoint=label_time,
            time_days=days,
            studies=k,
            note="Random-effects meta-analysis.",
            **_stated_effect(log_rr, se * heterogeneity, ratio=True),
        )
        includes: list[ReviewIncludeRow] = [
            {"review_id": rid, "study_id": s["study_id"], "locator": "Table 1"} for s in included
        ]
        return arms, outcomes, [comparison], includes

    # ------------------------------------------------------------------ certainty
    def certainty(
        self,
        modality_id: str,
        domains: set[str],
        designs: list[str],
        comparative: AbstractSet[tuple[str | None, str]] = frozenset(),
    ) -> list[CertaintyRow]:
        """The curator's judgements: a specific bias named (never just "no comparison group"), and
        rating up only where the modality has comparative evidence in that domain."""
        rng = self.rng
        rows: list[CertaintyRow] = []
        randomised = designs and all(vocabulary.DESIGNS[d].randomised for d in designs)
        for domain in (d for d in RATED_DOMAINS if d in domains):
            for factor in FACTORS:
                if factor in ("inconsistency", "imprecision") and rng.random() < 0.3:
                    continue  # left to the build's proposal
                judgement = rng.choice([-1, -1, 0, 0, 0, -2]) if factor != "publication_bias" else 0
                reason = {
                    "risk_of_bias": "How patients were selected is not described; outcome assessment was not blinded."
                    if not randomised
                    else "Allocation concealment unclear.",
                    "inconsistency": "Estimates differ between studies." if judgement else "Estimates are consistent.",
                    "indirectness": "Population partly outside the question."
                    if judgement
                    else "Population and outcome match the question.",
                    "imprecision": "Few participants; wide intervals."
                    if judgement
                    else "Enough participants; narrow intervals.",
                    "publication_bias": "Not assessable; not rated down.",
                }[factor]
                rows.append(
                    {
                        "modality_id": modality_id,
                        "outcome_domain": domain,
                        "factor": factor,
                        "judgement": judgement,
                        "reason": reason,
                    }
                )
            upgrade = rng.random() < 0.1  # drawn either way, so the rest of the package stays the same
            if upgrade and (modality_id, domain) in comparative:
                rows.append(
                    {
                        "modality_id": modality_id,
                        "outcome_domain": domain,
                        "factor": rng.choice(UPGRADES),
                        "judgement": 1,
                        "reason": "A large and consistent effect.",
                    }
                )
        return rows

    # ------------------------------------------------------------------ the package
    def review_designs(self, n_reviews: int) -> list[str]:
        """The reviews' designs in a shuffled order: some systematic reviews with and without
        meta-analysis, the rest narrative (at least one: statements come from the reviews without
        meta-analysis, and every modality without a primary study needs some)."""
        designs = ["systematic_review_meta_analysis"] * round(n_reviews * META_ANALYSIS_SHARE)
        designs += ["systematic_review"] * round(n_reviews * SYSTEMATIC_SHARE)
        designs += ["narrative_review"] * (n_reviews - len(designs))
        self.rng.shuffle(designs)
        return designs

    def _design(self, weighted: list[tuple[str, float]]) -> str:
        designs, weights = zip(*weighted, strict=True)
        return self.rng.choices(designs, weights)[0]

    def tables(self) -> Tables:
        # Long on purpose: one seeded pass in a fixed order of draws, so a seed always gives the same data.
        rng = self.rng
        modalities = self.modalities()
        ids = [m["modality_id"] for m in modalities]
        labels = {m["modality_id"]: m["short_name"] for m in modalities}
        # About one modality in seven has review statements only (as hbi and radionuclide do).
        narrative_only = set(ids[6::7]) if self.n_studies > 1 else set()
        quantitative = [m for m in ids if m not in narrative_only]
        if self.n_studies == 1 and len(ids) > 1:
            raise ValueError("one study cannot cover several modalities")
        # Reviews also cover the modalities that get no primary study.
        n_reviews = min(self.n_studies - 1, max(1, round(self.n_studies / 12))) if self.n_studies > 1 else 0
        n_primary = self.n_studies - n_reviews
        comparators = self.comparators(modalities, quantitative)

        package = _no_rows(modalities)
        assignment = self._assignment(quantitative, n_primary)
        numbers = list(range(1, self.n_studies + 1))
        review_numbers = set(rng.sample(numbers, n_reviews)) if n_reviews else set()
        review_designs = self.review_designs(n_reviews)
        primary_by_modality: dict[str, list[PrimaryStudyRow]] = {m: [] for m in ids}
        # Each modality's trials against each comparator: what its meta-analyses include.
        trials: dict[tuple[str, str], list[PrimaryStudyRow]] = {}
        meta_analyses: list[ReviewRow] = []
        for number in numbers:
            if number in review_numbers:
                design = review_designs.pop()
                pooled = vocabulary.DESIGNS[design].pooled
                review = self.review(number, rng.choice(quantitative) if pooled else "", design)
                package["studies"].append(review)
                if pooled:
                    meta_analyses.append(review)
                continue
            modality = assignment.pop()
            if rng.random() < COMPARATIVE_SHARE:
                study = self.study(number, modality, self._design(COMPARATIVE_DESIGNS))
                comparator = rng.choice(comparators[modality])
                arms, outcomes, comparisons = self.trial(study, labels[modality], comparator)
                package["arms"] += arms
                package["comparisons"] += comparisons
                trials.setdefault((modality, comparator["label"]), []).append(study)
            else:
                study = self.study(number, modality, self._design(SINGLE_ARM_DESIGNS))
                outcomes = self.outcomes(study)
            package["studies"].append(study)
            package["outcomes"] += outcomes
            primary_by_modality[modality].append(study)

        _separate_lookalikes([s for studies in primary_by_modality.values() for s in studies], package["outcomes"])
        for review in meta_analyses:
            m = review["modality_id"]
            # Against the modality's comparator outside the briefing: an arm of another modality
            # would show the review in that modality's section too.
            comparator = comparators[m][0]
            candidates = trials.get((m, comparator["label"])) or primary_by_modality[m]
            self._add_pooled(package, self.meta_analysis(review, labels[m], comparator, candidates))
        self._judgements(package, ids, primary_by_modality)
        return package

    def _assignment(self, quantitative: list[str], n_primary: int) -> list[str]:
        """The modality of each primary study (popped from the end): evenly spread, in shuffled order."""
        assignment: list[str] = []
        while len(assignment) < n_primary:
            block = list(quantitative)
            self.rng.shuffle(block)
            assignment += block
        return assignment

    @staticmethod
    def _add_pooled(
        package: Tables,
        pooled: tuple[list[ArmRow], list[OutcomeRow], list[ComparisonRow], list[ReviewIncludeRow]],
    ) -> None:
        """A meta-analysis's rows (`meta_analysis`), added to the package."""
        arms, outcomes, comparisons, includes = pooled
        package["arms"] += arms
        package["outcomes"] += outcomes
        package["comparisons"] += comparisons
        package["review_includes"] += includes

    def _judgements(
        self, package: Tables, ids: list[str], primary_by_modality: dict[str, list[PrimaryStudyRow]]
    ) -> None:
        """The certainty rows of each modality, then the reviews' statements (drawn in that order)."""
        speakers = [s for s in package["studies"] if s["design"] in ("narrative_review", "systematic_review")]
        domains: dict[str, set[str]] = {m: set() for m in ids}
        primary_modality = {s["study_id"]: m for m, studies in primary_by_modality.items() for s in studies}
        for o in package["outcomes"]:
            if o["study_id"] in primary_modality:  # a review's figures are not its modality's evidence
                domains[primary_modality[o["study_id"]]].add(o["domain"])
        # Rows as the CSV files will hold them ("" for a blank): what comparative_domains reads of
        # them (ids, modality, domain) is text either way.
        comparative = grade.comparative_domains(
            cast("list[Arm]", package["arms"]),
            cast("list[Outcome]", package["outcomes"]),
            cast("list[dict[str, Any]]", package["comparisons"]),  # untyped rows there: the same reading
        )
        for m in ids:
            designs = [s["design"] for s in primary_by_modality[m]]
            package["certainty"] += self.certainty(m, domains[m], designs, comparative)
        package["statements"] = self.statements(speakers, ids, primary_by_modality)

    def statements(
        self, reviews: list[StudyRow], ids: list[str], primary_by_modality: dict[str, list[PrimaryStudyRow]]
    ) -> list[StatementRow]:
        """Each review speaks about one to three modalities; every modality without a primary study
        gets at least one statement; the first review also gives a general one."""
        rng = self.rng
        statements: list[StatementRow] = []
        if not reviews:
            return statements
        about: dict[str, list[str]] = {
            r["study_id"]: rng.sample(ids, min(len(ids), rng.randint(1, 3))) for r in reviews
        }
        uncovered = [m for m in ids if not primary_by_modality[m] and not any(m in v for v in about.values())]
        for i, m in enumerate(uncovered):
            about[reviews[i % len(reviews)]["study_id"]].append(m)
        for r in reviews:
            for m in about[r["study_id"]]:
                for j in range(rng.randint(1, 3)):
                    topic = rng.choice(TOPICS)
                    statements.append(
                        {
                            "statement_id": f"{r['study_id']}-{m.replace('_', '-')}-{j + 1}",
                            "study_id": r["study_id"],
                            "modality_id": m,
                            "topic": topic,
                            "statement": f"The review discusses the {topic} of {m.replace('_', ' ')} "
                            f"for painful spinal metastases (synthetic statement {j + 1}).",
                            "locator": "Abstract",
                        }
                    )
        statements.append(
            {
                "statement_id": f"{reviews[0]['study_id']}-team",
                "study_id": reviews[0]["study_id"],
                "modality_id": "",
                "topic": "care pathway",
                "statement": (
                    "Treatment of spinal metastases needs medical, surgical and radiation oncologists to work together."
                ),
                "locator": "Abstract",
            }
        )
        return statements


def _csv_text(fields: list[str], rows: Sequence[Mapping[str, object]]) -> str:
    """The table as CSV text: a row of any shape, each cell printed with str() (None and a missing
    cell blank)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row.get(f) is None else row.get(f, "") for f in fields])
    return buffer.getvalue()


def _config_text(source: str, modalities: list[str]) -> str:
    """The project's config with only the modalities list replaced; comments and order stay."""
    listing = "modalities: [" + ", ".join(modalities) + "]"
    text, count = re.subn(r"(?m)^modalities:[^\n]*\n(?:[ \t]+-[^\n]*\n)*", listing + "\n", source)
    if count != 1 or yaml.safe_load(text).get("modalities") != modalities:
        config = yaml.safe_load(source)
        config["modalities"] = modalities
        text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    return text


def generate(studies: int, modalities: int, seed: int, out: str | Path, source: str | Path = ROOT) -> dict[str, int]:
    """Write the synthetic package and config under `out`; return the row count of each table."""
    source, out = Path(source), Path(out)
    descriptor_path = source / "data" / "datapackage.yaml"
    descriptor = yaml.safe_load(descriptor_path.read_text(encoding="utf-8"))
    config_source = (source / "config" / "config.yaml").read_text(encoding="utf-8")
    drawn = _Generator(studies, modalities, seed).tables()
    # Holds: each of Tables' values is a list of TypedDict rows, and a TypedDict is a Mapping[str, object].
    tables = dict(cast("Mapping[str, Sequence[Mapping[str, object]]]", drawn))
    # How the studies were "identified": generated, which the briefing says as it says a selection.
    made = f"synthetic evidence generated by bench.synthetic ({studies} studies, {modalities} modalities, seed {seed})"
    tables["identification"] = [{"method": "curated_selection", "description": made}]
    # The scales are reference data, as the descriptor is: the project's own, copied, and the
    # disability scale the synthetic mean changes are on, unless the project declares it already.
    with open(source / "data" / "scales.csv", encoding="utf-8", newline="") as fh:
        scales: list[dict[str, str]] = list(csv.DictReader(fh))
    if RDQ["scale_id"] not in {sc["scale_id"] for sc in scales}:
        scales.append(RDQ)
    tables["scales"] = scales
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "config").mkdir(parents=True, exist_ok=True)
    if descriptor_path.resolve() != (out / "data" / "datapackage.yaml").resolve():
        shutil.copyfile(descriptor_path, out / "data" / "datapackage.yaml")
    for resource in descriptor["resources"]:
        fields = [f["name"] for f in resource["schema"]["fields"]]
        text = _csv_text(fields, tables.get(resource["name"], []))
        (out / "data" / resource["path"]).write_bytes(text.encode("utf-8"))
    config = _config_text(config_source, [m["modality_id"] for m in drawn["modalities"]])
    (out / "config" / "config.yaml").write_bytes(config.encode("utf-8"))
    return {name: len(rows) for name, rows in tables.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.synthetic", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--studies", type=int, required=True, help="number of studies (primary studies and reviews)")
    p.add_argument("--modalities", type=int, required=True, help="number of modalities")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="directory that receives data/ and config/config.yaml")
    p.add_argument("--source", default=str(ROOT), help="project whose datapackage.yaml and config.yaml are copied")
    args = p.parse_args(argv)
    counts = generate(args.studies, args.modalities, args.seed, args.out, args.source)
    print(f"wrote {args.out}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
