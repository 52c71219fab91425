"""A trial's arms are printed side by side, its intervention arm first (issue 29: arms printed in
the order of their ids put Patchell 2005's radiotherapy-alone arm before its surgery arm, PMID
16112300). Seeds' single groups keep their order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from briefing import evidence, summary
from conftest import ROOT
from real_studies import add_studies

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def surgery(tmp_path: Path) -> dict:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    add_studies(tmp_path, {"patchell2005"})
    piece = evidence.build_slice(tmp_path / "data" / "datapackage.yaml", "surgery", CONFIG["analysis"])
    return summary.build_summary(json.loads(evidence.dumps(piece)))


def test_a_trials_arms_are_listed_together_intervention_first(tmp_path):
    s = surgery(tmp_path)
    arms = {a["arm_id"]: a["role"] for a in s["arms"]}
    trial = [o for o in s["outcomes"] if o["study_id"] == "patchell2005"]
    for measure in sorted({o["measure"] for o in trial}):
        rows = [i for i, o in enumerate(trial) if o["measure"] == measure]
        roles = [arms[trial[i]["arm_id"]] for i in rows if trial[i].get("arm_id")]
        assert roles == sorted(roles, key=["intervention", "comparator"].index), measure
        assert rows == list(range(rows[0], rows[0] + len(rows))), measure  # side by side
