"""`leakgan generate`: sentences from a trained model, one per line (words for text data, token ids for synthetic).

SOURCE is either a dataset's results folder, `results/<dataset>` (the model is
`--model`, default `leakgan`; its final checkpoint is
`results/<dataset>/seed<k>/<model>/<last stage>.pt` of `--train-seed`, default
the lowest seed that has it, and the vocabulary
`results/<dataset>/data/vocab.json`), one seed's folder, or a checkpoint file
(the model is the checkpoint's own; the vocabulary is `--vocab`, else the
`data/vocab.json` of the dataset folder it lies in; synthetic data needs none).

Lines are decoded with the dataset's words (text data; a sentence ends at its
first padding token, which is not printed) or as space-separated token ids
(synthetic data). `--prefix` forces the first words (or ids) of every
sentence, for the models whose class can do so: LeakGAN (its step-by-step
`generate`) and the LSTM generators (mle, seqgan, seqgan_rescaled, rankgan;
sampled here). The same seed on the same device gives the same lines.

`--from-ids FILE` instead decodes a token file that was already sampled (the
workflow's evaluation samples): the workflow's `results/<dataset>/seed<k>/<model>/samples.txt`
of synthetic datasets comes from it.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path, PurePosixPath

from leakgan.errors import UserError

DEFAULT_MODEL = "leakgan"  # the model of a results folder when --model is not given
DEFAULT_TEMPERATURE = 1.0
DEFAULT_SEED = 0
STREAM = "generate"  # the random stream (leakgan.seeding) every generated sentence is drawn from
BATCH_SIZE = 1000  # rows sampled together (fixed: batching changes which random numbers a row gets)
SAMPLING_OPTIONS = ("model", "num", "temperature", "seed", "prefix", "device")  # meaningless with --from-ids


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", metavar="RESULTS_DIR_OR_CHECKPOINT",
                        help="a dataset's results folder (results/<dataset>, or one seed's results/<dataset>/seed<k>) "
                             "or a checkpoint file (.pt)")
    parser.add_argument("--train-seed", type=int, default=None, metavar="K",
                        help="which training seed of a results folder (default: the lowest one with the model)")
    parser.add_argument("--model", metavar="NAME", default=None,
                        help=f"which model of a results folder (default: {DEFAULT_MODEL}); with a checkpoint file, "
                             "the checkpoint's own model (giving another is an error)")
    parser.add_argument("-n", "--num", type=int, default=None, metavar="N", help="number of sentences (required)")
    parser.add_argument("--temperature", type=float, default=None, metavar="α",
                        help=f"logits are divided by α (default: {DEFAULT_TEMPERATURE}; lower is more conservative)")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"random seed (default: {DEFAULT_SEED}); the same seed gives the same sentences")
    parser.add_argument("--prefix", default=None, metavar="WORDS",
                        help="every sentence starts with these words (text data) or token ids (synthetic data), "
                             "separated by spaces")
    parser.add_argument("--vocab", default=None, metavar="PATH",
                        help="the dataset's vocab.json (default: the data/vocab.json of the dataset folder the "
                             "checkpoint or --from-ids file lies in)")
    parser.add_argument("--from-ids", default=None, metavar="FILE",
                        help="decode this token file (e.g. results/<dataset>/seed<k>/<model>/samples.ids.txt) "
                             "instead of sampling a model")
    parser.add_argument("--device", default=None, choices=["cpu", "cuda", "auto"], help="default: cpu")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write the sentences to FILE (atomically) instead of printing them")


def main(args: argparse.Namespace) -> int:
    if args.from_ids is not None:
        given = [f"--{name.replace('_', '-')}" if name != "num" else "-n"
                 for name in SAMPLING_OPTIONS if getattr(args, name) is not None]
        if args.source is not None:
            raise UserError("give either RESULTS_DIR_OR_CHECKPOINT (sample a model) or --from-ids FILE, not both")
        if given:
            raise UserError(f"--from-ids decodes FILE as it is; leave out {', '.join(given)} (for sampling a model)")
        text = lines_from_ids(args.from_ids, args.vocab)
    else:
        text = lines_from_model(args)
    if args.out:
        from leakgan.io import write_text

        write_text(args.out, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


# ---------------------------------------------------------------- sampling a model

def lines_from_model(args: argparse.Namespace) -> str:
    """Every check first (nothing is sampled or written before they pass), then the sentences, one per line."""
    import torch

    from leakgan.seeding import resolve_device, torch_generator

    if args.source is None:
        raise UserError("give a results folder (results/<dataset>) or a checkpoint file, or --from-ids FILE")
    if args.num is None:
        raise UserError("-n N is required: how many sentences to generate")
    if args.num < 1:
        raise UserError(f"-n must be at least 1, not {args.num}")
    temperature = DEFAULT_TEMPERATURE if args.temperature is None else args.temperature
    if not temperature > 0:  # also refuses nan
        raise UserError(f"--temperature must be above 0, not {temperature}")
    seed = DEFAULT_SEED if args.seed is None else args.seed
    device = resolve_device(args.device or "cpu")

    ckpt_path, vocab_path, ckpt = locate(args.source, args.model, args.train_seed)
    model_name = ckpt["model"]
    vocab = find_vocab(args.vocab, vocab_path, ckpt, ckpt_path)
    model = load(ckpt, ckpt_path, device)
    seq_len = sequence_length(model, ckpt)
    vocab_size = vocab["size"] if vocab else ckpt.get("vocab_size")
    prefix = parse_prefix(args.prefix, vocab, vocab_size, seq_len, args.vocab or vocab_path)
    generator = torch_generator(seed, STREAM, device)
    with torch.inference_mode():
        if prefix:
            tokens = sample_with_prefix(model, model_name, prefix, args.num, temperature, generator)
        else:
            tokens = model.sample(args.num, temperature, generator, BATCH_SIZE)
    return format_lines(tokens.cpu().tolist(), vocab, ckpt.get("pad_id"))


def locate(source: str, model: str | None, train_seed: int | None = None) -> tuple[Path, Path, dict]:
    """(checkpoint path, default vocab.json path, checkpoint dict) of a results folder or a checkpoint file."""
    from leakgan.io import read_checkpoint
    from leakgan.models import registry

    path = Path(source)
    if path.is_dir():
        spec = registry.get(model or DEFAULT_MODEL)
        ckpt_path = final_checkpoint(path, spec.name, train_seed)
        if not ckpt_path.is_file():
            trained = [m for m in registry.names() if final_checkpoint(path, m, train_seed).is_file()]
            raise UserError(f"{ckpt_path}: no trained '{spec.name}' model in {path} "
                            f"(trained there: {', '.join(trained) or 'none'}); "
                            + ("pass --model NAME" if trained else "run the pipeline for this dataset first"))
        vocab_path = dataset_vocab(ckpt_path)
    elif path.exists():
        ckpt_path = path
        vocab_path = dataset_vocab(path)
    else:
        raise UserError(f"{path}: not found (expected a results/<dataset> folder or a checkpoint file)")
    ckpt = read_checkpoint(ckpt_path)
    if model is not None and ckpt["model"] != model:
        registry.get(model)  # an unknown name says so first
        raise UserError(f"{ckpt_path}: a checkpoint of model '{ckpt['model']}', not '{model}'; "
                        "leave --model out or give the right checkpoint")
    return ckpt_path, vocab_path, ckpt


def final_checkpoint(results_dir: Path, model: str, train_seed: int | None = None) -> Path:
    """The model's final checkpoint inside a results folder (leakgan.layout.checkpoint, relative to the folder).

    `results_dir` is a dataset's folder (the chain of `train_seed`, or of the
    lowest seed that has the model) or one seed's folder.
    """
    from leakgan import layout
    from leakgan.models import registry

    stage = registry.get(model).final_stage
    if re.fullmatch(r"seed[0-9]+", results_dir.resolve().name):  # one seed's folder
        inside = PurePosixPath(layout.checkpoint("d", model, stage, 0)).relative_to(layout.run_dir("d", 0))
        return results_dir / inside
    if train_seed is None:
        seeds = sorted(int(p.name[4:]) for p in results_dir.glob("seed*") if re.fullmatch(r"seed[0-9]+", p.name))
        train_seed = next((k for k in seeds if final_checkpoint(results_dir / f"seed{k}", model).is_file()),
                          seeds[0] if seeds else 0)
    inside = PurePosixPath(layout.checkpoint("d", model, stage, train_seed)).relative_to("results/d")
    return results_dir / inside


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
    """The model of a checkpoint dict (as leakgan.models.registry.load_model, which reads the file itself)."""
    from leakgan.models import registry

    if ckpt["model"] not in registry.models():
        raise UserError(f"{ckpt_path}: a checkpoint of model '{ckpt['model']}', which is not registered "
                        f"(registered: {', '.join(registry.names())})")
    try:
        return registry.get(ckpt["model"]).load(ckpt, device)
    except UserError as exc:
        raise UserError(f"{ckpt_path}: {exc}") from None


def sequence_length(model, ckpt: dict) -> int | None:
    cfg = getattr(model, "cfg", None)
    return getattr(cfg, "seq_len", None) or ckpt.get("seq_len")


def parse_prefix(text: str | None, vocab: dict | None, vocab_size: int | None, seq_len: int | None,
                 vocab_path) -> list[int]:
    """The token ids of --prefix: words of the vocabulary (text data) or token ids (synthetic data)."""
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


def sample_with_prefix(model, name: str, prefix: list[int], num: int, temperature: float, generator):
    """`num` sequences [num, T] that all start with `prefix`, for the model classes that can force one."""
    from leakgan.models.leakgan import LeakGANModel
    from leakgan.models.mle import MLEGenerator

    if isinstance(model, MLEGenerator):
        return lstm_sample_with_prefix(model, prefix, num, temperature, generator)
    if isinstance(model, LeakGANModel):
        return leakgan_sample_with_prefix(model, prefix, num, temperature, generator)
    raise UserError(f"--prefix: model '{name}' ({type(model).__name__}) cannot start sentences with given words; "
                    "leave --prefix out")


def lstm_sample_with_prefix(model, prefix: list[int], num: int, temperature: float, generator):
    """MLEGenerator.sample with the first len(prefix) tokens forced (no random number is drawn for them)."""
    import torch

    from leakgan.models.sampling import START_TOKEN, categorical

    device = model.out.weight.device
    forced = torch.tensor(prefix, dtype=torch.long, device=device)
    chunks = []
    for first in range(0, num, BATCH_SIZE):
        n = min(BATCH_SIZE, num - first)
        token = torch.full((n,), START_TOKEN, dtype=torch.long, device=device)
        state, seq = None, []
        for t in range(model.cfg.seq_len):
            hidden, state = model.lstm(model.embedding(token)[:, None, :], state)
            if t < len(prefix):
                token = forced[t].expand(n)
            else:
                token = categorical(model.out(hidden[:, 0]) / temperature, generator)
            seq.append(token)
        chunks.append(torch.stack(seq, dim=1).cpu())
    return torch.cat(chunks)


def leakgan_sample_with_prefix(model, prefix: list[int], num: int, temperature: float, generator):
    """LeakGAN's step-by-step generation with the prefix tokens forced while t < len(prefix)."""
    import torch

    device = model.goal_init.device
    chunks = []
    for first in range(0, num, BATCH_SIZE):
        n = min(BATCH_SIZE, num - first)
        forced = torch.zeros(n, model.cfg.seq_len, dtype=torch.long, device=device)
        forced[:, :len(prefix)] = torch.tensor(prefix, dtype=torch.long, device=device)
        tokens, _ = model.generate(forced, len(prefix), temperature, generator)
        chunks.append(tokens.cpu())
    return torch.cat(chunks)


# ---------------------------------------------------------------- decoding

def format_lines(rows: list[list[int]], vocab: dict | None, pad_id: int | None = None) -> str:
    """One line per sequence: cut at the first padding token; words when the vocabulary lists them, else ids."""
    words = vocab.get("tokens") if vocab else None
    pad = vocab.get("pad_id") if vocab else pad_id
    out = []
    for row in rows:
        if pad is not None and pad in row:
            row = row[:row.index(pad)]
        out.append(" ".join(words[t] for t in row) if words else " ".join(str(t) for t in row))
    return "".join(line + "\n" for line in out)


def lines_from_ids(path: str, vocab_path: str | None) -> str:
    """The sentences of a token file: decoded with --vocab (else ../data/vocab.json beside it, if there)."""
    from leakgan.io import read_tokens, read_vocab

    default = dataset_vocab(Path(path))
    vocab = read_vocab(vocab_path) if vocab_path is not None else (read_vocab(default) if default.is_file() else None)
    tokens = read_tokens(path, vocab["size"] if vocab else None)
    return format_lines(tokens.tolist(), vocab)
