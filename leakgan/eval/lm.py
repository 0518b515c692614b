"""Real-text measures read off language models (Semeniuta et al. 2018; Caccia et al., "Language GANs Falling Short").

- **LM score** (`lm_nll`): the mean per-token NLL of a samples file under a
  reference language model trained on the real training text. Lower means
  the samples look more like real text to that model (quality); a sampler
  that repeats one good sentence scores well, so it is never read alone.
- **Reverse-LM score** (`reverse_lm_score`): a fresh language model of fixed
  size and schedule is trained on the samples and scored on the real test
  text. A sampler that covers the real distribution yields a good model of
  real text; a collapsed or narrow one yields a poor one (diversity and
  coverage).
- **Fréchet distance in the reference LM's space** (`sentence_representation`,
  `frechet_distance_of`): this project's own measure, in the manner of FID:
  each sentence is represented by the reference LM's LSTM state after its
  last counted token, a Gaussian is fitted to the representations of the
  samples and to those of real text, and the squared Fréchet distance of the
  two Gaussians is reported.

The reference and reverse models are the project's MLE baseline network
(`leakgan.models.mle.MLEGenerator`), trained by `train_language_model`:
Adam, gradient clipping, the NLL of counted positions only (`sequence_mask`),
early stopping on a validation set, the best-validation epoch returned.

Counted positions: on synthetic data (`pad_id` None) every position. On
padded real text every position up to and including a row's first pad
token, which stands for the end of the sentence (predicting where the
sentence stops is part of modelling it); the pads after it are not counted.
"""
from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from leakgan.errors import UserError
from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.models.sampling import START_TOKEN
from leakgan.seeding import stage_seed, torch_generator
from leakgan.train.selection import state_snapshot

GRAD_CLIP = 5.0


@dataclass(frozen=True)
class LMSettings:
    """Size and schedule of a language model trained for evaluation (`train_language_model`'s keywords)."""

    emb_dim: int
    hidden_dim: int
    batch_size: int
    lr: float
    max_epochs: int
    patience: int

    def train_kwargs(self) -> dict:
        """Keyword arguments for `train_language_model`."""
        return asdict(self)

    def reverse_kwargs(self) -> dict:
        """Keyword arguments for `reverse_lm_score` (its schedule key is `epochs`)."""
        out = asdict(self)
        out["epochs"] = out.pop("max_epochs")
        return out


# The reference LM judges samples of models with embedding and hidden size 32
# (the paper's synthetic setting), so it is larger than any of them: a judge
# no stronger than the models under test would mostly measure its own limits.
# Up to 30 epochs, stopped after 3 without a better validation NLL: it is
# trained once per data set, so a generous schedule costs little.
DEFAULT_REFERENCE = LMSettings(emb_dim=128, hidden_dim=128, batch_size=64, lr=0.005, max_epochs=30, patience=3)

# The reverse LM is trained once per samples file, so it is smaller and
# shorter. Its size and schedule are fixed for every sampler compared: the
# score then differs only through the samples it was trained on.
DEFAULT_REVERSE = LMSettings(emb_dim=64, hidden_dim=64, batch_size=64, lr=0.005, max_epochs=10, patience=2)


# ---------------------------------------------------------------------------------------------- input checks

def _check_tokens(tokens, what: str, vocab_size: int | None = None) -> torch.Tensor:
    """`tokens` as a 2-D integer tensor with at least one row and column and ids inside the vocabulary."""
    if not isinstance(tokens, torch.Tensor):
        raise UserError(f"{what}: expected a tensor of token ids, got {type(tokens).__name__}")
    if tokens.dim() != 2:
        raise UserError(f"{what}: expected token ids of shape [rows, length], got shape {list(tokens.shape)}")
    if tokens.dtype.is_floating_point or tokens.dtype.is_complex or tokens.dtype == torch.bool:
        raise UserError(f"{what}: token ids must be integers, got {tokens.dtype}")
    if tokens.shape[0] == 0:
        raise UserError(f"{what}: has no sequences")
    if tokens.shape[1] == 0:
        raise UserError(f"{what}: sequences have length 0")
    low, high = int(tokens.min()), int(tokens.max())
    if low < 0:
        raise UserError(f"{what}: token id {low} is negative")
    if vocab_size is not None and high >= vocab_size:
        raise UserError(f"{what}: token id {high} is outside the vocabulary of {vocab_size} ids (0..{vocab_size - 1})")
    return tokens.long()


