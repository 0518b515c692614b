"""Several seeds as one result: per-seed values, mean, standard deviation, Welch's t-test, equal-diversity points.

Input: one seed's nll.json / bleu.json per seed (written by `leakgan collect`).
Output: the same shape, every number replaced by the mean over seeds, with the
evidence beside it in `stats`:

    models[entry][metric]             mean over the seeds that have it
    models[entry]["stats"][metric]    {"values": per seed, "mean", "std" (n-1; null for n < 2), "n",
                                       "p_value": Welch's two-sided t-test against the reference model's
                                       same row (null for the reference itself or n < 2)}
    frontier[model]                   one point per α, aggregated the same way
    equal_diversity[model]            the model's frontier interpolated where its NLL-test equals the
                                      MLE baseline's at α = 1 (per seed, then aggregated)

Rows are compared with the reference model (LeakGAN) of the same kind: a
model's own-α row with LeakGAN's own-α row, `_matched` with `_matched`, a
frontier α with the same α, equal diversity with equal diversity.
"""
from __future__ import annotations

import math
from leakgan import registry
from leakgan.layout import entry_name, split_entry



def reference() -> str:
    """The model every other one is tested against (the registry's reference: the paper's LeakGAN)."""
    return registry.reference().name


def baseline() -> str:
    """The model whose NLL-test at α = 1 defines "equal diversity" (the registry's baseline: MLE)."""
    return registry.baseline().name

DIVERSITY_KEY = "nll_test"  # the diversity axis of the frontier (lower: the model covers the data better)
REVERSE_LM_KEY = "reverse_lm_nll"  # on real text with reverse-LM scores, the diversity axis instead


def diversity_key(frontier: dict[str, list[dict]]) -> str:
    """The frontier's diversity axis: the reverse-LM score where the points have one (real text), else NLL-test."""
    has_reverse = any(REVERSE_LM_KEY in p for points in frontier.values() for p in points)
    return REVERSE_LM_KEY if has_reverse else DIVERSITY_KEY
TEST_NAME = "Welch's two-sided t-test (scipy.stats.ttest_ind, equal_var=False) against LeakGAN's same row"
NOT_METRICS = {"temperature", "num_samples", "test_sequences", "reverse_lm_epochs"}  # numbers of a scores entry that describe it rather than score it


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def summary(values: list[float]) -> dict:
    """{"values", "mean", "std", "n"}: std is the sample standard deviation (n - 1), null below two values."""
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n >= 2 else None
    return {"values": list(values), "mean": mean, "std": std, "n": n}


def welch_p(a: list[float], b: list[float]) -> float | None:
    """Two-sided p-value of Welch's t-test (unequal variances); null when either side has fewer than two values
    or both have no spread (the statistic is undefined)."""
    if len(a) < 2 or len(b) < 2 or (len(set(a)) == 1 and len(set(b)) == 1):
        return None
    import warnings

    from scipy import stats

    with warnings.catch_warnings():  # nearly equal values: scipy warns about precision but still answers
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return p if math.isfinite(p) else None


def _metrics(entries: list[dict]) -> list[str]:
    """The score keys any of the per-seed entries has (first appearance order)."""
    keys: list[str] = []
    for entry in entries:
        for key, value in entry.items():
            if key not in NOT_METRICS and _is_number(value) and key not in keys:
                keys.append(key)
    return keys


def aggregate_entries(entries: list[dict]) -> dict:
    """One row from the same row of several seeds: means, the describing fields, and `stats`."""
    out: dict = {}
    for key in NOT_METRICS:
        values = [e[key] for e in entries if _is_number(e.get(key))]
        if values:
            out[key] = values[0] if len(set(values)) == 1 else sum(values) / len(values)
    for key in dict.fromkeys(k for e in entries for k, v in e.items() if isinstance(v, (str, bool))):
        values = {e.get(key) for e in entries}
        if len(values) == 1:  # a description every seed shares (e.g. sacrebleu_signature, smoothing)
            out[key] = values.pop()
    out["stats"] = {}
    for key in _metrics(entries):
        values = [e[key] for e in entries if _is_number(e.get(key))]
        out["stats"][key] = summary(values)
        out[key] = out["stats"][key]["mean"]
    budgets = [e["budget"] for e in entries if isinstance(e.get("budget"), dict)]
    if budgets:
        out["budget"] = _mean_tree(budgets)
    return out


