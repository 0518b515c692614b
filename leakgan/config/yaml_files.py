"""Reading YAML config files safely: plain data only, aliases and nesting bounded, one clear line on error.

YAML aliases are shared references: ten nested aliases of ten items each
("billion laughs") are a few hundred bytes of file but 10^10 values to any
code that walks them. The loader counts the values a document expands to
(each shared node counted once per use, computed without expanding it) and
refuses a file above `MAX_VALUES`, and refuses nesting deeper than
`MAX_DEPTH`, before anything else reads it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from leakgan.errors import UserError

MAX_VALUES = 1_000_000  # values a config may expand to (config.yaml itself: about 900)
MAX_DEPTH = 64  # nesting of mappings and lists (config.yaml itself: 5)


def expanded_size(node: Any, depth: int = 0, memo: dict | None = None) -> tuple[int, int]:
    """(values, depth) of plain data with every shared reference expanded, computed in time linear in the
    distinct objects; raises ValueError past MAX_DEPTH."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, dict):
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return 1, 0
    size, deepest = 1, 0
    for child in children:
        child_size, child_depth = expanded_size(child, depth + 1, memo)
        size += child_size
        deepest = max(deepest, child_depth + 1)
    memo[key] = (size, deepest)
    return size, deepest


def check_size(data: Any, where: str) -> None:
    """One line when data (from a file or the command line) expands to too many values or nests too deep."""
    try:
        size, _ = expanded_size(data)
    except (ValueError, RecursionError):
        raise UserError(f"{where}: nested deeper than {MAX_DEPTH} levels; a config is a few levels of mappings") from None
    if size > MAX_VALUES:
        raise UserError(f"{where}: its aliases expand to more than {MAX_VALUES:,} values (a YAML alias bomb?); "
                        "write the values out or use fewer aliases")


def load_yaml(path: str | Path) -> Any:
    """The plain data of a YAML file (safe loader), bounded as the module says; one line naming the file on error."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise UserError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise UserError(f"{path}: a folder, not a config file") from None
    except RecursionError:
        raise UserError(f"{path}: nested deeper than {MAX_DEPTH} levels; a config is a few levels of mappings") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    check_size(data, str(path))
    return data


def read_yaml(path: str | Path) -> dict:
    """A YAML config file as a mapping, or one clear line."""
    raw = load_yaml(path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping of config keys at the top level")
    return raw
