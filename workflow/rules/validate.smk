# The whole package at once, every problem reported together; gates the combining steps.


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
        " --output {output}"
        + LOGGED
