"""Where every result lives: the one definition of the paths under results/ and of the score entries' names.

The Snakemake rules, `leakgan collect`, `leakgan aggregate` and the report
all build paths and entry names here, so that a model's `.matched` files and
its `_matched` entry can never drift apart.

    results/<dataset>/data/...            data stages (shared by every seed)
    results/<dataset>/oracle/oracle.pt    the synthetic oracle (shared by every seed)
    results/<dataset>/seed<k>/<model>/    one training chain: checkpoints, curves, samples, scores
    results/<dataset>/seed<k>/nll.json    that chain's results (bleu.json for text)
    results/<dataset>/nll.json            every seed aggregated (bleu.json for text)

A model's samples and scores come in two variants: '' at its own α and
'.matched' at evaluate.matched_temperature; `frontier.json` beside them holds
its scores at every α of evaluate.temperatures.
"""
from __future__ import annotations

MATCHED = "matched"  # samples and scores drawn at evaluate.matched_temperature
_ENTRY_SUFFIX = "_" + MATCHED
_FILE_SUFFIX = "." + MATCHED
VARIANT_RE = r"(\.matched)?"  # the variant part of a samples/scores file name


def variant_suffix(matched: bool) -> str:
    """'' or '.matched': the file-name variant of a model's samples and scores."""
    return _FILE_SUFFIX if matched else ""


def entry_name(model: str, matched: bool = False) -> str:
    """The key of a model's scores in nll.json / bleu.json: 'leakgan' or 'leakgan_matched'."""
    return model + (_ENTRY_SUFFIX if matched else "")


def split_entry(name: str) -> tuple[str, bool]:
    """'leakgan_matched' -> ('leakgan', True): the model and whether it is the matched-α entry."""
    return (name[: -len(_ENTRY_SUFFIX)], True) if name.endswith(_ENTRY_SUFFIX) else (name, False)


def run_dir(dataset: str, seed: int) -> str:
    """The folder of one seed's training chain."""
    return f"results/{dataset}/seed{int(seed)}"


def model_dir(dataset: str, model: str, seed: int) -> str:
    return f"{run_dir(dataset, seed)}/{model}"


def checkpoint(dataset: str, model: str, stage: str, seed: int) -> str:
    """The checkpoint a training stage writes."""
    return f"{model_dir(dataset, model, seed)}/{stage}.pt"


def curve(dataset: str, model: str, stage: str, seed: int) -> str:
    """The JSON-lines training curve a training stage writes."""
    return f"{model_dir(dataset, model, seed)}/{stage}.jsonl"


def scores(dataset: str, model: str, seed: int, variant: str = "") -> str:
    return f"{model_dir(dataset, model, seed)}/scores{variant}.json"


def frontier(dataset: str, model: str, seed: int) -> str:
    """The model's scores at every α of the quality-diversity frontier."""
    return f"{model_dir(dataset, model, seed)}/frontier.json"


def sample_ids(dataset: str, model: str, seed: int, variant: str = "") -> str:
    return f"{model_dir(dataset, model, seed)}/samples{variant}.ids.txt"


def sample_words(dataset: str, model: str, seed: int, variant: str = "") -> str:
    """Decoded samples (words for real text, ids for synthetic data)."""
    return f"{model_dir(dataset, model, seed)}/samples{variant}.txt"


def sample_words_of_entry(run_folder, entry: str) -> str:
    """The decoded samples of a score entry, relative to one seed's folder (where its nll.json / bleu.json is)."""
    model, matched = split_entry(entry)
    return f"{run_folder}/{model}/samples{variant_suffix(matched)}.txt"
