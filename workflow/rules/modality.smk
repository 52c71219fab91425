# Per modality: one evidence slice, then one job that executes the notebook and renders its page.
# The slice re-runs only when its own checksum changes (params), so a data edit re-runs the
# notebooks it touches and no others; ancient() keeps file timestamps from re-running every
# modality. The validation record is ancient too: no slice starts before the data are found valid,
# yet re-validating edited data does not re-run the slices of the modalities the edit left alone.


rule evidence_slice:
    input:
        validation=ancient("results/validation.json"),
        package=ancient(PACKAGE),
        tables=ancient(data_tables()),
    output:
        "results/evidence/{modality}.json",
    log:
        "logs/evidence/{modality}.log",
    conda:
        "../envs/briefing.yaml"
    threads: 1
    params:
        digest=modality_digest,
        settings=SETTINGS,
    shell:
        "briefing slice --package {input.package} --modality {wildcards.modality}"
        " --settings {params.settings:q} --output {output} > {log} 2>&1"


rule modality_notebook:
    input:
        evidence="results/evidence/{modality}.json",
        notebook="notebooks/modality.ipynb",
        template=NOTEBOOK_TEMPLATE,
        code=CODE,
    output:
        summary="results/modalities/{modality}/summary.json",
        notebook="results/modalities/{modality}/notebook.ipynb",
        html="results/modalities/{modality}.html",
    log:
        "logs/notebooks/{modality}.log",
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    params:
        templates=NBCONVERT_TEMPLATES,
    shell:
        "briefing notebook --notebook {input.notebook} --modality {wildcards.modality}"
        " --evidence {input.evidence} --summary {output.summary} --templates {params.templates}"
        " --executed {output.notebook} --html {output.html} > {log} 2>&1"
