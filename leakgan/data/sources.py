"""Where a text dataset's raw files come from: a URL to download or a local path used in place.

The Snakemake rules call these helpers so that a rule stays a few lines: a URL
source becomes `resources/raw/<dataset>/<file name>` (made by the download
rule), a local path is read where it lies.
"""
from __future__ import annotations

import posixpath
import shlex
from typing import Mapping
from urllib.parse import unquote, urlparse

RAW_DIR = "resources/raw"
URL_SCHEMES = ("http", "https", "file")
ROLES = (("source", "sha256"), ("test_source", "test_sha256"))


def is_url(source: str) -> bool:
    """True when `source` is an http, https or file URL (to download) rather than a local path."""
    return urlparse(str(source)).scheme in URL_SCHEMES


def _filename(url: str) -> str:
    name = posixpath.basename(unquote(urlparse(url).path))
    return name or "download"


def raw_files(dataset: str, block: Mapping) -> dict[str, str]:
    """Map 'source' / 'test_source' to the file the prepare stage reads (download target or local path)."""
    out: dict[str, str] = {}
    taken: dict[str, str] = {}
    for role, _ in ROLES:
        source = block.get(role)
        if not source:
            continue
        if not is_url(source):
            out[role] = str(source)
            continue
        name = _filename(source)
        # Two different URLs with the same file name must not share a target.
        if name in taken and taken[name] != source:
            name = f"{role}-{name}"
        taken[name] = source
        out[role] = f"{RAW_DIR}/{dataset}/{name}"
    return out


def download_spec(dataset: str, block: Mapping, filename: str) -> tuple[str, str | None]:
    """The URL and expected sha256 of the raw file `filename` of a dataset (for the download rule)."""
    for role, sha_key in ROLES:
        if raw_files(dataset, block).get(role) == f"{RAW_DIR}/{dataset}/{filename}" and is_url(block[role]):
            return str(block[role]), block.get(sha_key)
    raise ValueError(f"datasets.{dataset} has no URL source that downloads to {filename}")


def download_args(dataset: str, block: Mapping, filename: str) -> str:
    """Shell-quoted arguments of `leakgan download` for one raw file."""
    url, sha = download_spec(dataset, block, filename)
    return shlex.quote(url) + (f" --sha256 {shlex.quote(sha)}" if sha else "")


def test_source_arg(input_files) -> str:
    """`--test-source PATH` when the prepare rule has a test_source input, else empty."""
    path = getattr(input_files, "test_source", None)
    return f"--test-source {shlex.quote(str(path))}" if path else ""
