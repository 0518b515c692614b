# Report: the paper's tables (1-4) and Figures 2-5 from our results, with the paper's
# numbers beside ours. `snakemake ... report` builds them for config report.datasets;
# `snakemake ... --report report.html` then bundles them into one HTML page.
import os

from leakgan.report.paper_figures import figure_models, paper_figures


report: "../report/workflow.rst"


REPORT = config["report"]
# report.datasets, or every configured dataset whose aggregate results are there (else the default target's)
REPORT_DATASETS = (
    REPORT["datasets"]
    or [
        n
        for n in SYNTHETIC_DATASETS + TEXT_DATASETS
        if os.path.exists(report_result(n))
    ]
    or ["synthetic-20"]
)


rule report:
    """Every report output: results/tables.md, the HTML tables, the Figure 2 curves, the frontiers, Figures 3-5."""
    input:
        layout.TABLES_MD,
        layout.TABLES_HTML,
        [report_figure(n, f"{result_kind(n)}_curve.png") for n in REPORT_DATASETS],
        [report_figure(n, "frontier.png") for n in REPORT_DATASETS],
        [
            report_figure(d, f"figure{n}.png")
            for d in REPORT_DATASETS
            for n in paper_figures(models_for(config, d), not is_synthetic_dataset(d))
        ],


rule report_tables:
    """The paper's tables beside ours (Markdown and HTML), with samples for real text."""
    input:
        results=[report_result(n) for n in REPORT_DATASETS],
        samples=report_samples(REPORT_DATASETS),
    output:
        markdown=layout.TABLES_MD,
        html=report(
            layout.TABLES_HTML,
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
        **job_resources("light"),
    params:
        code=code_version("report"),
        num_samples=REPORT["num_samples"],
        seed=SEED,
    shell:
        "leakgan report {input.results:q} --num-samples {params.num_samples:q} --seed {params.seed:q}"
        " --markdown {output.markdown:q} --html {output.html:q} 2> {log:q}"


rule report_curve:
    """Figure 2 of one dataset: oracle NLL (synthetic) or BLEU-2 (text) over training epochs, every model."""
    input:
        lambda w: report_result(w.dataset),
    output:
        report(
            layout.pattern(layout.REPORT, name="{kind}_curve.png"),
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
        **job_resources("light"),
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
            layout.pattern(layout.REPORT, name="frontier.png"),
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
        **job_resources("light"),
    params:
        code=code_version("report"),
    shell:
        "leakgan report {input:q} --frontier {output:q} 2> {log:q}"


# Figures 3-5 (of a dataset's first seed) share one body; a rule per figure only because a report
# caption cannot depend on a wildcard. A figure the dataset's models cannot draw fails when planned.
rule report_figure3:
    """The paper's Figure 3 of a real-text dataset's first seed: LeakGAN's BLEU gain over the baselines by length."""
    input:
        vocab=data_file("vocab.json"),
        test=data_file("test.txt"),
        samples=lambda w: [
            layout.sample_ids(w.dataset, m, seeds_for(config, w.dataset)[0])
            for m in figure_models(
                models_for(config, w.dataset),
                int(w.n),
                not is_synthetic_dataset(w.dataset),
            )
        ],
        checkpoint=lambda w: (
            []
            if w.n == "3"
            else [
                final_checkpoint(
                    w.dataset,
                    registry.reference().name,
                    seeds_for(config, w.dataset)[0],
                )
            ]
        ),
    output:
        report(
            layout.pattern(layout.REPORT, name="figure{n}.png"),
            caption="../report/figure3.rst",
            category="Paper figures",
            labels={"dataset": "{dataset}", "figure": "{n}"},
        ),
    log:
        "logs/report/{dataset}/figure{n}.log",
    benchmark:
        "logs/report/{dataset}/figure{n}.benchmark.tsv"
    wildcard_constraints:
        n="3",
    threads: job_threads("light")
    resources:
        **job_resources("light"),
    params:
        code=code_version("figures"),
        results=lambda w: layout.path(layout.DATASET, dataset=w.dataset),
        seed=lambda w: seeds_for(config, w.dataset)[0],
        models=lambda w: ",".join(
            figure_models(
                models_for(config, w.dataset),
                int(w.n),
                not is_synthetic_dataset(w.dataset),
            )
        ),
        smoothing=config["evaluate"]["bleu_smoothing"],
        draw_seed=SEED,
        out=lambda w, output: os.path.dirname(output[0]),
    shell:
        "leakgan figures {params.results:q} --seed {params.seed:q} --figure {wildcards.n:q} --models {params.models:q}"
        " --smoothing {params.smoothing:q} --draw-seed {params.draw_seed:q} --threads {threads}"
        " --out {params.out:q} 2> {log:q}"


use rule report_figure3 as report_figure4 with:
    """The paper's Figure 4 of a dataset's first seed: feature traces of every model's samples by LeakGAN's D."""
    output:
        report(
            layout.pattern(layout.REPORT, name="figure{n}.png"),
            caption="../report/figure4.rst",
            category="Paper figures",
            labels={"dataset": "{dataset}", "figure": "{n}"},
        ),
    wildcard_constraints:
        n="4",


use rule report_figure3 as report_figure5 with:
    """The paper's Figure 5 of a dataset's first seed: WORKER x MANAGER along one LeakGAN sample."""
    output:
        report(
            layout.pattern(layout.REPORT, name="figure{n}.png"),
            caption="../report/figure5.rst",
            category="Paper figures",
            labels={"dataset": "{dataset}", "figure": "{n}"},
        ),
    wildcard_constraints:
        n="5",
