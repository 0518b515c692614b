# Shared names and input functions for every rule file. Models come from the registry
# (leakgan/registry.py) and every path from leakgan/layout.py, so a registered model gets its
# rules, scores and table rows with no edit here.
import json
import re

from leakgan import layout, registry
from leakgan.codeversion import code_version
from leakgan.config.resolve import arms as _arms
from leakgan.config.resolve import data_settings as _data_settings
from leakgan.config.resolve import (
    base_model,
    model_settings,
    model_spec,
    models_for,
    seeds_for,
    stage_settings,
)

SYNTHETIC_DATASETS = [
    n for n, d in config["datasets"].items() if d["type"] == "synthetic"
]
TEXT_DATASETS = [n for n, d in config["datasets"].items() if d["type"] == "text"]
REGISTERED = registry.names()
# ablation arms: each an adversarial stage of a registered model (config `arms`)
ARMS = list(_arms(config))
MODELS = REGISTERED + ARMS
ADVERSARIAL_MODELS = [
    m for m in MODELS if "adversarial" in model_spec(config, m).stages
]
REAL = "real"  # the oracle's own samples: the paper's "Real" row (synthetic data)
DEVICE = config.get("device", "cpu")
GPUS = 0 if DEVICE == "cpu" else 1
SEED = config[
    "seed"
]  # the data stages' seed and the report's sample draws; chains use {seed}
MATCHED_T = config["evaluate"]["matched_temperature"]
RESOURCES = config["resources"]
TEMPERATURES = config["evaluate"]["temperatures"]


def _alternation(names):
    """A pattern matching exactly one of `names`; one that matches nothing when the list is empty."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


def result_kind(dataset):
    """'nll' (synthetic) or 'bleu' (text): the name of a dataset's results files."""
    return "nll" if is_synthetic_dataset(dataset) else "bleu"


SYNTHETIC_RE = _alternation(SYNTHETIC_DATASETS)
TEXT_RE = _alternation(TEXT_DATASETS)
# A results file's dataset and kind as one wildcard ("synthetic-20/nll", "coco/bleu"), so that one rule
# gathers both kinds and a dataset's wrong kind (coco/nll.json) matches no rule.
RESULT_RE = "|".join(
    f"{re.escape(n)}/{'nll' if n in SYNTHETIC_DATASETS else 'bleu'}"
    for n in SYNTHETIC_DATASETS + TEXT_DATASETS
)
SEED_RESULT_RE = "|".join(
    f"{re.escape(n)}/seed[0-9]+/{'nll' if n in SYNTHETIC_DATASETS else 'bleu'}"
    for n in SYNTHETIC_DATASETS + TEXT_DATASETS
)


wildcard_constraints:
    dataset=_alternation(SYNTHETIC_DATASETS + TEXT_DATASETS),
    model=_alternation(MODELS),
    variant=layout.VARIANT_RE,
    seed=r"[0-9]+",


def job_threads(kind):
    """Threads of a kind of job (config `resources`); Snakemake lowers it to --cores when that is smaller."""
    return RESOURCES[kind]["threads"]


def job_resources(kind, gpu=False):
    """Memory (MB), a time limit (minutes, times the attempt: a retry after a time-limit kill gets more) and,
    for jobs that run a model, one GPU when device is cuda."""
    minutes = RESOURCES[kind]["runtime"]
    out = {
        "mem_mb": RESOURCES[kind]["mem_mb"],
        "runtime": lambda wildcards, attempt: minutes * attempt,
    }
    if gpu:
        out["gpu"] = GPUS
    return out


def model_log(step):
    """log: and benchmark: of one step of a model's chain."""
    return layout.pattern(layout.MODEL_LOG, step=step)


def model_benchmark(step):
    return layout.pattern(layout.MODEL_BENCHMARK, step=step)


def ds(name):
    """The effective config block of a dataset."""
    return config["datasets"][name]