def _check_pad(pad_id, vocab_size: int | None) -> None:
    if pad_id is None:
        return
    if isinstance(pad_id, bool) or not isinstance(pad_id, int):
        raise UserError(f"pad_id must be an integer token id or None, got {pad_id!r}")
    if pad_id < 0:
        raise UserError(f"pad_id {pad_id} is negative")
    if vocab_size is not None and pad_id >= vocab_size:
        raise UserError(f"pad_id {pad_id} is outside the vocabulary of {vocab_size} ids")


def _check_positive(**values) -> None:
    for name, value in values.items():
        if not value > 0:
            raise UserError(f"{name} must be positive, got {value!r}")


def _model_device(model: nn.Module) -> torch.device:
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _model_vocab(model: nn.Module) -> int | None:
    cfg = getattr(model, "cfg", None)
    return getattr(cfg, "vocab_size", None)


# ---------------------------------------------------------------------------------------------- masks and NLL

def sequence_mask(tokens: torch.Tensor, pad_id: int | None) -> torch.Tensor:
    """The positions [N, T] (bool) whose prediction counts in an NLL.

    pad_id None (synthetic data): every position. Otherwise every position
    up to and including the row's first `pad_id` token (the end of the
    sentence); the positions after it are not counted. A row without a pad
    counts all T positions; a row that starts with a pad counts position 0
    only (an empty sentence: its end is still predicted).
    """
    if tokens.dim() != 2:
        raise UserError(f"sequence_mask: expected token ids of shape [rows, length], got shape {list(tokens.shape)}")
    if pad_id is None:
        return torch.ones(tokens.shape, dtype=torch.bool, device=tokens.device)
    is_pad = tokens == pad_id
    pads_before = torch.cumsum(is_pad.to(torch.int32), dim=1) - is_pad.to(torch.int32)
    return pads_before == 0


