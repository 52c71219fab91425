"""A seeded generator of synthetic evidence, for benchmarks and scale tests.

`generate(studies=N, modalities=M, seed=S, out=DIR)` writes a *valid* data package of N studies
(primary studies and some narrative reviews) across M modalities, and a config that lists those
modalities:

    DIR/data/datapackage.yaml     copied unchanged from the project
    DIR/data/{modalities,studies,outcomes,statements,certainty,scales}.csv
    DIR/config/config.yaml        the project's config with the `modalities:` list replaced

so that copying DIR over a copy of the project gives a project that builds the synthetic
evidence. The CSV columns are those the descriptor declares, in its order.

The outcome mix imitates the curated seed data: pain-response categories (complete and partial,
as percentages of a stated denominator, or an overall response with its count, or percentages
without a denominator), pain scores and opioid doses as means with SDs over several time points
(some as unspecified summaries without spread), toxicity counts, hazard ratios for re-treatment,
times to relief and durations, and outcomes reported only as a test. Percentages are always
printed from a whole count, so the build can derive it back. Roughly one study in twelve is a
narrative review that makes statements about one to three modalities; about one modality in
seven has review statements only. Every modality with quantitative outcomes gets GRADE rows.

The same arguments always give the same bytes (`random.Random(seed)`, fixed iteration orders,
"\\n" line ends).

    python -m briefing.synthetic --studies 500 --modalities 30 --seed 1 --out /tmp/syn
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import shutil
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from . import vocabulary

ROOT = Path(__file__).resolve().parents[2]

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
DESIGNS = [
    ("randomised_trial", 0.10),
    ("clinical_trial", 0.10),
    ("prospective_cohort", 0.25),
    ("retrospective_cohort", 0.35),
    ("cohort", 0.10),
    ("case_series", 0.10),
]
DESIGN_NOTES = {
    "randomised_trial": "Randomised; the arm of this modality is summarised.",
    "clinical_trial": "Single-arm clinical trial; no comparison group.",
    "prospective_cohort": "Prospective single-centre cohort.",
    "retrospective_cohort": "Retrospective review of consecutive patients.",
    "cohort": "Cohort; the abstract does not say whether it was prospective.",
    "case_series": "Consecutive case series.",
}
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


def _pct(events: int, n: int) -> str:
    """A percentage as a source prints it from a whole count: one decimal, half up."""
    value = (Decimal(events) * 100 / n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}"


def _num(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}"


class _Generator:
    def __init__(self, n_studies: int, n_modalities: int, seed: int):
        if n_studies < 1 or n_modalities < 1:
            raise ValueError("at least one study and one modality are needed")
        self.rng = random.Random(seed)
        self.n_studies = n_studies
        self.n_modalities = n_modalities

    # ------------------------------------------------------------------ modalities
    def modalities(self) -> list[dict[str, Any]]:
        rows = []
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

    def _identifiers(self, year: int) -> dict[str, str]:
        rng = self.rng
        return {
            "pmid": str(rng.randint(1_000_000, 99_999_999)) if rng.random() < 0.7 else "",
            "pmcid": f"PMC{rng.randint(1_000_000, 12_999_999)}" if rng.random() < 0.25 else "",
            "doi": f"{rng.choice(DOI_PREFIXES)}/syn.{year}.{rng.randint(1, 99999):05d}" if rng.random() < 0.8 else "",
        }

    def study(self, number: int, modality_id: str, design: str) -> dict[str, Any]:
        # Long, but one row: every column of studies.csv, in order, then the primary study's figures.
        rng = self.rng
        year = rng.randint(1990, 2025)
        authors, first = self._authors()
        journal = rng.choice(JOURNALS) if rng.random() < 0.85 else ""
        review = vocabulary.DESIGNS[design].review
        row: dict[str, Any] = {
            "study_id": f"s{number:05d}",
            "short_name": f"{first} {year}",
            "title": (
                f"Management of painful spinal metastases: a review ({number})"
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
            **self._identifiers(year),
            "design": design,
            "design_note": "Narrative review; no figures in the abstract." if review else DESIGN_NOTES[design],
            "population": "" if review else "Adults with painful spinal metastases from solid tumours.",
            "patients": "",
            "lesions": "",
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
        if review:
            return row
        patients = int(rng.lognormvariate(4.2, 0.6)) + 12  # median about 80, a long right tail
        row.update(patients=patients, modality_id=modality_id)
        if rng.random() < 0.5:
            row["lesions"] = patients + rng.randint(0, patients // 2)
        if rng.random() < 0.8:
            dmin = rng.choice([1.8, 2, 3, 4, 4.5, 5, 6, 8, 10, 12, 16, 18, 24])
            dmax = dmin if rng.random() < 0.6 else round(dmin + rng.choice([1, 2, 4, 6]), 1)
            fmin = rng.choice([1, 1, 1, 3, 5, 10])
            fmax = fmin if rng.random() < 0.6 else fmin + rng.choice([1, 2, 4])
            row.update(
                dose_per_fraction_min_gy=dmin,
                dose_per_fraction_max_gy=dmax,
                fractions_min=fmin,
                fractions_max=fmax,
                regimen=f"{dmin}–{dmax} Gy per fraction in {fmin}–{fmax} fractions"
                if (dmin, fmin) != (dmax, fmax)
                else f"{dmin} Gy in {fmin} fraction{'s' if fmin > 1 else ''}",
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
    def outcomes(self, study: dict[str, Any]) -> list[dict[str, Any]]:
        rng = self.rng
        sid = study["study_id"]
        rows: list[dict[str, Any]] = []

        def add(suffix: str, **fields: Any) -> None:
            row = {"outcome_id": f"{sid}-{suffix}", "study_id": sid, "locator": rng.choice(LOCATORS)}
            row.update(fields)
            rows.append(row)

        self._responses(study, add)
        self._series(study, add)
        self._counts(study, add)
        self._other_outcomes(study, add)
        return rows

    def _responses(self, study: dict[str, Any], add: Callable[..., None]) -> None:
        """Pain response: categories of a stated denominator, an overall count, or no denominator."""
        rng = self.rng
        n = study["patients"]
        # Pain response: categories of a stated denominator, an overall count, or no denominator.
        if rng.random() < 0.85:
            kind = rng.random()
            times = rng.sample(RESPONSE_TIMES[:2], rng.choice([1, 1, 2]))
            for label, days in sorted(times, key=lambda t: t[1]):
                unit_lesions = bool(study["lesions"]) and rng.random() < 0.15
                denominator = study["lesions"] if unit_lesions else max(5, n - rng.randint(0, n // 5))
                dunit = "lesions" if unit_lesions else "patients"
                common = dict(domain="pain_response", statistic="percent", unit="%", timepoint=label, time_days=days)
                # Never exactly 0 % or 100 %: the response figure cannot draw those yet (a Wilson
                # bound a rounding error beyond the estimate gives matplotlib a negative error bar).
                if kind < 0.55:
                    self._response_categories(add, denominator, dunit, common)
                elif kind < 0.85:
                    self._overall_response(add, denominator, dunit, common)
                else:
                    self._response_without_denominator(add, common)

    def _response_categories(
        self, add: Callable[..., None], denominator: int, dunit: str, common: dict[str, Any]
    ) -> None:
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

    def _overall_response(self, add: Callable[..., None], denominator: int, dunit: str, common: dict[str, Any]) -> None:
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

    def _response_without_denominator(self, add: Callable[..., None], common: dict[str, Any]) -> None:
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

    def _series(self, study: dict[str, Any], add: Callable[..., None]) -> None:
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

    def _counts(self, study: dict[str, Any], add: Callable[..., None]) -> None:
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
                    statistic="count",
                    value=events,
                    events=events,
                    denominator=n,
                    denominator_unit="patients",
                    unit="patients",
                    timepoint="during follow-up",
                )
        if rng.random() < 0.1:
            events = rng.randint(0, max(1, n // 10))
            add(
                "neuro",
                domain="neurological",
                measure="Neurological deterioration",
                source_term="neurological deterioration",
                statistic="count",
                value=events,
                events=events,
                denominator=n,
                denominator_unit="patients",
                unit="patients",
            )

    def _other_outcomes(self, study: dict[str, Any], add: Callable[..., None]) -> None:
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

    # ------------------------------------------------------------------ certainty
    def certainty(self, modality_id: str, domains: set[str], designs: list[str]) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        randomised = designs and all(vocabulary.DESIGNS[d].randomised for d in designs)
        for domain in (d for d in RATED_DOMAINS if d in domains):
            for factor in FACTORS:
                if factor in ("inconsistency", "imprecision") and rng.random() < 0.3:
                    continue  # left to the build's proposal
                judgement = rng.choice([-1, -1, 0, 0, 0, -2]) if factor != "publication_bias" else 0
                reason = {
                    "risk_of_bias": "Non-randomised studies without a comparison group."
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
            if rng.random() < 0.1:
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
    def tables(self) -> dict[str, list[dict[str, Any]]]:
        # Long on purpose: one seeded pass in a fixed order of draws, so a seed always gives the same data.
        rng = self.rng
        modalities = self.modalities()
        ids = [m["modality_id"] for m in modalities]
        # About one modality in seven has review statements only (as hbi and radionuclide do).
        narrative_only = set(ids[6::7]) if self.n_studies > 1 else set()
        quantitative = [m for m in ids if m not in narrative_only]
        if self.n_studies == 1 and len(ids) > 1:
            raise ValueError("one study cannot cover several modalities")
        # Reviews also cover the modalities that get no primary study.
        n_reviews = min(self.n_studies - 1, max(1, round(self.n_studies / 12))) if self.n_studies > 1 else 0
        n_primary = self.n_studies - n_reviews
        designs, weights = zip(*DESIGNS, strict=False)

        studies, outcomes = [], []
        assignment = []
        while len(assignment) < n_primary:  # evenly spread, in shuffled order
            block = list(quantitative)
            rng.shuffle(block)
            assignment += block
        numbers = list(range(1, self.n_studies + 1))
        review_numbers = set(rng.sample(numbers, n_reviews)) if n_reviews else set()
        primary_by_modality: dict[str, list[dict[str, Any]]] = {m: [] for m in ids}
        for number in numbers:
            if number in review_numbers:
                studies.append(self.study(number, "", "narrative_review"))
                continue
            modality = assignment.pop()
            study = self.study(number, modality, rng.choices(designs, weights)[0])
            studies.append(study)
            outcomes += self.outcomes(study)
            primary_by_modality[modality].append(study)

        # Statements: each review speaks about one to three modalities; every modality without a
        # primary study gets at least one statement; the first review also gives a general one.
        reviews = [s for s in studies if vocabulary.DESIGNS[s["design"]].review]
        statements = []
        if reviews:
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
                        "Treatment of spinal metastases needs medical, surgical and radiation oncologists "
                        "to work together."
                    ),
                    "locator": "Abstract",
                }
            )

        domains: dict[str, set[str]] = {m: set() for m in ids}
        study_modality = {s["study_id"]: s["modality_id"] for s in studies}
        for o in outcomes:
            domains[study_modality[o["study_id"]]].add(o["domain"])
        certainty = []
        for m in ids:
            certainty += self.certainty(m, domains[m], [s["design"] for s in primary_by_modality[m]])
        return {
            "modalities": modalities,
            "studies": studies,
            "outcomes": outcomes,
            "statements": statements,
            "certainty": certainty,
        }


def _csv_text(fields: list[str], rows: list[dict[str, Any]]) -> str:
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
    tables = _Generator(studies, modalities, seed).tables()
    # The scales are reference data, as the descriptor is: the project's own, copied.
    with open(source / "data" / "scales.csv", encoding="utf-8", newline="") as fh:
        tables["scales"] = list(csv.DictReader(fh))
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "config").mkdir(parents=True, exist_ok=True)
    if descriptor_path.resolve() != (out / "data" / "datapackage.yaml").resolve():
        shutil.copyfile(descriptor_path, out / "data" / "datapackage.yaml")
    for resource in descriptor["resources"]:
        fields = [f["name"] for f in resource["schema"]["fields"]]
        text = _csv_text(fields, tables.get(resource["name"], []))
        (out / "data" / resource["path"]).write_bytes(text.encode("utf-8"))
    config = _config_text(config_source, [m["modality_id"] for m in tables["modalities"]])
    (out / "config" / "config.yaml").write_bytes(config.encode("utf-8"))
    return {name: len(rows) for name, rows in tables.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m briefing.synthetic", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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