def is_synthetic_dataset(name):
    """Whether a dataset is synthetic (oracle-generated) rather than real text."""
    return ds(name)["type"] == "synthetic"


def data_file(name):
    """A dataset's token file or vocabulary, as a rule input pattern."""
    return layout.pattern(layout.DATA_FILE, name=name)


def as_json(obj):
    """Compact, key-sorted JSON: the form every settings param takes (stable, so params only change with values)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def data_settings_json(name):
    """The dataset's settings that its data stage reads."""
    return as_json(_data_settings(config, name))


def stage_settings_json(dataset, model, stage):
    """The model's settings that `stage` reads (leakgan.config.stage_settings decides which)."""
    return as_json(stage_settings(config, dataset, model, stage))


def training_json():
    """How every model's reported checkpoint is chosen (config `training`), as the training stages take it."""
    return as_json(config["training"])


def oracle_input(wildcards):
    """The oracle file for synthetic datasets (oracle NLL curve), nothing for real text."""
    return (
        [layout.path(layout.ORACLE, dataset=wildcards.dataset)]
        if is_synthetic_dataset(wildcards.dataset)
        else []
    )


def reference_lm_input(wildcards):
    """The reference LM of a text dataset (LM score, Fréchet distance), nothing for synthetic data."""
    return (
        []
        if is_synthetic_dataset(wildcards.dataset)
        else [layout.path(layout.REFERENCE_LM, dataset=wildcards.dataset)]
    )


def reverse_lm_json():
    """evaluate.reverse_lm, as the frontier stage takes it."""
    return as_json(config["evaluate"]["reverse_lm"])


def test_sequences_arg():
    """["--test-sequences", N] when NLL-test uses the first N test sequences (evaluate.test_sequences)."""
    n = config["evaluate"]["test_sequences"]
    return [] if n is None else ["--test-sequences", str(n)]


def oracle_arg(wildcards, input):
    """["--oracle", PATH] when the job reads an oracle, else nothing; the shell command quotes each word."""
    return ["--oracle", input.oracle[0]] if input.oracle else []


def final_checkpoint(dataset, model, seed):
    """The checkpoint that samples and scores come from: the model's last training stage."""
    return layout.checkpoint(
        dataset, model, model_spec(config, model).final_stage, seed
    )


def own_stages(model):
    """The training stages a model's (or arm's) own folder holds: an arm's first stage is its base model's."""
    stages = model_spec(config, model).stages
    return stages[1:] if model in ARMS else stages


def checkpoint_dir(wildcards, stage):
    """Where a training job keeps its resumable checkpoints (checkpoints/<dataset>/seed<k>/<model>/<stage>)."""
    return layout.path(
        layout.CHECKPOINT_DIR,
        dataset=wildcards.dataset,
        seed=wildcards.seed,
        model=wildcards.model,
        stage=stage,
    )


def pretrained_checkpoint(wildcards):
    """What the adversarial stage starts from: the model's pretraining, or for an arm its base model's."""
    return layout.checkpoint(
        wildcards.dataset,
        base_model(config, wildcards.model),
        "pretrain",
        wildcards.seed,
    )


def own_temperature(dataset, model):
    """The α a model's headline samples are drawn at (its block's `temperature`; 1 for the oracle)."""
    return (
        1.0 if model == REAL else model_settings(config, dataset, model)["temperature"]
    )


def sample_temperature(dataset, model, variant):
    """α of a model's samples: its own α, or the matched α for the `.matched` variant (full precision)."""
    return repr(float(MATCHED_T if variant else own_temperature(dataset, model)))


def score_entries(dataset, seed):
    """ENTRY -> scores file for every configured model, plus ENTRY_matched where the model's α differs."""
    entries = {}
    for m in models_for(config, dataset):
        entries[layout.entry_name(m)] = layout.scores(dataset, m, seed)
        if own_temperature(dataset, m) != MATCHED_T:
            entries[layout.entry_name(m, matched=True)] = layout.scores(
                dataset, m, seed, layout.variant_suffix(True)
            )
    return entries


