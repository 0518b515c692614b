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
        oracle="results/{dataset}/oracle/oracle.pt",
        train="results/{dataset}/data/train.txt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    log:
        "logs/{dataset}/oracle.log",
    benchmark:
        "logs/{dataset}/oracle.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: job_threads("data")
    resources:
        mem_mb=job_memory("data"),
        runtime=job_runtime("data"),
    params:
        code=code_version("oracle"),
        dataset=lambda w: data_settings_json(w.dataset),
        oracle=as_json(config["oracle"]),
        seed=SEED,
        data_dir=lambda w: f"results/{w.dataset}/data",
    shell:
        "leakgan oracle --dataset {params.dataset:q} --oracle-settings {params.oracle:q} --seed {params.seed:q}"
        " --oracle-out {output.oracle:q} --data-dir {params.data_dir:q} 2> {log:q}"
