"""The register of every figure the briefing shows: each number a reader sees, stated or derived,
with the data rows it comes from and its locator. briefing.json publishes it; the numeric audit
accepts a printed number only when it is here or in the data; What changed compares it between
editions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypedDict, cast

from briefing.core import numbers
from briefing.core.vocabulary import COMPARISON_COLUMNS, statistic_of
from briefing.present import messages, wording
from briefing.present.wording import design_counts

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from briefing.schema.models import DescribedOutcome, Study
    from briefing.schema.models import RegisteredFigure as Entry

if TYPE_CHECKING:
    from briefing.surveil.surveillance_flow import EvidenceBase, Flow

# The editions that print figures: the briefing's HTML, its PDF (the synthesis) and each modality's
# PDF (its per-study detail). An entry says where it is printed and, where it is not, why.
HTML, BRIEFING_PDF, MODALITY_PDF = "html", "briefing_pdf", "modality_pdf"
EDITIONS = (HTML, BRIEFING_PDF, MODALITY_PDF)
PER_STUDY = "per-study detail: the briefing's PDF prints the synthesis, the modality's PDF the studies"
REVIEWS_OWN = "a systematic review's own result: its table is detail (the HTML, the modality's PDF), not the synthesis"
WHOLE_BRIEFING = "a figure of the whole briefing: a modality's PDF prints that modality only"
SUBGROUP_CELL = "curated for the prespecified subgroups; the studies table prints the regimen in the source's words"


class Where(TypedDict):
    """Where an entry is printed, and why not elsewhere (RegisteredFigure's last two fields)."""

    printed_in: list[str]
    left_out: dict[str, str]


_NOT_PRINTED: Where = {"printed_in": [], "left_out": dict.fromkeys(EDITIONS, SUBGROUP_CELL)}
STUDY_FIELDS: tuple[str, ...] = ("patients", "lesions", "dose_per_fraction_min_gy", "dose_per_fraction_max_gy")
STUDY_FIELDS += ("fractions_min", "fractions_max")
# What a reader calls each study field, in What changed as anywhere a field is named.
STUDY_FIELD_LABELS = {
    "patients": "Patients",
    "lesions": "Lesions",
    "dose_per_fraction_min_gy": "Lowest dose per fraction (Gy)",
    "dose_per_fraction_max_gy": "Highest dose per fraction (Gy)",
    "fractions_min": "Fewest fractions",
    "fractions_max": "Most fractions",
}
# The regimen's figures are curated for the prespecified subgroups (dose per fraction): the studies
# table prints the regimen in the source's words, not these cells.
UNPRINTED_FIELDS = STUDY_FIELDS[2:]


def _entry(**fields: Unpack[Entry]) -> Entry:
    """An entry without the fields given as None (the model's keys are all optional but four)."""
    return cast("Entry", {k: v for k, v in fields.items() if v is not None})


def _derived(
    id: str,
    modality_id: str | None,
    table: str,
    label: str,
    derivation: str,
    derived_from: list[str],
    locator: str,
    **more: Any,
) -> Entry:
    """A figure the build computes, with what it is computed from."""
    return _entry(
        id=id,
        modality_id=modality_id,
        table=table,
        label=label,
        derived=True,
        derivation=derivation,
        derived_from=derived_from,
        locator=locator,
        **more,
    )


def printed(entries: list[Entry], left_out: dict[str, str] | None = None) -> list[Entry]:
    """The entries, marked as printed in every edition but those `left_out` (edition: why)."""
    left_out = left_out or {}
    where: Where = {"printed_in": [x for x in EDITIONS if x not in left_out], "left_out": dict(left_out)}
    return [e if "printed_in" in e else e | where for e in entries]  # an entry may say so itself


def figure_registry(summaries: list[dict[str, Any]]) -> list[Entry]:
    """Every figure the briefing shows, stated or derived, each traced to its data row and locator,
    with the editions that print it."""
    entries = []
    for s in summaries:
        for part in MODALITY_PARTS:
            own = _reviews_own(s, part(s))
            where = {BRIEFING_PDF: PER_STUDY} if part in PER_STUDY_PARTS else None
            entries += _headline_printed(s, printed(own, where))
        entries += printed(_study_counts(s["modality_id"], s["primary_studies"], s["reviews"]))
    primary_all = [st for s in summaries for st in s["primary_studies"]]
    total = str(sum(st.get("patients") or 0 for st in primary_all))  # each study's patients once
    patients = [f"{st['study_id']}:patients" for st in primary_all]
    label, derivation = "Patients in all primary studies", "sum of the studies' patients"
    entry = _derived("total:patients", None, "studies", label, derivation, patients, "sum of study rows")
    totals = _study_counts("total", primary_all, []) + [entry | {"value_text": total}]
    return entries + printed(totals, {MODALITY_PDF: WHOLE_BRIEFING})


def _unprinted(field: str, entry: Entry) -> Entry:
    """A study's regimen cell, curated for the subgroups, is printed nowhere (SUBGROUP_CELL)."""
    return entry | _NOT_PRINTED if field in UNPRINTED_FIELDS else entry


def _reviews_own(s: dict[str, Any], entries: list[Entry]) -> list[Entry]:
    """A systematic review's figures (its arms, their figures, its effects): printed in its table
    with the modality's detail, never in the synthesis, where nothing is pooled with them."""
    reviews = {r["study_id"] for r in s.get("review_results", [])}
    where: Where = {"printed_in": [HTML, MODALITY_PDF], "left_out": {BRIEFING_PDF: REVIEWS_OWN}}
    return [e | where if e.get("study_id") in reviews else e for e in entries]


def _headline_printed(s: dict[str, Any], entries: list[Entry]) -> list[Entry]:
    """The stated effect that heads its modality (headlines.choose: a trial's or a systematic
    review's) and its arms' sizes: in the synthesis too, since the bottom line and tables quote it."""
    head = s.get("main_pain")
    if not head or head["kind"] not in ("stated", "review"):
        return entries
    stated = s.get("comparisons", []) + [c for r in s.get("review_results", []) for c in r["comparisons"]]
    (c,) = [c for c in stated if c["comparison_id"] == head["outcome_id"]]
    ids = {c["comparison_id"], f"{c['arm_id']}:patients", f"{c['comparator_arm_id']}:patients"}
    everywhere: Where = {"printed_in": list(EDITIONS), "left_out": {}}
    shown = [e | everywhere if e["id"] in ids else e for e in entries]
    return shown


def _randomised(s: dict[str, Any]) -> list[Entry]:
    """ "101": a stated comparison's two arms' sizes summed, printed in its summary-of-findings row
    (summary._stated_sof) and, for the headline's trial, as "101 randomised" (headlines._who)."""
    sizes = {a["arm_id"]: a.get("patients") for a in s.get("arms", [])}
    trials = {c["comparison_id"]: c for c in s.get("comparisons", [])}  # a review's are its own
    entries = []
    for row in s.get("sof_stated", []):
        c = trials.get(row["comparison_id"])
        pair = [sizes.get(c["arm_id"]), sizes.get(c["comparator_arm_id"])] if c else [None]
        stated = [n for n in pair if n is not None]
        if row["participants"] is None or not c or len(stated) < len(pair) or row["participants"] != sum(stated):
            continue  # a review's, a subgroup's, or the trial's own patients (a study figure)
        arms = [f"{c['arm_id']}:patients", f"{c['comparator_arm_id']}:patients"]
        label = f"Randomised, {c['measure']}"
        entry = _derived(
            f"{c['comparison_id']}:randomised",
            s["modality_id"],
            "arms",
            label,
            "sum of the arms' patients",
            arms,
            "sum of arm rows",
        )
        entries.append(entry | {"value_text": str(row["participants"])})
    return printed(entries)


def _stated_study_figures(s: dict[str, Any]) -> list[Entry]:
    """The study fields as stated (patients, lesions, doses, fractions), and each arm's patients."""
    arms = [
        _entry(
            id=f"{a['arm_id']}:patients",
            modality_id=s["modality_id"],
            study_id=a["study_id"],
            table="arms",
            field="patients",
            label=f"Patients in the {a['label']} arm",
            value_text=str(a["patients"]),
            locator=a["locator"],
            derived=False,
        )
        for a in s.get("arms", []) + [a for r in s.get("review_results", []) for a in r["arms"]]
        if a.get("patients") is not None
    ]
    return arms + [
        _unprinted(
            field,
            _entry(
                id=f"{study['study_id']}:{field}",
                modality_id=s["modality_id"],
                study_id=study["study_id"],
                table="studies",
                field=field,
                label=STUDY_FIELD_LABELS[field],
                value_text=str(study.get(f"{field}_text", study[field])),
                locator=study["source_locator"],
                source_document=study["source_document"],
                derived=False,
            ),
        )
        for study in s["primary_studies"]
        for field in STUDY_FIELDS
        if study.get(field) is not None
    ]


def _outcome_figures(s: dict[str, Any]) -> list[Entry]:
    """Each stated outcome, and the 95 % CI the build derives from it."""
    m = s["modality_id"]
    entries: list[Entry] = []
    for o in s["outcomes"] + [o for r in s.get("review_results", []) for o in r["outcomes"]]:
        stated = {k: o.get(k) for k in ("value_text", "sd_text", "events", "denominator", "unit", "timepoint")}
        stated |= {k: o.get(k) for k in ("ci_low_text", "ci_high_text")}  # a CI the source prints (issue 29)
        entries.append(
            _entry(
                id=o["outcome_id"],
                modality_id=m,
                study_id=o["study_id"],
                table="outcomes",
                label=o["label"],
                statistic=o["statistic"],
                p_value=o.get("p_value"),
                locator=o["locator"],
                derived=False,
                **stated,
            )
        )
        entries += _as_printed(m, o)
        if est := o.get("estimate"):
            derivation = f"{est['ci_method']} 95 % CI of {est['events']}/{est['n']}"
            derivation += "; count derived from the stated percentage" if est["count_derived"] else ""
            ci = {"ci_low_text": numbers.percent(est["ci_low"]), "ci_high_text": numbers.percent(est["ci_high"])}
            label, of = f"{o['label']}: 95 % CI", [o["outcome_id"]]
            entries.append(
                _derived(f"{o['outcome_id']}:ci", m, "outcomes", label, derivation, of, o["locator"], **ci)
                | {"study_id": o["study_id"], "events": est["events"], "denominator": est["n"]}
            )
    return entries


def _as_printed(m: str, o: DescribedOutcome) -> list[Entry]:
    """A percentage kept as printed (`as_printed`) that its stated count does not reproduce: the
    exact percentage of that count, which the briefing prints beside it ("10/16 is 62.5 %")."""
    est = o.get("estimate")
    if not (est and o.get("as_printed") and statistic_of(o).of_denominator and not o.get("value_qualifier")):
        return []
    printed = o["value_text"]
    assert printed is not None  # a percentage with an estimate has a value (vocabulary.Statistic.counted)
    if numbers.reproduces(est["events"], est["n"], printed):
        return []
    label = f"{o['label']}: {est['events']}/{est['n']} as a percentage"
    derivation = f"{est['events']}/{est['n']} × 100, half up; the source prints {o['value_text']} %"
    exact = numbers.events_percent(est["events"], est["n"])
    entry = _derived(f"{o['outcome_id']}:exact", m, "outcomes", label, derivation, [o["outcome_id"]], o["locator"])
    return [entry | {"study_id": o["study_id"], "value_text": exact, "unit": "%"}]


def _stated_comparisons(s: dict[str, Any]) -> list[Entry]:
    """Each comparison between arms, as its source states it."""
    return [
        _entry(
            id=c["comparison_id"],
            modality_id=s["modality_id"],
            study_id=c["study_id"],
            table="comparisons",
            label=c["measure"],
            statistic=c.get("effect_measure") or f"finding: {c.get('finding')}",
            value_text=c.get("value_text"),
            ci_low_text=c.get("ci_low_text"),
            ci_high_text=c.get("ci_high_text"),
            timepoint=c.get("timepoint"),
            p_value=c.get("p_value"),
            studies=c.get("studies"),
            locator=c["locator"],
            derived=False,
        )
        for c in s.get("comparisons", []) + [c for r in s.get("review_results", []) for c in r["comparisons"]]
    ]


def _computed_comparisons(s: dict[str, Any]) -> list[Entry]:
    """Risk ratios and absolute effects the build computes from two arms' counts."""
    derivation = (
        "risk ratio from the two arms' counts (metafor's escalc RR, 95 % CI on the log scale); "
        "absolute effect per 1,000 at the comparator arm's risk (GRADE)"
    )
    return [
        _derived(
            c["comparison_id"],
            s["modality_id"],
            "outcomes",
            f"{c['measure']}: risk ratio",
            derivation,
            c["outcome_ids"],
            "computed from the rows listed",
            study_id=c["study_id"],
            value_text=numbers.ratio(c["ratio"]),
            shown=[c["text"]],
        )
        for c in s.get("computed_comparisons", [])
    ]


def _crude_ratios(s: dict[str, Any]) -> list[Entry]:
    """A stated OR or RR's crude counterpart from the same arms' counts, printed where the stated
    figure differs from it (the stated row of the comparative summary of findings, the direct
    comparisons)."""
    entries = []
    for c in s.get("comparisons", []):
        if crude := c.get("crude"):
            measure = crude["effect_measure"]
            derivation = f"crude {measure} from the two arms' counts (metafor's escalc {measure}; 1/2 added to "
            derivation += f"each cell only for a zero count), beside the source's stated {measure}, which differs"
            entries.append(
                _derived(
                    f"{c['comparison_id']}:crude-{measure.lower()}",
                    s["modality_id"],
                    "comparisons",
                    f"{c['measure']}: crude {measure} from the arms' counts",
                    derivation,
                    crude["outcome_ids"] + [c["comparison_id"]],
                    "computed from the rows listed",
                    study_id=c["study_id"],
                    value_text=numbers.ratio(crude["ratio"]),
                    shown=[c["crude_comment"]],
                )
            )
    return entries


def _comparative_sof(s: dict[str, Any]) -> list[Entry]:
    """What the comparative summary of findings prints: relative effects (pooled where several
    trials compare the same arms), the assumed comparator risk and which it is, the risk with the
    intervention and the risk difference per 1,000; and every
    number the forest plot of a pooled row prints (its parts' tables and heterogeneity)."""
    entries = []
    for row in s.get("sof_comparisons", []):
        id = f"{s['modality_id']}:sof-comparison:{slug(row['measure'])}:{slug(row['comparator'])}"
        shown = [row["relative"], row["comparator_risk"], row["comparator_basis"], row["intervention_risk"]]
        shown += [row["difference"], str(row["participants"])] + row.get("baseline_texts", [])
        detail = []  # the forest plot: printed with the per-study detail
        for forest in (f for f in s.get("comparison_figures", []) if f["part_of"] == row.get("figure_id")):
            detail += [v for cells in forest["table"] for v in cells.values()] + [forest["heterogeneity"]]
        derivation = "risk ratios of the trials' arms, pooled by REML on the log scale when several "
        derivation += "(DerSimonian-Laird as sensitivity); risks per 1,000 at the median of the comparator arms' "
        derivation += "risks (one trial: its comparator arm's), with the ratio's 95 % CI; GRADE"
        label = f"{row['measure']}: {row['intervention']} against {row['comparator']}"
        of, where = row["comparison_ids"], "computed from the comparisons listed"
        entry = _derived(id, s["modality_id"], "outcomes", label, derivation, of, where, shown=shown)
        entries.append(entry | ({"detail": detail} if detail else {}))
    return entries


MEAN_DIFFERENCE = "mean difference of the two arms' means (metafor's escalc MD), pooled by REML when several"


def _pooled_ratios(s: dict[str, Any]) -> list[Entry]:
    """Stated ratios of one comparison that the build pools (issue 29, item 17)."""
    derivation = (
        "ratios stated with their 95 % CI, pooled by generic inverse variance: log ratio, SE from the CI's width "
        "(metafor's conv.wald), REML random effects (DerSimonian-Laird as sensitivity)"
    )
    return [
        _derived(
            f"{s['modality_id']}:pooled-ratio:{'+'.join(r['comparison_ids'])}",
            s["modality_id"],
            "comparisons",
            f"{r['measure']}: pooled {r['effect_measure']}",
            derivation,
            r["comparison_ids"],
            "computed from the comparisons listed",
            shown=[r["text"]],
        )
        for r in s.get("pooled_ratios", [])
    ]


def _mean_differences(s: dict[str, Any]) -> list[Entry]:
    """Mean differences the build computes from two arms' means."""
    return [
        _derived(
            c["comparison_id"],
            s["modality_id"],
            "outcomes",
            f"{c['measure']}: mean difference",
            MEAN_DIFFERENCE,
            c["outcome_ids"],
            "computed from the rows listed",
            study_id=c["study_id"],
            shown=[c["text"]],
        )
        for c in s.get("computed_differences", [])
    ]


def _sof_differences(s: dict[str, Any]) -> list[Entry]:
    """The summary-of-findings rows of mean differences."""
    derivation, entries = MEAN_DIFFERENCE, []
    for row in s.get("sof_differences", []):
        id = f"{s['modality_id']}:sof-difference:{slug(row['measure'])}:{slug(row['comparator'])}"
        label = f"{row['measure']}: {row['intervention']} against {row['comparator']}"
        shown = [row["comparator_risk"], row["difference_text"], str(row["participants"])]
        of, where = row["comparison_ids"], "computed from the comparisons listed"
        entries.append(_derived(id, s["modality_id"], "outcomes", label, derivation, of, where, shown=shown))
    return entries


def _overall_responses(s: dict[str, Any]) -> list[Entry]:
    """Overall responses derived as complete + partial."""
    label = "Overall response (complete + partial)"
    return [
        _derived(
            f"{g['study_id']}:overall-response",
            s["modality_id"],
            "outcomes",
            label,
            "complete + partial as reported",
            g["derived_overall"]["from"],
            g["derived_overall"]["locator"],
            study_id=g["study_id"],
            value_text=g["derived_overall"]["value_text"],
            unit="%",
        )
        for g in s["response_groups"]
        if g["derived_overall"]
    ]


def _changes_from_baseline(s: dict[str, Any]) -> list[Entry]:
    """Changes from baseline of the measures over time."""
    return [
        _derived(
            f"{p['outcome_id']}:change",
            s["modality_id"],
            "outcomes",
            f"{series['measure']}, {p['timepoint']}: change from baseline",
            "(value − baseline) / baseline × 100",
            [p["outcome_id"]],
            p["locator"],
            study_id=series["study_id"],
            value_text=p["change_pct_text"],
            unit="%",
        )
        for series_list in s["trajectories"].values()
        for series in series_list
        for p in series["points"]
        if p["change_pct_text"] is not None
    ]


def _pooled_results(s: dict[str, Any]) -> list[Entry]:
    """Pooled results, with every number their forest plots print."""
    m = s["modality_id"]
    entries = []
    for pooled in s["pooled"]:
        if pooled["result"]:
            shown = [wording.pooled_effect(pooled)] + _robustness_shown(pooled)
            detail = []  # the forest plots and the tables behind the lines: printed with the per-study detail
            parts = [f for f in s["figures"] if pooled.get("figure_id") and f.get("part_of") == pooled["figure_id"]]
            for forest in parts:  # a forest plot of many studies comes in parts (and its funnel plot)
                detail += [v for row in forest["table"] for v in row.values()] + [forest.get("heterogeneity", "")]
            detail += _robustness_tables(pooled)
            id = f"{m}:pooled:{pooled['domain']}:{pooled['definition']}:{pooled['window']}"
            label, of = f"Pooled {pooled['definition']}", pooled["outcome_ids"]
            where = "pooled from the rows listed"
            entry = _derived(id, m, "outcomes", label, pooled["note"], of, where, result=pooled["result"], shown=shown)
            entries.append(entry | {"detail": detail})
    return entries


def _robustness_shown(pooled: dict[str, Any]) -> list[str]:
    """What the briefing prints about how far a pooled result holds: the fallback or material
    difference notes, the robustness lines, the subgroup analyses."""
    shown = [f"{pooled['k']} studies"] + [t for t in (pooled.get("fallback"), pooled.get("material")) if t]
    shown += (pooled.get("robustness") or {}).get("lines", [])
    return shown + [analysis["text"] for analysis in pooled.get("subgroups", [])]


def _robustness_tables(pooled: dict[str, Any]) -> list[str]:
    """The cells of the tables behind the robustness lines and the subgroup analyses."""
    tables = list((pooled.get("robustness") or {}).get("tables", []))
    tables += [a["table"] for a in pooled.get("subgroups", []) if a.get("table")]
    return [cell for t in tables for row in t["rows"] for cell in row.values()]


def _patients_total(s: dict[str, Any]) -> list[Entry]:
    """The modality's patients, summed over its primary studies."""
    awaiting = {st["study_id"] for st in messages.without_figures(s)}  # as summary: no figures, no patients
    primary = [st["study_id"] for st in s["primary_studies"] if st["study_id"] not in awaiting]
    arms = s.get("arms", [])
    if len(primary) < 2 and not arms:
        return []
    # As summary._patients: a study with an arm of another modality counts its own arms only.
    mixed = {a["study_id"] for a in arms if a.get("modality_id") != s["modality_id"]}
    of = [f"{sid}:patients" for sid in primary if sid not in mixed]
    of += [
        f"{a['arm_id']}:patients"
        for a in arms
        if a["study_id"] in mixed and a.get("modality_id") == s["modality_id"] and a.get("patients") is not None
    ]
    label, derivation = "Patients in primary studies", "sum of the studies' patients"
    m = s["modality_id"]
    entry = _derived(f"{m}:patients", m, "studies", label, derivation, of, "sum of study rows")
    return [entry | {"value_text": str(s["patients"])}]


def _participants(s: dict[str, Any]) -> list[Entry]:
    """The participants and events each body of evidence's GRADE proposals name."""
    m = s["modality_id"]
    derivation = (
        "sum over the body's studies of the participants they state (a comparison's every arm, a single group's "
        "largest stated denominator of patients); a trial's arms summed, its whole group counted once"
    )
    entries = []
    # The evidence profile prints an assessed body's patients in every edition (its № of patients).
    assessed = {r["key"] for r in s.get("certainty", []) if r["level"]}
    profile: list[Entry] = []
    for body, size in sorted(s.get("evidence_size", {}).items()):
        of = [o["outcome_id"] for o in s["outcomes"] if o["domain"] == size["domain"]]
        counts = size.get("printed", {}) if body in assessed else {}
        if "stated" in counts:
            label, n = f"Participants where stated, {body}", str(counts["stated"])
            profile.append(
                _derived(f"{body}:participants-stated", m, "outcomes", label, derivation, of, "sum of outcome rows")
                | {"value_text": n}
            )
        if size.get("events"):
            entries.append(
                _derived(
                    f"{body}:events",
                    m,
                    "outcomes",
                    f"Events, {body}",
                    "sum over studies and their arms of the events of the results the imprecision rule judges, "
                    "each group of patients once (its figure of the most events; a subgroup only without its whole "
                    "group)",
                    of,
                    "sum of outcome rows",
                    value_text=str(size["events"]),
                )
            )
        for what, n in (("participants", size.get("participants")), ("enrolled", size.get("enrolled"))):
            if n:
                label = f"{what.capitalize()}, {body}"
                entry = _derived(
                    f"{body}:{what}", m, "outcomes", label, derivation, of, "sum of outcome and study rows"
                )
                (profile if counts.get(what) == n else entries).append(entry | {"value_text": str(n)})
    return printed(profile) + _where_named(s, entries)


PROPOSED = ("risk_of_bias", "indirectness", "inconsistency")
UNSHOWN_PROPOSAL = "a GRADE proposal the footnotes do not print (the curator's judgement agrees with it)"


def _proposals(s: dict[str, Any]) -> list[Entry]:
    """The numbers the build's GRADE proposals print in their footnotes (a share of the weight or of
    the participants, a sensitivity analysis, a prediction interval), each proposal one entry whose
    text is its form; printed where a footnote prints it, in every edition with the evidence profile."""
    m = s["modality_id"]
    footnotes = " ".join(fn["text"] for fn in (s.get("sof") or {}).get("footnotes", []))
    of = [st["study_id"] for st in s.get("primary_studies", [])]
    entries = []
    for i, rating in enumerate(s.get("certainty", [])):
        for f in rating.get("factors", []):
            proposal = f if f.get("source") == "build" else f.get("rule")
            if f["factor"] not in PROPOSED or not proposal or not _NUMBER.search(proposal["reason"]):
                continue
            label = f"{f['label']} proposed by the build, {rating['domain'].replace('_', ' ')}"
            id = f"{m}:{rating['domain']}:{i}:{f['factor']}:proposal"
            entry = _derived(id, m, "outcomes", label, "the build's GRADE rule", of, "GRADE proposal")
            entry |= {"shown": [proposal["reason"]]}
            unshown: Where = {"printed_in": [], "left_out": dict.fromkeys(EDITIONS, UNSHOWN_PROPOSAL)}
            entries.append(entry if proposal["reason"] in footnotes else entry | unshown)
    return entries


# A number standing alone in a text, as the audit reads it.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w)")
UNNAMED = "an input of the imprecision rule: the evidence profile's footnotes print it only where a judgement names it"


def _where_named(s: dict[str, Any], entries: list[Entry]) -> list[Entry]:
    """The entries the GRADE footnotes name (printed in every edition, with the evidence profile);
    the others marked left out: the rule judged by another figure (a CI's bound, the OIS's events)."""
    named = set(_NUMBER.findall(" ".join(fn["text"] for fn in s["sof"].get("footnotes", []))))
    unnamed: Where = {"printed_in": [], "left_out": dict.fromkeys(EDITIONS, UNNAMED)}
    return [e if e["value_text"] in named else e | unnamed for e in entries]


def sof_key(modality_id: str, row: dict[str, Any]) -> str:
    """A summary-of-findings row's id: its outcome, and the comparison where its body of evidence
    is one (a trial's arms beside a case series of the same outcome are two rows)."""
    question = row.get("body", "").rpartition(":")[0].partition("-vs-")[2]
    return f"{modality_id}:sof:{slug(row['outcome'])}" + (f":vs-{question}" if question else "")


def _sof_counts(s: dict[str, Any]) -> list[Entry]:
    """Studies and participants of each summary-of-findings row."""
    m = s["modality_id"]
    entries: list[Entry] = []
    seen: set[str] = set()
    for row in (r for r in s["sof"]["rows"] if not r["not_reported"]):
        # Keyed by the row's outcome, not its position: a row added above must not make the
        # rows below look changed in the next edition's "What changed".
        key = sof_key(m, row)
        key = key if key not in seen else f"{key}-{len(seen)}"
        seen.add(key)
        of, studies = row["outcome_ids"], str(row["studies"])
        derivation = "number of studies with an outcome in this row"
        label = f"Studies, {row['outcome']}"
        entries.append(
            _derived(
                f"{key}:studies", m, "outcomes", label, derivation, of, "count of outcome rows", value_text=studies
            )
        )
        if row.get("enrolled_unstated") and len(row["study_ids"]) > 1 and row["participants"] is None:
            # "not stated (392 enrolled)": the enrolled of the studies that state no number analysed,
            # printed only when no study of the row states one (sof.participants_text).
            label = f"Enrolled where the number analysed is not stated, {row['outcome']}"
            derivation = "sum of the patients of the studies that state no denominator for the row"
            n = str(row["enrolled_unstated"])
            entries.append(
                _derived(f"{key}:enrolled", m, "studies", label, derivation, of, "sum of study rows", value_text=n)
            )
        if (row["studies"] > 1 or row["arms_summed"]) and row["participants"] is not None:
            derivation = "sum over studies (and over a trial's arms) of the largest stated denominator of patients"
            label = f"Participants, {row['outcome']}"
            n = str(row["participants"])
            entries.append(
                _derived(
                    f"{key}:participants", m, "outcomes", label, derivation, of, "sum of outcome rows", value_text=n
                )
            )
        for apart in row.get("other_units", []) if row["studies"] > 1 else []:
            # "figures of 61 lesions apart": denominators in another unit, summed over studies.
            n, unit = apart.split(" ", 1)
            label, derivation = (
                f"{unit.capitalize()}, {row['outcome']}",
                f"sum over studies of the largest {unit} denominator",
            )
            entries.append(
                _derived(
                    f"{key}:{slug(unit)}", m, "outcomes", label, derivation, of, "sum of outcome rows", value_text=n
                )
            )
    return entries


# The figures of one modality, in the order briefing.json lists them.
MODALITY_PARTS = (
    _stated_study_figures,
    _outcome_figures,
    _stated_comparisons,
    _pooled_ratios,
    _computed_comparisons,
    _comparative_sof,
    _crude_ratios,
    _mean_differences,
    _sof_differences,
    _overall_responses,
    _changes_from_baseline,
    _pooled_results,
    _patients_total,
    _participants,
    _sof_counts,
    _proposals,
    _randomised,
)
# Those the briefing's PDF leaves to each modality's PDF.
PER_STUDY_PARTS = (
    _stated_study_figures,
    _outcome_figures,
    _stated_comparisons,
    _pooled_ratios,  # the modality's comparisons table; a direct comparison's row may repeat it
    _computed_comparisons,
    _mean_differences,
    _overall_responses,
    _changes_from_baseline,
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _count(id: str, modality_id: str | None, label: str, study_ids: list[str], derivation: str) -> Entry:
    entry = _derived(id, modality_id, "studies", label, derivation, study_ids, "count of study rows")
    return entry | {"value_text": str(len(study_ids))}


def _study_counts(scope: str, primary: list[Study], reviews: list[Study]) -> list[Entry]:
    """The counts of studies the briefing prints ("45 case series", "one review"), each with the
    studies it counts: derived numbers, which the audit would otherwise pass only when some data
    cell happens to hold the same number."""
    m = None if scope == "total" else scope
    entries = []
    if primary:
        ids = [st["study_id"] for st in primary]
        entries.append(_count(f"{scope}:studies", m, "Primary studies", ids, "number of primary studies"))
    if reviews:
        ids = [st["study_id"] for st in reviews]
        entries.append(_count(f"{scope}:reviews", m, "Narrative reviews", ids, "number of narrative reviews"))
    for design in design_counts(primary):
        ids = [st["study_id"] for st in primary if st["design"] == design]
        label = f"Primary studies: {design.replace('_', ' ')}"
        entries.append(_count(f"{scope}:design:{design}", m, label, ids, "number of primary studies of this design"))
    return entries


def comparison_counts(rows: list[dict[str, Any]], shown_max: int) -> list[Entry]:
    """ "N more studies" in the comparison: the studies whose findings it leaves to the modality's section."""
    return printed(
        [
            _count(
                f"{row['modality_id']}:comparison:{column.text}:more",
                row["modality_id"],
                f"Studies with {column.text} findings not listed in the comparison",
                row["columns"][column.id]["more"],
                f"studies beyond the {shown_max} largest with {column.text} findings",
            )
            for row in rows
            for column in COMPARISON_COLUMNS
            if row["columns"][column.id]["more"]
        ],
        {MODALITY_PDF: WHOLE_BRIEFING},
    )


def direct_counts(study_ids: list[str]) -> list[Entry]:
    """ "N studies compare two modalities directly" in the bottom line."""
    if not study_ids:
        return []
    label, derivation = "Studies comparing two modalities", "studies with an arm of each of two modalities"
    return printed(
        [_count("total:direct-comparisons", None, label, study_ids, derivation)], {MODALITY_PDF: WHOLE_BRIEFING}
    )


SURVEILLANCE_LOCATOR = "surveillance/runs/ and surveillance/queue.csv"


def surveillance_figures(base: EvidenceBase) -> list[Entry]:
    """The flow diagram's counts (surveillance_flow.flow), each with the records or studies it
    counts and the run records it comes from, and the records and trials it lists: printed in the
    briefing, not in a modality's PDF."""
    entries = _flow_counts(base["flow"]) + _surveillance_items(base)
    if base.get("new_since_previous") is not None:
        new = base["new_since_previous"]
        entries.append(
            _record_count("new", "Records new since the previous edition", new, "screened, not in the previous edition")
        )
    return printed(entries, {MODALITY_PDF: WHOLE_BRIEFING})


def _record_count(key: str, label: str, ids: list[str], derivation: str) -> Entry:
    entry = _derived(f"surveillance:{key}", None, "surveillance", label, derivation, list(ids), SURVEILLANCE_LOCATOR)
    return entry | {"value_text": str(len(ids))}


def _flow_counts(f: Flow) -> list[Entry]:
    """The flow's boxes, each counting the records or studies it lists."""
    count, locator = _record_count, SURVEILLANCE_LOCATOR
    entries = [
        count(
            f"identified:{i['source']}",
            f"Records identified: {i['label']}",
            i["records"],
            "records the source returned, all runs",
        )
        for i in f["identified"]
    ]
    entries += [
        count("identified", "Records identified", f["identified_total"], "records identified, every source"),
        count("screened", "Records screened", f["screened"], "records identified, duplicates merged"),
        count("excluded", "Records excluded", f["excluded"], "records the curators excluded"),
        count("awaiting", "Records awaiting classification", f["awaiting"], "records not yet decided"),
        count("included", "Records included", f["included"], "records the curators included"),
        count("included-in-data", "Included records in data/", f["included_in_data"], "included, study in data/"),
        count(
            "included-pending", "Included records awaiting extraction", f["included_pending"], "included, no study yet"
        ),
        count(
            "studies-from-searches",
            "Studies from the searches",
            f["studies_from_searches"],
            "studies of included records",
        ),
        count("studies-other", "Studies from other sources", f["studies_other"], "studies in data/ no search found"),
        count("studies", "Studies in the briefing", f["studies"], "studies in data/studies.csv"),
    ]
    duplicates = _derived(
        "surveillance:duplicates", None, "surveillance", "Duplicates removed", "identified - screened",
        ["surveillance:identified", "surveillance:screened"], locator,
    )  # fmt: skip
    entries.append(duplicates | {"value_text": str(f["duplicates"])})
    entries += [
        count(
            f"reason:{r['code']}", f"Records excluded: {r['label']}", r["records"], "records excluded for this reason"
        )
        for r in f["reasons"]
    ]
    return entries


def _surveillance_items(base: EvidenceBase) -> list[Entry]:
    """The records and trials themselves: their titles and identifiers are printed (What changed,
    the trials table) as the sources gave them."""
    locator = SURVEILLANCE_LOCATOR
    entries = [
        _entry(id=f"surveillance:record:{r['record_id']}", table="surveillance", locator=locator, derived=False,
               label=r["title"], derived_from=[r["record_id"], *r["source_records"]])
        for r in base["records"]
    ]  # fmt: skip
    entries += [
        _entry(id=f"surveillance:trial:{t['nct_id']}", table="surveillance", locator=locator, derived=False,
               label=t["title"], derived_from=[t["nct_id"], t["url"], t["completion_date"]])
        for t in base["trials"]
    ]  # fmt: skip
    return entries