def frontier_entries(dataset, seed):
    """MODEL -> the model's scores at every α of evaluate.temperatures."""
    return {m: layout.frontier(dataset, m, seed) for m in models_for(config, dataset)}


def curve_entries(dataset, seed):
    """NAME[:STAGE] -> training-curve file of every stage of every model (stages tagged when there are several)."""
    entries = {}
    for m in models_for(config, dataset):
        stages = own_stages(m)
        for stage in stages:
            entries[f"{m}:{stage}" if len(stages) > 1 else m] = layout.curve(
                dataset, m, stage, seed
            )
    return entries


def benchmark_entries(dataset, seed):
    """MODEL:STEP -> Snakemake benchmark file of every training, sampling and evaluation job (their wall times)."""
    entries = {}
    for m in models_for(config, dataset):
        for step in [*own_stages(m), "sample", "evaluate", "frontier"]:
            entries[f"{m}:{step}"] = layout.model_benchmark(dataset, m, seed, step)
    return entries


def pairs(entries):
    """NAME=PATH arguments as a list; the shell command quotes each word."""
    return [f"{name}={path}" for name, path in entries.items()]


def split_result(result):
    """'coco/seed42/bleu' or 'coco/bleu' -> (dataset, seed or None, kind)."""
    parts = result.split("/")
    seed = int(parts[1][4:]) if len(parts) == 3 else None
    return parts[0], seed, parts[-1]


def seed_results(dataset):
    """SEED=PATH of every seed's results file of a dataset."""
    return {
        str(k): layout.path(
            layout.SEED_RESULT, dataset=dataset, seed=k, kind=result_kind(dataset)
        )
        for k in seeds_for(config, dataset)
    }


def result_meta(dataset, seed=None):
    """The run's description stored in nll.json / bleu.json (one seed's, or the aggregate's)."""
    length = (
        {"seq_len": ds(dataset)["seq_len"]}
        if is_synthetic_dataset(dataset)
        else {"max_len": ds(dataset)["max_len"]}
    )
    seeds = (
        {"seeds": seeds_for(config, dataset)} if seed is None else {"seed": int(seed)}
    )
    return as_json(
        {
            "scale": config["scale"],
            "data_seed": SEED,
            **seeds,
            **length,
            "training": config["training"],
            "temperatures": TEMPERATURES,
            **arm_labels(dataset),
        }
    )


def arm_labels(dataset):
    """{"labels": {ARM: label}, "bases": {ARM: its model}} for the ablation arms a dataset runs (nothing when none)."""
    arms = [m for m in models_for(config, dataset) if m in ARMS]
    if not arms:
        return {}
    return {
        "labels": {m: _arms(config)[m]["label"] for m in arms},
        "bases": {m: _arms(config)[m]["of"] for m in arms},
    }


def provenance_json(dataset):
    """The device and each model's resolved settings, recorded in the aggregate results with the environment."""
    return as_json(
        {
            "device": DEVICE,
            "models": {
                m: model_settings(config, dataset, m)
                for m in models_for(config, dataset)
            },
        }
    )


def report_result(name):
    """The results file a dataset's table comes from (every seed aggregated)."""
    return layout.path(layout.RESULT, dataset=name, kind=result_kind(name))


def report_samples(names):
    """Decoded samples (first seed) of every scored model of the real-text datasets (the report draws from them)."""
    out = []
    for n in names:
        if is_synthetic_dataset(n):
            continue
        seed = seeds_for(config, n)[0]
        for entry in score_entries(n, seed):
            model, matched = layout.split_entry(entry)
            out.append(
                layout.path(
                    layout.SAMPLE_TEXT,
                    dataset=n,
                    seed=seed,
                    model=model,
                    variant=layout.variant_suffix(matched),
                )
            )
    return out


def report_figure(dataset, name):
    """A figure of a dataset's report section."""
    return layout.path(layout.REPORT, dataset=dataset, name=name)
