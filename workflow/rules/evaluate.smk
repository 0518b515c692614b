# Evaluation: a model's samples scored (oracle NLL and NLL-test on synthetic data; BLEU, self-BLEU, NLL-test,
# the LM score and the Fréchet distance on real text), and every model sampled and scored at each α of the
# quality-diversity frontier (with the reverse-LM score on real text). "real" stands for the oracle itself
# on synthetic data (the paper's "Real" row).


rule reference_lm:
    """A text dataset's reference language model (shared by every seed): the LM score and the Fréchet distance."""
    input:
        train=data_file("train.txt"),
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
    output:
        model=layout.REFERENCE_LM,
        report=layout.REFERENCE_LM_REPORT,
    log:
        layout.pattern(layout.DATASET_LOG, step="reference_lm"),
    benchmark:
        layout.pattern(layout.DATASET_BENCHMARK, step="reference_lm")
    wildcard_constraints:
        dataset=TEXT_RE,
    threads: job_threads("train")
    resources:
        **job_resources("train", gpu=True),
    params:
        code=code_version("lm"),
        settings=as_json(config["evaluate"]["lm"]),
        seed=SEED,
        device=DEVICE,
    shell:
        "leakgan lm --train {input.train:q} --test {input.test:q} --vocab {input.vocab:q} --settings {params.settings:q}"
        " --seed {params.seed:q} --device {params.device:q} --threads {threads} --out {output.model:q}"
        " --report {output.report:q} 2> {log:q}"


rule evaluate_synthetic:
    """Oracle NLL of a model's samples and the model's NLL-test ("real": the oracle's own samples and NLL)."""
    input:
        samples=layout.SAMPLE_IDS,
        checkpoint=lambda w: (
            [] if w.model == REAL else [final_checkpoint(w.dataset, w.model, w.seed)]
        ),
        oracle=layout.ORACLE,
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
    output:
        layout.SCORES,
    log:
        model_log("evaluate{variant}"),
    benchmark:
        model_benchmark("evaluate{variant}")
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
        model=_alternation(MODELS + [REAL]),
    threads: job_threads("evaluate")
    resources:
        **job_resources("evaluate", gpu=True),
    params:
        code=lambda w: code_version(
            "evaluate", None if w.model == REAL else base_model(config, w.model)
        ),
        checkpoint=lambda w, input: input.checkpoint[0] if input.checkpoint else "",
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        test_sequences=test_sequences_arg(),
        device=DEVICE,
    shell:
        "leakgan evaluate --kind synthetic --samples {input.samples:q} --checkpoint={params.checkpoint:q}"
        " --oracle {input.oracle:q} --test {input.test:q} --vocab {input.vocab:q} --temperature {params.temperature:q}"
        " --batch-size {params.batch_size:q} {params.test_sequences:q} --device {params.device:q}"
        " --out {output:q} 2> {log:q}"


rule evaluate_text:
    """BLEU-2..n of a model's samples against the whole test set, self-BLEU, NLL-test; decoded samples."""
    input:
        samples=layout.SAMPLE_IDS,
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model, w.seed),
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
        reference_lm=layout.REFERENCE_LM,
    output:
        scores=layout.SCORES,
        words=layout.SAMPLE_TEXT,
    log:
        model_log("evaluate{variant}"),
    benchmark:
        model_benchmark("evaluate{variant}")
    wildcard_constraints:
        dataset=TEXT_RE,
    threads: job_threads("evaluate")
    resources:
        **job_resources("evaluate", gpu=True),
    params:
        code=lambda w: code_version("evaluate", base_model(config, w.model)),
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        max_n=config["evaluate"]["bleu_max_n"],
        smoothing=config["evaluate"]["bleu_smoothing"],
        test_sequences=test_sequences_arg(),
        device=DEVICE,
    shell:
        "leakgan evaluate --kind text --samples {input.samples:q} --checkpoint {input.checkpoint:q}"
        " --test {input.test:q} --vocab {input.vocab:q} --temperature {params.temperature:q}"
        " --max-n {params.max_n:q} --smoothing {params.smoothing:q} --batch-size {params.batch_size:q}"
        " {params.test_sequences:q} --reference-lm {input.reference_lm:q} --device {params.device:q}"
        " --words-out {output.words:q} --out {output.scores:q} 2> {log:q}"


rule frontier:
    """A model sampled and scored at every α of evaluate.temperatures (the quality-diversity frontier)."""
    input:
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model, w.seed),
        oracle=oracle_input,
        reference_lm=reference_lm_input,
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
    output:
        layout.FRONTIER,
    log:
        model_log("frontier"),
    benchmark:
        model_benchmark("frontier")
    threads: job_threads("evaluate")
    resources:
        **job_resources("evaluate", gpu=True),
    params:
        code=lambda w: code_version("frontier", base_model(config, w.model)),
        kind=lambda w: "synthetic" if is_synthetic_dataset(w.dataset) else "text",
        # full precision: 0.1234567 and 0.1234568 are two points
        temperatures=",".join(repr(float(t)) for t in TEMPERATURES),
        oracle=oracle_arg,
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        max_n=config["evaluate"]["bleu_max_n"],
        smoothing=config["evaluate"]["bleu_smoothing"],
        stream=lambda w: f"frontier-{w.model}",
        test_sequences=test_sequences_arg(),
        text=lambda w, input: (
            [
                "--reference-lm",
                input.reference_lm[0],
                "--reverse-lm",
                reverse_lm_json(),
            ]
            if input.reference_lm
            else []
        ),
        device=DEVICE,
    shell:
        "leakgan frontier --kind {params.kind:q} --checkpoint {input.checkpoint:q} --temperatures {params.temperatures:q}"
        " --test {input.test:q} --vocab {input.vocab:q} {params.oracle:q} --num {params.num:q} --seed {wildcards.seed:q}"
        " --stream {params.stream:q} --batch-size {params.batch_size:q} --max-n {params.max_n:q}"
        " --smoothing {params.smoothing:q} {params.test_sequences:q} {params.text:q} --device {params.device:q}"
        " --out {output:q} 2> {log:q}"
