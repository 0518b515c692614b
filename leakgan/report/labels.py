"""How the report names models: every name comes with the labels of the result it is reported from.

Labels are the registry's (the paper's names), the oracle's "Real" row, and
the ablation arms a results file names in its `labels` field. Nothing is
remembered between results: each table and figure is given its labels.
"""
from __future__ import annotations

from leakgan import registry
from leakgan.layout import split_entry
from leakgan.report.paper_numbers import PAPER_ORDER, REAL

MISSING = "-"


def labels_of(result: dict) -> dict[str, str]:
    """Result key -> label, in the report's row order: the paper's rows in its order, every other registered
    model, then the arms the result names."""
    registered = {name: spec.label for name, spec in registry.models().items()}
    known = {REAL: "Real", **registered}
    ordered = {name: known[name] for name in PAPER_ORDER if name in known}
    return {**ordered, **registered, **(result.get("labels") or {})}


def alpha_text(value) -> str:
    return MISSING if value is None else f"{value:g}"


def model_label(labels: dict[str, str], name: str, scores: dict | None = None) -> str:
    """'leakgan' -> 'LeakGAN'; a `_matched` entry names the α it was sampled at."""
    base, matched = split_entry(name)
    label = labels.get(base, base)
    if matched:
        alpha = (scores or {}).get("temperature")
        return f"{label} (α={alpha_text(alpha)})" if alpha is not None else f"{label} (matched α)"
    return label


def row_order(labels: dict[str, str], names) -> list[str]:
    """Paper models first in the paper's order (each `_matched` variant after its model), then the rest."""
    order = list(labels)

    def key(name):
        base, matched = split_entry(name)
        return (order.index(base) if base in order else len(order), base, matched)

    return sorted(names, key=key)
