# Living evidence briefing on pain relief for spinal metastases.
# Table of contents: validate the data -> one notebook per modality -> combine -> HTML -> PDF -> publish;
# apart from them, `surveil` runs the saved searches (make surveil).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"


# A build killed with SIGKILL leaves Snakemake's locks behind and the next run would refuse to
# start: a run that will lock the folder (the main process, not a dry run, which never locks)
# clears them when no other build is alive here (workflow/briefing/build/locks.py). Kept open: the
# flock that tells later runs this one is alive.
if workflow.is_main_process and not workflow.output_settings.dryrun:
    BUILD_LOCK = clear_stale_locks(".snakemake")


# Every rule runs its step as `briefing <step>` (see shell_prefix in common.smk), and records the
# job's seconds and peak memory in benchmarks/ (its `benchmark:` file, read by bench/jobs.py),
# outside results/: nothing publishes or audits them.
shell.prefix(shell_prefix())


include: "workflow/rules/validate.smk"
include: "workflow/rules/modality.smk"
include: "workflow/rules/briefing.smk"
include: "workflow/rules/surveillance.smk"


localrules:
    all,
    publish,
    surveil,


rule all:
    default_target: True
    input:
        published_outputs(),
        intermediate_outputs(),
    message:
        job_message("all: the briefing is built and published")
