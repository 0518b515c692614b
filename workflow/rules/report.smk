# Report: the paper's tables (1-4) and Figure 2 from our results, with the paper's
# numbers beside ours. `snakemake ... report` builds them for config report.datasets;
# `snakemake ... --report report.html` then bundles them into one HTML page.


report: "../report/workflow.rst"


REPORT = config["report"]
REPORT_DATASETS = REPORT["datasets"]


rule report:
    """Every report output: results/tables.md, the HTML tables and the Figure 2 curves."""
    input:
        "results/tables.md",
        "results/report/tables.html",
        [
            f"results/report/{n}/nll_curve.png"
            for n in REPORT_DATASETS
            if is_synthetic_dataset(n)
        ],


rule report_tables:
    """The paper's tables beside ours (Markdown and HTML), with samples for real text."""
    input:
        results=[report_result(n) for n in REPORT_DATASETS],
        samples=report_samples(REPORT_DATASETS),
    output:
        markdown="results/tables.md",
        html=report(
            "results/report/tables.html",
            caption="../report/tables.rst",
            category="Tables",
            labels={"datasets": ", ".join(REPORT_DATASETS)},
        ),
    log:
        "logs/report/tables.log",
    benchmark:
        "logs/report/tables.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        num_samples=REPORT["num_samples"],
        seed=SEED,
    shell:
        "leakgan report {input.results:q} --num-samples {params.num_samples} --seed {params.seed}"
        " --markdown {output.markdown:q} --html {output.html:q} 2> {log:q}"


rule report_curve:
    """Figure 2 of one synthetic dataset: oracle NLL over training epochs, every model."""
    input:
        "results/{dataset}/nll.json",
    output:
        report(
            "results/report/{dataset}/nll_curve.png",
            caption="../report/nll_curve.rst",
            category="Training curves",
            labels={"dataset": "{dataset}"},
        ),
    log:
        "logs/report/{dataset}/nll_curve.log",
    benchmark:
        "logs/report/{dataset}/nll_curve.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "leakgan report {input:q} --figure {output:q} 2> {log:q}"
