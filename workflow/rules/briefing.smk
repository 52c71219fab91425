# Combine the modality summaries, render the HTML and its print edition, the PDF and the Word
# edition from the print edition (with previous_edition set, also the Word document of what
# changed), write the reference list for reference managers, audit them, then publish all of it
# at once.


rule combine:
    input:
        validation="results/validation.json",  # not read: only valid data are combined
        summaries=modality_summaries(),
        package=PACKAGE,
        tables=data_tables(),
        previous=previous_edition_file(),
        surveillance=surveillance_records(),
        code=code("combine"),
    output:
        context="results/briefing_context.json",
        json="results/briefing.json",
    log:
        "logs/combine.log",
    benchmark:
        "benchmarks/combine.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        config=json.dumps(config, sort_keys=True),
        jobs=job_plan(),
    message:
        job_message("combine: the modality summaries into the briefing ({log})")
    shell:
        "briefing combine --config-json {params.config:q} --package {input.package}"
        " --summaries {input.summaries} --jobs {params.jobs:q} --surveillance surveillance"
        " --context {output.context} --output {output.json} > {log} 2>&1"


rule briefing_html:
    input:
        context="results/briefing_context.json",
        templates=BRIEFING_TEMPLATES,
        code=code("html"),
    output:
        html="results/briefing.html",
        print_html="results/briefing.print.html",
    log:
        "logs/briefing_html.log",
    benchmark:
        "benchmarks/briefing_html.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        templates=template_folder,
    message:
        job_message("briefing_html: render the HTML and its print edition ({log})")
    shell:
        "briefing html --context {input.context} --templates {params.templates}"
        " --output {output.html} --print-output {output.print_html} > {log} 2>&1"


rule briefing_pdf:
    input:
        html="results/briefing.print.html",
        code=code("pdf"),
    output:
        "results/briefing.pdf",
    log:
        "logs/briefing_pdf.log",
    benchmark:
        "benchmarks/briefing_pdf.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=pdf_memory,
        runtime=10,
    params:
        parts=PRINT_PARTS,
    message:
        job_message("briefing_pdf: print the briefing's PDF ({log})")
    shell:
        "briefing pdf --html {input.html} --output {output} --parts {params.parts} > {log} 2>&1"


rule briefing_docx:
    input:
        html="results/briefing.print.html",
        screen_html="results/briefing.html",
        json="results/briefing.json",
        reference=WORD_REFERENCE,
        code=code("docx"),
    output:
        "results/briefing.docx",
    log:
        "logs/briefing_docx.log",
    benchmark:
        "benchmarks/briefing_docx.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        # 1,058 MiB measured at 30 modalities x 1,000 studies (bench/RESULTS.md).
        mem_mb=1500,
        runtime=10,
    params:
        figure_cache=FIGURE_PNGS,
    message:
        job_message("briefing_docx: write the Word edition ({log})")
    shell:
        "briefing docx --html {input.html} --screen-html {input.screen_html} --json {input.json}"
        " --reference {input.reference} --figure-cache {params.figure_cache}"
        " --output {output} > {log} 2>&1"


rule what_changed:
    input:
        docx="results/briefing.docx",
        json="results/briefing.json",
        previous=previous_docx_file(),
        reference=WORD_REFERENCE,
        code=code("what-changed"),
    output:
        "results/what-changed.docx",
    log:
        "logs/what_changed.log",
    benchmark:
        "benchmarks/what_changed.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        previous=config.get("previous_edition") or "",
    message:
        job_message(
            "what_changed: the previous edition's Word text, with the changes tracked ({log})"
        )
    shell:
        "briefing what-changed --previous-edition {params.previous:q} --docx {input.docx} --json {input.json}"
        " --reference {input.reference} --output {output} > {log} 2>&1"


rule references:
    input:
        json="results/briefing.json",
        package=PACKAGE,
        tables=data_tables(),
        code=code("references"),
    output:
        ris="results/references.ris",
        csl_json="results/references.json",
    log:
        "logs/references.log",
    benchmark:
        "benchmarks/references.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    message:
        job_message(
            "references: the reference list as RIS and CSL-JSON, for reference managers ({log})"
        )
    shell:
        "briefing references --json {input.json} --package {input.package}"
        " --ris {output.ris} --csl-json {output.csl_json} > {log} 2>&1"


rule audit:
    input:
        html="results/briefing.html",
        print_html="results/briefing.print.html",
        pdf="results/briefing.pdf",
        docx="results/briefing.docx",
        json="results/briefing.json",
        package=PACKAGE,
        tables=data_tables(),
        templates=[t for t in BRIEFING_TEMPLATES if t.endswith(".j2")],
        code=code("audit"),
    output:
        "results/audit.json",
    log:
        "logs/audit.log",
    benchmark:
        "benchmarks/audit.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    message:
        job_message("audit: trace every printed number to its source ({log})")
    shell:
        "briefing audit --html {input.html} --print-html {input.print_html} --pdf {input.pdf} --docx {input.docx}"
        " --json {input.json}"
        " --package {input.package} --templates {input.templates} --output {output} > {log} 2>&1"


rule publish:
    input:
        built=list(built_outputs().values()),
        audit="results/audit.json",  # not read: nothing unaudited is published
        modality_audits=modality_audits(),  # the same for each modality's PDF
        code=code("publish"),
    output:
        reported_outputs(),
    log:
        "logs/publish.log",
    benchmark:
        "benchmarks/publish.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    message:
        job_message(
            "publish: copy the audited outputs to reports/, all at once ({log})"
        )
    shell:
        "briefing publish --sources {input.built} --targets {output} > {log} 2>&1"
