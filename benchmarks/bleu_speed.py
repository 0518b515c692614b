"""Test-set BLEU-2..5 speed: leakgan.eval.bleu vs nltk's sentence_bleu, as peers call it.

10,000 COCO training captions as hypotheses against the 10,000 (9,999) test
captions as references. nltk rescans all references for each hypothesis, so it
runs on a 100-hypothesis slice and its time is extrapolated; the script also
checks that our scores on that slice equal nltk's.

    .venv/bin/python benchmarks/bleu_speed.py [--data ../shared/data] [--nltk-slice 100]
    .venv/bin/python benchmarks/bleu_speed.py --smoke    # 300 x 300 captions, a 10-hypothesis nltk slice
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from leakgan.eval.bleu import ReferenceSet, bleu_scores, sentence_bleu_scores

ORDERS = (2, 3, 4, 5)
# --smoke: every step at sizes that take seconds (explicit options still win).
SMOKE = dict(hypotheses=300, references=300, nltk_slice=10)


def read(path: Path, limit: int) -> list[list[str]]:
    """First `limit` non-blank lines of `path`, whitespace-tokenized."""
    with open(path, encoding="utf-8") as handle:
        return [line.split() for line in handle if line.strip()][:limit]


def nltk_bleu(hypotheses, references, smoothing):
    """Per-hypothesis BLEU-2..5 with nltk, one call per hypothesis for all four weights (nltk's fastest use)."""
    function = None if smoothing == "none" else SmoothingFunction(epsilon=0.1).method1
    weights = [tuple([1 / n] * n) for n in ORDERS]
    scores = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for hypothesis in hypotheses:
            values = sentence_bleu(references, hypothesis, weights, smoothing_function=function)
            scores.append(dict(zip(ORDERS, values if isinstance(values, list) else [values] * 4)))
    return scores


def main() -> int:
    """Score with both implementations, check they agree on the slice, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument("--hypotheses", type=int, default=10_000)
    parser.add_argument("--references", type=int, default=10_000)
    parser.add_argument("--nltk-slice", type=int, default=100)
    parser.add_argument("--smoothing", choices=("none", "method1"), default="none")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes to check that every step runs; without the shared data, skip and exit 0")
    args = parser.parse_args()
    if args.smoke:
        parser.set_defaults(**SMOKE)
        args = parser.parse_args()

    hyps_path, refs_path = args.data / "coco" / "train_captions.txt", args.data / "coco" / "test_captions.txt"
    for path in (hyps_path, refs_path):
        if not path.is_file():
            if args.smoke:
                print(f"smoke: skipped, the shared data are absent (coco/{path.name} not found under --data)")
                return 0
            print(f"coco/{path.name}: not found; pass --data pointing at the shared data folder", file=sys.stderr)
            return 2
    hypotheses = read(hyps_path, args.hypotheses)
    references = read(refs_path, args.references)

    start = time.perf_counter()
    reference_set = ReferenceSet(references, max_n=5)
    built = time.perf_counter()
    ours = bleu_scores(hypotheses, reference_set, max_n=5, smoothing=args.smoothing)
    ours_s = time.perf_counter() - start
    build_s = built - start

    piece = hypotheses[: args.nltk_slice]
    start = time.perf_counter()
    theirs = nltk_bleu(piece, references, args.smoothing)
    nltk_slice_s = time.perf_counter() - start
    nltk_full_s = nltk_slice_s * len(hypotheses) / len(piece)

    ours_piece = sentence_bleu_scores(piece, reference_set, max_n=5, smoothing=args.smoothing)
    worst = max(abs(a[n] - b[n]) for a, b in zip(ours_piece, theirs) for n in ORDERS)

    print(f"BLEU-2..5, {len(hypotheses)} hypotheses x {len(references)} references (COCO captions), "
          f"smoothing {args.smoothing}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, single process")
    print()
    rows = [
        ("implementation", "hypotheses", "seconds", "s / 10k hyps"),
        ("leakgan (all, incl. reference stats)", str(len(hypotheses)), f"{ours_s:.2f}",
         f"{ours_s * 10_000 / len(hypotheses):.2f}"),
        ("  of which reference stats", "-", f"{build_s:.2f}", "-"),
        ("nltk sentence_bleu (slice)", str(len(piece)), f"{nltk_slice_s:.2f}",
         f"{nltk_full_s * 10_000 / len(hypotheses):.1f} (extrapolated)"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    print()
    print(f"speed-up (nltk extrapolated / ours): {nltk_full_s / ours_s:.0f}x")
    print(f"max |ours - nltk| on the {len(piece)}-hypothesis slice, BLEU-2..5: {worst:.3g}"
          f" -> {'EQUAL' if worst <= 1e-9 else 'DIFFERENT'}")
    print("mean scores (all hypotheses): " + ", ".join(f"BLEU-{n} {ours[n]:.4f}" for n in ORDERS))
    return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
