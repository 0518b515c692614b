"""BLEU-n of generated text against a test set, self-BLEU, and sacrebleu's corpus BLEU against the whole test set.

The paper, Texygen and TextGAN-PyTorch score each generated sentence with
nltk's `sentence_bleu` against the whole test set as its reference set and
average over sentences. nltk rescans every reference for every sentence, so
peers score only a few hundred samples. The score needs only two facts about
the references: the largest count of each n-gram in any one reference (the
clipping limit) and the set of reference lengths (for the brevity penalty).
`ReferenceSet` computes both once; each hypothesis then costs a few dict
look-ups, and every sample is scored, not a subset.

The numbers equal nltk 3.10's `sentence_bleu` with uniform weights, including
its corner cases (tests/unit/eval/test_bleu.py checks this to 1e-9 on real data):
- a sentence with no matching unigram scores exactly 0, whatever the smoothing;
- smoothing "none": a zero n-gram precision of a higher order becomes
  `sys.float_info.min` (so the score is ~1e-150, not exactly 0);
- smoothing "method1" (Texygen's): a zero precision becomes 0.1 / max(1, hypothesis n-grams);
- the n-gram total of a hypothesis shorter than n is taken as 1, not 0;
- the brevity penalty uses the reference length closest to the hypothesis
  length, the shorter one on a tie.
"""
from __future__ import annotations

import math
import sys
from bisect import bisect_left
from collections import Counter
from pathlib import Path
from typing import Hashable, Sequence

from leakgan.errors import UserError

SMOOTHINGS = ("none", "method1")
# Texygen's SmoothingFunction().method1 uses nltk's default epsilon.
METHOD1_EPSILON = 0.1

Sentence = Sequence[Hashable]


def _check_options(max_n: int, smoothing: str) -> None:
    if not isinstance(max_n, int) or max_n < 1:
        raise UserError(f"max_n must be an integer of at least 1 (got {max_n!r}); BLEU-n needs n >= 1")
    if smoothing not in SMOOTHINGS:
        raise UserError(f"unknown smoothing {smoothing!r}; use one of {', '.join(SMOOTHINGS)}")


def bleu_orders(max_n: int) -> list[int]:
    """The BLEU orders reported for `max_n`: 2..max_n as in the paper (just 1 when max_n is 1)."""
    return list(range(min(2, max_n), max_n + 1))


def ngram_counts(tokens: Sentence, max_n: int) -> Counter:
    """Counts of all n-grams of `tokens` for n = 1..max_n, keyed by tuple (its length is n)."""
    tokens = list(tokens)
    grams: list[tuple] = []
    for n in range(1, min(max_n, len(tokens)) + 1):
        grams.extend(zip(*[tokens[i:] for i in range(n)]))
    return Counter(grams)


def _closest_length(lengths: list[int], hyp_len: int, exclude: int | None = None) -> int:
    # `lengths` is sorted and distinct. `exclude` drops one length (self-BLEU:
    # the sentence's own length when no other sentence has it).
    i = bisect_left(lengths, hyp_len)
    below = lengths[i - 1] if i > 0 else None
    j = i + 1 if i < len(lengths) and lengths[i] == exclude else i
    above = lengths[j] if j < len(lengths) else None
    if below is None:
        return above
    if above is None:
        return below
    # nltk breaks ties towards the shorter reference.
    return above if above - hyp_len < hyp_len - below else below


def _sentence_scores(
    clipped: list[int], hyp_len: int, ref_len: int, max_n: int, smoothing: str
) -> dict[int, float]:
    """BLEU-n for each reported n from clipped match counts (index n-1), as nltk computes them."""
    orders = bleu_orders(max_n)
    if clipped[0] == 0:
        # nltk returns 0 before smoothing when no unigram matches (also for empty hypotheses).
        return {n: 0.0 for n in orders}
    log_p = []
    for n in range(1, max_n + 1):
        total = max(1, hyp_len - n + 1)
        if clipped[n - 1]:
            log_p.append(math.log(clipped[n - 1] / total))
        elif smoothing == "none":
            # nltk's method0 stands in the smallest positive float for a zero precision.
            log_p.append(math.log(sys.float_info.min))
        else:
            log_p.append(math.log((0 + METHOD1_EPSILON) / total))
    if hyp_len > ref_len:
        bp = 1.0
    else:
        bp = math.exp(1 - ref_len / hyp_len)
    scores = {}
    for n in orders:
        weight = 1 / n
        scores[n] = bp * math.exp(math.fsum(weight * lp for lp in log_p[:n]))
    return scores


