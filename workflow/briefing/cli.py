"""One subcommand per workflow step; the rules call these so that all logic stays in tested
Python and the Snakefile stays a table of contents."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.schema.models import AnalysisSettings

if TYPE_CHECKING:
    from briefing.schema.models import Study
    from briefing.surveil.surveillance_flow import EvidenceBase

# Each command imports only what it uses: a step that copies files should not pay for the
# scientific stack (bench/RESULTS.md measured 3.5 s of imports per step when it did).


def cmd_validate(args: argparse.Namespace) -> int:
    from briefing.build import provenance
    from briefing.schema import models
    from briefing.verify import validation

    rules, settings = json.loads(args.curation or "{}"), json.loads(args.settings or "{}")
    problems = validation.validate_package(args.package, args.modalities, rules, settings)
    if problems:
        print(validation.format_problems(problems), file=sys.stderr)
        return 1
    found = _findings(args.package)
    result = {
        "package": str(args.package),
        "checksums": provenance.data_checksums(args.package),
        "problems": 0,
        "findings": found,
    }
    models.write(args.output, models.ValidationRecord, result)
    print(f"{args.package}: valid ({', '.join(args.modalities)})")
    return 0


def _findings(package: str | Path) -> list[str]:
    """What valid data still ask of the curator (denominators the percentages do not fit)."""
    from briefing.data import denominators, evidence

    found = denominators.findings(evidence.read_tables(package), str(Path(package).parent / "outcomes.csv"))
    if found:
        print("Findings for the curator (the data are valid; nothing is changed):")
        for finding in found:
            print(f"  - {finding}")
    return found


def cmd_slice(args: argparse.Namespace) -> int:
    """One modality's evidence, cut from data the validate step has already found valid."""
    from briefing.data import evidence

    settings: AnalysisSettings = json.loads(args.settings) if args.settings else {}
    evidence.write_slice(args.package, args.modality, args.output, settings)
    print(f"wrote {args.output}")
    return 0


def cmd_combine(args: argparse.Namespace) -> int:
    import yaml

    from briefing.assemble import changes, combine
    from briefing.build import provenance
    from briefing.data import curation, evidence
    from briefing.schema import models

    if args.config_json:
        config = json.loads(args.config_json)
    else:
        with open(args.config, encoding="utf-8") as fh:
            config = yaml.safe_load(fh)
    summaries = [models.read(p, models.ModalitySummary) for p in args.summaries]
    order = {m: i for i, m in enumerate(config["modalities"])}
    summaries.sort(key=lambda s: order[s["modality_id"]])
    tables = evidence.read_valid(args.package)  # the rule waits for the validate step
    general = evidence.general_statements(tables)
    prov = provenance.collect(args.package, config) | {"jobs": json.loads(args.jobs) if args.jobs else {}}
    previous, note = changes.load_previous(config.get("previous_edition"))
    searched = _evidence_base(args.surveillance, tables["studies"], previous)
    context = combine.build(config, summaries, tables, general, prov, searched, previous=previous, note=note)
    public = combine.public_json(context)
    removal = curation.removed_figures(previous, public, config)
    if removal:
        print(removal, file=sys.stderr)
        return 1
    models.write(args.context, models.BriefingContext, context)
    models.write(args.output, models.PublishedBriefing, public)
    print(f"wrote {args.context} and {args.output}")
    return 0


def _evidence_base(folder: str | None, studies: list[Study], previous: dict[str, Any] | None) -> EvidenceBase | None:
    """The saved searches' evidence base (surveillance_flow.py), with the records new since the
    previous edition; None without a folder or a completed run."""
    if not folder:
        return None
    from briefing.surveil import surveillance_flow

    base = surveillance_flow.load(folder, studies)
    if base is None:
        return None
    problems = surveillance_flow.reconciles(base["flow"])
    if problems:
        raise ValueError(f"the flow of records does not reconcile: {'; '.join(problems)}")
    if previous is not None:
        seen = {r["record_id"] for r in (previous.get("surveillance") or {}).get("records", [])}
        base["new_since_previous"] = [r["record_id"] for r in base["records"] if r["record_id"] not in seen]
    return base


