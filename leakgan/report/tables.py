"""The report's tables: the paper's Tables 1-4 beside ours, the frontier, equal diversity, MLE at the same
diversity and the budget, each as (title, header, rows) for `leakgan.report.render` to write.

Every function takes the labels of the result it reports (`leakgan.report.labels.labels_of`).
"""
from __future__ import annotations

from leakgan import registry
from leakgan.errors import UserError
from leakgan.layout import split_entry
from leakgan.report import paper_numbers
from leakgan.report.labels import MISSING, alpha_text, labels_of, model_label, row_order
from leakgan.report.paper_numbers import REAL


def is_nll_result(result: dict) -> bool:
    """An nll.json (oracle NLL per model) rather than a bleu.json."""
    return any("oracle_nll" in m for m in result.get("models", {}).values())


def check_result(result: dict, source: str) -> None:
    """One clear line unless `result` is an nll.json or bleu.json."""
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
    from leakgan.eval.aggregate import welch_p

    reference = registry.reference().name
    ref = (rows.get(reference) or {}).get("stats", {}).get(key)
    others = {n: r["stats"][key] for n, r in rows.items()
              if n not in (reference, REAL) and not split_entry(n)[1] and key in (r.get("stats") or {})}
    if ref is None or not others:
        return None, None
    best = (min if lower_is_better else max)(others, key=lambda n: others[n]["mean"])
    return best, welch_p(ref["values"], others[best]["values"])


def nll_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]]:
    """Title, header and rows of Table 1 for one synthetic dataset: ours beside the paper's oracle NLL."""
    seq_len = result.get("seq_len")
    paper = paper_numbers.NLL.get(seq_len, {})
    ours = result.get("models", {})
    names = row_order(labels, set(ours) | set(paper))
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
        row = [model_label(labels, name, scores), MISSING if name == REAL else alpha_text(scores.get("temperature")),
               _cell(scores, "oracle_nll")]
        if paper:
            row.append(MISSING if split_entry(name)[1] else paper.get(name, MISSING))
        if seeds:
            row.append(MISSING if name == REAL else _p_of(scores, "oracle_nll"))
        row.append(_cell(scores, "nll_test"))
        rows.append(row)
    if seeds or paper:
        best, p = leakgan_vs_best_other(ours, "oracle_nll", lower_is_better=True)
        row = [f"p-value: {labels.get(registry.reference().name)} vs the best other"
               + (f" ({model_label(labels, best)})" if best else ""), MISSING, _p(p)]
        if paper:
            row.append(paper_numbers.P_VALUE)
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


# real text's other measures in the BLEU table, when a run has them: (key, column), each lower is better
TEXT_MEASURES = (("self_bleu3", "self-BLEU-3"), ("lm_score", "LM score"), ("frechet", "Fréchet (LM)"))


def bleu_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]]:
    """Title, header and rows of Tables 2-4 for one text dataset: BLEU-n ours, and the paper's where it has one."""
    name = result.get("dataset", "?")
    where, paper = paper_numbers.BLEU.get(name, ("no paper numbers for this dataset", {}))
    ours = result.get("models", {})
    orders = orders_in_result(result)
    paper_orders = {n for scores in paper.values() for n in scores}
    names = row_order(labels, set(ours) | set(paper))
    header = ["Model", "α"]
    for n in orders:
        header.append(f"BLEU-{n}")
        if n in paper_orders:
            header.append(f"BLEU-{n} (paper)")
    # diversity and language-model measures where the run has them (lower is better for each)
    extra = [(k, label) for k, label in TEXT_MEASURES if any(k in m for m in ours.values())]
    header += ["NLL-test"] + [label for _, label in extra]
    rows = []
    for model in names:
        scores = ours.get(model, {})
        published = {} if split_entry(model)[1] else paper.get(model, {})
        row = [model_label(labels, model, scores), alpha_text(scores.get("temperature"))]
        for n in orders:
            row.append(_cell(scores, f"bleu{n}"))
            if n in paper_orders:
                row.append(published.get(n, MISSING))
        row.append(_cell(scores, "nll_test"))
        row += [_cell(scores, k) for k, _ in extra]
        rows.append(row)
    if _has_seeds(result) or paper:
        row = [f"p-value: {labels.get(registry.reference().name)} vs the best other", MISSING]
        for n in orders:
            best, p = leakgan_vs_best_other(ours, f"bleu{n}", lower_is_better=False)
            row.append(_p(p) + (f" ({model_label(labels, best)})" if best and p is not None else ""))
            if n in paper_orders:
                row.append(paper_numbers.P_VALUE)
        row.append(MISSING)
        for key, _ in extra:
            best, p = leakgan_vs_best_other(ours, key, lower_is_better=True)
            row.append(_p(p) + (f" ({model_label(labels, best)})" if best and p is not None else ""))
        rows.append(row)
    return f"{name}: BLEU ({where})", header, rows


def results_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]]:
    return nll_table(result, labels) if is_nll_result(result) else bleu_table(result, labels)


def _frontier_has(result: dict, key: str) -> bool:
    return any(key in p for points in (result.get("frontier") or {}).values() for p in points)


def quality_key(result: dict) -> tuple[str, str, bool]:
    """The frontier's quality axis: (key, label, lower is better) — oracle NLL, the LM score (real text with a
    reference LM), or the highest BLEU order."""
    if is_nll_result(result):
        return "oracle_nll", "oracle NLL", True
    if _frontier_has(result, "lm_score"):
        return "lm_score", "LM score", True
    orders = orders_in_result(result) or [2]
    return f"bleu{orders[-1]}", f"BLEU-{orders[-1]}", False


