"""Trained models as a user names them: a dataset's results folder, one seed's folder, or a checkpoint file.

`locate` finds the checkpoint (a registered model's final stage, or an
ablation arm's folder, in the seed that has it), `find_vocab` the dataset's
vocabulary beside it, and `encode_prefix` turns words (or token ids on
synthetic data) into the ids a generator is forced to start with.
"""
from __future__ import annotations

from pathlib import Path

from leakgan import layout, registry
from leakgan.errors import UserError


def _stages_last_first() -> list[str]:
    """Every training stage a registered model has, the later ones first (an arm's folder holds its last)."""
    order: list[str] = []
    for spec in registry.models().values():
        for stage in spec.stages:
            if stage not in order:
                order.append(stage)
    return order[::-1]


def model_checkpoint(folder: Path, model: str, seed: int | None) -> tuple[int | None, Path]:
    """(seed, path) of a model's (or an arm's) final checkpoint under a dataset's or seed's folder."""
    stages = [registry.get(model).final_stage] if model in registry.models() else _stages_last_first()
    found = None
    for stage in stages:
        found = layout.find_run(folder, seed, layout.CHECKPOINT, model=model, stage=stage)
        if found[1].is_file():
            return found
    return found


def trained_models(folder: Path, seed: int | None) -> list[str]:
    """The registered models and arms with a final checkpoint in a results folder (the seed's, or any seed's)."""
    folders = [folder] if layout.seed_of(folder) is not None else (
        [folder / f"seed{seed}"] if seed is not None else [folder / f"seed{k}" for k in layout.seeds_in(folder)])
    names = {p.name for f in folders if f.is_dir() for p in f.iterdir() if p.is_dir()}
    return sorted(n for n in names if model_checkpoint(folder, n, seed)[1].is_file())


def locate(source: str, model: str | None, default_model: str, train_seed: int | None = None) -> tuple[Path, Path, dict]:
    """(checkpoint path, default vocab.json path, checkpoint dict) of a results folder or a checkpoint file."""
    from leakgan.io import read_checkpoint

    path = Path(source)
    if path.is_dir():
        check_train_seed(path, train_seed)
        name = model or default_model
        _, ckpt_path = model_checkpoint(path, name, train_seed)
        if not ckpt_path.is_file():
            trained = trained_models(path, train_seed)
            if name not in registry.models() and not trained:
                registry.get(name)  # an unknown name says so first
            where = f"seed {train_seed} of {path}" if train_seed is not None else str(path)
            raise UserError(f"{ckpt_path}: no trained '{name}' model in {where} "
                            f"(trained there: {', '.join(trained) or 'none'}); "
                            + ("pass --model NAME" if trained else "run the pipeline for this dataset first"))
        vocab_path = dataset_vocab(ckpt_path)
    elif path.is_file():
        ckpt_path = path
        vocab_path = dataset_vocab(path)
    elif path.exists():
        raise UserError(f"{path}: not a results folder or a checkpoint file")
    else:
        raise UserError(f"{path}: not found (expected a results/<dataset> folder or a checkpoint file)")
    ckpt = read_checkpoint(ckpt_path)
    if model is not None and path.is_file() and ckpt["model"] != model:
        registry.get(model)  # an unknown name says so first
        raise UserError(f"{ckpt_path}: a checkpoint of model '{ckpt['model']}', not '{model}'; "
                        "leave --model out or give the right checkpoint")
    return ckpt_path, vocab_path, ckpt


def check_train_seed(folder: Path, train_seed: int | None) -> None:
    """One line when `--train-seed K` names a seed the results folder has no folder for (or another seed's folder
    was given), naming the seeds that are there."""
    if train_seed is None:
        return
    own = layout.seed_of(folder)
    if own is not None:
        if own != train_seed:
            raise UserError(f"{folder}: the folder of seed {own}, not of seed {train_seed}; give the dataset's folder "
                            f"({folder.resolve().parent}) with --train-seed, or leave --train-seed out")
        return
    if not (folder / f"seed{train_seed}").is_dir():
        seeds = layout.seeds_in(folder)
        there = (f"seeds there: {', '.join(str(k) for k in seeds)} (pass one of them to --train-seed)" if seeds
                 else "no seed has a folder there (run the pipeline for this dataset first)")
        raise UserError(f"{folder}: seed {train_seed} has no folder there (seed{train_seed}/); {there}")


def dataset_vocab(path: Path) -> Path:
    """The data/vocab.json of the dataset folder a results file lies in (the nearest folder above with one)."""
    for folder in list(path.parents)[:4]:
        if (folder / "data" / "vocab.json").is_file():
            return folder / "data" / "vocab.json"
    return path.parent.parent / "data" / "vocab.json"


def find_vocab(explicit: str | None, default: Path, ckpt: dict, ckpt_path: Path) -> dict | None:
    """The vocabulary (--vocab, else the default place); None for a synthetic model with none at hand."""
    from leakgan.io import read_vocab

    if explicit is None and not default.is_file():
        if ckpt.get("pad_id") is not None:  # trained on padded real text: its words are needed
            raise UserError(f"{ckpt_path}: a text model, but {default} is not there; pass --vocab PATH "
                            "(results/<dataset>/data/vocab.json of the data it was trained on)")
        return None
    path = explicit if explicit is not None else default
    vocab = read_vocab(path)
    size = ckpt.get("vocab_size")
    if isinstance(size, int) and size != vocab["size"]:
        raise UserError(f"{path}: a vocabulary of {vocab['size']} tokens, but {ckpt_path} was trained on {size}; "
                        "pass the vocab.json of its dataset with --vocab")
    return vocab


def load(ckpt: dict, ckpt_path: Path, device):
    """The model of a checkpoint dict (as leakgan.registry.load_model, which reads the file itself)."""
    if ckpt["model"] not in registry.models():
        raise UserError(f"{ckpt_path}: a checkpoint of model '{ckpt['model']}', which is not registered "
                        f"(registered: {', '.join(registry.names())})")
    try:
        model = registry.get(ckpt["model"]).load(ckpt, device)
    except UserError as exc:
        raise UserError(f"{ckpt_path}: {exc}") from None
    registry.check_finite_weights(model, ckpt_path)
    return model


def encode_prefix(text: str | None, vocab: dict | None, vocab_size: int | None, seq_len: int | None,
                  vocab_path) -> list[int]:
    """The token ids of a prefix: words of the vocabulary (text data) or token ids (synthetic data)."""
    items = (text or "").split()
    if not items:
        return []
    words = vocab.get("tokens") if vocab else None
    if words:
        pad = vocab.get("pad_id")
        index = {w: i for i, w in enumerate(words) if i != pad}
        for word in items:
            if word not in index:
                raise UserError(f"--prefix: '{word}' is not in the vocabulary ({vocab_path})")
        ids = [index[w] for w in items]
    else:
        ids = []
        for item in items:
            try:
                ids.append(int(item))
            except ValueError:
                raise UserError(f"--prefix: synthetic data takes token ids (integers), not '{item}'") from None
            if ids[-1] < 0 or (vocab_size is not None and ids[-1] >= vocab_size):
                known = f"0..{vocab_size - 1}" if vocab_size is not None else "ids are 0 or more"
                raise UserError(f"--prefix: token id {ids[-1]} is outside the vocabulary ({known})")
    if seq_len is not None and len(ids) > seq_len:
        raise UserError(f"--prefix has {len(ids)} tokens, more than the model's sequence length {seq_len}")
    return ids
