"""The `report` command: the paper's tables and Figure 2 from our nll.json / bleu.json.

Tables put the paper's published numbers beside ours (rows = models, as in
Tables 1-4), so a reader sees at once how far a run is from the paper. The
same tables come out as Markdown (results/tables.md) and as one self-contained
HTML page for `snakemake --report`; for real-text datasets a few seeded random
samples per model follow the table. `--figure` draws the oracle-NLL training
curve of one synthetic dataset in the style of the paper's Figure 2.
"""
from __future__ import annotations

import html
import random
from pathlib import Path

from leakgan.errors import UserError
from leakgan import layout
from leakgan.io import atomic_path
from leakgan.layout import split_entry
from leakgan.models import registry

# Table 1 (oracle NLL on synthetic data), by sequence length, as printed.
PAPER_NLL = {
    20: {"MLE": "9.038", "SeqGAN": "8.736", "RankGAN": "8.247", "LeakGAN": "7.038", "Real": "5.750"},
    40: {"MLE": "10.411", "SeqGAN": "10.310", "RankGAN": "9.958", "LeakGAN": "7.191", "Real": "4.071"},
}

# Tables 2-4 (BLEU-n against the test set), by our dataset name, as printed.
# The paper has no MLE row in these tables, and only BLEU-2 for the poems.
PAPER_BLEU = {
    "wmt": ("Table 2, EMNLP2017 WMT News", {
        "SeqGAN": {2: "0.8590", 3: "0.6015", 4: "0.4541", 5: "0.4498"},
        "RankGAN": {2: "0.778", 3: "0.478", 4: "0.411", 5: "0.463"},
        "LeakGAN": {2: "0.956", 3: "0.819", 4: "0.627", 5: "0.498"},
    }),
    "coco": ("Table 3, COCO Image Captions", {
        "SeqGAN": {2: "0.831", 3: "0.642", 4: "0.521", 5: "0.427"},
        "RankGAN": {2: "0.850", 3: "0.672", 4: "0.557", 5: "0.544"},
        "LeakGAN": {2: "0.950", 3: "0.880", 4: "0.778", 5: "0.686"},
    }),
    "poems": ("Table 4, Chinese Poems", {
        "SeqGAN": {2: "0.738"},
        "RankGAN": {2: "0.812"},
        "LeakGAN": {2: "0.881"},
    }),
}

# The paper's rows, in its order (its tables name models the registry may not have yet).
PAPER_ROWS = {"mle": "MLE", "seqgan": "SeqGAN", "rankgan": "RankGAN", "leakgan": "LeakGAN", "real": "Real"}
MISSING = "-"


# Labels of ablation arms, read from the results being reported (their `labels` field; see remember_labels).
_ARM_LABELS: dict[str, str] = {}


def remember_labels(result: dict) -> None:
    """Take the arms' labels a results file carries (config `arms`), so tables and figures name them."""
    _ARM_LABELS.update(result.get("labels") or {})


def model_labels() -> dict[str, str]:
    """Result key -> label: the paper's rows in its order, every registered model (its registry label), then the arms."""
    return {**PAPER_ROWS, **{name: spec.label for name, spec in registry.models().items()}, **_ARM_LABELS}


def is_nll_result(result: dict) -> bool:
    """An nll.json (oracle NLL per model) rather than a bleu.json."""
    return any("oracle_nll" in m for m in result.get("models", {}).values())


def _check(result: dict, source: str) -> None:
    models = result.get("models")
    if not isinstance(models, dict) or not models:
        raise UserError(f"{source}: no 'models' scores; expected an nll.json or bleu.json written by `leakgan collect`")
    if not is_nll_result(result) and not any("bleu2" in m for m in models.values()):
        raise UserError(f"{source}: neither oracle NLL nor BLEU scores in it; expected an nll.json or bleu.json")


def _fmt(value, digits: int = 3) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def _cell(scores: dict, key: str, digits: int = 3) -> str:
    """A score as 'mean ± std' when several seeds stand behind it, else the plain value."""
    value = scores.get(key)
    if value is None:
        return MISSING
    stat = (scores.get("stats") or {}).get(key) or {}
    if stat.get("n", 1) >= 2 and stat.get("std") is not None:
        return f"{value:.{digits}f} ± {stat['std']:.{digits}f}"
    return f"{value:.{digits}f}"


