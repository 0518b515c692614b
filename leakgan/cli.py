"""`leakgan <stage> ...`: the command line every Snakemake rule calls.

Only argument handling lives here: each subcommand is `leakgan.stages.<name>`,
imported when it runs (so `leakgan --help` stays fast), with `configure`
declaring its arguments and `main` doing the work. A `UserError` becomes one
line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from leakgan.errors import UserError
from leakgan.stages import STAGES


def build_parser() -> argparse.ArgumentParser:
    from leakgan import __version__

    parser = argparse.ArgumentParser(
        prog="leakgan",
        description="LeakGAN pipeline stages. Snakemake calls these; you can too.",
    )
    parser.add_argument("--version", action="version", version=f"leakgan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="STAGE")
    for name, help_text in STAGES.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        parser.print_usage(sys.stderr)
        print("leakgan: error: give a stage (leakgan --help lists them)", file=sys.stderr)
        return 2
    if argv[0] not in STAGES:
        parser.parse_args(argv)  # --help, --version, or the unknown-command error (exit 2)
        parser.print_help()
        return 2
    name = argv[0]
    try:
        module = importlib.import_module(f"leakgan.stages.{name}")
        stage_parser = argparse.ArgumentParser(prog=f"leakgan {name}", description=STAGES[name])
        module.configure(stage_parser)
        args = stage_parser.parse_args(argv[1:])
        result = module.main(args)
    except UserError as exc:
        print(f"leakgan {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"leakgan {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output went away (`leakgan table ... | head`): stop quietly, as Unix tools do, and keep
        # Python from failing again when it flushes stdout at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
