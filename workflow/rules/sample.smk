# Sampling: each trained model's evaluation samples at its own α (and the `.matched` variant at
# evaluate.matched_temperature, so a lower NLL cannot come from a sharper softmax alone), the
# oracle's own samples (the "real" row of synthetic data), and a synthetic dataset's samples.txt.


rule sample:
    """Draw evaluate.num_samples sequences from a trained model at its own α (or the matched α)."""
    input:
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model, w.seed),
    output:
        layout.SAMPLE_IDS,
    log:
        model_log("sample{variant}"),
    benchmark:
        model_benchmark("sample{variant}")
    threads: job_threads("sample")
    resources:
        **job_resources("sample", gpu=True),
    params:
        code=lambda w: code_version("sample", base_model(config, w.model)),
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        stream=lambda w: f"samples-{w.model}{w.variant}",
        device=DEVICE,
    shell:
        "leakgan sample --checkpoint {input.checkpoint:q} --num {params.num:q} --temperature {params.temperature:q}"
        " --seed {wildcards.seed:q} --stream {params.stream:q} --batch-size {params.batch_size:q}"
        " --device {params.device:q} --out {output:q} 2> {log:q}"


rule sample_real:
    """Draw the "real" row's sequences from the oracle itself (synthetic data)."""
    input:
        oracle=layout.ORACLE,
    output:
        layout.pattern(layout.SAMPLE_IDS, model=REAL, variant=""),
    log:
        layout.pattern(layout.MODEL_LOG, model=REAL, step="sample"),
    benchmark:
        layout.pattern(layout.MODEL_BENCHMARK, model=REAL, step="sample")
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: job_threads("sample")
    resources:
        **job_resources("sample"),
    params:
        code=code_version("sample"),
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        seq_len=lambda w: ds(w.dataset)["seq_len"],
    shell:
        "leakgan sample --oracle {input.oracle:q} --seq-len {params.seq_len:q} --num {params.num:q}"
        " --seed {wildcards.seed:q} --stream samples-real --batch-size {params.batch_size:q} --out {output:q} 2> {log:q}"


rule synthetic_samples_text:
    """A synthetic dataset's samples.txt: its evaluation samples, one sequence of token ids per line (as text data's)."""
    input:
        samples=layout.SAMPLE_IDS,
        vocab=data_file("vocab.json"),
    output:
        layout.SAMPLE_TEXT,
    log:
        model_log("samples_text{variant}"),
    benchmark:
        model_benchmark("samples_text{variant}")
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
        model=_alternation(MODELS + [REAL]),
    threads: job_threads("light")
    resources:
        **job_resources("light"),
    params:
        code=code_version("generate"),
    shell:
        "leakgan generate --from-ids {input.samples:q} --vocab {input.vocab:q} --out {output:q} 2> {log:q}"
