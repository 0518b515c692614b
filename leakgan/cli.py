"""`leakgan <stage> ...`: the command line every Snakemake rule calls.

Each subcommand lives in the module that implements it; that module offers
`configure(parser)` to declare its arguments and `run(args)` to do the work.
Modules are imported only when their subcommand runs, so `leakgan --help`
stays fast and a missing optional piece cannot break the other stages.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from leakgan.errors import UserError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "oracle": ("leakgan.data.synthetic", "build the synthetic oracle and sample its train/test sequences"),
    "pretrain": ("leakgan.train.pretrain", "train a model on the training data (MLE; LeakGAN pretraining)"),
    "adversarial": ("leakgan.train.adversarial", "LeakGAN adversarial training from a pretrained checkpoint"),
    "sample": ("leakgan.train.sample", "sample sequences from a trained model"),
    "evaluate": ("leakgan.metrics.evaluate", "score a model's samples (oracle NLL, NLL-test, BLEU)"),
    "collect": ("leakgan.metrics.evaluate", "gather per-model scores into results/<dataset>/nll.json or bleu.json"),
    "table": ("leakgan.metrics.table", "print the results table of an nll.json or bleu.json"),
    "report": ("leakgan.metrics.report", "write the paper's tables and Figure 2 beside ours (Markdown, HTML, PNG)"),
    "prepare": ("leakgan.data.corpus", "turn a raw corpus into filtered token files"),
    "download": ("leakgan.data.download", "download a raw corpus with checksum verification"),
    "bleu": ("leakgan.metrics.bleu", "BLEU-2..n of a hypothesis file against a reference file"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leakgan",
        description="LeakGAN pipeline stages. Snakemake calls these; you can too.",
    )
    sub = parser.add_subparsers(dest="command", metavar="STAGE")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        args = parser.parse_args(argv)  # prints help or the unknown-command error
        parser.print_help()
        return 0 if args.command is None and not argv else 2
    name = argv[0]
    module_name, help_text = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("leakgan"):
            print(f"leakgan {name}: this stage is not available in this version", file=sys.stderr)
            return 2
        raise
    stage_parser = argparse.ArgumentParser(prog=f"leakgan {name}", description=help_text)
    configure = getattr(module, f"configure_{name}", None) or module.configure
    run = getattr(module, f"run_{name}", None) or module.run
    configure(stage_parser)
    args = stage_parser.parse_args(argv[1:])
    try:
        result = run(args)
    except UserError as exc:
        print(f"leakgan {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"leakgan {name}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
