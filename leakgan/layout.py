"""Where every result lives: the one definition of the paths under results/ and of the score entries' names.

The Snakemake rules, `leakgan collect` and the report all build paths and
entry names here, so that a model's `.matched` files and its `_matched`
entry can never drift apart.
"""
from __future__ import annotations

MATCHED = "matched"  # samples and scores drawn at evaluate.matched_temperature
_ENTRY_SUFFIX = "_" + MATCHED
_FILE_SUFFIX = "." + MATCHED


def variant_suffix(matched: bool) -> str:
    """'' or '.matched': the file-name variant of a model's samples and scores."""
    return _FILE_SUFFIX if matched else ""


def entry_name(model: str, matched: bool = False) -> str:
    """The key of a model's scores in nll.json / bleu.json: 'leakgan' or 'leakgan_matched'."""
    return model + (_ENTRY_SUFFIX if matched else "")


def split_entry(name: str) -> tuple[str, bool]:
    """'leakgan_matched' -> ('leakgan', True): the model and whether it is the matched-α entry."""
    return (name[: -len(_ENTRY_SUFFIX)], True) if name.endswith(_ENTRY_SUFFIX) else (name, False)


def model_dir(dataset: str, model: str) -> str:
    return f"results/{dataset}/{model}"


def checkpoint(dataset: str, model: str, stage: str) -> str:
    """The checkpoint a training stage writes."""
    return f"{model_dir(dataset, model)}/{stage}.pt"


def curve(dataset: str, model: str, stage: str) -> str:
    """The JSON-lines training curve a training stage writes."""
    return f"{model_dir(dataset, model)}/{stage}.jsonl"


def scores(dataset: str, model: str, matched: bool = False) -> str:
    return f"{model_dir(dataset, model)}/scores{variant_suffix(matched)}.json"


def sample_ids(dataset: str, model: str, matched: bool = False) -> str:
    return f"{model_dir(dataset, model)}/samples{variant_suffix(matched)}.ids.txt"


def sample_words(dataset: str, model: str, matched: bool = False) -> str:
    """Decoded samples (real text only)."""
    return f"{model_dir(dataset, model)}/samples{variant_suffix(matched)}.txt"


def sample_words_of_entry(results_dir, entry: str) -> str:
    """The decoded samples of a score entry, relative to the folder of its nll.json / bleu.json."""
    model, matched = split_entry(entry)
    return f"{results_dir}/{model}/samples{variant_suffix(matched)}.txt"
