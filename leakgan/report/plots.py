"""The report's plots: Figure 2's training curves and the quality-diversity frontier, saved by one `save`."""
from __future__ import annotations

from pathlib import Path

from leakgan import registry
from leakgan.errors import UserError
from leakgan.io import atomic_path
from leakgan.report.labels import alpha_text, labels_of, model_label, row_order
from leakgan.report.paper_numbers import REAL
from leakgan.report.tables import diversity_key, is_nll_result, quality_key


def pyplot():
    """matplotlib's pyplot on the file-only backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path) -> None:
    """Write a figure as PNG atomically (no software stamp, so the same figure gives the same bytes) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    pyplot().close(fig)


def curve_key(result: dict) -> tuple[str, str]:
    """What the training curves show: oracle NLL (synthetic data) or BLEU-2 of fresh samples (real text)."""
    return ("oracle_nll", "oracle NLL") if is_nll_result(result) else ("bleu2", "BLEU-2 against the test set")


def curve_series(result: dict) -> tuple[dict[str, tuple[list[float], list[float]]], float | None]:
    """Label -> (epochs, oracle NLL or BLEU-2) per model, and the epoch where the adversarial training starts.

    A GAN's adversarial epochs continue its pretraining epochs on one axis, as in Figure 2; an ablation arm's
    (it has no pretraining of its own) continue its base model's.
    """
    labels = labels_of(result)
    bases = result.get("bases") or {}  # arm -> the model it varies
    models = result.get("models", {})

    def pretrain_epochs_of(name: str) -> int:
        curve = (models.get(name) or {}).get("curve") or []
        return max((p["epoch"] for p in curve if (p.get("stage") or p.get("phase")) == "pretrain"), default=0)

    series: dict[str, tuple[list[float], list[float]]] = {}
    adversarial_start = None
    for name in row_order(labels, models):
        scores = models[name]
        curve = scores.get("curve") or []
        if not curve:
            continue
        base = bases.get(name, name)
        stages = [p.get("stage") or p.get("phase") for p in curve]
        pretrain_epochs = pretrain_epochs_of(base)
        if "adversarial" in stages:
            adversarial_start = max(adversarial_start or 0, pretrain_epochs)
        xs, ys = [], []
        key = curve_key(result)[0]
        for point, stage in zip(curve, stages):
            if point.get(key) is None:
                continue
            offset = pretrain_epochs if stage == "adversarial" else 0
            xs.append(point["epoch"] + offset)
            ys.append(point[key])
        if xs:
            # Each model says whether its curve is sampled at its evaluation α or at α = 1 (an arm: its base model).
            spec = registry.models().get(base)
            alpha = scores.get("temperature") if spec is not None and spec.curve_at_model_temperature else 1.0
            series[f"{model_label(labels, name)} (α={alpha_text(alpha)})"] = (xs, ys)
    return series, adversarial_start