class ReferenceSet:
    """A test set reduced to what BLEU needs: each n-gram's largest count in one reference, and the lengths."""

    def __init__(self, references: Sequence[Sentence], max_n: int = 5):
        _check_options(max_n, "none")
        if len(references) == 0:
            raise UserError("empty reference set: BLEU needs at least one reference sentence")
        self.max_n = max_n
        self.size = len(references)
        max_counts: dict[tuple, int] = {}
        get = max_counts.get
        for reference in references:
            for gram, count in ngram_counts(reference, max_n).items():
                if count > get(gram, 0):
                    max_counts[gram] = count
        self.max_counts = max_counts
        self.lengths = sorted({len(reference) for reference in references})

    def sentence_scores(self, hypothesis: Sentence, smoothing: str = "none") -> dict[int, float]:
        """BLEU-2..max_n of one hypothesis against the whole reference set (nltk sentence_bleu)."""
        _check_options(self.max_n, smoothing)
        return self._score(hypothesis, smoothing, self.max_n)

    def _score(self, hypothesis: Sentence, smoothing: str, max_n: int) -> dict[int, float]:
        # max_n may be below self.max_n: the longer n-grams are then never looked up.
        clipped = [0] * max_n
        get = self.max_counts.get
        for gram, count in ngram_counts(hypothesis, max_n).items():
            limit = get(gram)
            if limit:
                clipped[len(gram) - 1] += count if count < limit else limit
        hyp_len = len(hypothesis)
        ref_len = _closest_length(self.lengths, hyp_len)
        return _sentence_scores(clipped, hyp_len, ref_len, max_n, smoothing)


def _average(per_sentence: list[dict[int, float]], max_n: int) -> dict[int, float]:
    return {n: math.fsum(s[n] for s in per_sentence) / len(per_sentence) for n in bleu_orders(max_n)}


def sentence_bleu_scores(
    hypotheses: Sequence[Sentence], references: Sequence[Sentence] | ReferenceSet,
    max_n: int = 5, smoothing: str = "none",
) -> list[dict[int, float]]:
    """BLEU-2..max_n of every hypothesis, each against all references."""
    _check_options(max_n, smoothing)
    if not isinstance(references, ReferenceSet):
        references = ReferenceSet(references, max_n)
    elif references.max_n < max_n:
        raise UserError(f"reference set was built for n <= {references.max_n}, not {max_n}; rebuild it with max_n={max_n}")
    return [references._score(h, smoothing, max_n) for h in hypotheses]


def bleu_scores(
    hypotheses: Sequence[Sentence], references: Sequence[Sentence] | ReferenceSet,
    max_n: int = 5, smoothing: str = "none",
) -> dict[int, float]:
    """Mean BLEU-2..max_n over all hypotheses, each scored against the whole reference set."""
    if len(hypotheses) == 0:
        raise UserError("no hypotheses to score: BLEU needs at least one generated sentence")
    return _average(sentence_bleu_scores(hypotheses, references, max_n, smoothing), max_n)


def self_bleu_sentence_scores(
    sentences: Sequence[Sentence], max_n: int = 5, smoothing: str = "none"
) -> list[dict[int, float]]:
    """BLEU-2..max_n of each sentence against all the other sentences (leave-one-out)."""
    _check_options(max_n, smoothing)
    if len(sentences) < 2:
        raise UserError(f"self-BLEU needs at least 2 sentences (got {len(sentences)}): each is scored against the others")
    counts = [ngram_counts(s, max_n) for s in sentences]
    # Per n-gram: [largest count, how many sentences have it, largest count below it].
    # The largest count among the *other* sentences follows from these three.
    top: dict[tuple, list[int]] = {}
    for sentence_counts in counts:
        for gram, count in sentence_counts.items():
            entry = top.get(gram)
            if entry is None:
                top[gram] = [count, 1, 0]
            elif count > entry[0]:
                entry[2] = entry[0]
                entry[0] = count
                entry[1] = 1
            elif count == entry[0]:
                entry[1] += 1
            elif count > entry[2]:
                entry[2] = count
    length_counts = Counter(len(s) for s in sentences)
    lengths = sorted(length_counts)
    scores = []
    for sentence, sentence_counts in zip(sentences, counts):
        clipped = [0] * max_n
        for gram, count in sentence_counts.items():
            first, holders, second = top[gram]
            limit = first if count < first or holders > 1 else second
            if limit:
                clipped[len(gram) - 1] += count if count < limit else limit
        hyp_len = len(sentence)
        exclude = hyp_len if length_counts[hyp_len] == 1 else None
        ref_len = _closest_length(lengths, hyp_len, exclude)
        scores.append(_sentence_scores(clipped, hyp_len, ref_len, max_n, smoothing))
    return scores