def _mean_tree(trees: list[dict]) -> dict:
    """The mean of every numeric leaf of nested dicts (a budget over seeds)."""
    out: dict = {}
    keys = [k for t in trees for k in t]
    for key in dict.fromkeys(keys):
        values = [t[key] for t in trees if key in t]
        if all(isinstance(v, dict) for v in values):
            out[key] = _mean_tree(values)
        elif all(_is_number(v) for v in values):
            out[key] = sum(values) / len(values)
    return out


def add_p_values(rows: dict[str, dict], reference_of) -> None:
    """Welch's p of every row's metrics against its reference row (`reference_of(name)` -> name or None)."""
    for name, row in rows.items():
        ref_name = reference_of(name)
        ref = rows.get(ref_name) if ref_name is not None else None
        for key, stat in row.get("stats", {}).items():
            if ref is None or ref_name == name or key not in ref.get("stats", {}):
                stat["p_value"] = None
            else:
                stat["p_value"] = welch_p(stat["values"], ref["stats"][key]["values"])


def mean_curve(curves: list[list[dict]]) -> list[dict]:
    """Point-wise mean of several seeds' training curves, matched by (stage, phase, epoch)."""
    def key(point):
        return point.get("stage"), point.get("phase"), point.get("epoch")

    grouped: dict = {}
    for curve in curves:
        for point in curve:
            grouped.setdefault(key(point), []).append(point)
    out = []
    for points in grouped.values():
        merged = dict(points[0])
        for field in _metrics(points):
            if field == "epoch":
                continue
            values = [p[field] for p in points if _is_number(p.get(field))]
            merged[field] = sum(values) / len(values)
            if len(values) >= 2:
                merged[field + "_std"] = summary(values)["std"]
        merged["seeds"] = len(points)
        out.append(merged)
    return out


def interpolate_at(points: list[dict], target: float, key: str = DIVERSITY_KEY) -> dict | None:
    """Interpolate every metric of a frontier where `key` reaches `target`, linearly between neighbouring α.

    NLL-test need not be monotonic in α (it is lowest near the α the model
    fits best), so several segments may cross `target`; the crossing whose α
    is nearest to 1 is taken. None when no segment of the frontier contains
    `target` (no α in the sweep gives that diversity).
    """
    ordered = sorted((p for p in points if _is_number(p.get(key))), key=lambda p: -p["temperature"])
    found = []
    for a, b in zip(ordered, ordered[1:] + ordered[-1:]):
        lo, hi = sorted((a[key], b[key]))
        if not lo <= target <= hi:
            continue
        w = 0.0 if a[key] == b[key] else (target - a[key]) / (b[key] - a[key])
        out = {}
        for field in ["temperature"] + _metrics([a, b]):
            if _is_number(a.get(field)) and _is_number(b.get(field)):
                out[field] = a[field] + w * (b[field] - a[field])
        out[key] = target
        found.append(out)
    return min(found, key=lambda p: abs(p["temperature"] - 1.0)) if found else None


def equal_diversity(frontier: dict[str, list[dict]]) -> dict[str, dict | None]:
    """Every model's frontier at the MLE baseline's diversity (NLL-test, or the reverse-LM score on real text) at
    α = 1 (one seed); {} without that point."""
    key = diversity_key(frontier)
    base = next((p for p in frontier.get(baseline(), []) if p.get("temperature") == 1.0), None)
    if base is None or not _is_number(base.get(key)):
        return {}
    return {model: interpolate_at(points, base[key], key) for model, points in frontier.items()}


QUALITY_PREFIXES = ("oracle_nll", "bleu", "self_bleu", "lm_score", "frechet")  # the quality numbers of a point


