"""A few seeded random samples per model for the report's real-text sections, read from the samples files."""
from __future__ import annotations

import random
from pathlib import Path

from leakgan import layout
from leakgan.errors import UserError
from leakgan.report.labels import labels_of, row_order


def pick_samples(lines: list[str], k: int, seed: int, stream: str) -> list[str]:
    """k lines drawn without replacement by a seeded generator, in file order (all lines if fewer)."""
    if len(lines) <= k:
        return list(lines)
    # A str seed is hashed with SHA-512 by `random`, so the draw is the same on every run and machine.
    picked = random.Random(f"{seed}:{stream}").sample(range(len(lines)), k)
    return [lines[i] for i in sorted(picked)]


def samples_path(result_path: str | Path, entry: str, seed: int | None = None) -> Path:
    """Where the evaluate stage put an entry's decoded samples: beside one seed's bleu.json, or in the first
    seed's folder beside an aggregate bleu.json."""
    model, matched = layout.split_entry(entry)
    folder = Path(result_path).parent
    if seed is not None:
        folder = folder / f"seed{int(seed)}"
    return layout.under(folder, layout.SAMPLE_TEXT, model=model, variant=layout.variant_suffix(matched))


def read_samples(result_path: str | Path, result: dict, k: int, seed: int) -> dict[str, list[str]]:
    """Model -> k seeded random decoded samples, for every model of a bleu.json."""
    out = {}
    seeds = result.get("seeds")
    for model in row_order(labels_of(result), result.get("models", {})):
        path = samples_path(result_path, model, seeds[0] if seeds else None)
        stream = f"{result.get('dataset')}/{model}"
        if not path.exists():
            raise UserError(f"{path}: samples file not found; run the evaluate stage for {stream}")
        out[model] = pick_samples(path.read_text(encoding="utf-8").splitlines(), k, seed, stream)
    return out


