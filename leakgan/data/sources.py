"""Where a text dataset's raw files come from: a URL to download or a local path used in place.

The Snakemake rules call these helpers so that a rule stays a few lines: a URL
source becomes `resources/downloads/<dataset>/<safe file name>` (made by the
download rule), a local path is read where it lies (including anything the
user put under `resources/raw/`, which no rule ever writes).

Download file names never carry raw URL text: the URL's last path segment is
reduced to letters, digits, '.', '_' and '-', with a short hash of the whole
URL in front, so two URLs never share a file and no name can reach a shell
as anything but a plain word.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from typing import Mapping
from urllib.parse import unquote, urlparse

DOWNLOAD_DIR = "resources/downloads"
URL_SCHEMES = ("http", "https", "file")
ROLES = (("source", "sha256"), ("test_source", "test_sha256"))
SAFE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"  # the download rule's {filename} wildcard


def is_url(source: str) -> bool:
    """True when `source` is an http, https or file URL (to download) rather than a local path."""
    return urlparse(str(source)).scheme in URL_SCHEMES


def download_name(url: str) -> str:
    """`<8 hex of sha256(url)>-<last path segment made safe>`: the local name of a downloaded source."""
    base = posixpath.basename(unquote(urlparse(url).path))
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")[:80] or "download"
    return f"{hashlib.sha256(url.encode()).hexdigest()[:8]}-{safe}"


def raw_files(dataset: str, block: Mapping) -> dict[str, str]:
    """Map 'source' / 'test_source' to the file the prepare stage reads (download target or local path)."""
    out: dict[str, str] = {}
    for role, _ in ROLES:
        source = block.get(role)
        if not source:
            continue
        out[role] = f"{DOWNLOAD_DIR}/{dataset}/{download_name(source)}" if is_url(source) else str(source)
    return out


def download_spec(dataset: str, block: Mapping, filename: str) -> tuple[str, str | None]:
    """The URL and expected sha256 of the download `filename` of a dataset (for the download rule)."""
    for role, sha_key in ROLES:
        source = block.get(role)
        if source and is_url(source) and download_name(source) == filename:
            return str(source), block.get(sha_key)
    raise ValueError(f"datasets.{dataset} has no URL source that downloads to {filename}")