def _p(value) -> str:
    """A p-value: two significant digits, '< 1e-6' below that (the paper's threshold)."""
    if value is None:
        return MISSING
    return "< 1e-6" if value < 1e-6 else f"{value:.2g}"


def _p_of(scores: dict, key: str) -> str:
    return _p(((scores.get("stats") or {}).get(key) or {}).get("p_value"))


def _has_seeds(result: dict) -> bool:
    return any(st.get("n", 1) >= 2 for m in result.get("models", {}).values()
               for st in (m.get("stats") or {}).values())


def leakgan_vs_best_other(rows: dict[str, dict], key: str, lower_is_better: bool) -> tuple[str | None, float | None]:
    """The paper's test: LeakGAN against the best other model on `key` (Welch's t-test); (that model, p)."""
    from leakgan.metrics.aggregate import REFERENCE, welch_p

    ref = (rows.get(REFERENCE) or {}).get("stats", {}).get(key)
    others = {n: r["stats"][key] for n, r in rows.items()
              if n not in (REFERENCE, "real") and not split_entry(n)[1] and key in (r.get("stats") or {})}
    if ref is None or not others:
        return None, None
    best = (min if lower_is_better else max)(others, key=lambda n: others[n]["mean"])
    return best, welch_p(ref["values"], others[best]["values"])


def _alpha(value) -> str:
    return MISSING if value is None else f"{value:g}"


def model_label(name: str, scores: dict | None = None) -> str:
    """'leakgan' -> 'LeakGAN'; a `_matched` entry names the α it was sampled at."""
    base, matched = split_entry(name)
    label = model_labels().get(base, base)
    if matched:
        alpha = (scores or {}).get("temperature")
        return f"{label} (α={_alpha(alpha)})" if alpha is not None else f"{label} (matched α)"
    return label


def _row_order(names) -> list[str]:
    """Paper models first in the paper's order (each `_matched` variant after its model), then the rest."""
    order = list(model_labels())

    def key(name):
        base, matched = split_entry(name)
        return (order.index(base) if base in order else len(order), base, matched)

    return sorted(names, key=key)


def nll_table(result: dict) -> tuple[str, list[str], list[list[str]]]:
    """Title, header and rows of Table 1 for one synthetic dataset: ours beside the paper's oracle NLL."""
    seq_len = result.get("seq_len")
    paper = PAPER_NLL.get(seq_len, {})
    ours = result.get("models", {})
    names = _row_order(set(ours) | {n for n, label in model_labels().items() if label in paper})
    seeds = _has_seeds(result)
    header = ["Model", "α", "oracle NLL"]
    if paper:
        header.append("oracle NLL (paper)")
    if seeds:
        header.append("p vs LeakGAN")
    header.append("NLL-test")
    rows = []
    for name in names:
        scores = ours.get(name, {})
        row = [model_label(name, scores), MISSING if name == "real" else _alpha(scores.get("temperature")),
               _cell(scores, "oracle_nll")]
        if paper:
            row.append(MISSING if split_entry(name)[1] else paper.get(model_label(name), MISSING))
        if seeds:
            row.append(MISSING if name == "real" else _p_of(scores, "oracle_nll"))
        row.append(_cell(scores, "nll_test"))
        rows.append(row)
    if seeds or paper:
        best, p = leakgan_vs_best_other(ours, "oracle_nll", lower_is_better=True)
        row = ["p-value: LeakGAN vs the best other" + (f" ({model_label(best)})" if best else ""), MISSING,
               _p(p)]
        if paper:
            row.append("< 1e-6")
        if seeds:
            row.append(MISSING)
        row.append(MISSING)
        rows.append(row)
    where = f"Table 1, length {seq_len}" if paper else "no paper numbers for this length"
    return f"{result.get('dataset', '?')}: oracle NLL ({where})", header, rows


def orders_in_result(result: dict) -> list[int]:
    """The BLEU orders n that any model of a bleu.json has."""
    have = {int(k[4:]) for m in result.get("models", {}).values() for k in m if k[:4] == "bleu" and k[4:].isdigit()}
    return sorted(have)


