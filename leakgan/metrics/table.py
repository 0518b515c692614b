"""The `table` command: print an nll.json or bleu.json as an aligned table."""
from __future__ import annotations


COLUMNS = {
    "oracle_nll": "oracle NLL",
    "nll_test": "NLL-test",
    "temperature": "temperature",
    "num_samples": "samples",
}


def format_table(result: dict) -> str:
    """Rows = models, columns = the scalar scores present in any model."""
    models = result.get("models", {})
    # The real data first, as in the paper's tables.
    models = dict(sorted(models.items(), key=lambda kv: kv[0] != "real"))
    keys = [k for k in COLUMNS if any(k in m for m in models.values())]
    extra = sorted({k for m in models.values() for k, v in m.items()
                    if k not in COLUMNS and isinstance(v, (int, float)) and not isinstance(v, bool)})
    keys += extra
    header = ["model"] + [COLUMNS.get(k, k) for k in keys]
    rows = []
    for name, scores in models.items():
        row = [name]
        for k in keys:
            v = scores.get(k)
            row.append("-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        rows.append(row)
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    seeds = result.get("seeds")
    runs = f"seeds={','.join(str(k) for k in seeds)}, mean over seeds" if seeds and len(seeds) > 1 else (
        f"seed={seeds[0] if seeds else result.get('seed', '?')}")
    title = f"{result.get('dataset', '')} (scale={result.get('scale', '?')}, {runs})"
    return "\n".join([title, lines[0], "  ".join("-" * w for w in widths)] + lines[1:])
