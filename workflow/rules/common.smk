# Input-choosing logic shared by the rules, as small named functions.
import json
import os
import re
import shlex
import sys
from pathlib import Path

from snakemake_interface_executor_plugins.settings import DeploymentMethod

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
from briefing.data.evidence import resource_paths, slice_digests  # noqa: E402
from briefing.build.imports import cached_step_files  # noqa: E402
from briefing.build.locks import clear_stale_locks  # noqa: E402
from briefing.build.provenance import build_date, build_epoch  # noqa: E402

MODALITIES = config["modalities"]


# A modality is one of the config's, never a path ("srs.print" of "srs.print.html").
wildcard_constraints:
    modality="|".join(map(re.escape, MODALITIES)),


PACKAGE = config["data"]
REPORTS = config["outputs"]["dir"]
SETTINGS = json.dumps(config["analysis"], sort_keys=True)
# Which removals of data a curator intends (empty tables, studies without figures, ...).
CURATION = json.dumps(config.get("curation") or {}, sort_keys=True)
# The templates a step reads are its inputs; the step is told their folder (template_folder), the
# package does not look for it. The briefing's templates and CSS; nbconvert's for notebook pages.
BRIEFING_TEMPLATES = sorted(str(p) for p in Path("templates").glob("briefing*"))
MODALITY_PRINT_TEMPLATES = BRIEFING_TEMPLATES + ["templates/modality.print.html.j2"]
# The R script a modality's export of what it pooled comes with (rule modality_analyses).
ANALYSES_TEMPLATE = ["templates/analyses.R.j2"]
# The Word edition's styles (python -m briefing word-reference writes it from pandoc's default).
WORD_REFERENCE = "templates/reference.docx"
# The briefing's PDF typesets its parts apart and keeps them here between builds, under the
# digest of their HTML and of everything their bytes depend on: an edit typesets again only the
# parts it changed (workflow/briefing/present/printed.py). Beside the code-inputs cache.
PRINT_PARTS = ".snakemake/briefing-print-parts"
# The Word edition's PNG fallbacks of its figures, kept between builds by the SVG's digest: an edit
# renders only the figures it changed (workflow/briefing/present/word.py, png_fallbacks).
FIGURE_PNGS = ".snakemake/briefing-figure-png"
NOTEBOOK_TEMPLATE = sorted(
    str(p) for p in Path("templates/nbconvert/offline").rglob("*") if p.is_file()
)


def template_folder(wildcards, input):
    """The folder that holds the step's template files (input.templates)."""
    return os.path.commonpath([str(Path(t).parent) for t in input.templates])


def shell_prefix():
    """Each step runs as `briefing <step>`, a shell function that runs this workflow's own package
    with the interpreter Snakemake runs on, so a venv need not be activated, or, under
    `--sdm conda`, with the python of the environment Snakemake activates for the job. Not a
    job parameter, since the path would then re-run every job whenever the project folder moved.
    shell.prefix() formats its text as a shell command is formatted, hence the doubled braces.
    """
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        python = "python"
    else:
        python = shlex.quote(sys.executable)
    package = shlex.quote(str(Path(workflow.basedir) / "workflow"))
    pythonpath = f'{package}"${{PYTHONPATH:+:$PYTHONPATH}}"'
    # The step's command line, settings and all, opens its log (the rules send the function's
    # output there): the console shows one line per job (job_message), not 3.5 KB of JSON.
    echo = "printf '$ briefing %s\\n' \"$*\""
    function = (
        f'briefing() {{ {echo}; PYTHONPATH={pythonpath} {python} -m briefing "$@"; }}'
    )
    return f"set -euo pipefail; {function}; ".replace("{", "{{").replace("}", "}}")


def job_message(text):
    """What a job prints when it starts: one line, the rule (and its modality) first, with its log,
    instead of Snakemake's block of every input, output and resource; `printshellcmds` is off in
    the profiles, so the command goes only to the log (shell_prefix). A dry run shows the whole
    block, as before: there the detail is what is asked for."""
    return None if workflow.output_settings.dryrun else text


# The parameterized notebook each modality's notebook job runs.
NOTEBOOK = "notebooks/modality.ipynb"


def code(command, notebook=None):
    """The modules of the package that `briefing <command>` runs (and the notebook it executes),
    found from their imports (briefing/build/imports.py): a change to a module re-runs only the steps
    that import it, and the site builder and the curators' tools re-run nothing."""
    return cached_step_files(command, notebook, package_dir="workflow/briefing")


def data_tables():
    """The CSV files the descriptor names that exist (validation reports the missing ones), read
    once when the workflow is parsed."""
    return DATA_TABLES


def _existing_tables():
    try:
        tables = [str(p) for p in resource_paths(PACKAGE).values()]
    except Exception:  # an unreadable descriptor: validation says why
        tables = []
    return [t for t in tables if Path(t).exists()]


DATA_TABLES = _existing_tables()


# Read once when the workflow is parsed, not once per job.
MODALITY_DIGESTS = slice_digests(PACKAGE, MODALITIES, config["analysis"])
# The edition's date, found as the combine step dates the briefing (provenance.collect): a
# modality's PDF prints it, so a new date re-prints them.
EDITION = build_date(build_epoch(".", Path(PACKAGE).parent))


