# Shared names and input functions for every rule file. Models come from the
# registry (leakgan/models/registry.py) and result paths from leakgan/layout.py,
# so a registered model gets its rules, scores and table rows with no edit here.
import json
import re

from leakgan import layout
from leakgan.config import data_settings as _data_settings
from leakgan.config import model_settings, models_for, stage_settings
from leakgan.models import registry

SYNTHETIC_DATASETS = [
    n for n, d in config["datasets"].items() if d["type"] == "synthetic"
]
TEXT_DATASETS = [n for n, d in config["datasets"].items() if d["type"] == "text"]
MODELS = registry.names()
ADVERSARIAL_MODELS = [m for m in MODELS if "adversarial" in registry.get(m).stages]
DEVICE = config.get("device", "cpu")
GPUS = 0 if DEVICE == "cpu" else 1
SEED = config["seed"]
MATCHED_T = config["evaluate"]["matched_temperature"]


def _alternation(names):
    """A pattern matching exactly one of `names`; one that matches nothing when the list is empty."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


SYNTHETIC_RE = _alternation(SYNTHETIC_DATASETS)
TEXT_RE = _alternation(TEXT_DATASETS)


wildcard_constraints:
    dataset=_alternation(SYNTHETIC_DATASETS + TEXT_DATASETS),
    model=_alternation(MODELS),
    variant=r"(\.matched)?",


def ds(name):
    """The effective config block of a dataset."""
    return config["datasets"][name]


def is_synthetic_dataset(name):
    """Whether a dataset is synthetic (oracle-generated) rather than real text."""
    return ds(name)["type"] == "synthetic"


def as_json(obj):
    """Compact, key-sorted JSON: the form every settings param takes (stable, so params only change with values)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def data_settings_json(name):
    """The dataset's settings that its data stage reads."""
    return as_json(_data_settings(config, name))


def stage_settings_json(dataset, model, stage):
    """The model's settings that `stage` reads (leakgan.config.stage_settings decides which)."""
    return as_json(stage_settings(config, dataset, model, stage))


def oracle_input(wildcards):
    """The oracle file for synthetic datasets (oracle NLL curve), nothing for real text."""
    return (
        [f"results/{wildcards.dataset}/oracle/oracle.pt"]
        if is_synthetic_dataset(wildcards.dataset)
        else []
    )


def oracle_arg(wildcards, input):
    """`--oracle PATH` (quoted) when the rule has an oracle input."""
    return f"--oracle {shlex_quote(input.oracle[0])}" if input.oracle else ""


def shlex_quote(value):
    """`value` as one shell word."""
    import shlex

    return shlex.quote(str(value))


def final_checkpoint(dataset, model):
    """The checkpoint that samples and scores come from: the model's last training stage."""
    return layout.checkpoint(dataset, model, registry.get(model).final_stage)


def sample_temperature(dataset, model, variant):
    """α of a model's evaluation samples; the `.matched` variant uses the shared matched temperature."""
    return (
        MATCHED_T if variant else model_settings(config, dataset, model)["temperature"]
    )


def score_entries(dataset):
    """ENTRY -> scores file for every configured model, plus ENTRY_matched where the model's α differs."""
    entries = {}
    for m in models_for(config, dataset):
        entries[layout.entry_name(m)] = layout.scores(dataset, m)
        if model_settings(config, dataset, m)["temperature"] != MATCHED_T:
            entries[layout.entry_name(m, matched=True)] = layout.scores(
                dataset, m, matched=True
            )
    return entries


def curve_entries(dataset):
    """NAME[:STAGE] -> training-curve file of every stage of every model (stages tagged when there are several)."""
    entries = {}
    for m in models_for(config, dataset):
        stages = registry.get(m).stages
        for stage in stages:
            entries[f"{m}:{stage}" if len(stages) > 1 else m] = layout.curve(
                dataset, m, stage
            )
    return entries


def pairs(entries):
    """NAME=PATH arguments, each quoted for the shell."""
    return " ".join(shlex_quote(f"{name}={path}") for name, path in entries.items())


def result_meta(dataset):
    """The run's description stored in nll.json / bleu.json."""
    length = (
        {"seq_len": ds(dataset)["seq_len"]}
        if is_synthetic_dataset(dataset)
        else {"max_len": ds(dataset)["max_len"]}
    )
    return as_json({"scale": config["scale"], "seed": SEED, **length})


def report_result(name):
    """The results file a dataset's table comes from."""
    return (
        f"results/{name}/nll.json"
        if is_synthetic_dataset(name)
        else f"results/{name}/bleu.json"
    )


def report_samples(names):
    """Decoded samples of every scored model of the real-text datasets (the report draws from them)."""
    return [
        layout.sample_words_of_entry(f"results/{n}", entry)
        for n in names
        if not is_synthetic_dataset(n)
        for entry in score_entries(n)
    ]