def bleu_table(result: dict) -> tuple[str, list[str], list[list[str]]]:
    """Title, header and rows of Tables 2-4 for one text dataset: BLEU-n ours, and the paper's where it has one."""
    name = result.get("dataset", "?")
    where, paper = PAPER_BLEU.get(name, ("no paper numbers for this dataset", {}))
    ours = result.get("models", {})
    orders = orders_in_result(result)
    paper_orders = {n for scores in paper.values() for n in scores}
    names = _row_order(set(ours) | {n for n, label in model_labels().items() if label in paper})
    header = ["Model", "α"]
    for n in orders:
        header.append(f"BLEU-{n}")
        if n in paper_orders:
            header.append(f"BLEU-{n} (paper)")
    header.append("NLL-test")
    rows = []
    for model in names:
        scores = ours.get(model, {})
        published = {} if split_entry(model)[1] else paper.get(model_label(model), {})
        row = [model_label(model, scores), _alpha(scores.get("temperature"))]
        for n in orders:
            row.append(_cell(scores, f"bleu{n}"))
            if n in paper_orders:
                row.append(published.get(n, MISSING))
        row.append(_cell(scores, "nll_test"))
        rows.append(row)
    if _has_seeds(result) or paper:
        row = ["p-value: LeakGAN vs the best other", MISSING]
        for n in orders:
            best, p = leakgan_vs_best_other(ours, f"bleu{n}", lower_is_better=False)
            row.append(_p(p) + (f" ({model_label(best)})" if best and p is not None else ""))
            if n in paper_orders:
                row.append("< 1e-6")
        row.append(MISSING)
        rows.append(row)
    return f"{name}: BLEU ({where})", header, rows


def results_table(result: dict) -> tuple[str, list[str], list[list[str]]]:
    return nll_table(result) if is_nll_result(result) else bleu_table(result)


def quality_key(result: dict) -> tuple[str, str, bool]:
    """The frontier's quality axis: (key, label, lower is better) — oracle NLL, or the highest BLEU order."""
    if is_nll_result(result):
        return "oracle_nll", "oracle NLL", True
    orders = orders_in_result(result) or [2]
    return f"bleu{orders[-1]}", f"BLEU-{orders[-1]}", False


def frontier_table(result: dict) -> tuple[str, list[str], list[list[str]]] | None:
    """Quality and NLL-test of every model at every α of the sweep (mean ± std over seeds)."""
    frontier = result.get("frontier") or {}
    if not frontier:
        return None
    key, label, _ = quality_key(result)
    alphas = sorted({p["temperature"] for points in frontier.values() for p in points}, reverse=True)
    header = ["Model"] + [f"α={_alpha(a)}" for a in alphas]
    rows = []
    for model in _row_order(frontier):
        by_alpha = {p["temperature"]: p for p in frontier[model]}
        rows.append([model_label(model)] + [
            f"{_cell(by_alpha[a], key)} / {_cell(by_alpha[a], 'nll_test')}" if a in by_alpha else MISSING
            for a in alphas])
    title = f"{result.get('dataset', '?')}: the quality-diversity frontier ({label} / NLL-test at each α)"
    return title, header, rows


def equal_diversity_table(result: dict) -> tuple[str, list[str], list[list[str]]] | None:
    """Every model at the α where its NLL-test equals the MLE baseline's at α = 1: quality at equal diversity."""
    equal = result.get("equal_diversity") or {}
    if not equal:
        return None
    key, label, _ = quality_key(result)
    seeds = len(result.get("seeds") or []) or 1
    header = ["Model", "α (interpolated)", label, "p vs LeakGAN", "NLL-test", "seeds reaching it"]
    rows = []
    for model in _row_order(equal):
        scores = equal[model]
        reached = scores.get("reached_in", 0)
        rows.append([model_label(model), _fmt(scores.get("temperature")), _cell(scores, key), _p_of(scores, key),
                     _cell(scores, "nll_test"), f"{reached} of {seeds}"])
    title = (f"{result.get('dataset', '?')}: {label} at equal diversity "
             "(each model where its NLL-test equals MLE's at α = 1, interpolated along its frontier)")
    return title, header, rows


