# Report: the paper's tables (1-4) and Figure 2 from our results, with the paper's
# numbers beside ours. `snakemake ... report` builds them for config report.datasets;
# `snakemake ... --report report.html` then bundles them into one HTML page.
import sys

report: "../report/workflow.rst"

REPORT = config.get("report", {})
REPORT_DATASETS = REPORT.get("datasets", ["synthetic-20"])
_unknown = [n for n in REPORT_DATASETS if n not in config["datasets"]]
if _unknown:
    sys.stderr.write(f"leakgan: config error: config key 'report.datasets': {', '.join(_unknown)} not in 'datasets'\n")
    sys.exit(1)


def report_result(name):
    """The results file a dataset's table comes from."""
    return f"results/{name}/nll.json" if is_synthetic(name) else f"results/{name}/bleu.json"


def report_samples(names):
    """Decoded samples of every scored model of the real-text datasets (the report draws from them)."""
    return [f"results/{n}/{m.removesuffix('_matched')}/samples{'.matched' if m.endswith('_matched') else ''}.txt"
            for n in names if not is_synthetic(n) for m in score_entries(n)]


rule report:
    input:
        "results/tables.md",
        "results/report/tables.html",
        [f"results/report/{n}/nll_curve.png" for n in REPORT_DATASETS if is_synthetic(n)],


rule report_tables:
    input:
        results=[report_result(n) for n in REPORT_DATASETS],
        samples=report_samples(REPORT_DATASETS),
    output:
        markdown="results/tables.md",
        html=report("results/report/tables.html", caption="../report/tables.rst", category="Tables",
                    labels={"datasets": ", ".join(REPORT_DATASETS)}),
    params:
        num_samples=REPORT.get("num_samples", 20),
        seed=SEED,
    log:
        "logs/report/tables.log",
    benchmark:
        "logs/report/tables.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "leakgan report {input.results} --num-samples {params.num_samples} --seed {params.seed}"
        " --markdown {output.markdown} --html {output.html} 2> {log}"


rule report_curve:
    input:
        "results/{dataset}/nll.json",
    output:
        report("results/report/{dataset}/nll_curve.png", caption="../report/nll_curve.rst",
               category="Training curves", labels={"dataset": "{dataset}"}),
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    log:
        "logs/report/{dataset}/nll_curve.log",
    benchmark:
        "logs/report/{dataset}/nll_curve.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "leakgan report {input} --figure {output} 2> {log}"