def _token_nll(model: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """-log p(x_t | x_<t) [B, T] under `model` (teacher forcing, start token fed first), in the logits' dtype."""
    logits = model(batch)
    if logits.dim() != 3 or logits.shape[:2] != batch.shape:
        raise UserError(f"the language model gave logits of shape {list(logits.shape)} for tokens of shape "
                        f"{list(batch.shape)}; expected [{batch.shape[0]}, {batch.shape[1]}, vocabulary]")
    if int(batch.max()) >= logits.shape[-1]:
        raise UserError(f"token id {int(batch.max())} is outside the language model's vocabulary "
                        f"of {logits.shape[-1]} ids")
    log_probs = torch.log_softmax(logits, dim=-1)
    return -log_probs.gather(-1, batch.unsqueeze(-1)).squeeze(-1)


@torch.inference_mode()
def lm_nll(model: nn.Module, tokens: torch.Tensor, pad_id: int | None, batch_size: int = 1000) -> float:
    """Mean per-token NLL (natural log) of `tokens` [N, T] over the counted positions (`sequence_mask`).

    `model` is anything with `forward(tokens) -> logits [B, T, V]` in the
    convention of `MLEGenerator`: position t is predicted from the start
    token (0) and x_0..x_{t-1}. The logits are normalised with a log-softmax,
    so a model that already returns log-probabilities is scored as is. The
    per-token terms are summed in float64. Used on a samples file under the
    reference LM, this is the LM score.
    """
    tokens = _check_tokens(tokens, "lm_nll tokens", _model_vocab(model))
    _check_pad(pad_id, _model_vocab(model))
    _check_positive(batch_size=batch_size)
    device = _model_device(model)
    total = torch.zeros((), dtype=torch.float64)
    count = 0
    for start in range(0, tokens.shape[0], batch_size):
        batch = tokens[start:start + batch_size].to(device)
        mask = sequence_mask(batch, pad_id)
        nll = _token_nll(model, batch)
        total += nll.double().masked_select(mask).sum().cpu()
        count += int(mask.sum())
    return float(total) / count


def _masked_mean_loss(model: nn.Module, batch: torch.Tensor, pad_id: int | None) -> tuple[torch.Tensor, int]:
    """The training loss: mean NLL of the batch's counted positions (and how many there were)."""
    mask = sequence_mask(batch, pad_id)
    nll = _token_nll(model, batch)
    count = int(mask.sum())
    return (nll * mask).sum() / count, count


# ---------------------------------------------------------------------------------------------- training

def train_language_model(train: torch.Tensor, valid: torch.Tensor, vocab_size: int, pad_id: int | None, *,
                         emb_dim: int, hidden_dim: int, batch_size: int, lr: float, max_epochs: int, patience: int,
                         seed: int, device: str | torch.device = "cpu",
                         desc: str = "lm") -> tuple[MLEGenerator, list[dict]]:
    """Train an `MLEGenerator` on `train` [N, T]; return it at its best validation epoch (eval mode) and the history.

    One epoch is one pass over `train` in a fresh seeded order, in batches of
    `batch_size`; the loss is the mean NLL of the batch's counted positions
    (`sequence_mask`), minimised by Adam with the gradient norm clipped at
    5.0. After every epoch the NLL of `valid` is measured (`lm_nll`); training
    stops after `patience` epochs in a row without a lower validation NLL, or
    after `max_epochs`. The epoch with the lowest validation NLL (the first,
    on ties) is restored.

    History: one dict per epoch trained, {"epoch", "train_nll" (token-weighted
    mean of the epoch's batch losses), "valid_nll", "selected" (True for the
    restored epoch only)}.

    Randomness: the weights are initialised under
    `torch.manual_seed(stage_seed(seed, "lm-init"))` (the global generator is
    restored afterwards) and the order of each epoch comes from the
    `"lm-shuffle"` stream, so a seed gives the same model on the same machine.
    """
    _check_positive(vocab_size=vocab_size, emb_dim=emb_dim, hidden_dim=hidden_dim, batch_size=batch_size, lr=lr,
                    max_epochs=max_epochs, patience=patience)
    train = _check_tokens(train, f"{desc} training data", vocab_size)
    valid = _check_tokens(valid, f"{desc} validation data", vocab_size)
    _check_pad(pad_id, vocab_size)
    if train.shape[1] != valid.shape[1]:
        raise UserError(f"{desc}: training sequences have length {train.shape[1]} but validation sequences "
                        f"have length {valid.shape[1]}")
    device = torch.device(device)

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(stage_seed(seed, "lm-init"))
        model = MLEGenerator(MLEConfig(vocab_size=vocab_size, seq_len=train.shape[1],
                                       emb_dim=emb_dim, hidden_dim=hidden_dim))
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    shuffle_gen = torch_generator(seed, "lm-shuffle")

    history: list[dict] = []
    best_epoch, best_nll, best_state, stale = None, math.inf, None, 0
    bar = tqdm(range(1, max_epochs + 1), desc=desc, unit="epoch", file=sys.stderr, mininterval=1.0)
    try:
        for epoch in bar:
            model.train()
            order = torch.randperm(train.shape[0], generator=shuffle_gen)
            total, count = 0.0, 0
            for start in range(0, len(order), batch_size):
                batch = train[order[start:start + batch_size]].to(device)
                loss, n = _masked_mean_loss(model, batch, pad_id)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
                optimizer.step()
                total += float(loss.detach()) * n
                count += n
            model.eval()
            valid_nll = lm_nll(model, valid, pad_id)
            history.append({"epoch": epoch, "train_nll": total / count, "valid_nll": valid_nll, "selected": False})
            bar.set_postfix(train=round(total / count, 3), valid=round(valid_nll, 3))
            if valid_nll < best_nll:
                best_epoch, best_nll, best_state, stale = epoch, valid_nll, state_snapshot(model), 0
            else:
                stale += 1
                if stale >= patience:
                    break
    finally:
        bar.close()
    if best_state is None:  # every validation NLL was NaN
        raise UserError(f"{desc}: the validation NLL was never a number (training diverged); lower lr")
    if best_epoch != history[-1]["epoch"]:
        model.load_state_dict(best_state)
    history[best_epoch - 1]["selected"] = True
    return model.eval(), history


# ---------------------------------------------------------------------------------------------- reverse LM

def reverse_lm_score(samples: torch.Tensor, test: torch.Tensor, vocab_size: int, pad_id: int | None, *,
                     emb_dim: int, hidden_dim: int, batch_size: int, lr: float, epochs: int, valid_fraction: float,
                     patience: int, seed: int, device: str | torch.device = "cpu") -> dict:
    """The reverse-LM score: NLL of the real `test` text under a fresh LM trained on `samples`.

    ceil(valid_fraction · N) of the N sample rows (at least one; drawn by the
    `"reverse-lm-split"` stream of `seed`) are held out for early stopping,
    the rest train an `MLEGenerator` of the given size for at most `epochs`
    epochs (`train_language_model`, same seed). Returns {"reverse_lm_nll":
    masked mean NLL of `test`, "epochs": epochs trained, "selected_epoch":
    the restored epoch, "valid_nll": its NLL on the held-out samples,
    "history": the per-epoch history}. Lower is better: a sampler that
    covers real text trains a better model of it than a collapsed one.
    """
    samples = _check_tokens(samples, "reverse LM samples", vocab_size)
    test = _check_tokens(test, "reverse LM test data", vocab_size)
    if samples.shape[1] != test.shape[1]:
        raise UserError(f"reverse LM: samples have length {samples.shape[1]} but test sequences "
                        f"have length {test.shape[1]}")
    if not 0 <= valid_fraction < 1:
        raise UserError(f"reverse LM: valid_fraction {valid_fraction} must be at least 0 and below 1")
    n = samples.shape[0]
    k = max(1, math.ceil(n * valid_fraction))
    if n - k < 1:
        raise UserError(f"reverse LM: {n} sample rows leave none to train on after holding out {k} for validation")
    order = torch.randperm(n, generator=torch_generator(seed, "reverse-lm-split"))
    held = torch.zeros(n, dtype=torch.bool)
    held[order[:k]] = True
    model, history = train_language_model(samples[~held], samples[held], vocab_size, pad_id, emb_dim=emb_dim,
                                          hidden_dim=hidden_dim, batch_size=batch_size, lr=lr, max_epochs=epochs,
                                          patience=patience, seed=seed, device=device, desc="reverse-lm")
    selected = next(h for h in history if h["selected"])
    return {"reverse_lm_nll": lm_nll(model, test, pad_id), "epochs": len(history),
            "selected_epoch": selected["epoch"], "valid_nll": selected["valid_nll"], "history": history}


# ---------------------------------------------------------------------------------------------- Fréchet distance

@torch.inference_mode()
def sentence_representation(model: MLEGenerator, tokens: torch.Tensor, pad_id: int | None,
                            batch_size: int = 1000) -> torch.Tensor:
    """Each row's representation [N, H] (float32, CPU): the LSTM's hidden output h after its last counted token.

    With L the number of counted positions of the row (`sequence_mask`:
    T when pad_id is None or the row has no pad, p + 1 when its first pad is
    at position p), it is the h of the state after the LSTM has read the
    start token 0 and then x_0..x_{L-1}, the first pad included. This is one
    step further than `forward` reads for a row without a pad (it never
    feeds x_{T-1}): the representation has seen the whole sentence. Later
    pads never change it (the LSTM reads left to right).
    """
    if not (hasattr(model, "embedding") and hasattr(model, "lstm")):
        raise UserError(f"sentence_representation needs an MLEGenerator (embedding and LSTM), "
                        f"got {type(model).__name__}")
    tokens = _check_tokens(tokens, "sentence_representation tokens", _model_vocab(model))
    _check_pad(pad_id, _model_vocab(model))
    _check_positive(batch_size=batch_size)
    device = _model_device(model)
    chunks = []
    for start in range(0, tokens.shape[0], batch_size):
        batch = tokens[start:start + batch_size].to(device)
        lengths = sequence_mask(batch, pad_id).sum(dim=1)  # L per row, 1..T
        inputs = torch.cat([torch.full_like(batch[:, :1], START_TOKEN), batch], dim=1)
        hidden, _ = model.lstm(model.embedding(inputs))  # hidden[:, j]: after reading start, x_0..x_{j-1}
        rows = torch.arange(batch.shape[0], device=device)
        chunks.append(hidden[rows, lengths].float().cpu())
    return torch.cat(chunks)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues from
    rounding set to 0)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _as_gaussian(mu, cov, which: str) -> tuple[np.ndarray, np.ndarray]:
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    if mu.ndim != 1 or cov.shape != (mu.shape[0], mu.shape[0]):
        raise UserError(f"frechet_distance: {which} mean of shape {list(mu.shape)} and covariance of shape "
                        f"{list(cov.shape)} do not fit (expected [D] and [D, D])")
    if not (np.isfinite(mu).all() and np.isfinite(cov).all()):
        raise UserError(f"frechet_distance: {which} mean or covariance is not finite")
    return mu, cov


def frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """The squared Fréchet (2-Wasserstein) distance of N(mu1, cov1) and N(mu2, cov2), as FID reports it.

    d² = |mu1 - mu2|² + tr(C1 + C2 - 2 (C1 C2)^{1/2}). The trace of the
    square root is computed in the symmetric form tr((S C2 S)^{1/2}) with
    S = C1^{1/2} (C1 C2 and S C2 S have the same eigenvalues), each square
    root from an eigendecomposition of a symmetric matrix with negative
    eigenvalues clipped to 0, in float64. So it is defined for singular
    covariances (fewer samples than dimensions) and never complex. The
    result is clipped at 0 against rounding.
    """
    mu1, cov1 = _as_gaussian(mu1, cov1, "first")
    mu2, cov2 = _as_gaussian(mu2, cov2, "second")
    if mu1.shape != mu2.shape:
        raise UserError(f"frechet_distance: the Gaussians have dimensions {mu1.shape[0]} and {mu2.shape[0]}")
    root1 = _psd_sqrt(cov1)
    middle = root1 @ cov2 @ root1
    eigen = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_root = float(np.sqrt(np.clip(eigen, 0.0, None)).sum())
    diff = mu1 - mu2
    d2 = float(diff @ diff) + float(np.trace(cov1)) + float(np.trace(cov2)) - 2.0 * trace_root
    return max(d2, 0.0)