def cmd_html(args: argparse.Namespace) -> int:
    """The HTML for reviewers and its print edition, which the PDF is made from."""
    from briefing.core import publish
    from briefing.present import render
    from briefing.schema import models

    context = models.read(args.context, models.BriefingContext)
    publish.write_atomic(args.output, render.render_html(context, args.templates))
    publish.write_atomic(args.print_output, render.render_html(context, args.templates, print_edition=True))
    print(f"wrote {args.output} and {args.print_output}")
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    """The briefing's PDF, typeset part by part: with --parts, a part whose HTML an earlier build
    typeset is taken from there (present/printed.py)."""
    from pathlib import Path

    from briefing.core.publish import write_atomic
    from briefing.present import printed

    store = printed.PartStore(args.parts)
    write_atomic(args.output, printed.render_briefing_pdf(Path(args.html).read_text(encoding="utf-8"), store))
    store.prune()
    kept = len(store.used) - store.typeset
    print("\n".join(f"typeset {line}" for line in store.timings))
    print(f"wrote {args.output}: {store.typeset} parts typeset, {kept} as an earlier build typeset them")
    return 0


def cmd_docx(args: argparse.Namespace) -> int:
    """The Word edition, from the print edition of the HTML with the HTML edition's figures, dated as the briefing."""
    from briefing.core import publish
    from briefing.present import word

    epoch = _build_epoch(args.json)
    docx = word.edition(args.html, args.reference, epoch, args.screen_html, args.figure_cache)
    publish.write_atomic(args.output, docx)
    print(f"wrote {args.output}")
    return 0


def cmd_what_changed(args: argparse.Namespace) -> int:
    """The previous edition's Word text with every change to this one as a tracked revision."""
    from briefing.core import publish
    from briefing.present import word, word_changes

    epoch = _build_epoch(args.json)
    with tempfile.TemporaryDirectory() as folder:  # both editions' pictures
        images = Path(folder)
        previous, note = word_changes.previous_docx(args.previous_edition, images)
        if note:
            print(note)
        new = word.read_docx(args.docx, images)
        ast = word_changes.what_changed(previous, new, word_changes.revision_date(epoch))
        publish.write_atomic(args.output, word.write_docx(ast, args.reference, epoch, images))
    print(f"wrote {args.output}")
    return 0


def _build_epoch(briefing_json: str) -> int:
    with open(briefing_json, encoding="utf-8") as fh:
        return int(json.load(fh)["provenance"]["build_epoch"])