def mle_at_same_diversity(frontier: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Every other model's frontier point beside MLE tempered to the same NLL-test (one seed).

    For each point (α, NLL-test, quality) of a model, the MLE baseline's
    frontier is interpolated at that NLL-test: `mle_<key>` is MLE's quality
    there and `mle_temperature` the α it needs. Absent where MLE's sweep does
    not reach that NLL-test. This is the reverse view of `equal_diversity`:
    does the model beat MLE sampled as diversely? On real text with reverse-LM
    scores, "as diversely" means at the same reverse-LM score.
    """
    base = frontier.get(baseline())
    if not base:
        return {}
    axis = diversity_key(frontier)
    out: dict[str, list[dict]] = {}
    for model, points in frontier.items():
        if model == baseline():
            continue
        rows = []
        for point in points:
            if not _is_number(point.get(axis)):
                continue
            row = {"temperature": point["temperature"], axis: point[axis]}
            at = interpolate_at(base, point[axis], axis)
            for key, value in point.items():
                if key.startswith(QUALITY_PREFIXES) and _is_number(value):
                    row[key] = value
                    if at is not None and _is_number(at.get(key)):
                        row["mle_" + key] = at[key]
            if at is not None:
                row["mle_temperature"] = at["temperature"]
            rows.append(row)
        out[model] = rows
    return out


def _reference_entry(name: str) -> str:
    return entry_name(reference(), split_entry(name)[1])


def aggregate(runs: dict[int, dict], meta: dict | None = None) -> dict:
    """The aggregate of one dataset's per-seed results (seed -> nll.json / bleu.json of that seed)."""
    seeds = sorted(runs)
    first = runs[seeds[0]]
    result = {"dataset": first.get("dataset"), **(meta or {}), "seeds": seeds, "significance": TEST_NAME,
              "models": {}}
    names = list(dict.fromkeys(n for s in seeds for n in runs[s].get("models", {})))
    for name in names:
        present = [runs[s]["models"][name] for s in seeds if name in runs[s].get("models", {})]
        row = aggregate_entries(present)
        curves = [e["curve"] for e in present if e.get("curve")]
        if curves:
            row["curve"] = mean_curve(curves)
        result["models"][name] = row
    add_p_values(result["models"], _reference_entry)

    models = list(dict.fromkeys(m for s in seeds for m in runs[s].get("frontier", {})))
    if models:
        frontier: dict[str, list[dict]] = {}
        rows: dict[str, dict] = {}
        for model in models:
            alphas = sorted({p["temperature"] for s in seeds for p in runs[s].get("frontier", {}).get(model, [])},
                            reverse=True)
            for alpha in alphas:
                points = [p for s in seeds for p in runs[s].get("frontier", {}).get(model, [])
                          if p["temperature"] == alpha]
                rows[f"{model}@{alpha}"] = aggregate_entries(points)
        add_p_values(rows, lambda n: f"{reference()}@{n.rpartition('@')[2]}")
        for name, row in rows.items():
            frontier.setdefault(name.rpartition("@")[0], []).append(row)
        result["frontier"] = frontier

        per_seed = [equal_diversity(runs[s].get("frontier", {})) for s in seeds]
        if any(per_seed):
            equal: dict[str, dict] = {}
            for model in models:
                points = [p[model] for p in per_seed if p.get(model) is not None]
                equal[model] = aggregate_entries(points) if points else {"stats": {}, "reached_in": 0}
                equal[model]["reached_in"] = len(points)
            add_p_values(equal, lambda n: reference())
            result["equal_diversity"] = equal

        per_seed_mle = [mle_at_same_diversity(runs[s].get("frontier", {})) for s in seeds]
        if any(per_seed_mle):
            versus: dict[str, list[dict]] = {}
            for model in models:
                alphas = sorted({r["temperature"] for p in per_seed_mle for r in p.get(model, [])}, reverse=True)
                rows = []
                for alpha in alphas:
                    points = [r for p in per_seed_mle for r in p.get(model, []) if r["temperature"] == alpha]
                    row = aggregate_entries(points)
                    row["temperature"] = alpha
                    for key, stat in row["stats"].items():  # the model against MLE at the same NLL-test
                        mine = row["stats"].get(key[4:]) if key.startswith("mle_") else None
                        if mine is not None and key != "mle_temperature":
                            stat["p_value"] = welch_p(mine["values"], stat["values"])
                    rows.append(row)
                if rows:
                    versus[model] = rows
            result["mle_at_same_diversity"] = versus
    return result