def diversity_key(result: dict) -> tuple[str, str]:
    """The frontier's diversity axis: (key, label) — the reverse-LM score where there is one, else NLL-test."""
    from leakgan.eval.aggregate import REVERSE_LM_KEY

    return (REVERSE_LM_KEY, "reverse-LM score") if _frontier_has(result, REVERSE_LM_KEY) else ("nll_test", "NLL-test")


def frontier_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]] | None:
    """Quality and NLL-test of every model at every α of the sweep (mean ± std over seeds)."""
    frontier = result.get("frontier") or {}
    if not frontier:
        return None
    key, label, _ = quality_key(result)
    axis, axis_label = diversity_key(result)
    alphas = sorted({p["temperature"] for points in frontier.values() for p in points}, reverse=True)
    header = ["Model"] + [f"α={alpha_text(a)}" for a in alphas]
    rows = []
    for model in row_order(labels, frontier):
        by_alpha = {p["temperature"]: p for p in frontier[model]}
        rows.append([model_label(labels, model)] + [
            f"{_cell(by_alpha[a], key)} / {_cell(by_alpha[a], axis)}" if a in by_alpha else MISSING
            for a in alphas])
    title = f"{result.get('dataset', '?')}: the quality-diversity frontier ({label} / {axis_label} at each α)"
    return title, header, rows


def equal_diversity_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]] | None:
    """Every model at the α where its NLL-test equals the MLE baseline's at α = 1: quality at equal diversity."""
    equal = result.get("equal_diversity") or {}
    if not equal:
        return None
    key, label, _ = quality_key(result)
    axis, axis_label = diversity_key(result)
    seeds = len(result.get("seeds") or []) or 1
    header = ["Model", "α (interpolated)", label, "p vs LeakGAN", axis_label, "seeds reaching it"]
    rows = []
    for model in row_order(labels, equal):
        scores = equal[model]
        reached = scores.get("reached_in", 0)
        rows.append([model_label(labels, model), _fmt(scores.get("temperature")), _cell(scores, key), _p_of(scores, key),
                     _cell(scores, axis), f"{reached} of {seeds}"])
    title = (f"{result.get('dataset', '?')}: {label} at equal diversity "
             f"(each model where its {axis_label} equals MLE's at α = 1, interpolated along its frontier)")
    return title, header, rows


def mle_versus_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]] | None:
    """Each model's quality at each α beside MLE tempered to the same NLL-test (mean over seeds, Welch's p)."""
    versus = result.get("mle_at_same_diversity") or {}
    if not versus:
        return None
    key, label, _ = quality_key(result)
    axis, axis_label = diversity_key(result)
    seeds = len(result.get("seeds") or []) or 1
    header = ["Model", "α", axis_label, label, f"MLE's {label} at that {axis_label}", "MLE's α", "p", "seeds"]
    rows = []
    for model in row_order(labels, versus):
        for row in versus[model]:
            stat = (row.get("stats") or {}).get("mle_" + key) or {}
            rows.append([model_label(labels, model), alpha_text(row.get("temperature")), _cell(row, axis), _cell(row, key),
                         _cell(row, "mle_" + key), _fmt(row.get("mle_temperature"), 2), _p(stat.get("p_value")),
                         f"{stat.get('n', 0)} of {seeds}"])
    title = (f"{result.get('dataset', '?')}: each model against MLE sampled as diversely "
             f"(MLE's frontier interpolated at the model's {axis_label}; '-' where MLE's sweep does not reach it)")
    return title, header, rows


def budget_table(result: dict, labels: dict[str, str]) -> tuple[str, list[str], list[list[str]]] | None:
    """What each model spent: epochs, generator updates, training tokens, selected epoch, wall time (mean over seeds)."""
    rows = []
    for name in row_order(labels, result.get("models", {})):
        budget = result["models"][name].get("budget")
        if not budget or split_entry(name)[1]:
            continue
        stages = {k: v for k, v in budget.items() if k != "wall_time_s" and isinstance(v, dict)}
        total = {k: sum(st.get(k, 0) for st in stages.values()) for k in ("epochs", "generator_updates",
                                                                         "training_tokens")}
        selected = (stages.get("pretrain") or {}).get("selected_epoch")
        wall = sum((budget.get("wall_time_s") or {}).values())
        rows.append([model_label(labels, name), f"{total['epochs']:g}", f"{total['generator_updates']:g}",
                     f"{total['training_tokens']:,.0f}", MISSING if selected is None else f"{selected:g}",
                     f"{wall:,.0f}" if wall else MISSING])
    if not rows:
        return None
    header = ["Model", "epochs", "generator updates", "training tokens", "selected pretraining epoch",
              "wall time (s)"]
    return f"{result.get('dataset', '?')}: training budget (mean over seeds; wall time of all its jobs)", header, rows


def all_tables(result: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The paper's table, then the frontier, equal diversity and budget tables where the result has them."""
    labels = labels_of(result)
    tables = [results_table(result, labels)]
    for extra in (frontier_table, equal_diversity_table, mle_versus_table, budget_table):
        table = extra(result, labels)
        if table is not None:
            tables.append(table)
    return tables


