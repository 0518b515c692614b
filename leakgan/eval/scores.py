"""A model's scores on its samples: oracle NLL and NLL-test (synthetic), BLEU and self-BLEU (text); THE decode.

A generated sentence of real text ends at its first padding token (the
end-of-sentence the model chose): `decode` keeps the words before it and
drops the rest, for BLEU, for the samples files and for `leakgan generate`
alike.
"""
from __future__ import annotations

import math

import torch

from leakgan.errors import UserError


def sentence_ids(row: list[int], pad_id: int | None) -> list[int]:
    """The token ids of one generated sequence up to its first padding token (all of it on synthetic data)."""
    if pad_id is not None and pad_id in row:
        return row[:row.index(pad_id)]
    return row


def decode(tokens: torch.Tensor, vocab: dict, vocab_path: str = "vocab.json") -> list[list[str]]:
    """Token ids → the words of each sentence, cut at its first padding token (real text: the vocabulary
    lists the words)."""
    words = vocab.get("tokens")
    if not words:
        raise UserError(f"{vocab_path}: has no 'tokens' list to decode with; re-run the data stage")
    pad = vocab.get("pad_id")
    return [[words[t] for t in sentence_ids(row, pad)] for row in tokens.tolist()]


def format_lines(rows: list[list[int]], vocab: dict | None, pad_id: int | None = None) -> str:
    """One line per sequence, cut at its first padding token: words when the vocabulary lists them, else ids."""
    words = vocab.get("tokens") if vocab else None
    pad = vocab.get("pad_id") if vocab else pad_id
    lines = (sentence_ids(row, pad) for row in rows)
    return "".join((" ".join(words[t] for t in ids) if words else " ".join(str(t) for t in ids)) + "\n"
                   for ids in lines)


def text_scores(hypotheses: list[list[str]], references: list[list[str]], max_n: int, smoothing: str) -> dict:
    """BLEU-2..max_n against the whole test set, self-BLEU, and sacrebleu's corpus BLEU with the whole test set
    as every sample's references (its signature says nrefs:<test sentences>)."""
    from leakgan.eval.bleu import bleu_scores, sacrebleu_corpus, self_bleu

    references = [r for r in references if r]
    bleu = bleu_scores(hypotheses, references, max_n=max_n, smoothing=smoothing)
    out = {f"bleu{n}": v for n, v in bleu.items()}
    if len(hypotheses) >= 2:
        out.update({f"self_bleu{n}": v for n, v in self_bleu(hypotheses, max_n=max_n, smoothing=smoothing).items()})
    sacre = sacrebleu_corpus(hypotheses, references)
    out["sacrebleu"] = sacre["score"]
    out["sacrebleu_signature"] = sacre["signature"]
    out["smoothing"] = smoothing
    return out


def score_samples(kind: str, samples: torch.Tensor, test: torch.Tensor, vocab: dict, vocab_path: str,
                  temperature: float, model=None, oracle=None, batch_size: int = 1000, max_n: int = 5,
                  smoothing: str = "none", source: str = "samples", test_sequences: int | None = None,
                  reference_lm=None) -> tuple[dict, list[list[str]] | None]:
    """The scores of one set of samples drawn at α = temperature, and the decoded sentences (text data).

    Synthetic: oracle NLL of the samples; NLL-test of the model at α (logits / α) on the first
    `test_sequences` test sequences (all when None), or of the oracle itself when there is no model (the
    "real" row). Text: BLEU-2..max_n against the whole test set, self-BLEU, and with `reference_lm` the LM
    score and the Fréchet distance (leakgan.eval.lm).
    """
    scores: dict = {"temperature": temperature, "num_samples": int(samples.shape[0])}
    nll_test = test if test_sequences is None else test[:test_sequences]
    if oracle is not None:
        scores["oracle_nll"] = oracle.nll(samples, batch_size)
    if model is not None:
        # NLL-test of the model as sampled: softmax(logits / α), so both frontier axes move with α
        scores["nll_test"] = model.nll(nll_test, batch_size, temperature=temperature)
    elif oracle is not None:
        # The real data's NLL-test: the oracle's own NLL on held-out oracle data.
        scores["nll_test"] = oracle.nll(nll_test, batch_size)
    if test_sequences is not None:
        scores["test_sequences"] = int(nll_test.shape[0])
    hypotheses = None
    if kind == "text":
        hypotheses = decode(samples, vocab, vocab_path)
        scores.update(text_scores(hypotheses, decode(test, vocab, vocab_path), max_n, smoothing))
        if reference_lm is not None:
            from leakgan.eval.lm import sample_scores

            scores.update(sample_scores(reference_lm, samples, test, vocab.get("pad_id")))
    for key, value in scores.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{source}: {key} is {value}; the model diverged — lower its learning rate")
    return scores, hypotheses


def curve_point_scores(samples: torch.Tensor, oracle, references, pad_id: int | None) -> dict:
    """Oracle NLL of the samples (synthetic), or their BLEU-2 against the test sentences (real text).

    `references`: the `reference_set` of the test data, or None.
    """
    if oracle is not None:
        return {"oracle_nll": oracle.nll(samples)}
    if references is not None:
        from leakgan.eval.bleu import bleu_scores

        hypotheses = [sentence_ids(row, pad_id) for row in samples.tolist()]
        return {"bleu2": bleu_scores(hypotheses, references, max_n=2)[2]}
    return {}


def reference_set(test: torch.Tensor, pad_id: int | None):
    """The test sentences as a BLEU-2 reference set (cut at their padding, empty ones dropped); None if none is left."""
    from leakgan.eval.bleu import ReferenceSet

    rows = [r for r in (sentence_ids(row, pad_id) for row in test.tolist()) if r]
    return ReferenceSet(rows, max_n=2) if rows else None
