"""`leakgan bleu HYPS REFS`: BLEU-2..n (and self-BLEU) of a hypothesis file against a reference file."""
from __future__ import annotations

import argparse
import json

from leakgan.eval.bleu import SMOOTHINGS, _check_options, bleu_orders, bleu_scores, read_sentences, self_bleu


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of `leakgan bleu`."""
    parser.add_argument("hyps", metavar="HYPS", help="generated sentences, one per line, tokens separated by spaces (blank lines are empty sentences and score 0)")
    parser.add_argument("refs", metavar="REFS", help="reference (test) sentences, one per line (blank lines are skipped)")
    parser.add_argument("--max-n", type=int, default=5, help="report BLEU-2..max-n (default 5)")
    parser.add_argument("--smoothing", choices=SMOOTHINGS, default="none",
                        help="none: the paper's nltk default; method1: Texygen's (epsilon 0.1 for zero counts)")
    parser.add_argument("--self-bleu", action="store_true", help="also report self-BLEU of HYPS (each against the other hypotheses)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def main(args: argparse.Namespace) -> int:
    """Score HYPS against REFS and print BLEU-2..max-n (and self-BLEU) as a table or JSON."""
    _check_options(args.max_n, args.smoothing)
    hypotheses = read_sentences(args.hyps, "hypothesis", keep_blank=True)
    references = read_sentences(args.refs, "reference", keep_blank=False)
    results = {"bleu": bleu_scores(hypotheses, references, args.max_n, args.smoothing)}
    if args.self_bleu:
        results["self_bleu"] = self_bleu(hypotheses, args.max_n, args.smoothing)
    if args.json:
        out = {
            "hypotheses": len(hypotheses), "references": len(references),
            "max_n": args.max_n, "smoothing": args.smoothing,
        }
        out.update({name: {str(n): v for n, v in scores.items()} for name, scores in results.items()})
        print(json.dumps(out, sort_keys=True))
        return 0
    print(f"{len(hypotheses)} hypotheses vs {len(references)} references, smoothing {args.smoothing}")
    header = ["n"] + [name.replace("_", "-").replace("bleu", "BLEU") for name in results]
    rows = [[str(n)] + [f"{results[name][n]:.6f}" for name in results] for n in bleu_orders(args.max_n)]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    return 0
