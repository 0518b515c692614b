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

import errno
import hashlib
import os
import posixpath
import re
from typing import Callable, Mapping
from urllib.parse import unquote, urlparse

from leakgan.errors import UserError

DOWNLOAD_DIR = "resources/downloads"
URL_SCHEMES = ("http", "https", "file")
ROLES = (("source", "sha256"), ("test_source", "test_sha256"))
SAFE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"  # the download rule's {filename} wildcard
FINGERPRINT_CHUNK = 1 << 20  # a local source's fingerprint hashes its first, middle and last MiB


def is_url(source: str) -> bool:
    """True when `source` is an http, https or file URL (to download) rather than a local path."""
    return urlparse(str(source)).scheme in URL_SCHEMES


def download_name(url: str) -> str:
    """`<8 hex of sha256(url)>-<last path segment made safe>`: the local name of a downloaded source."""
    base = posixpath.basename(unquote(urlparse(url).path))
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")[:80] or "download"
    return f"{hashlib.sha256(url.encode()).hexdigest()[:8]}-{safe}"


def raw_files(dataset: str, block: Mapping, local: Callable[[str], object] = str) -> dict[str, object]:
    """Map 'source' / 'test_source' to the file the prepare stage reads (download target or local path); `local`
    wraps each local path (the prepare rule passes Snakemake's `ancient`)."""
    out: dict[str, object] = {}
    for role, _ in ROLES:
        source = block.get(role)
        if not source:
            continue
        out[role] = f"{DOWNLOAD_DIR}/{dataset}/{download_name(source)}" if is_url(source) else local(str(source))
    return out


def download_spec(dataset: str, block: Mapping, filename: str) -> tuple[str, str | None]:
    """The URL and expected sha256 of the download `filename` of a dataset (for the download rule)."""
    for role, sha_key in ROLES:
        source = block.get(role)
        if source and is_url(source) and download_name(source) == filename:
            return str(source), block.get(sha_key)
    raise ValueError(f"datasets.{dataset} has no URL source that downloads to {filename}")


def fingerprint(path: str | os.PathLike) -> str:
    """`<size>:<sha256 of the first, middle and last MiB>` of a file (the whole file when it is 3 MiB or less).

    The prepare rule's params carry it for every local source, so a corpus whose content changed is prepared
    again even when its modification time did not move forward (`cp -p`, `tar`, `curl -R`, `rsync -t` keep the
    old one). Three MiB are read whatever the file's size (milliseconds on a multi-GB corpus, no full pass at
    every dry run); an edit that keeps the size and touches none of those three MiB goes unseen: `--forcerun
    prepare` (the prepare rule reads local sources as `ancient`, so touching the file does nothing). '-' for a
    file that cannot be read (Snakemake names a missing input itself).
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            digest = hashlib.sha256()
            if size <= 3 * FINGERPRINT_CHUNK:
                digest.update(handle.read())
            else:
                for offset in (0, (size - FINGERPRINT_CHUNK) // 2, size - FINGERPRINT_CHUNK):
                    handle.seek(offset)
                    digest.update(handle.read(FINGERPRINT_CHUNK))
    except OSError:
        return "-"
    return f"{size}:{digest.hexdigest()}"


def local_fingerprints(block: Mapping) -> str:
    """'source=<fingerprint> test_source=<fingerprint>' of a text dataset's local source files (URL sources have
    none: their downloads change only when downloaded again, with a new modification time, and carry a sha256)."""
    return " ".join(f"{role}={fingerprint(block[role])}" for role, _ in ROLES
                    if block.get(role) and not is_url(block[role]))


def check_local_sources(datasets: Mapping) -> None:
    """One clear line for a local `source` / `test_source` that is a symbolic link leading nowhere (dangling, or
    a loop of links): Snakemake would otherwise stop with a message about a missing input or a file "deleted by a
    concurrent process". A plain missing file is left to Snakemake, which names it when a target needs it."""
    for name, block in datasets.items():
        if not isinstance(block, Mapping) or block.get("type") != "text":
            continue
        for role, _ in ROLES:
            source = block.get(role)
            if not source or is_url(source) or not os.path.islink(source) or os.path.exists(source):
                continue
            try:
                os.stat(source)
                continue  # readable after all (a link fixed meanwhile)
            except OSError as exc:
                why = ("is a loop of symbolic links" if exc.errno == errno.ELOOP else
                       f"is a symbolic link to {os.readlink(source)}, which does not exist")
            raise UserError(f"config key 'datasets.{name}.{role}': {source} {why}; "
                            "point it (or the link) at the corpus file")