def self_bleu(sentences: Sequence[Sentence], max_n: int = 5, smoothing: str = "none") -> dict[int, float]:
    """Mean self-BLEU-2..max_n: each sentence scored against all the others (a diversity measure; lower is more diverse)."""
    return _average(self_bleu_sentence_scores(sentences, max_n, smoothing), max_n)


def sacrebleu_corpus(hypotheses: Sequence[Sentence], references: Sequence[Sentence]) -> dict:
    """sacrebleu's corpus BLEU of the samples with the whole test set as every sample's references; score and signature.

    Unconditional samples have no parallel reference, so every hypothesis gets
    all R test sentences as its references, the corpus-level twin of the
    paper's BLEU: the same number `sacrebleu` prints when given R reference
    streams, stream j holding test sentence j on every line (signature
    "nrefs:R"). sacrebleu would build that reference set once per hypothesis
    (H x R sentences); it is the same for every hypothesis, so its clipping
    limits (the largest count of each n-gram in one reference) and reference
    lengths are computed once here, each hypothesis's statistics follow
    sacrebleu's rules (13a tokens, n-grams up to 4, closest reference length,
    the shorter on a tie), and sacrebleu's `BLEU.compute_bleu` turns their sums
    into the score (exp smoothing, its default). Tests check the equality with
    sacrebleu's own multi-reference run. Tokens are joined with spaces first.
    The score grows with R: compare only runs scored against the same test set.
    It is not comparable with machine-translation sacreBLEU numbers.
    """
    from sacrebleu.metrics import BLEU

    if len(hypotheses) == 0:
        raise UserError("no hypotheses to score: corpus BLEU needs at least one generated sentence")
    if len(references) == 0:
        raise UserError("empty reference set: corpus BLEU needs at least one reference sentence")
    bleu = BLEU()
    order = bleu.max_ngram_order

    def tokens(sentence: Sentence) -> list[str]:
        # what sacrebleu does to a line: strip the right end, tokenize (13a), split at spaces
        return bleu.tokenizer(" ".join(map(str, sentence)).rstrip()).split()

    limits: dict[tuple, int] = {}
    lengths = set()
    for reference in references:
        words = tokens(reference)
        lengths.add(len(words))
        for gram, count in ngram_counts(words, order).items():
            if count > limits.get(gram, 0):
                limits[gram] = count
    ref_lengths = sorted(lengths)
    correct, total = [0] * order, [0] * order
    sys_len = ref_len = 0
    for hypothesis in hypotheses:
        words = tokens(hypothesis)
        sys_len += len(words)
        ref_len += _closest_length(ref_lengths, len(words))
        for gram, count in ngram_counts(words, order).items():
            total[len(gram) - 1] += count
            correct[len(gram) - 1] += min(count, limits.get(gram, 0))
    result = BLEU.compute_bleu(correct, total, sys_len, ref_len, smooth_method=bleu.smooth_method,
                               smooth_value=bleu.smooth_value, effective_order=bleu.effective_order,
                               max_ngram_order=order)
    bleu.num_refs = len(references)  # what sacrebleu records when it reads R reference streams
    return {"score": float(result.score), "signature": str(bleu.get_signature())}


def read_sentences(path: str | Path, role: str, keep_blank: bool) -> list[list[str]]:
    """Read one whitespace-tokenized sentence per line; stop with a one-line message on bad input."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: {role} file not found; give a text file with one sentence per line")
    try:
        # utf-8-sig: a byte-order mark would otherwise glue itself to the first token.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 (bad byte at offset {exc.start}); re-encode the {role} file as UTF-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    sentences = [line.split() for line in lines]
    if not keep_blank:
        sentences = [s for s in sentences if s]
    if not any(sentences):
        raise UserError(f"{path}: no sentences in the {role} file; it needs one whitespace-tokenized sentence per line")
    return sentences
