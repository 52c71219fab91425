# Combine the modality summaries, render HTML and PDF, then publish all of it at once.


rule combine:
    input:
        validation="results/validation.json",
        summaries=modality_summaries(),
        config="config/config.yaml",
        code=CODE,
    output:
        context="results/briefing_context.json",
        json="results/briefing.json",
    log:
        "logs/combine.log",
    threads: 1
    shell:
        "python -m briefing combine --config {input.config} --package {PACKAGE}"
        " --summaries {input.summaries} --context {output.context} --output {output.json}"
        + LOGGED


rule briefing_html:
    input:
        context="results/briefing_context.json",
        templates=list(map(str, Path("templates").glob("briefing*"))),
        code=CODE,
    output:
        "results/briefing.html",
    log:
        "logs/briefing_html.log",
    threads: 1
    shell:
        "python -m briefing html --context {input.context} --output {output}"
        + LOGGED


rule briefing_pdf:
    input:
        html="results/briefing.html",
        code=CODE,
    output:
        "results/briefing.pdf",
    log:
        "logs/briefing_pdf.log",
    threads: 1
    shell:
        "python -m briefing pdf --html {input.html} --output {output}"
        + LOGGED


rule publish:
    input:
        list(built_outputs().values()),
    output:
        published_outputs(),
    log:
        "logs/publish.log",
    threads: 1
    shell:
        "python -m briefing publish --sources {input} --targets {output}"
        + LOGGED
