# LeakGAN pipeline. Targets:
#   results/<dataset>/nll.json    synthetic datasets (oracle NLL, NLL-test, curves)
#   results/<dataset>/bleu.json   real-text datasets
# The config is resolved (scale overlay, then your --config/--configfile on top)
# and validated before any job is planned.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")
sys.path.insert(0, workflow.basedir)

import leakgan.config
from leakgan.errors import UserError

configfile: os.path.join(workflow.basedir, "config.yaml")

try:
    _effective = leakgan.config.resolve(config, workflow.config_settings.overwrite_config)
except UserError as _exc:
    sys.stderr.write(f"leakgan: config error: {_exc}\n")
    sys.exit(1)
config.clear()
config.update(_effective)


include: "workflow/rules/common.smk"
include: "workflow/rules/oracle.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"
if os.path.exists(os.path.join(workflow.basedir, "workflow/rules/data.smk")):

    include: "workflow/rules/data.smk"


rule all:
    default_target: True
    input:
        "results/synthetic-20/nll.json",
