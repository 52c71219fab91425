# Living evidence briefing on pain relief for spinal metastases.
# Table of contents: validate the data -> one notebook per modality -> combine -> HTML -> PDF -> publish.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"


# Every rule runs its step as `briefing <step>` (see shell_prefix in common.smk).
shell.prefix(shell_prefix())


include: "workflow/rules/validate.smk"
include: "workflow/rules/modality.smk"
include: "workflow/rules/briefing.smk"


localrules:
    all,
    publish,


rule all:
    default_target: True
    input:
        published_outputs(),
        intermediate_outputs(),
