"""Words and lays out what the statistics and GRADE modules found (findings.py): each finding by
the wording.py or figure_tables.py function of its fields. Their callers (summary.py) present a
result once it is computed, so the statistics never choose words themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from briefing.present import figure_tables, wording
from briefing.schema import findings


def _sentences(parts: tuple[findings.Finding, ...]) -> str:
    return " ".join(word(p) for p in parts)


def _with_sensitivity(reason: findings.Finding, refits: tuple[findings.Finding, ...]) -> str:
    return wording.rob_with_sensitivity(word(reason), [word(r) for r in refits])


PRESENT: dict[type[findings.Finding], Callable[..., Any]] = {
    findings.JudgementText: wording.judgement_text,
    findings.InconsistencyByI2: wording.inconsistency_reason,
    findings.InconsistencySingle: wording.inconsistency_single,
    findings.InconsistencyUnpooled: wording.inconsistency_unpooled,
    findings.Inconsistency36: wording.inconsistency_36,
    findings.Sentences: _sentences,
    findings.IndirectnessNone: wording.indirectness_none,
    findings.IndirectnessFlagged: wording.indirectness_flagged,
    findings.PublicationBiasSearched: wording.publication_bias_searched,
    findings.PublicationBiasUnsearched: wording.publication_bias_unsearched,
    findings.PublicationBiasByEgger: wording.publication_bias_reason,
    findings.RobNotAssessed: wording.rob_not_assessed,
    findings.RobProposalUnjudged: wording.rob_proposal_unjudged,
    findings.RobProposal: wording.rob_proposal,
    findings.RobSensitivity: wording.rob_sensitivity,
    findings.WithSensitivity: _with_sensitivity,
    findings.RobForestLegend: wording.rob_forest_legend,
    findings.MaterialDifference: wording.material_difference,
    findings.GlmmFallback: wording.glmm_fallback,
    findings.PoolingNote: wording.pooling_note,
    findings.NotPooled: wording.not_pooled,
    findings.NoSmallStudyTest: wording.no_small_study_test,
    findings.EggerResult: wording.egger_result,
    findings.RobustnessLine: wording.robustness_line,
    findings.RobustnessTables: figure_tables.robustness_tables,
    findings.SubgroupsNotDone: wording.subgroups_not_done,
    findings.SubgroupsDone: wording.subgroups_done,
    findings.SubgroupTable: figure_tables.subgroup_table,
}


def presented(finding: findings.Finding) -> Any:
    """The finding's words (or table)."""
    return PRESENT[type(finding)](**{f.name: getattr(finding, f.name) for f in fields(finding)})


def word(finding: findings.Finding) -> str:
    text = presented(finding)
    assert isinstance(text, str), f"{type(finding).__name__} is laid out, not worded"
    return text


def present(value: Any, _done: dict[int, Any] | None = None) -> Any:
    """`value` (a result of dicts and lists) with every finding in it presented: new dicts and
    lists, never the ones given (CONTRIBUTING: no module changes what another gave it); what the
    result shares, its presented copy shares too."""
    done = {} if _done is None else _done
    if isinstance(value, findings.Finding):
        return presented(value)
    if not isinstance(value, (dict, list)):
        return value
    if id(value) not in done:
        if isinstance(value, dict):
            done[id(value)] = {key: present(item, done) for key, item in value.items()}
        else:
            done[id(value)] = [present(item, done) for item in value]
    return done[id(value)]
