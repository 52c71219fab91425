# Input-choosing logic shared by the rules, as small named functions.
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
from briefing.evidence import resource_paths, slice_digest  # noqa: E402

MODALITIES = config["modalities"]
PACKAGE = config["data"]
REPORTS = config["outputs"]["dir"]
SETTINGS = json.dumps(config["analysis"], sort_keys=True)
# The package every step runs: a change to it rebuilds what it computes.
CODE = sorted(str(p) for p in Path("workflow/briefing").glob("*.py"))
# Every job logs to its own file; on failure the end of the log is shown in the terminal too.
LOGGED = " > {log} 2>&1 || (tail -n 60 {log} >&2; exit 1)"


def data_files():
    """The descriptor and every CSV it names (missing ones too, so validation reports them)."""
    try:
        tables = [str(p) for p in resource_paths(PACKAGE).values()]
    except Exception:  # an unreadable descriptor: validation says why
        tables = []
    return [PACKAGE] + [t for t in tables if Path(t).exists()]


def modality_digest(wildcards):
    """Checksum of the modality's own data: changes only when its evidence or the settings do."""
    return slice_digest(PACKAGE, wildcards.modality, config["analysis"])


def modality_summaries(wildcards=None):
    return expand("results/modalities/{modality}/summary.json", modality=MODALITIES)


def built_outputs():
    return {
        "html": "results/briefing.html",
        "pdf": "results/briefing.pdf",
        "json": "results/briefing.json",
        **{f"modality_{m}": f"results/modalities/{m}.html" for m in MODALITIES},
    }


def published_outputs():
    return [published_path(path) for path in built_outputs().values()]


def published_path(built):
    return str(Path(REPORTS) / Path(built).relative_to("results"))