def plot_curves(result: dict, path: str | Path) -> None:
    """Oracle NLL vs epoch for every model with a curve, a dashed line where adversarial training starts (Figure 2)."""
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()

    series, adversarial_start = curve_series(result)
    key, label = curve_key(result)
    if not series:
        raise UserError(f"{result.get('dataset')}: no training curve with {label} in the results file")
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for name, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, markersize=3, linewidth=1.5, label=name)
    if adversarial_start is not None:
        ax.axvline(adversarial_start, color="black", linestyle="--", linewidth=1)
        # At the foot of the line: early in adversarial training the curves are still high.
        ax.annotate("adversarial →", xy=(adversarial_start, 0), xycoords=("data", "axes fraction"),
                    xytext=(3, 4), textcoords="offset points", fontsize=8)
    ax.set_xlabel("epoch (GANs: pretraining, then adversarial)")
    ax.set_ylabel(label)
    ax.set_title(f"{result.get('dataset')}: training curves (cf. paper Figure 2), scale {result.get('scale', '?')}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    # The real data's oracle NLL goes in the legend, not on the axes: as a line it
    # would stretch the y range and flatten the curves, and Figure 2 has none.
    real = result["models"].get(REAL, {}).get(key)
    ax.legend(fontsize=8, title=None if real is None else f"real data: {real:.3f}", title_fontsize=8)
    fig.tight_layout()
    save(fig, path)


# ---------------------------------------------------------------- the quality-diversity frontier

def frontier_series(result: dict, x_key: str, y_key: str) -> dict[str, dict]:
    """Label -> {"alpha", "x", "y", "xerr", "yerr"} per model: two fields of its frontier points at each α."""
    labels = labels_of(result)
    out = {}
    for model in row_order(labels, result.get("frontier") or {}):
        points = [p for p in result["frontier"][model] if p.get(x_key) is not None and p.get(y_key) is not None]
        if not points:
            continue

        def std(p, k):
            return ((p.get("stats") or {}).get(k) or {}).get("std") or 0.0

        out[model_label(labels, model)] = {"alpha": [p["temperature"] for p in points], "x": [p[x_key] for p in points],
                                           "y": [p[y_key] for p in points], "xerr": [std(p, x_key) for p in points],
                                           "yerr": [std(p, y_key) for p in points]}
    return out


def frontier_panels(result: dict) -> list[dict]:
    """The panels of the frontier figure: quality against diversity (oracle NLL or the LM score against NLL-test
    or the reverse-LM score), and on real text BLEU-3 against self-BLEU-3 (both: lower self-BLEU is more diverse)."""
    key, label, lower = quality_key(result)
    axis, axis_label = diversity_key(result)
    panels = [{"x": axis, "y": key, "xlabel": f"{axis_label} of the model at α (lower: covers the data better)",
               "ylabel": f"{label} of samples at α ({'lower' if lower else 'higher'} is better)", "baseline": True}]
    if not is_nll_result(result) and frontier_series(result, "self_bleu3", "bleu3"):
        panels.append({"x": "self_bleu3", "y": "bleu3", "xlabel": "self-BLEU-3 of samples (lower: more diverse)",
                       "ylabel": "BLEU-3 against the test set (higher is better)", "baseline": False})
    return panels


def plot_frontier(result: dict, path: str | Path) -> None:
    """Quality against diversity for every model as α varies (error bars: std over seeds); MLE at α = 1 marked.
    Real text gets a second panel, BLEU-3 against self-BLEU-3."""
    plt = pyplot()
    panels = frontier_panels(result)
    if not frontier_series(result, panels[0]["x"], panels[0]["y"]):
        raise UserError(f"{result.get('dataset')}: no frontier in the results; set evaluate.temperatures and re-run")
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.6), dpi=120, squeeze=False)
    baseline = registry.baseline()
    base = next((p for p in (result.get("frontier") or {}).get(baseline.name, []) if p.get("temperature") == 1.0),
                None)
    for ax, panel in zip(axes[0], panels):
        for name, s in frontier_series(result, panel["x"], panel["y"]).items():
            ax.errorbar(s["x"], s["y"], xerr=s["xerr"], yerr=s["yerr"], marker="o", markersize=4, linewidth=1.5,
                        capsize=2, label=name)
            for x, y, a in zip(s["x"], s["y"], s["alpha"]):
                ax.annotate(f"{a:g}", (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7, color="#555")
        if panel["baseline"] and base is not None and base.get(panel["x"]) is not None:
            ax.axvline(base[panel["x"]], color="black", linestyle="--", linewidth=1)
            ax.annotate(f"{baseline.label} at α = 1 (equal diversity)", xy=(base[panel["x"]], 1),
                        xycoords=("data", "axes fraction"), xytext=(3, -10), textcoords="offset points", fontsize=8)
        ax.set_xlabel(panel["xlabel"])
        ax.set_ylabel(panel["ylabel"])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, title="numbers at points: α", title_fontsize=8)
    seeds = result.get("seeds") or [result.get("seed", "?")]
    fig.suptitle(f"{result.get('dataset')}: quality-diversity frontier, scale {result.get('scale', '?')}, "
                 f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''}", fontsize=10)
    fig.tight_layout()
    save(fig, path)