def mle_versus_table(result: dict) -> tuple[str, list[str], list[list[str]]] | None:
    """Each model's quality at each α beside MLE tempered to the same NLL-test (mean over seeds, Welch's p)."""
    versus = result.get("mle_at_same_diversity") or {}
    if not versus:
        return None
    key, label, _ = quality_key(result)
    seeds = len(result.get("seeds") or []) or 1
    header = ["Model", "α", "NLL-test", label, f"MLE's {label} at that NLL-test", "MLE's α", "p", "seeds"]
    rows = []
    for model in _row_order(versus):
        for row in versus[model]:
            stat = (row.get("stats") or {}).get("mle_" + key) or {}
            rows.append([model_label(model), _alpha(row.get("temperature")), _cell(row, "nll_test"), _cell(row, key),
                         _cell(row, "mle_" + key), _fmt(row.get("mle_temperature"), 2), _p(stat.get("p_value")),
                         f"{stat.get('n', 0)} of {seeds}"])
    title = (f"{result.get('dataset', '?')}: each model against MLE sampled as diversely "
             f"(MLE's frontier interpolated at the model's NLL-test; '-' where MLE's sweep does not reach it)")
    return title, header, rows


def budget_table(result: dict) -> tuple[str, list[str], list[list[str]]] | None:
    """What each model spent: epochs, generator updates, training tokens, selected epoch, wall time (mean over seeds)."""
    rows = []
    for name in _row_order(result.get("models", {})):
        budget = result["models"][name].get("budget")
        if not budget or split_entry(name)[1]:
            continue
        stages = {k: v for k, v in budget.items() if k != "wall_time_s" and isinstance(v, dict)}
        total = {k: sum(st.get(k, 0) for st in stages.values()) for k in ("epochs", "generator_updates",
                                                                         "training_tokens")}
        selected = (stages.get("pretrain") or {}).get("selected_epoch")
        wall = sum((budget.get("wall_time_s") or {}).values())
        rows.append([model_label(name), f"{total['epochs']:g}", f"{total['generator_updates']:g}",
                     f"{total['training_tokens']:,.0f}", MISSING if selected is None else f"{selected:g}",
                     f"{wall:,.0f}" if wall else MISSING])
    if not rows:
        return None
    header = ["Model", "epochs", "generator updates", "training tokens", "selected pretraining epoch",
              "wall time (s)"]
    return f"{result.get('dataset', '?')}: training budget (mean over seeds; wall time of all its jobs)", header, rows


