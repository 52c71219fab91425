"""Rows of real abstracts that state what a plain figure cannot (issue 29, items 14-17): no number
of patients, arms of unstated size, analysed beside randomised counts, a between-arm finding without
an effect measure, a cumulative incidence, a range, a count without a denominator, a scale whose range
the source does not print. Each figure as the abstract prints it, with its PMID (or URL) and locator.

Kept apart from tests/fixtures/real_studies/ so that the schema's own tests do not change what the
whole-workflow tests build.
"""

from __future__ import annotations

TONG1982 = {
    "study_id": "tong1982",
    "short_name": "Tong 1982",
    "title": (
        "The palliation of symptomatic osseous metastases: final results of the Study by the Radiation "
        "Therapy Oncology Group"
    ),
    "authors": "Tong D, Gillick L, Hendrickson FR",
    "year": "1982",
    "journal": "Cancer",
    "citation_detail": "1982 Sep 1;50(5):893-9",
    "pmid": "6178497",
    "design": "randomised_trial",
    "design_note": "Randomised RTOG trial of several dose-fractionation schedules; the abstract gives no numbers.",
    "population": "Patients with symptomatic bone metastases.",
    "patients": "",
    "patients_stated": "false",
    "modality_id": "cebrt",
    "regimen": "Several dose-fractionation schedules, low-dose short-course and high-dose protracted",
    "source_document": "PubMed 6178497 (abstract)",
    "source_locator": "Abstract",
}
TONG1982_OUTCOMES = [
    {
        "outcome_id": "tong1982-relief-any",
        "study_id": "tong1982",
        "domain": "pain_response",
        "measure": "Overall pain relief",
        "source_term": "some relief of pain",
        "icpr_category": "overall",
        "statistic": "percent",
        "value": "90",
        "unit": "%",
        "locator": "Abstract",
        "note": "Printed in words ('Ninety percent'); no denominator, time point or schedule stated.",
    },
    {
        "outcome_id": "tong1982-relief-complete",
        "study_id": "tong1982",
        "domain": "pain_response",
        "measure": "Complete pain relief",
        "source_term": "eventual complete pain relief",
        "icpr_category": "complete",
        "statistic": "percent",
        "value": "54",
        "unit": "%",
        "locator": "Abstract",
    },
]

# Bone Pain Trial Working Party, Radiother Oncol 1999;52(2):111-21 (PMID 10577696): arms of
# unstated size, and between-arm findings stated without an effect measure.
BPTWP1999 = {
    "study_id": "bptwp1999",
    "short_name": "Bone Pain Trial Working Party 1999",
    "title": (
        "8 Gy single fraction radiotherapy for the treatment of metastatic skeletal pain: randomised comparison "
        "with a multifraction schedule over 12 months of patient follow-up"
    ),
    "authors": "Bone Pain Trial Working Party",
    "year": "1999",
    "journal": "Radiother Oncol",
    "citation_detail": "1999 Aug;52(2):111-21",
    "pmid": "10577696",
    "design": "randomised_trial",
    "population": "Patients with painful skeletal metastases needing palliative radiotherapy.",
    "patients": "765",
    "modality_id": "cebrt",
    "regimen": "8 Gy in one fraction against 20 Gy in 5 or 30 Gy in 10 fractions",
    "source_document": "PubMed 10577696 (abstract)",
    "source_locator": "Abstract (methods)",
}
BPTWP1999_ARMS = [
    {
        "arm_id": "bptwp1999-8gy",
        "study_id": "bptwp1999",
        "label": "8 Gy in one fraction",
        "role": "intervention",
        "modality_id": "cebrt",
        "total_dose_gy": "8",
        "dose_per_fraction_gy": "8",
        "fractions": "1",
        "locator": "Abstract (methods)",
    },
    {
        "arm_id": "bptwp1999-mf",
        "study_id": "bptwp1999",
        "label": "20 Gy in 5 or 30 Gy in 10 fractions",
        "role": "comparator",
        "modality_id": "cebrt",
        "locator": "Abstract (methods)",
    },
]
BPTWP1999_COMPARISONS = [
    {
        "comparison_id": "bptwp1999-retreatment",
        "study_id": "bptwp1999",
        "arm_id": "bptwp1999-8gy",
        "comparator_arm_id": "bptwp1999-mf",
        "domain": "retreatment",
        "measure": "Re-treatment",
        "source_term": "retreatment",
        "finding": "higher",
        "finding_words": "twice as common",
        "timepoint": "12 months",
        "locator": "Abstract (results)",
        "note": "The authors attribute it to a readiness to re-treat after a single fraction, not a greater need.",
    },
    {
        "comparison_id": "bptwp1999-first-improvement",
        "study_id": "bptwp1999",
        "arm_id": "bptwp1999-8gy",
        "comparator_arm_id": "bptwp1999-mf",
        "domain": "time_to_relief",
        "measure": "Time to first improvement in pain",
        "source_term": "time to first improvement in pain",
        "finding": "no_difference",
        "finding_words": "no differences",
        "locator": "Abstract (results)",
    },
    {
        "comparison_id": "bptwp1999-survival",
        "study_id": "bptwp1999",
        "arm_id": "bptwp1999-8gy",
        "comparator_arm_id": "bptwp1999-mf",
        "domain": "survival",
        "measure": "Overall survival at 12 months",
        "source_term": "overall survival",
        "finding": "no_difference",
        "finding_words": "no statistically significant difference",
        "timepoint": "12 months",
        "locator": "Abstract (results)",
    },
]