def pdf_memory(wildcards, input):
    """MB for printing the job's HTML (input.html) to PDF: it grows with the HTML (render.py). Until
    the HTML exists (a dry run) Snakemake shows it as <TBD> and evaluates it when the job starts.
    """
    size = os.path.getsize(input.html)
    # Imported here, not at the top: Jinja is no part of a no-op's start.
    from briefing.present.render import pdf_memory_mb

    return pdf_memory_mb(size)


def validated(wildcards):
    """The validation record, once the validate checkpoint has made it: no slice or notebook starts
    before the data are valid. Snakemake plans them after validation has run; planned while it was
    pending, they would re-run only for its sake (Snakemake ignores a job's own reasons, such as a
    slice's checksum, after a job it depends on that re-runs). ancient(): a new record does not
    itself re-run anything."""
    return ancient(checkpoints.validate.get().output[0])


def modality_digest(wildcards):
    """Checksum of the modality's own data: changes only when its evidence or the settings do."""
    return MODALITY_DIGESTS[wildcards.modality]


def previous_edition_file():
    """The previous edition's briefing.json when it is a local file, so replacing it rebuilds;
    a URL is fetched by the combine step itself."""
    location = config.get("previous_edition")
    if location and not str(location).startswith(("http://", "https://", "file://")):
        return [location] if Path(location).is_file() else []
    return []


def surveillance_records():
    """The saved searches, their run records and the screening queue (surveillance/): the edition's
    evidence base (surveillance_flow.py), so that a new run or decision rebuilds it."""
    folder = Path("surveillance")
    found = [
        folder / "searches.yaml",
        folder / "queue.csv",
        *sorted((folder / "runs").glob("*.json")),
    ]
    return [str(p) for p in found if p.is_file()]


def previous_docx_file():
    """The previous edition's Word document, published beside its briefing.json, when both are
    local files; the what_changed step reads a URL's itself, and a first Word edition has none.
    """
    docx = [str(Path(p).with_name("briefing.docx")) for p in previous_edition_file()]
    return [p for p in docx if Path(p).is_file()]


def what_changed_outputs():
    """The Word document of what changed since the previous edition, when there is one."""
    return (
        {"what_changed": "results/what-changed.docx"}
        if config.get("previous_edition")
        else {}
    )


def job_plan():
    """The jobs of a full build, for the provenance appendix."""
    per_modality = [
        "evidence_slice",
        "modality_notebook",
        "modality_pdf",
        "modality_analyses",
    ]
    once = [
        "validate",
        "combine",
        "briefing_html",
        "briefing_pdf",
        "briefing_docx",
        "references",
        "audit",
        "publish",
    ]
    once += ["what_changed"] if what_changed_outputs() else []
    plan = {step: 1 for step in once} | {step: len(MODALITIES) for step in per_modality}
    return json.dumps(plan, sort_keys=True)


def modality_summaries(wildcards=None):
    return expand("results/modalities/{modality}/summary.json", modality=MODALITIES)


def built_outputs():
    return {
        "html": "results/briefing.html",
        "pdf": "results/briefing.pdf",
        "docx": "results/briefing.docx",
        **what_changed_outputs(),
        "json": "results/briefing.json",
        "references_ris": "results/references.ris",
        "references_json": "results/references.json",
        **{f"modality_{m}": f"results/modalities/{m}.html" for m in MODALITIES},
        **{f"modality_pdf_{m}": f"results/modalities/{m}.pdf" for m in MODALITIES},
        **{f"analyses_csv_{m}": f"results/analyses/{m}.csv" for m in MODALITIES},
        **{f"analyses_r_{m}": f"results/analyses/{m}.R" for m in MODALITIES},
    }


def modality_audits(wildcards=None):
    return expand("results/modalities/{modality}/audit.json", modality=MODALITIES)


def published_outputs():
    return [published_path(path) for path in built_outputs().values()]


def intermediate_outputs():
    """Every file a build makes on its way to the published ones. They are targets too: Snakemake
    does not remake a missing intermediate file when the files after it are up to date, so after a
    failed or interrupted run (which deletes the outputs of the jobs it stopped, or leaves them
    marked incomplete) it would publish nothing new, or leave results/ incomplete."""
    per_modality = [
        "results/evidence/{modality}.json",
        "results/modalities/{modality}/summary.json",
        "results/modalities/{modality}/notebook.ipynb",
        "results/modalities/{modality}/print.html",
        "results/modalities/{modality}/audit.json",
    ]
    once = [
        "results/validation.json",
        "results/briefing_context.json",
        "results/briefing.print.html",
        "results/audit.json",
    ]
    built = list(built_outputs().values())
    return once + expand(per_modality, modality=MODALITIES) + built


def reported_outputs():
    """The published files, flagged for Snakemake's own report (`snakemake --report`)."""
    flagged = []
    for path in published_outputs():
        category = "Modality notebooks" if "modalities" in path else "Briefing"
        category = "What was pooled" if "analyses" in path else category
        flagged.append(report(path, category=category))
    return flagged


def published_path(built):
    return str(Path(REPORTS) / Path(built).relative_to("results"))