def cmd_notebook(args: argparse.Namespace) -> int:
    from briefing.build import notebook
    from briefing.core import publish

    parameters = {
        "modality_id": args.modality,
        "evidence_path": args.evidence,
        "summary_path": args.summary,
    }
    publish.write_atomic(args.html, notebook.run(args.notebook, args.executed, parameters, args.templates))
    print(f"wrote {args.summary}, {args.executed} and {args.html}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from briefing.schema import models
    from briefing.verify import audit

    briefing = models.read(args.json, models.PublishedBriefing)
    templates = [Path(t) for t in args.templates]
    problems = audit.audit(
        args.html, args.pdf, briefing, args.package, templates, args.print_html, _word_text(args.docx)
    )
    if problems:
        print(
            f"{len(problems)} problem(s) in the briefing: numbers without provenance in briefing.json or the "
            "data, or figures of briefing.json not printed where it says they are:",
            file=sys.stderr,
        )
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    checked = ["html", "print_html", "pdf"] if args.print_html else ["html", "pdf"]
    checked += ["docx"] if args.docx else []
    models.write(args.output, models.AuditRecord, {"checked": checked, "unsourced_numbers": 0})
    print("every number in the briefing traces to briefing.json or the data, and every figure is printed where it says")
    return 0


def _word_text(docx: str | None) -> list[tuple[str, str]]:
    """The Word edition's text for the audit, read here: a modality's PDF, audited by the same
    module, need not re-run when the Word edition's code changes. Without the caption and
    cross-reference numbers, Word's counters as a PDF's page numbers are, no figure."""
    if docx is None:
        return []
    from briefing.present import word

    return [("DOCX", word.text(docx, fields=False))]


def cmd_modality_pdf(args: argparse.Namespace) -> int:
    """One modality's own printed edition: its print HTML, its PDF, and their numeric audit."""
    from briefing.assemble import modality_print
    from briefing.core import publish
    from briefing.present import render
    from briefing.schema import models
    from briefing.verify import audit

    summary = models.read(args.summary, models.ModalitySummary)
    evidence = models.read(args.evidence, models.Slice)
    question = {"population": args.population, "setting": args.setting}
    context = modality_print.context(summary, args.title, args.edition, args.digest, question)
    html = modality_print.render(context, args.templates)
    publish.write_atomic(args.print_output, html)
    render.render_pdf(args.print_output, args.pdf)
    templates = [Path(args.templates) / name for name in modality_print.TEMPLATES]
    problems = audit.check(
        [("print HTML", args.print_output)],
        args.pdf,
        lambda: modality_print.allowed_numbers(context, evidence, templates),
        modality_print.figures(context),
        {"print HTML": "modality_pdf", "PDF": "modality_pdf"},
    )
    if problems:
        print(
            f"{len(problems)} problem(s) in {args.pdf}: numbers without provenance in the modality's data, "
            "or figures of its registry not printed:",
            file=sys.stderr,
        )
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    models.write(args.audit_output, models.AuditRecord, {"checked": ["print_html", "pdf"], "unsourced_numbers": 0})
    print(f"wrote {args.print_output} and {args.pdf}; every number traces to the modality's data")
    return 0


def cmd_analyses(args: argparse.Namespace) -> int:
    """What one modality pooled, for a statistician: its study-level CSV and the R script that refits it."""
    from briefing.assemble import analyses_export
    from briefing.schema import models

    summary = models.read(args.summary, models.ModalitySummary)
    evidence = models.read(args.evidence, models.Slice)
    count = analyses_export.write(summary, evidence.get("settings"), args.templates, args.csv, args.r_script)
    print(f"wrote {args.csv} and {args.r_script}: {count} analyses")
    return 0


def cmd_references(args: argparse.Namespace) -> int:
    """The briefing's reference list for reference managers and RevMan: RIS and CSL-JSON."""
    from briefing.data import evidence
    from briefing.present import citations
    from briefing.schema import models

    briefing = models.read(args.json, models.PublishedBriefing)
    studies = evidence.read_valid(args.package)["studies"]  # the briefing was built: valid
    count = citations.write(briefing, studies, args.ris, args.csl_json)
    print(f"wrote {args.ris} and {args.csl_json}: {count} works")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from briefing.core import publish

    if len(args.sources) != len(args.targets):
        print("publish: as many sources as targets are needed", file=sys.stderr)
        return 2
    publish.publish(list(zip(args.sources, args.targets, strict=False)))
    print("published " + ", ".join(args.targets))
    return 0


def _config(path: str) -> dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def cmd_check(args: argparse.Namespace) -> int:
    """Validation only, as the build does it, with the config's modalities and curation rules."""
    from briefing.verify import validation

    config = _config(args.config)
    # The config first, as the build does: data cannot be checked against a config it would refuse.
    problems = validation.config_problems(config)
    if not problems:
        problems = validation.validate_package(
            config["data"], config["modalities"], config.get("curation") or {}, config.get("analysis") or {}
        )
    if problems:
        print(validation.format_problems(problems), file=sys.stderr)
        return 1
    if _surveillance_problems(args.searches, config["data"]):
        return 1
    print(f"{config['data']}: the data are valid ({len(config['modalities'])} modalities)")
    _findings(config["data"])
    return 0


def _surveillance_problems(searches_path: str, package: str) -> bool:
    """The screening decisions (surveillance/queue.csv), where saved searches exist: errors and
    warnings printed, each naming its record; True when there is an error."""
    import datetime as dt

    from briefing.data.evidence import read_valid
    from briefing.surveil import surveillance
    from briefing.verify import validation

    if not Path(searches_path).is_file():
        return False
    found = surveillance.search_problems(searches_path)
    if found:
        print("\n".join(f"{searches_path}: {p}" for p in found), file=sys.stderr)
        return True
    folder = Path(searches_path).parent
    searches = surveillance.load_searches(searches_path)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    studies = read_valid(package)["studies"]  # cmd_check found the data valid first
    errors, warnings = surveillance.decision_problems(
        surveillance.read_queue(folder / "queue.csv"), searches, studies, today, str(folder / "queue.csv")
    )
    if warnings:
        print("Screening decisions to attend to:\n" + "\n".join(f"  - {w}" for w in warnings))
    if errors:
        print(validation.format_problems(errors), file=sys.stderr)
    return bool(errors)


def cmd_surveil(args: argparse.Namespace) -> int:
    """Run the saved searches, record each run, queue the new records (make surveil)."""
    import datetime as dt

    from briefing.surveil import sources, surveillance_run

    http = sources.polite_client()
    done = surveillance_run.surveil(
        args.searches, args.folder, args.package, http, lambda: dt.datetime.now(dt.UTC), args.templates, args.only
    )
    for name, status in zip(done["runs"], done["statuses"], strict=True):
        print(f"{name}: {status}")
    print(f"{len(done['new'])} new record(s) queued in {Path(args.folder) / 'queue.csv'}")
    return 0


def cmd_new_study(args: argparse.Namespace) -> int:
    from briefing.data import scaffold

    try:
        if args.record:
            from briefing.surveil import surveillance

            runs = surveillance.read_runs(Path(args.surveillance) / "runs")
            record = surveillance.find_record(args.record, runs)
            print(scaffold.new_study(_config(args.config)["data"], args.study, args.modality, args.figures, record))
            return 0
        print(scaffold.new_study(_config(args.config)["data"], args.study, args.modality, args.figures))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    from briefing.build import dictionary

    dictionary.write(args.package, args.output, args.templates)
    print(f"wrote {args.output}")
    return 0


def cmd_word_reference(args: argparse.Namespace) -> int:
    from briefing.core import publish
    from briefing.present import word

    publish.write_atomic(args.output, word.reference(word.default_reference()))
    print(f"wrote {args.output}")
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from briefing.schema import models

    print(f"wrote {models.write_schema(args.folder)}")
    return 0


def parser() -> argparse.ArgumentParser:
    """One declaration per command, its options beside it: the build's steps, in the order the
    Snakefile runs them, then the curators' commands."""
    p = argparse.ArgumentParser(prog="python -m briefing", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    _data_commands(sub)
    _page_commands(sub)
    _publish_commands(sub)
    _curator_commands(sub)
    return p


Subparsers = Any  # argparse's _SubParsersAction, private in typeshed


def _data_commands(sub: Subparsers) -> None:
    s = sub.add_parser("validate", help="check the data package; write a validation record")
    s.add_argument("--package", required=True)
    s.add_argument("--modalities", nargs="*", default=[])
    s.add_argument("--curation", default="", help="the config's curation settings as JSON")
    s.add_argument("--settings", default="", help="the config's analysis settings as JSON")
    s.add_argument("--output", required=True)
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("slice", help="write one modality's evidence slice")
    s.add_argument("--package", required=True)
    s.add_argument("--modality", required=True)
    s.add_argument("--settings", default="")
    s.add_argument("--output", required=True)
    s.set_defaults(func=cmd_slice)

    s = sub.add_parser("combine", help="combine modality summaries into the briefing context and briefing.json")
    config = s.add_mutually_exclusive_group(required=True)
    config.add_argument("--config", help="the YAML config file")
    config.add_argument("--config-json", help="the effective config as JSON (what Snakemake resolved)")
    s.add_argument("--package", required=True)
    s.add_argument("--summaries", nargs="+", required=True)
    s.add_argument("--jobs", help="JSON object: rule -> number of jobs in a full build")
    s.add_argument("--surveillance", help="the surveillance folder: its runs and queue state the evidence base")
    s.add_argument("--context", required=True)
    s.add_argument("--output", required=True)
    s.set_defaults(func=cmd_combine)


def _page_commands(sub: Subparsers) -> None:
    s = sub.add_parser("html", help="render the briefing HTML and its print edition")
    s.add_argument("--context", required=True)
    s.add_argument("--templates", required=True, help="the folder of the briefing's templates and CSS")
    s.add_argument("--output", required=True)
    s.add_argument("--print-output", required=True, help="the print edition, for the PDF")
    s.set_defaults(func=cmd_html)

    s = sub.add_parser("pdf", help="render the PDF from the briefing's print edition")
    s.add_argument("--html", required=True, help="the print edition of the HTML")
    s.add_argument("--output", required=True)
    s.add_argument("--parts", help="where typeset parts are kept between builds (none: typeset every part)")
    s.set_defaults(func=cmd_pdf)

    s = sub.add_parser("docx", help="write the Word edition from the print edition of the HTML")
    s.add_argument("--html", required=True, help="the print edition of the HTML")
    s.add_argument("--screen-html", help="the HTML edition, whose figures the Word edition shows")
    s.add_argument("--json", required=True, help="briefing.json: the edition's date")
    s.add_argument("--reference", required=True, help="the reference document that holds the styles")
    s.add_argument("--output", required=True)
    s.add_argument("--figure-cache", help="where the figures' PNG fallbacks are kept between builds")
    s.set_defaults(func=cmd_docx)

    s = sub.add_parser("what-changed", help="the previous edition's Word text with the changes as tracked revisions")
    s.add_argument("--previous-edition", required=True, help="the previous edition's briefing.json (path or URL)")
    s.add_argument("--docx", required=True, help="this edition's Word document")
    s.add_argument("--json", required=True, help="briefing.json: the edition's date")
    s.add_argument("--reference", required=True, help="the reference document that holds the styles")
    s.add_argument("--output", required=True)
    s.set_defaults(func=cmd_what_changed)

    s = sub.add_parser("notebook", help="run one modality's notebook and render its HTML page")
    s.add_argument("--notebook", required=True, help="the parameterized notebook")
    s.add_argument("--modality", required=True)
    s.add_argument("--evidence", required=True, help="the modality's evidence slice")
    s.add_argument("--summary", required=True, help="where the notebook writes the summary JSON")
    s.add_argument("--executed", required=True, help="the executed notebook")
    s.add_argument("--html", required=True, help="the notebook page")
    s.add_argument("--templates", required=True, help="the folder of the nbconvert template of the page")
    s.set_defaults(func=cmd_notebook)


def _publish_commands(sub: Subparsers) -> None:
    s = sub.add_parser("modality-pdf", help="print one modality's per-study detail as its own PDF, audited")
    s.add_argument("--summary", required=True, help="the modality's summary (its notebook's output)")
    s.add_argument("--evidence", required=True, help="the modality's evidence slice: the numbers' provenance")
    s.add_argument("--templates", required=True, help="the folder of the templates and CSS")
    s.add_argument("--title", required=True, help="the briefing's title")
    s.add_argument("--edition", required=True, help="the edition's date (the briefing's build date)")
    s.add_argument("--digest", required=True, help="the checksum of the modality's data")
    s.add_argument("--population", default="", help="the question's population (each SoF's header)")
    s.add_argument("--setting", default="", help="the question's setting (each SoF's header)")
    s.add_argument("--print-output", required=True, help="the print HTML the PDF is made from")
    s.add_argument("--pdf", required=True)
    s.add_argument("--audit-output", required=True)
    s.set_defaults(func=cmd_modality_pdf)

    s = sub.add_parser("analyses", help="export what one modality pooled: study-level CSV and a metafor R script")
    s.add_argument("--summary", required=True, help="the modality's summary (its notebook's output)")
    s.add_argument("--evidence", required=True, help="the modality's evidence slice: the analysis settings")
    s.add_argument("--templates", required=True, help="the folder of the R script's template")
    s.add_argument("--csv", required=True, help="the study-level rows of every analysis")
    s.add_argument("--r-script", required=True, help="the R script that refits them with metafor")
    s.set_defaults(func=cmd_analyses)

    s = sub.add_parser("references", help="write the briefing's reference list as RIS and CSL-JSON")
    s.add_argument("--json", required=True, help="briefing.json, whose reference list is written")
    s.add_argument("--package", required=True, help="the data package (its studies table)")
    s.add_argument("--ris", required=True)
    s.add_argument("--csl-json", required=True)
    s.set_defaults(func=cmd_references)

    s = sub.add_parser("audit", help="check that every number printed has provenance")
    s.add_argument("--html", required=True)
    s.add_argument("--print-html", help="the print edition the PDF was made from")
    s.add_argument("--pdf")
    s.add_argument("--docx", help="the Word edition")
    s.add_argument("--json", required=True)
    s.add_argument("--package", required=True)
    s.add_argument("--templates", nargs="*", default=[])
    s.add_argument("--output", required=True)
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("publish", help="copy finished outputs into place, all or nothing")
    s.add_argument("--sources", nargs="+", required=True)
    s.add_argument("--targets", nargs="+", required=True)
    s.set_defaults(func=cmd_publish)


def _curator_commands(sub: Subparsers) -> None:
    """For curators, outside the workflow."""
    s = sub.add_parser("check", help="validate the data as the build does, and nothing else (make check)")
    s.add_argument("--config", default="config/config.yaml")
    s.add_argument(
        "--searches", default="surveillance/searches.yaml", help="the saved searches; their queue beside them"
    )
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("surveil", help="run the saved searches and queue the new records (make surveil)")
    s.add_argument("--searches", default="surveillance/searches.yaml")
    s.add_argument("--folder", default="surveillance", help="where runs/, queue.csv and queue.html are")
    s.add_argument("--package", default="data/datapackage.yaml")
    s.add_argument("--templates", default="templates", help="the folder of surveillance_queue.html.j2")
    s.add_argument("--only", nargs="*", default=[], help="the ids of the searches to run (default: all)")
    s.set_defaults(func=cmd_surveil)

    s = sub.add_parser("new-study", help="append template rows for a new study (make new-study)")
    s.add_argument("--config", default="config/config.yaml")
    s.add_argument("--study", required=True, help="the new study_id, e.g. zhang2016")
    s.add_argument("--modality", required=True)
    s.add_argument("--figures", type=int, default=1, help="how many outcome rows to add")
    s.add_argument("--record", default="", help="a screened record to pre-fill the study from, e.g. pmid:12345")
    s.add_argument("--surveillance", default="surveillance", help="the folder of the surveillance runs")
    s.set_defaults(func=cmd_new_study)

    s = sub.add_parser("dictionary", help="write the data dictionary from the descriptor")
    s.add_argument("--package", default="data/datapackage.yaml")
    s.add_argument("--output", default="data/README.md")
    s.add_argument("--templates", default="templates", help="the folder of data_dictionary.md.j2")
    s.set_defaults(func=cmd_dictionary)

    s = sub.add_parser("word-reference", help="write templates/reference.docx from pandoc's default")
    s.add_argument("--output", default="templates/reference.docx")
    s.set_defaults(func=cmd_word_reference)

    s = sub.add_parser("schemas", help="write the JSON Schema of what the steps write, from briefing/schema/models.py")
    s.add_argument("--folder", default="workflow/schemas")
    s.set_defaults(func=cmd_schemas)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
