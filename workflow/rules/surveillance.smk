# Surveillance (README.md, "Surveillance"): `make surveil` runs the saved searches. Not part of
# `rule all`: a build never reaches the network. No output file: each run writes a new record under
# surveillance/runs/ (never one of an earlier run), so the rule runs whenever it is asked for.


rule surveil:
    input:
        searches="surveillance/searches.yaml",
        package=PACKAGE,
        template="templates/surveillance_queue.html.j2",
    log:
        "logs/surveil.log",
    conda:
        "../envs/briefing.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
    message:
        job_message("surveil: run the saved searches and queue the new records ({log})")
    shell:
        "briefing surveil --searches {input.searches} --folder surveillance --package {input.package}"
        " --templates templates 2>&1 | tee {log}"
