# Per modality: one evidence slice, one job that executes the notebook and renders its page, then
# one job that prints the modality's per-study detail as its own PDF and audits it.
# The slice re-runs only when its own checksum changes (params), so a data edit re-runs the
# notebooks it touches and no others; ancient() keeps file timestamps from re-running every
# modality. Both steps take the validation record of the validate checkpoint (`validated`, in
# common.smk): no slice or notebook runs on invalid data, and which of them re-run is decided
# after validation, so re-validating an edit re-runs only what the edit touched.


rule evidence_slice:
    input:
        validation=validated,
        package=ancient(PACKAGE),
        tables=ancient(data_tables()),
        code=code("slice"),
    output:
        "results/evidence/{modality}.json",
    log:
        "logs/evidence/{modality}.log",
    benchmark:
        "benchmarks/evidence_slice/{modality}.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        digest=modality_digest,
        settings=SETTINGS,
    message:
        job_message(
            "evidence_slice ({wildcards.modality}): cut the modality's evidence from the data ({log})"
        )
    shell:
        "briefing slice --package {input.package} --modality {wildcards.modality}"
        " --settings {params.settings:q} --output {output} > {log} 2>&1"


rule modality_notebook:
    input:
        validation=validated,
        evidence="results/evidence/{modality}.json",
        notebook=NOTEBOOK,
        templates=NOTEBOOK_TEMPLATE,
        code=code("notebook", NOTEBOOK),
    output:
        summary="results/modalities/{modality}/summary.json",
        notebook="results/modalities/{modality}/notebook.ipynb",
        html="results/modalities/{modality}.html",
    log:
        "logs/notebooks/{modality}.log",
    benchmark:
        "benchmarks/modality_notebook/{modality}.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    params:
        templates=template_folder,
    message:
        job_message(
            "modality_notebook ({wildcards.modality}): run the notebook, render its page ({log})"
        )
    shell:
        "briefing notebook --notebook {input.notebook} --modality {wildcards.modality}"
        " --evidence {input.evidence} --summary {output.summary} --templates {params.templates}"
        " --executed {output.notebook} --html {output.html} > {log} 2>&1"


# Built from the modality's summary alone (with the edition's date and its data checksum), so an
# edit re-prints only the modality it touches; the briefing's PDF prints the synthesis.
rule modality_pdf:
    input:
        validation=validated,  # planned after validation, as its slice and notebook are
        summary="results/modalities/{modality}/summary.json",
        evidence="results/evidence/{modality}.json",
        templates=MODALITY_PRINT_TEMPLATES,
        code=code("modality-pdf"),
    output:
        print_html="results/modalities/{modality}/print.html",
        pdf="results/modalities/{modality}.pdf",
        audit="results/modalities/{modality}/audit.json",
    log:
        "logs/modality_pdf/{modality}.log",
    benchmark:
        "benchmarks/modality_pdf/{modality}.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        templates=template_folder,
        title=config["title"],
        population=config["question"]["population"],
        setting=config["question"].get("setting", ""),
        edition=EDITION,
        digest=modality_digest,
    message:
        job_message(
            "modality_pdf ({wildcards.modality}): print the modality's PDF and audit it ({log})"
        )
    shell:
        "briefing modality-pdf --summary {input.summary} --evidence {input.evidence} --templates {params.templates}"
        " --title {params.title:q} --edition {params.edition} --digest {params.digest}"
        " --population {params.population:q} --setting {params.setting:q}"
        " --print-output {output.print_html} --pdf {output.pdf} --audit-output {output.audit} > {log} 2>&1"


# What the modality pooled, for a statistician: the study-level rows with the settings used and an
# R script that refits each pooled result with metafor (workflow/briefing/assemble/analyses_export.py).
rule modality_analyses:
    input:
        validation=validated,  # planned after validation, as modality_pdf is
        summary="results/modalities/{modality}/summary.json",
        evidence="results/evidence/{modality}.json",
        templates=ANALYSES_TEMPLATE,
        code=code("analyses"),
    output:
        csv="results/analyses/{modality}.csv",
        r_script="results/analyses/{modality}.R",
    log:
        "logs/analyses/{modality}.log",
    benchmark:
        "benchmarks/modality_analyses/{modality}.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        templates=template_folder,
    message:
        job_message(
            "modality_analyses ({wildcards.modality}): export what was pooled, with its R script ({log})"
        )
    shell:
        "briefing analyses --summary {input.summary} --evidence {input.evidence} --templates {params.templates}"
        " --csv {output.csv} --r-script {output.r_script} > {log} 2>&1"
