# Report: the paper's tables (1-4) and Figure 2 from our results, with the paper's
# numbers beside ours. `snakemake ... report` builds them for config report.datasets;
# `snakemake ... --report report.html` then bundles them into one HTML page.


report: "../report/workflow.rst"


REPORT = config["report"]
REPORT_DATASETS = REPORT["datasets"]


rule report:
    """Every report output: results/tables.md, the HTML tables, the Figure 2 curves and the frontiers."""
    input:
        "results/tables.md",
        "results/report/tables.html",
        [f"results/report/{n}/{result_kind(n)}_curve.png" for n in REPORT_DATASETS],
        [f"results/report/{n}/frontier.png" for n in REPORT_DATASETS],


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
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("report"),
        num_samples=REPORT["num_samples"],
        seed=SEED,
    shell:
        "leakgan report {input.results:q} --num-samples {params.num_samples} --seed {params.seed}"
        " --markdown {output.markdown:q} --html {output.html:q} 2> {log:q}"


rule report_curve:
    """Figure 2 of one dataset: oracle NLL (synthetic) or BLEU-2 (text) over training epochs, every model."""
    input:
        lambda w: report_result(w.dataset),
    output:
        report(
            "results/report/{dataset}/{kind}_curve.png",
            caption="../report/nll_curve.rst",
            category="Training curves",
            labels={"dataset": "{dataset}"},
        ),
    log:
        "logs/report/{dataset}/{kind}_curve.log",
    benchmark:
        "logs/report/{dataset}/{kind}_curve.benchmark.tsv"
    wildcard_constraints:
        kind="nll|bleu",
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("report"),
    shell:
        "leakgan report {input:q} --figure {output:q} 2> {log:q}"


rule report_frontier:
    """The quality-diversity frontier of one dataset: every model's quality against its NLL-test as α varies."""
    input:
        lambda w: report_result(w.dataset),
    output:
        report(
            "results/report/{dataset}/frontier.png",
            caption="../report/frontier.rst",
            category="Quality-diversity frontier",
            labels={"dataset": "{dataset}"},
        ),
    log:
        "logs/report/{dataset}/frontier.log",
    benchmark:
        "logs/report/{dataset}/frontier.benchmark.tsv"
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("report"),
    shell:
        "leakgan report {input:q} --frontier {output:q} 2> {log:q}"
