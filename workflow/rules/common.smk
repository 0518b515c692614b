# Shared names and input functions for every rule file.
import json
import re

from leakgan.config import model_settings, models_for

SYNTHETIC_DATASETS = [n for n, d in config["datasets"].items() if d["type"] == "synthetic"]
TEXT_DATASETS = [n for n, d in config["datasets"].items() if d["type"] == "text"]
MODELS = ["mle", "leakgan"]


def _alternation(names):
    # A pattern that matches nothing when the list is empty.
    return "|".join(re.escape(n) for n in names) or "(?!)"


SYNTHETIC_RE = _alternation(SYNTHETIC_DATASETS)
TEXT_RE = _alternation(TEXT_DATASETS)
DEVICE = config.get("device", "cpu")
GPUS = 0 if DEVICE == "cpu" else 1
SEED = config["seed"]


wildcard_constraints:
    dataset=_alternation(SYNTHETIC_DATASETS + TEXT_DATASETS),
    model="|".join(MODELS),
    variant=r"(\.matched)?",


def ds(name):
    """The effective config block of a dataset."""
    return config["datasets"][name]


def data_settings(name):
    """The dataset block without the keys that only concern models (so they don't re-trigger data stages)."""
    return {k: v for k, v in ds(name).items() if k not in ("models", "mle", "leakgan")}


def as_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def settings_json(dataset, model):
    return as_json(model_settings(config, dataset, model))


def is_synthetic(name):
    return ds(name)["type"] == "synthetic"


def oracle_input(wildcards):
    """The oracle file for synthetic datasets (oracle NLL curve), nothing for real text."""
    return [f"results/{wildcards.dataset}/oracle/oracle.pt"] if is_synthetic(wildcards.dataset) else []


def final_checkpoint(dataset, model):
    """The checkpoint that samples and scores come from."""
    stage = "adversarial" if model == "leakgan" else "pretrain"
    return f"results/{dataset}/{model}/{stage}.pt"



# Settings that only the adversarial stage or sampling read: left out of the
# pretraining rule's params so that changing them does not redo pretraining.
NOT_PRETRAINING = {
    "mle": ("temperature",),
    "leakgan": ("adversarial_epochs", "g_steps", "d_steps", "rollout_num", "delta", "mle_every", "checkpoint_every",
                "rollouts", "rollout_chunk"),
}


def pretrain_settings_json(dataset, model):
    settings = model_settings(config, dataset, model)
    return as_json({k: v for k, v in settings.items() if k not in NOT_PRETRAINING[model]})


MATCHED_T = config["evaluate"]["matched_temperature"]


def sample_temperature(dataset, model, variant):
    """α of a model's evaluation samples; the `.matched` variant uses the shared matched temperature."""
    return MATCHED_T if variant else model_settings(config, dataset, model)["temperature"]


def score_entries(dataset):
    """NAME -> scores file for every configured model, plus NAME_matched where the model's α differs."""
    entries = {}
    for m in models_for(config, dataset):
        entries[m] = f"results/{dataset}/{m}/scores.json"
        if model_settings(config, dataset, m)["temperature"] != MATCHED_T:
            entries[f"{m}_matched"] = f"results/{dataset}/{m}/scores.matched.json"
    return entries


def curve_entries(dataset):
    """NAME[:STAGE] -> training-curve file (LeakGAN: pretraining then adversarial epochs)."""
    entries = {}
    for m in models_for(config, dataset):
        if m == "leakgan":
            entries["leakgan:pretrain"] = f"results/{dataset}/leakgan/pretrain.jsonl"
            entries["leakgan:adversarial"] = f"results/{dataset}/leakgan/adversarial.jsonl"
        else:
            entries[m] = f"results/{dataset}/{m}/pretrain.jsonl"
    return entries


def pairs(entries):
    return " ".join(f"{name}={path}" for name, path in entries.items())
