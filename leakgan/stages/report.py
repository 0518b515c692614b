"""`leakgan report`: the paper's tables beside ours (Markdown, HTML) and the Figure 2 style curve (PNG)."""
from __future__ import annotations

import argparse

from leakgan.errors import UserError
from leakgan.io import read_json, write_text
from leakgan.report.plots import plot_curves, plot_frontier
from leakgan.report.render import html_report, markdown_report
from leakgan.report.samples import read_samples
from leakgan.report.tables import check_result, is_nll_result


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", help="nll.json / bleu.json files, in the order to report them")
    parser.add_argument("--markdown", help="write the tables (and samples) as Markdown here")
    parser.add_argument("--html", help="write the same as a self-contained HTML page here")
    parser.add_argument("--figure", help="write the training curves PNG (oracle NLL, or BLEU-2 on real text) of the "
                                         "one results file given here")
    parser.add_argument("--frontier", help="write the quality-diversity frontier PNG of the one result file given here")
    parser.add_argument("--num-samples", type=int, default=20,
                        help="random samples shown per model for real text, read from <model>/samples.txt beside "
                             "each bleu.json (default 20; 0 = none)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the sample draw (default 42, the workflow's `seed`)")


def main(args: argparse.Namespace) -> int:
    if not (args.markdown or args.html or args.figure or args.frontier):
        raise UserError("nothing to write: give --markdown, --html, --figure and/or --frontier")
    if args.num_samples < 0:
        raise UserError(f"--num-samples must be 0 or more, got {args.num_samples}")
    loaded = []
    for path in args.results:
        result = read_json(path)
        check_result(result, path)
        loaded.append((path, result))
    if args.figure:
        if len(loaded) != 1:
            raise UserError("--figure draws one dataset: give exactly one nll.json or bleu.json")
        plot_curves(loaded[0][1], args.figure)
    if args.frontier:
        if len(loaded) != 1:
            raise UserError("--frontier draws one dataset: give exactly one nll.json or bleu.json")
        plot_frontier(loaded[0][1], args.frontier)
    if args.markdown or args.html:
        sections = []
        for path, result in loaded:
            samples = None
            if not is_nll_result(result) and args.num_samples:
                samples = read_samples(path, result, args.num_samples, args.seed)
            sections.append((result, samples))
        if args.markdown:
            write_text(args.markdown, markdown_report(sections))
        if args.html:
            write_text(args.html, html_report(sections))
    return 0
