"""What statistics and GRADE find (findings.py) is worded or laid out by present.py: every finding
has its presenter, whose arguments are the finding's fields by name, and presenting a result
returns a new one (the result given is left as it was)."""

from __future__ import annotations

import inspect
from dataclasses import fields

from briefing.present import presenting as present
from briefing.present import wording
from briefing.schema import findings
from briefing.stats import robustness


def test_every_finding_has_a_presenter_that_takes_its_fields():
    kinds = [
        k
        for k in vars(findings).values()
        if isinstance(k, type) and issubclass(k, findings.Finding) and k is not findings.Finding
    ]
    assert set(kinds) == set(present.PRESENT)
    for kind in kinds:
        parameters = inspect.signature(present.PRESENT[kind]).parameters
        required = {name for name, p in parameters.items() if p.default is inspect.Parameter.empty}
        assert required <= {f.name for f in fields(kind)} <= set(parameters), kind.__name__


def test_a_result_is_presented_as_a_new_one_with_its_words():
    shared = [findings.NoSmallStudyTest(4, robustness.SMALL_STUDY_MIN)]
    result = {"lines": shared, "again": shared, "k": 4}
    shown = present.present(result)
    words = wording.no_small_study_test(4, robustness.SMALL_STUDY_MIN)
    assert shown == {"lines": [words], "again": [words], "k": 4}
    assert shown["lines"] is shown["again"] and result["lines"][0] == shared[0]
