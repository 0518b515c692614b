# Shared names and input functions for every rule file.
import hashlib
import json
import re

from leakgan.config import deep_merge, model_settings, models_for

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


def short_hash(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]
