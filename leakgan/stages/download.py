"""`leakgan download URL --out FILE`: fetch a raw corpus, resumably, with checksum verification."""
from __future__ import annotations

import argparse
import sys

from leakgan.data.download import download


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of `leakgan download`."""
    parser.add_argument("url", help="http(s) or file URL of the raw corpus")
    parser.add_argument("--out", required=True, help="where to put the downloaded file")
    parser.add_argument("--sha256", default=None, help="expected sha256 (hex); the download fails if it differs")
    parser.add_argument("--retries", type=int, default=3, help="resume attempts after a broken connection (default 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds without data before a try fails (default 60)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    """Download one file (see `download`)."""
    path = download(args.url, args.out, args.sha256 or None, args.retries, args.timeout, progress=not args.no_progress)
    print(f"{path}: {path.stat().st_size} bytes", file=sys.stderr)
    return 0
