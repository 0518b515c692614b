# Sampling and evaluation: per-model samples and scores, gathered into nll.json / bleu.json.
# The `.matched` variant samples every model at evaluate.matched_temperature, so
# models are also compared at one α (a lower NLL cannot come from a sharper softmax alone).
# "real" stands for the oracle itself on synthetic data (the paper's "Real" row).


rule sample:
    """Draw evaluate.num_samples sequences from a trained model at its own α (or the matched α)."""
    input:
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model),
    output:
        "results/{dataset}/{model}/samples{variant}.ids.txt",
    log:
        "logs/{dataset}/{model}/sample{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/sample{variant}.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    params:
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        seed=SEED,
        stream=lambda w: f"samples-{w.model}{w.variant}",
        device=DEVICE,
    shell:
        "leakgan sample --checkpoint {input.checkpoint:q} --num {params.num} --temperature {params.temperature}"
        " --seed {params.seed} --stream {params.stream:q} --batch-size {params.batch_size}"
        " --device {params.device:q} --out {output:q} 2> {log:q}"


rule sample_real:
    """Draw the "real" row's sequences from the oracle itself (synthetic data)."""
    input:
        oracle="results/{dataset}/oracle/oracle.pt",
    output:
        "results/{dataset}/real/samples.ids.txt",
    log:
        "logs/{dataset}/real/sample.log",
    benchmark:
        "logs/{dataset}/real/sample.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        seq_len=lambda w: ds(w.dataset)["seq_len"],
        seed=SEED,
    shell:
        "leakgan sample --oracle {input.oracle:q} --seq-len {params.seq_len} --num {params.num}"
        " --seed {params.seed} --stream samples-real --batch-size {params.batch_size} --out {output:q} 2> {log:q}"


rule evaluate_synthetic:
    """Oracle NLL of a model's samples and the model's NLL-test ("real": the oracle's own samples and NLL)."""
    input:
        samples="results/{dataset}/{model}/samples{variant}.ids.txt",
        checkpoint=lambda w: (
            [] if w.model == "real" else [final_checkpoint(w.dataset, w.model)]
        ),
        oracle="results/{dataset}/oracle/oracle.pt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/{model}/scores{variant}.json",
    log:
        "logs/{dataset}/{model}/evaluate{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/evaluate{variant}.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
        model=_alternation(MODELS + ["real"]),
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        checkpoint=lambda w, input: input.checkpoint[0] if input.checkpoint else "",
        temperature=lambda w: (
            1.0
            if w.model == "real"
            else sample_temperature(w.dataset, w.model, w.variant)
        ),
        batch_size=config["evaluate"]["batch_size"],
        device=DEVICE,
    shell:
        "leakgan evaluate --kind synthetic --samples {input.samples:q} --checkpoint={params.checkpoint:q}"
        " --oracle {input.oracle:q} --test {input.test:q} --vocab {input.vocab:q} --temperature {params.temperature}"
        " --batch-size {params.batch_size} --device {params.device:q} --out {output:q} 2> {log:q}"


rule evaluate_text:
    """BLEU-2..n of a model's samples against the whole test set, self-BLEU, NLL-test; decoded samples."""
    input:
        samples="results/{dataset}/{model}/samples{variant}.ids.txt",
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model),
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        scores="results/{dataset}/{model}/scores{variant}.json",
        words="results/{dataset}/{model}/samples{variant}.txt",
    log:
        "logs/{dataset}/{model}/evaluate{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/evaluate{variant}.benchmark.tsv"
    wildcard_constraints:
        dataset=TEXT_RE,
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        max_n=config["evaluate"]["bleu_max_n"],
        smoothing=config["evaluate"]["bleu_smoothing"],
        device=DEVICE,
    shell:
        "leakgan evaluate --kind text --samples {input.samples:q} --checkpoint {input.checkpoint:q}"
        " --test {input.test:q} --vocab {input.vocab:q} --temperature {params.temperature}"
        " --max-n {params.max_n} --smoothing {params.smoothing:q} --batch-size {params.batch_size}"
        " --device {params.device:q} --words-out {output.words:q} --out {output.scores:q} 2> {log:q}"


rule synthetic_samples_text:
    """A synthetic dataset's samples.txt: its evaluation samples, one sequence of token ids per line (as text data's)."""
    input:
        samples="results/{dataset}/{model}/samples{variant}.ids.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/{model}/samples{variant}.txt",
    log:
        "logs/{dataset}/{model}/samples_text{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/samples_text{variant}.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
        model=_alternation(MODELS + ["real"]),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "leakgan generate --from-ids {input.samples:q} --vocab {input.vocab:q} --out {output:q} 2> {log:q}"


rule nll:
    """Gather every model's scores and curves (and the oracle's "real" row) into results/<dataset>/nll.json."""
    input:
        real=lambda w: (
            ["results/{dataset}/real/scores.json"]
            if is_synthetic_dataset(w.dataset)
            else []
        ),
        scores=lambda w: list(score_entries(w.dataset).values()),
        curves=lambda w: list(curve_entries(w.dataset).values()),
    output:
        "results/{dataset}/nll.json",
    log:
        "logs/{dataset}/collect.log",
    benchmark:
        "logs/{dataset}/collect.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        kind=lambda w: "synthetic" if is_synthetic_dataset(w.dataset) else "text",
        scores=lambda w, input: pairs(
            {
                **({"real": input.real[0]} if input.real else {}),
                **score_entries(w.dataset),
            }
        ),
        curves=lambda w: pairs(curve_entries(w.dataset)),
        meta=lambda w: result_meta(w.dataset),
    shell:
        "leakgan collect --dataset {wildcards.dataset:q} --kind {params.kind} --scores {params.scores}"
        " --curves {params.curves} --meta {params.meta:q} --out {output:q} 2> {log:q}"


use rule nll as bleu with:
    """Gather every model's scores and curves of a real-text dataset into results/<dataset>/bleu.json."""
    output:
        "results/{dataset}/bleu.json",
    wildcard_constraints:
        dataset=TEXT_RE,
