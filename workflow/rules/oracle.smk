# Synthetic data: the oracle LSTM and its training and test sequences.


rule oracle:
    """Build (or load) the oracle LSTM and sample its training and test sequences."""
    input:
        params_file=lambda w: (
            [ds(w.dataset)["oracle_params"]]
            if ds(w.dataset).get("oracle_params")
            else []
        ),
    output:
        oracle=layout.ORACLE,
        train=data_file("train.txt"),
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
    log:
        layout.pattern(layout.DATASET_LOG, step="oracle"),
    benchmark:
        layout.pattern(layout.DATASET_BENCHMARK, step="oracle")
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: job_threads("data")
    resources:
        **job_resources("data"),
    params:
        code=code_version("oracle"),
        dataset=lambda w: data_settings_json(w.dataset),
        oracle=as_json(config["oracle"]),
        seed=SEED,
        data_dir=lambda w: layout.path(layout.DATA, dataset=w.dataset),
    shell:
        "leakgan oracle --dataset {params.dataset:q} --oracle-settings {params.oracle:q} --seed {params.seed:q}"
        " --oracle-out {output.oracle:q} --data-dir {params.data_dir:q} 2> {log:q}"
