# Gathering: one seed's scores, frontier and curves in results/<dataset>/seed<k>/nll.json (bleu.json
# for text), then every seed of a dataset in results/<dataset>/nll.json (mean, std, Welch's t-test).
# The wildcard {result} is "<dataset>/seed<k>/<kind>" or "<dataset>/<kind>", the kind fixed by the
# dataset's type, so one rule makes both kinds and a dataset's wrong kind matches no rule.


rule collect:
    """Gather one seed's scores, frontier and curves (and the oracle's "real" row) into its nll.json / bleu.json."""
    input:
        real=lambda w: (
            [layout.scores(split_result(w.result)[0], REAL, split_result(w.result)[1])]
            if is_synthetic_dataset(split_result(w.result)[0])
            else []
        ),
        scores=lambda w: list(score_entries(*split_result(w.result)[:2]).values()),
        frontier=lambda w: list(frontier_entries(*split_result(w.result)[:2]).values()),
        curves=lambda w: list(curve_entries(*split_result(w.result)[:2]).values()),
    output:
        "results/{result}.json",
    log:
        "logs/{result}.collect.log",
    benchmark:
        "logs/{result}.collect.benchmark.tsv"
    wildcard_constraints:
        result=SEED_RESULT_RE,
    threads: job_threads("light")
    resources:
        **job_resources("light"),
    params:
        code=code_version("collect"),
        dataset=lambda w: split_result(w.result)[0],
        kind=lambda w: "synthetic" if w.result.endswith("nll") else "text",  # <dataset>/seed<k>/nll or /bleu
        scores=lambda w, input: pairs(
            {
                **({REAL: input.real[0]} if input.real else {}),
                **score_entries(*split_result(w.result)[:2]),
            }
        ),
        frontier=lambda w: pairs(frontier_entries(*split_result(w.result)[:2])),
        curves=lambda w: pairs(curve_entries(*split_result(w.result)[:2])),
        # read when present (a job's wall time); not inputs, so they never trigger a rerun
        benchmarks=lambda w: pairs(benchmark_entries(*split_result(w.result)[:2])),
        meta=lambda w: result_meta(*split_result(w.result)[:2]),
    shell:
        "leakgan collect --dataset {params.dataset:q} --kind {params.kind:q} --scores {params.scores:q}"
        " --frontier {params.frontier:q} --curves {params.curves:q} --benchmarks {params.benchmarks:q}"
        " --meta {params.meta:q} --out {output:q} 2> {log:q}"


rule aggregate:
    """Every seed of a dataset in results/<dataset>/nll.json (bleu.json): per-seed values, mean, std, Welch's t-test."""
    input:
        lambda w: list(seed_results(split_result(w.result)[0]).values()),
    output:
        "results/{result}.json",
    log:
        "logs/{result}.aggregate.log",
    benchmark:
        "logs/{result}.aggregate.benchmark.tsv"
    wildcard_constraints:
        result=RESULT_RE,
    threads: job_threads("light")
    resources:
        **job_resources("light"),
    params:
        code=code_version("aggregate"),
        dataset=lambda w: split_result(w.result)[0],
        runs=lambda w: pairs(seed_results(split_result(w.result)[0])),
        meta=lambda w: result_meta(split_result(w.result)[0]),
        provenance=lambda w: provenance_json(split_result(w.result)[0]),
        data_dir=lambda w: layout.path(layout.DATA, dataset=split_result(w.result)[0]),
    shell:
        "leakgan aggregate --dataset {params.dataset:q} --runs {params.runs:q} --meta {params.meta:q}"
        " --provenance {params.provenance:q} --data-dir {params.data_dir:q} --out {output:q} 2> {log:q}"
