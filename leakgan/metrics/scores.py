"""A model's scores on its samples: oracle NLL and NLL-test (synthetic), BLEU and self-BLEU (text)."""
from __future__ import annotations

import torch

from leakgan.errors import UserError


def decode(tokens: torch.Tensor, vocab: dict, vocab_path: str = "vocab.json") -> list[list[str]]:
    """Token ids → words, padding removed (real text; the vocabulary lists the words)."""
    words = vocab.get("tokens")
    if not words:
        raise UserError(f"{vocab_path}: has no 'tokens' list to decode with; re-run the data stage")
    pad = vocab.get("pad_id")
    return [[words[t] for t in row if t != pad] for row in tokens.tolist()]


def text_scores(hypotheses: list[list[str]], references: list[list[str]], max_n: int, smoothing: str) -> dict:
    """BLEU-2..max_n against the whole test set, self-BLEU, and sacrebleu's corpus BLEU with the whole test set
    as every sample's references (its signature says nrefs:<test sentences>)."""
    from leakgan.metrics.bleu import bleu_scores, sacrebleu_corpus, self_bleu

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