def _rows(x, which: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise UserError(f"frechet_distance_of: {which} must be [samples, dimensions] with at least 2 samples, "
                        f"got shape {list(x.shape)}")
    return x


def frechet_distance_of(x, y) -> float:
    """`frechet_distance` of Gaussians fitted to the rows of `x` [N, D] and `y` [M, D] (means and sample
    covariances with N - 1 and M - 1, float64).

    Applied to `sentence_representation` of samples and of real test text
    under the reference LM, this is the project's own measure, the Fréchet
    distance in the reference LM's space (lower = closer to real text).
    """
    x, y = _rows(x, "first set"), _rows(y, "second set")
    if x.shape[1] != y.shape[1]:
        raise UserError(f"frechet_distance_of: the sets have {x.shape[1]} and {y.shape[1]} dimensions")
    cov_x = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
    cov_y = np.atleast_2d(np.cov(y, rowvar=False, ddof=1))
    return frechet_distance(x.mean(axis=0), cov_x, y.mean(axis=0), cov_y)


# ---------------------------------------------------------------------------------------------- in the pipeline

REFERENCE = "reference_lm"  # the `model` field of a reference LM's checkpoint


def settings_of(block: dict, keys=("emb_dim", "hidden_dim", "batch_size", "lr", "max_epochs", "patience")) -> dict:
    """The training keywords of a config block (evaluate.lm or evaluate.reverse_lm)."""
    return {k: block[k] for k in keys}


def held_out(tokens: torch.Tensor, fraction: float, seed: int, stream: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(the rest, a seeded held-out share of at least one row) of `tokens`."""
    n = tokens.shape[0]
    k = max(1, math.ceil(n * fraction))
    if n - k < 1:
        raise UserError(f"{n} sequences leave none to train on after holding out {k} for validation")
    order = torch.randperm(n, generator=torch_generator(seed, stream))
    held = torch.zeros(n, dtype=torch.bool)
    held[order[:k]] = True
    return tokens[~held], tokens[held]


def train_reference(train: torch.Tensor, test: torch.Tensor, vocab: dict, block: dict, seed: int,
                    device="cpu") -> tuple[dict, dict]:
    """The dataset's reference LM (trained on its training split, early stopping on a held-out share of it) as a
    checkpoint dict, and its report: the test NLL, the epochs, the history."""
    rest, valid = held_out(train, block["validation_fraction"], seed, "reference-lm-split")
    model, history = train_language_model(rest, valid, vocab["size"], vocab.get("pad_id"),
                                          **settings_of(block), seed=seed, device=device, desc="reference LM")
    report = {"test_nll": lm_nll(model, test, vocab.get("pad_id")), "epochs": len(history),
              "selected_epoch": next(h["epoch"] for h in history if h["selected"]),
              "parameters": sum(p.numel() for p in model.parameters()), "settings": dict(block), "history": history}
    ckpt = model.checkpoint(REFERENCE, dict(block), vocab.get("pad_id"))
    return ckpt, report


def load_reference(path) -> MLEGenerator:
    """A reference LM written by `leakgan lm` (one clear line for anything else)."""
    from leakgan.io import read_checkpoint

    ckpt = read_checkpoint(path, "reference LM")
    if ckpt["model"] != REFERENCE:
        raise UserError(f"{path}: a checkpoint of '{ckpt['model']}', not a reference LM; run `leakgan lm`")
    try:
        return MLEGenerator.from_checkpoint(ckpt).eval()
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None


def sample_scores(reference: MLEGenerator, samples: torch.Tensor, test: torch.Tensor, pad_id: int | None) -> dict:
    """The LM score of samples (their per-token NLL under the reference LM; lower: more like real text) and the
    Fréchet distance between the reference LM's representations of the samples and of the real test set."""
    return {"lm_score": lm_nll(reference, samples, pad_id),
            "frechet": frechet_distance_of(sentence_representation(reference, samples, pad_id),
                                           sentence_representation(reference, test, pad_id))}


def reverse_score(samples: torch.Tensor, test: torch.Tensor, vocab: dict, block: dict, seed: int, device="cpu") -> dict:
    """The reverse-LM score of samples with the evaluate.reverse_lm settings: {"reverse_lm_nll", "reverse_lm_epochs"}."""
    out = reverse_lm_score(samples, test, vocab["size"], vocab.get("pad_id"),
                           **{**settings_of(block, ("emb_dim", "hidden_dim", "batch_size", "lr", "patience")),
                              "epochs": block["max_epochs"], "valid_fraction": block["validation_fraction"]},
                           seed=seed, device=device)
    return {"reverse_lm_nll": out["reverse_lm_nll"], "reverse_lm_epochs": out["epochs"]}
