rule validate:
    input:
        data_files(),
    output:
        "results/validation.json",
    log:
        "logs/validate.log",
    params:
        modalities=MODALITIES,
    threads: 1
    shell:
        "python -m briefing validate --package {PACKAGE} --modalities {params.modalities}"
        " --output {output} > {log} 2>&1 || (cat {log} >&2; exit 1)"