BPTWP1999_OUTCOMES = [
    {
        "outcome_id": "bptwp1999-survival-12m",
        "study_id": "bptwp1999",
        "domain": "survival",
        "measure": "Overall survival at 12 months",
        "source_term": "overall survival",
        "statistic": "percent",
        "value": "44",
        "unit": "%",
        "timepoint": "12 months",
        "time_days": "365",
        "locator": "Abstract (results)",
        "note": "Of all randomised patients; a survival estimate, no number at risk stated.",
    }
]

# Sahgal A et al., J Clin Oncol 2013;31(27):3426-31 (PMID 23960179): fractures per treated spinal
# segment, a cumulative incidence, a median with its range.
SAHGAL2013 = {
    "study_id": "sahgal2013",
    "short_name": "Sahgal 2013",
    "title": (
        "Vertebral compression fracture after spine stereotactic body radiotherapy: a multi-institutional analysis "
        "with a focus on radiation dose and the spinal instability neoplastic score"
    ),
    "authors": "Sahgal A, Atenafu EG, Chao S, et al.",
    "year": "2013",
    "journal": "J Clin Oncol",
    "citation_detail": "2013;31(27):3426-31",
    "pmid": "23960179",
    "pmcid": "PMC6076012",
    "doi": "10.1200/JCO.2013.50.1411",
    "design": "retrospective_cohort",
    "population": "Patients with spinal metastases treated with stereotactic body radiotherapy at several centres.",
    "patients": "252",
    "lesions": "410",
    "modality_id": "srs",
    "source_document": "PubMed 23960179 (abstract)",
    "source_locator": "Abstract (patients and methods)",
}
SAHGAL2013_OUTCOMES = [
    {
        "outcome_id": "sahgal2013-vcf",
        "study_id": "sahgal2013",
        "domain": "toxicity",
        "measure": "Vertebral compression fracture",
        "source_term": "fractures",
        "statistic": "percent",
        "value": "14",
        "events": "57",
        "denominator": "410",
        "denominator_unit": "lesions",
        "unit": "%",
        "locator": "Abstract (results)",
    },
    {
        "outcome_id": "sahgal2013-vcf-ci-1y",
        "study_id": "sahgal2013",
        "domain": "toxicity",
        "measure": "Vertebral compression fracture",
        "source_term": "cumulative incidences of fracture",
        "statistic": "cumulative_incidence",
        "value": "12.35",
        "unit": "%",
        "timepoint": "1 year",
        "time_days": "365",
        "locator": "Abstract (results)",
    },
    {
        "outcome_id": "sahgal2013-vcf-ci-2y",
        "study_id": "sahgal2013",
        "domain": "toxicity",
        "measure": "Vertebral compression fracture",
        "source_term": "cumulative incidences of fracture",
        "statistic": "cumulative_incidence",
        "value": "13.49",
        "unit": "%",
        "timepoint": "2 years",
        "time_days": "730",
        "locator": "Abstract (results)",
    },
    {
        "outcome_id": "sahgal2013-vcf-time-range",
        "study_id": "sahgal2013",
        "domain": "toxicity",
        "measure": "Time to vertebral compression fracture",
        "source_term": "time to VCF",
        "statistic": "range",
        "value": "0.03",
        "value_high": "43.01",
        "unit": "months",
        "locator": "Abstract (results)",
        "note": "Of the 57 fractures; median 2.46 months.",
    },
]

# Chow E et al., Lancet Oncol 2014 (re-irradiation, NCIC CTG SC.20), as medwireNews reported its
# abstract (oncologypro.esmo.org): 425 patients allocated to each arm, 258 and 263 per protocol.
# Overall pain response at 2 months, intention to treat: 28 % and 32 % of 425.
CHOW2014_ARMS = [
    {"arm": "8gy", "patients": "425", "analysed": "258", "label": "8 Gy in one fraction", "response": "28"},
    {"arm": "20gy", "patients": "425", "analysed": "263", "label": "20 Gy in several fractions", "response": "32"},
]

# Epidemiology, Process and Outcomes of Spine Oncology (EPOSO), Spine Summit 2023 poster abstract
# (eventscribe.net, PosterID 553062): a within-group mean change with its 95 % CI as printed.
EPOSO2023 = {
    "study_id": "eposo2023",
    "short_name": "EPOSO 2023",
    "title": "Radicular and axial pain after treatment of spinal metastases (EPOSO)",
    "authors": "EPOSO investigators",
    "year": "2023",
    "design": "prospective_cohort",
    "population": "Patients treated with surgery or radiotherapy for spinal metastases, with radicular pain.",
    "patients": "284",
    "modality_id": "surgery",
    "source_document": "Spine Summit 2023 poster abstract 553062",
    "source_locator": "Abstract (results)",
}
EPOSO2023_OUTCOMES = [
    {
        "outcome_id": "eposo2023-nrs-improvement-radicular",
        "study_id": "eposo2023",
        "domain": "pain_score",
        "measure": "Improvement in pain score (NRS 0-10)",
        "source_term": "improved by 3.2 points",
        "statistic": "mean_change",
        "value": "3.2",
        "ci_low": "2.5",
        "ci_high": "4.0",
        "unit": "NRS 0-10",
        "timepoint": "3 months",
        "subgroup": "radicular pain",
        "subgroup_by": "pain type",
        "p_value": "<0.001",
        "locator": "Abstract (results)",
        "note": "An improvement (a fall in the score) as printed, of the 129 patients with radicular pain.",
    }
]
