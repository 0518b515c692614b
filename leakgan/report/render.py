"""Writing the report: Markdown (results/tables.md), one self-contained HTML page (`snakemake --report`), and the
plain-text table `leakgan table` prints."""
from __future__ import annotations

import html

from leakgan.report.labels import labels_of, model_label
from leakgan.report.tables import all_tables


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
    labels = labels_of(result)
    tables = all_tables(result)
    title, header, rows = tables[0]
    lines = [f"## {title}", "", run_note(result), ""] + markdown_table(header, rows)
    for title, header, rows in tables[1:]:
        lines += ["", f"### {title}", ""] + markdown_table(header, rows)
    for model, picked in (samples or {}).items():
        scores = result["models"].get(model, {})
        lines += ["", f"### {result.get('dataset')}: {_count(picked)} from {model_label(labels, model, scores)}", ""]
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
        labels = labels_of(result)
        tables = all_tables(result)
        title, header, rows = tables[0]
        parts += [f"<h2>{html.escape(title)}</h2>", f'<p class="note">{html.escape(run_note(result))}</p>',
                  html_table(header, rows)]
        for title, header, rows in tables[1:]:
            parts += [f"<h3>{html.escape(title)}</h3>", html_table(header, rows)]
        for model, picked in (samples or {}).items():
            label = model_label(labels, model, result["models"].get(model))
            heading = f"{result.get('dataset')}: {_count(picked)} from {label}"
            parts.append(f"<h3>{html.escape(heading)}</h3>")
            parts.append('<ol class="samples">' + "".join(
                f"<li>{html.escape(s) if s.strip() else '<em>(empty)</em>'}</li>" for s in picked) + "</ol>")
    return "\n".join(parts + ["</body></html>", ""])



# ---------------------------------------------------------------- plain text (leakgan table)

DESCRIPTIVE = {"test_sequences", "reverse_lm_epochs"}  # numbers that describe how a row was scored, not scores
COLUMNS = {
    "oracle_nll": "oracle NLL",
    "nll_test": "NLL-test",
    "temperature": "temperature",
    "num_samples": "samples",
}


def plain_table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """A plain-text table: the header, a line of dashes, the rows; the first `left` columns left-aligned, the rest
    right-aligned, columns two spaces apart."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


def format_table(result: dict) -> str:
    """Rows = models, columns = the scalar scores present in any model."""
    models = result.get("models", {})
    # The real data first, as in the paper's tables.
    models = dict(sorted(models.items(), key=lambda kv: kv[0] != "real"))
    keys = [k for k in COLUMNS if any(k in m for m in models.values())]
    extra = sorted({k for m in models.values() for k, v in m.items() if k not in COLUMNS and k not in DESCRIPTIVE
                    and isinstance(v, (int, float)) and not isinstance(v, bool)})
    keys += extra
    header = ["model"] + [COLUMNS.get(k, k) for k in keys]
    rows = []
    for name, scores in models.items():
        row = [name]
        for k in keys:
            v = scores.get(k)
            row.append("-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        rows.append(row)
    lines = plain_table(header, rows)
    seeds = result.get("seeds")
    runs = f"seeds={','.join(str(k) for k in seeds)}, mean over seeds" if seeds and len(seeds) > 1 else (
        f"seed={seeds[0] if seeds else result.get('seed', '?')}")
    title = f"{result.get('dataset', '')} (scale={result.get('scale', '?')}, {runs})"
    return "\n".join([title, *lines])
