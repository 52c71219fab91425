# The whole package at once, every problem reported together. A checkpoint: the slices and
# notebooks are planned once it has run (see `validated` in common.smk), and it gates them.


checkpoint validate:
    input:
        package=PACKAGE,
        tables=data_tables(),
        code=code("validate"),
    output:
        "results/validation.json",
    log:
        "logs/validate.log",
    benchmark:
        "benchmarks/validate.tsv"
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        modalities=MODALITIES,
        curation=CURATION,
        settings=SETTINGS,
    message:
        job_message("validate: check the data against the config ({log})")
    shell:
        "briefing validate --package {input.package} --modalities {params.modalities}"
        " --curation {params.curation:q} --settings {params.settings:q}"
        " --output {output} > {log} 2>&1"