def all_tables(result: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The paper's table, then the frontier, equal diversity and budget tables where the result has them."""
    remember_labels(result)
    tables = [results_table(result)]
    for extra in (frontier_table, equal_diversity_table, mle_versus_table, budget_table):
        table = extra(result)
        if table is not None:
            tables.append(table)
    return tables


def run_note(result: dict) -> str:
    """One line on how the numbers were made, and a warning when they cannot be compared with the paper's."""
    scale = result.get("scale", "?")
    seeds = result.get("seeds")
    note = (f"scale {scale}, seeds {', '.join(str(x) for x in seeds)} (mean ± std over seeds; p: Welch's t-test)"
            if seeds else f"scale {scale}, seed {result.get('seed', '?')}")
    samples = {m.get("num_samples") for m in result.get("models", {}).values() if m.get("num_samples")}
    if samples:
        note += f", {'/'.join(str(s) for s in sorted(samples))} samples per model"
    if scale != "paper":
        note += "; not the paper's sizes, so not comparable with the paper's numbers"
    return note


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
    folder = Path(result_path).parent
    if seed is not None:
        folder = folder / f"seed{int(seed)}"
    return Path(layout.sample_words_of_entry(folder, entry))


def read_samples(result_path: str | Path, result: dict, k: int, seed: int) -> dict[str, list[str]]:
    """Model -> k seeded random decoded samples, for every model of a bleu.json."""
    out = {}
    seeds = result.get("seeds")
    for model in _row_order(result.get("models", {})):
        path = samples_path(result_path, model, seeds[0] if seeds else None)
        stream = f"{result.get('dataset')}/{model}"
        if not path.exists():
            raise UserError(f"{path}: samples file not found; run the evaluate stage for {stream}")
        out[model] = pick_samples(path.read_text(encoding="utf-8").splitlines(), k, seed, stream)
    return out


# ---------------------------------------------------------------- Markdown

def _count(picked: list[str]) -> str:
    return f"{len(picked)} random sample" + ("" if len(picked) == 1 else "s")


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A pipe table, model names left-aligned and numbers right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def markdown_section(result: dict, samples: dict[str, list[str]] | None = None) -> list[str]:
    """A dataset's heading, run note, table and (real text) samples."""
    remember_labels(result)
    tables = all_tables(result)
    title, header, rows = tables[0]
    lines = [f"## {title}", "", run_note(result), ""] + markdown_table(header, rows)
    for title, header, rows in tables[1:]:
        lines += ["", f"### {title}", ""] + markdown_table(header, rows)
    for model, picked in (samples or {}).items():
        scores = result["models"].get(model, {})
        lines += ["", f"### {result.get('dataset')}: {_count(picked)} from {model_label(model, scores)}", ""]
        fence = "````" if any("```" in s for s in picked) else "```"
        lines += [fence + "text"] + [s if s.strip() else "(empty)" for s in picked] + [fence]
    return lines


def markdown_report(sections: list[tuple[dict, dict | None]]) -> str:
    lines = ["# LeakGAN results beside the paper's", "",
             "Rows are models; `(paper)` columns are the numbers published in Guo et al., AAAI 2018; "
             "`-` means no number (a model we did not train, or one the paper does not report). "
             "α is the softmax temperature the evaluation samples were drawn at.", ""]
    for result, samples in sections:
        lines += markdown_section(result, samples) + [""]
    return "\n".join(lines)


# ---------------------------------------------------------------- HTML (for `snakemake --report`)

_CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; }
th { background: #eee; } td { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child, th:first-child { text-align: left; }
th.paper, td.paper { background: #f6f3e8; color: #555; }
p.note { color: #555; font-size: 0.9em; }
ol.samples { font-family: monospace; font-size: 0.9em; }
"""


def html_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(tag, text, col):
        cls = ' class="paper"' if "(paper)" in header[col] else ""
        return f"<{tag}{cls}>{html.escape(text)}</{tag}>"

    out = ["<table>", "<tr>" + "".join(cell("th", h, i) for i, h in enumerate(header)) + "</tr>"]
    out += ["<tr>" + "".join(cell("td", c, i) for i, c in enumerate(row)) + "</tr>" for row in rows]
    return "\n".join(out + ["</table>"])


def html_report(sections: list[tuple[dict, dict | None]]) -> str:
    parts = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"><title>LeakGAN results</title>',
             f"<style>{_CSS}</style></head><body>",
             "<h1>LeakGAN results beside the paper's</h1>",
             "<p>Rows are models; shaded <em>(paper)</em> columns are the numbers published in Guo et al., AAAI 2018; "
             "- means no number. α is the softmax temperature the evaluation samples were drawn at.</p>"]
    for result, samples in sections:
        tables = all_tables(result)
        title, header, rows = tables[0]
        parts += [f"<h2>{html.escape(title)}</h2>", f'<p class="note">{html.escape(run_note(result))}</p>',
                  html_table(header, rows)]
        for title, header, rows in tables[1:]:
            parts += [f"<h3>{html.escape(title)}</h3>", html_table(header, rows)]
        for model, picked in (samples or {}).items():
            label = model_label(model, result["models"].get(model))
            heading = f"{result.get('dataset')}: {_count(picked)} from {label}"
            parts.append(f"<h3>{html.escape(heading)}</h3>")
            parts.append('<ol class="samples">' + "".join(
                f"<li>{html.escape(s) if s.strip() else '<em>(empty)</em>'}</li>" for s in picked) + "</ol>")
    return "\n".join(parts + ["</body></html>", ""])


# ---------------------------------------------------------------- Figure 2

def curve_key(result: dict) -> tuple[str, str]:
    """What the training curves show: oracle NLL (synthetic data) or BLEU-2 of fresh samples (real text)."""
    return ("oracle_nll", "oracle NLL") if is_nll_result(result) else ("bleu2", "BLEU-2 against the test set")


def curve_series(result: dict) -> tuple[dict[str, tuple[list[float], list[float]]], float | None]:
    """Label -> (epochs, oracle NLL or BLEU-2) per model, and the epoch where the adversarial training starts.

    LeakGAN's adversarial epochs continue its pretraining epochs on one axis, as in Figure 2.
    """
    remember_labels(result)
    series: dict[str, tuple[list[float], list[float]]] = {}
    adversarial_start = None
    for name in _row_order(result.get("models", {})):
        scores = result["models"][name]
        curve = scores.get("curve") or []
        if not curve:
            continue
        stages = [p.get("stage") or p.get("phase") for p in curve]
        pretrain_epochs = max((p["epoch"] for p, s in zip(curve, stages) if s == "pretrain"), default=0)
        if "adversarial" in stages:
            adversarial_start = pretrain_epochs
        xs, ys = [], []
        key = curve_key(result)[0]
        for point, stage in zip(curve, stages):
            if point.get(key) is None:
                continue
            offset = pretrain_epochs if stage == "adversarial" else 0
            xs.append(point["epoch"] + offset)
            ys.append(point[key])
        if xs:
            # Each model says whether its curve is sampled at its evaluation α or at α = 1.
            spec = registry.models().get(name)
            alpha = scores.get("temperature") if spec is not None and spec.curve_at_model_temperature else 1.0
            series[f"{model_label(name)} (α={_alpha(alpha)})"] = (xs, ys)
    return series, adversarial_start


def plot_curves(result: dict, path: str | Path) -> None:
    """Oracle NLL vs epoch for every model with a curve, a dashed line where adversarial training starts (Figure 2)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    series, adversarial_start = curve_series(result)
    key, label = curve_key(result)
    if not series:
        raise UserError(f"{result.get('dataset')}: no training curve with {label} in the results file")
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, markersize=3, linewidth=1.5, label=label)
    if adversarial_start is not None:
        ax.axvline(adversarial_start, color="black", linestyle="--", linewidth=1)
        # At the foot of the line: early in adversarial training the curves are still high.
        ax.annotate("adversarial →", xy=(adversarial_start, 0), xycoords=("data", "axes fraction"),
                    xytext=(3, 4), textcoords="offset points", fontsize=8)
    ax.set_xlabel("epoch (LeakGAN: pretraining, then adversarial)")
    ax.set_ylabel(label)
    ax.set_title(f"{result.get('dataset')}: training curves (cf. paper Figure 2), scale {result.get('scale', '?')}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    # The real data's oracle NLL goes in the legend, not on the axes: as a line it
    # would stretch the y range and flatten the curves, and Figure 2 has none.
    real = result["models"].get("real", {}).get(key)
    ax.legend(fontsize=8, title=None if real is None else f"real data: {real:.3f}", title_fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


# ---------------------------------------------------------------- the quality-diversity frontier

def frontier_series(result: dict) -> dict[str, dict]:
    """Label -> {"alpha", "x", "y", "xerr", "yerr"} per model: NLL-test (x) and quality (y) at each α."""
    remember_labels(result)
    key, _, _ = quality_key(result)
    out = {}
    for model in _row_order(result.get("frontier") or {}):
        points = [p for p in result["frontier"][model] if p.get("nll_test") is not None and p.get(key) is not None]
        if not points:
            continue

        def std(p, k):
            return ((p.get("stats") or {}).get(k) or {}).get("std") or 0.0

        out[model_label(model)] = {"alpha": [p["temperature"] for p in points], "x": [p["nll_test"] for p in points],
                                   "y": [p[key] for p in points], "xerr": [std(p, "nll_test") for p in points],
                                   "yerr": [std(p, key) for p in points]}
    return out


def plot_frontier(result: dict, path: str | Path) -> None:
    """Quality against NLL-test for every model as α varies (error bars: std over seeds); MLE at α = 1 marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = frontier_series(result)
    if not series:
        raise UserError(f"{result.get('dataset')}: no frontier in the results; set evaluate.temperatures and re-run")
    _, label, lower = quality_key(result)
    fig, ax = plt.subplots(figsize=(7, 4.6), dpi=120)
    for name, s in series.items():
        ax.errorbar(s["x"], s["y"], xerr=s["xerr"], yerr=s["yerr"], marker="o", markersize=4, linewidth=1.5,
                    capsize=2, label=name)
        for x, y, a in zip(s["x"], s["y"], s["alpha"]):
            ax.annotate(f"{a:g}", (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7, color="#555")
    base = next((p for p in (result.get("frontier") or {}).get("mle", []) if p.get("temperature") == 1.0), None)
    if base is not None and base.get("nll_test") is not None:
        ax.axvline(base["nll_test"], color="black", linestyle="--", linewidth=1)
        ax.annotate("MLE at α = 1 (equal diversity)", xy=(base["nll_test"], 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -10), textcoords="offset points", fontsize=8)
    ax.set_xlabel("NLL-test of the model at α (lower: covers the data better)")
    ax.set_ylabel(f"{label} of samples at α ({'lower' if lower else 'higher'} is better)")
    seeds = result.get("seeds") or [result.get("seed", "?")]
    ax.set_title(f"{result.get('dataset')}: quality-diversity frontier, scale {result.get('scale', '?')}, "
                 f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="numbers at points: α", title_fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
