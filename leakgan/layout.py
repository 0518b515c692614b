"""Where every result lives: the one definition of the paths under results/, logs/ and checkpoints/.

Each path is a PATTERN with `{field}` placeholders. The Snakemake rules use
the patterns as their outputs (the placeholders are their wildcards, or fixed
with `pattern(...)`); the stages and the report fill them in with `path(...)`,
or find them under a dataset folder a user names (`under`, `find_run`). So a
model's `.matched` files and its `_matched` entry can never drift apart, and
no stage builds a path by hand.

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

import re
from pathlib import Path

MATCHED = "matched"  # samples and scores drawn at evaluate.matched_temperature
_ENTRY_SUFFIX = "_" + MATCHED
_FILE_SUFFIX = "." + MATCHED
VARIANT_RE = r"(\.matched)?"  # the variant part of a samples/scores file name

DATASET = "results/{dataset}"
DATA = DATASET + "/data"
DATA_FILE = DATA + "/{name}"
ORACLE = DATASET + "/oracle/oracle.pt"
REFERENCE_LM = DATASET + "/lm/reference.pt"  # real text: the reference language model (shared by every seed)
REFERENCE_LM_REPORT = DATASET + "/lm/reference.json"  # its test NLL and training history
RESULT = DATASET + "/{kind}.json"  # kind: nll (synthetic) | bleu (text)
RUN = DATASET + "/seed{seed}"
SEED_RESULT = RUN + "/{kind}.json"
MODEL = RUN + "/{model}"
CHECKPOINT = MODEL + "/{stage}.pt"
CURVE = MODEL + "/{stage}.jsonl"
SAMPLE_IDS = MODEL + "/samples{variant}.ids.txt"
SAMPLE_TEXT = MODEL + "/samples{variant}.txt"
SCORES = MODEL + "/scores{variant}.json"
FRONTIER = MODEL + "/frontier.json"
CHECKPOINT_DIR = "checkpoints/{dataset}/seed{seed}/{model}/{stage}"  # a training stage's resumable checkpoints
MODEL_LOG = "logs/{dataset}/seed{seed}/{model}/{step}.log"
MODEL_BENCHMARK = "logs/{dataset}/seed{seed}/{model}/{step}.benchmark.tsv"
RUN_LOG = "logs/{dataset}/seed{seed}/{step}.log"
RUN_BENCHMARK = "logs/{dataset}/seed{seed}/{step}.benchmark.tsv"
DATASET_LOG = "logs/{dataset}/{step}.log"
DATASET_BENCHMARK = "logs/{dataset}/{step}.benchmark.tsv"
REPORT = "results/report/{dataset}/{name}"  # a dataset's figures
TABLES_MD = "results/tables.md"  # every report dataset's tables
TABLES_HTML = "results/report/tables.html"

_FIELD = re.compile(r"\{(\w+)\}")


def pattern(template: str, **fixed) -> str:
    """`template` with some fields filled in and the others left as `{field}` (a rule's output pattern)."""
    return _FIELD.sub(lambda m: str(fixed[m.group(1)]) if m.group(1) in fixed else m.group(0), template)


def path(template: str, **fields) -> str:
    """`template` with every field filled in; a missing field is a programming error."""
    missing = sorted(set(_FIELD.findall(template)) - set(fields))
    if missing:
        raise KeyError(f"{template}: no value for {', '.join(missing)}")
    return pattern(template, **fields)


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
    return path(RUN, dataset=dataset, seed=int(seed))


def checkpoint(dataset: str, model: str, stage: str, seed: int) -> str:
    """The checkpoint a training stage writes."""
    return path(CHECKPOINT, dataset=dataset, model=model, stage=stage, seed=int(seed))


def curve(dataset: str, model: str, stage: str, seed: int) -> str:
    """The JSON-lines training curve a training stage writes."""
    return path(CURVE, dataset=dataset, model=model, stage=stage, seed=int(seed))


def scores(dataset: str, model: str, seed: int, variant: str = "") -> str:
    return path(SCORES, dataset=dataset, model=model, seed=int(seed), variant=variant)


def frontier(dataset: str, model: str, seed: int) -> str:
    """The model's scores at every α of the quality-diversity frontier."""
    return path(FRONTIER, dataset=dataset, model=model, seed=int(seed))


def sample_ids(dataset: str, model: str, seed: int, variant: str = "") -> str:
    return path(SAMPLE_IDS, dataset=dataset, model=model, seed=int(seed), variant=variant)


def model_benchmark(dataset: str, model: str, seed: int, step: str) -> str:
    """The Snakemake benchmark file (its wall time) of one step of a model's chain."""
    return path(MODEL_BENCHMARK, dataset=dataset, model=model, seed=int(seed), step=step)


# ---------------------------------------------------------------- paths under a folder a user names

def under(folder: str | Path, template: str, **fields) -> Path:
    """Where a results path lies under a dataset's folder (results/<dataset>) or one seed's (its seed<k>)."""
    folder = Path(folder)
    seed = seed_of(folder)
    if seed is not None:  # one seed's folder: the pattern below results/<dataset>/seed<k>
        relative = Path(path(template, dataset="d", seed=seed, **fields)).relative_to(run_dir("d", seed))
    else:
        relative = Path(path(template, dataset="d", **fields)).relative_to(path(DATASET, dataset="d"))
    return folder / relative


def seed_of(folder: str | Path) -> int | None:
    """k when `folder` is one seed's folder (seed<k>), else None."""
    found = re.fullmatch(r"seed([0-9]+)", Path(folder).resolve().name)
    return int(found.group(1)) if found else None


def seeds_in(dataset_folder: str | Path) -> list[int]:
    """The seeds with a seed<k> folder in a dataset's results folder, ascending."""
    folder = Path(dataset_folder)
    found = (re.fullmatch(r"seed([0-9]+)", p.name) for p in folder.glob("seed*") if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def find_run(dataset_folder: str | Path, seed: int | None, template: str, **fields) -> tuple[int | None, Path]:
    """(seed, path) of `template` under a dataset's folder: `seed`'s, or the lowest seed that has the file.

    With no seed given and no seed having the file, the path of the lowest seed (or seed 0) is returned, so the
    caller can name the file it wanted. A seed's own folder can be given instead of the dataset's.
    """
    folder = Path(dataset_folder)
    own = seed_of(folder)
    if own is not None:
        return own, under(folder, template, **fields)
    if seed is not None:
        return seed, under(folder / f"seed{int(seed)}", template, **fields)
    seeds = seeds_in(folder)
    for k in seeds:
        candidate = under(folder / f"seed{k}", template, **fields)
        if candidate.is_file():
            return k, candidate
    first = seeds[0] if seeds else None
    return first, under(folder / f"seed{first if first is not None else 0}", template, **fields)
