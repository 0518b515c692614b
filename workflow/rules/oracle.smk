# Synthetic data: the oracle LSTM and its training and test sequences.


rule oracle:
    input:
        params_file=lambda w: [ds(w.dataset)["oracle_params"]] if ds(w.dataset).get("oracle_params") else [],
    output:
        oracle="results/{dataset}/oracle/oracle.pt",
        train="results/{dataset}/data/train.txt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    params:
        dataset=lambda w: as_json(data_settings(w.dataset)),
        oracle=as_json(config["oracle"]),
        seed=SEED,
    log:
        "logs/{dataset}/oracle.log",
    benchmark:
        "logs/{dataset}/oracle.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "leakgan oracle --dataset {params.dataset:q} --oracle-settings {params.oracle:q} --seed {params.seed}"
        " --oracle-out {output.oracle} --data-dir results/{wildcards.dataset}/data 2> {log}"
