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

import leakgan.config.resolve
import leakgan.config.yaml_files
import leakgan.data.sources
import leakgan.devices
from leakgan.errors import UserError


configfile: os.path.join(workflow.basedir, "config.yaml")


try:
    # --configfile values are taken as written; --config values are strings to coerce.
    _files = {}
    for _path in workflow.config_settings.configfiles:
        _files = leakgan.config.resolve.deep_merge(
            _files, leakgan.config.yaml_files.read_yaml(_path)
        )
    _effective = leakgan.config.resolve.resolve(
        config, _files, typed=dict(workflow.config_settings.config)
    )
    # local corpus files that are broken symbolic links (dangling, loops): one line now, not a DAG error later
    leakgan.data.sources.check_local_sources(_effective.get("datasets", {}))
except UserError as _exc:
    sys.stderr.write(f"leakgan: config error: {_exc}\n")
    sys.exit(1)
config.clear()
config.update(_effective)
# local jobs inherit it: how many of them may share one GPU; SLURM jobs get their own GPU
leakgan.devices.share_gpus(config["resources"]["chains_per_gpu"])


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/oracle.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/report.smk"


# Jobs that run where Snakemake runs, never on a cluster node: downloads (compute nodes often
# have no internet) and the light gathering and report jobs.
localrules:
    download,
    collect,
    aggregate,
    synthetic_samples_text,
    report,
    report_tables,
    report_curve,
    report_frontier,


rule all:
    """The default target: the synthetic-20 results (oracle NLL, NLL-test and training curves)."""
    default_target: True
    input:
        layout.path(layout.RESULT, dataset="synthetic-20", kind="nll"),
