# One evidence slice, one executed notebook and one HTML page per modality. The slice re-runs only
# when its own checksum changes (params), so a data edit re-runs the notebooks it touches and no
# others; ancient() keeps file timestamps from re-running every modality. The slice validates the
# package itself: taking results/validation.json as input would tie every slice to any data edit.


rule evidence_slice:
    input:
        package=ancient(PACKAGE),
        tables=ancient(data_tables()),
    output:
        "results/evidence/{modality}.json",
    log:
        "logs/evidence/{modality}.log",
    conda:
        "../../environment.yml"
    threads: 1
    params:
        digest=modality_digest,
        settings=SETTINGS,
    shell:
        "python -m briefing slice --package {input.package} --modality {wildcards.modality}"
        " --settings {params.settings:q} --output {output} > {log} 2>&1"


rule modality_notebook:
    input:
        evidence="results/evidence/{modality}.json",
        notebook="notebooks/modality.ipynb",
        code=CODE,
    output:
        summary="results/modalities/{modality}/summary.json",
        figures=directory("results/modalities/{modality}/figures"),
        notebook="results/modalities/{modality}/notebook.ipynb",
    log:
        "logs/notebooks/{modality}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    shell:
        "papermill --no-progress-bar --kernel python3 {input.notebook} {output.notebook}"
        " -p modality_id {wildcards.modality} -p evidence_path {input.evidence}"
        " -p summary_path {output.summary} -p figures_dir {output.figures} > {log} 2>&1"


rule modality_html:
    input:
        notebook="results/modalities/{modality}/notebook.ipynb",
        template=NOTEBOOK_TEMPLATE,
        code=CODE,
    output:
        "results/modalities/{modality}.html",
    log:
        "logs/modality_html/{modality}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "python -m briefing notebook-html --notebook {input.notebook} --output {output} > {log} 2>&1"
