# Sampling and evaluation: per-model samples and scores, gathered into nll.json / bleu.json.
# The `.matched` variant samples every model at evaluate.matched_temperature, so
# models are also compared at one α (a lower NLL cannot come from a sharper softmax alone).
# "real" stands for the oracle itself on synthetic data (the paper's "Real" row).


rule sample:
    """Draw evaluate.num_samples sequences from a trained model at its own α (or the matched α)."""
    input:
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model, w.seed),
    output:
        "results/{dataset}/seed{seed}/{model}/samples{variant}.ids.txt",
    log:
        "logs/{dataset}/seed{seed}/{model}/sample{variant}.log",
    benchmark:
        "logs/{dataset}/seed{seed}/{model}/sample{variant}.benchmark.tsv"
    threads: job_threads("sample")
    resources:
        mem_mb=job_memory("sample"),
        runtime=job_runtime("sample"),
        gpu=GPUS,
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
        oracle="results/{dataset}/oracle/oracle.pt",
    output:
        "results/{dataset}/seed{seed}/real/samples.ids.txt",
    log:
        "logs/{dataset}/seed{seed}/real/sample.log",
    benchmark:
        "logs/{dataset}/seed{seed}/real/sample.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: job_threads("sample")
    resources:
        mem_mb=job_memory("sample"),
        runtime=job_runtime("sample"),
    params:
        code=code_version("sample"),
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        seq_len=lambda w: ds(w.dataset)["seq_len"],
    shell:
        "leakgan sample --oracle {input.oracle:q} --seq-len {params.seq_len:q} --num {params.num:q}"
        " --seed {wildcards.seed:q} --stream samples-real --batch-size {params.batch_size:q} --out {output:q} 2> {log:q}"


rule evaluate_synthetic:
    """Oracle NLL of a model's samples and the model's NLL-test ("real": the oracle's own samples and NLL)."""
    input:
        samples="results/{dataset}/seed{seed}/{model}/samples{variant}.ids.txt",
        checkpoint=lambda w: (
            [] if w.model == "real" else [final_checkpoint(w.dataset, w.model, w.seed)]
        ),
        oracle="results/{dataset}/oracle/oracle.pt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/seed{seed}/{model}/scores{variant}.json",
    log:
        "logs/{dataset}/seed{seed}/{model}/evaluate{variant}.log",
    benchmark:
        "logs/{dataset}/seed{seed}/{model}/evaluate{variant}.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
        model=_alternation(MODELS + ["real"]),
    threads: job_threads("evaluate")
    resources:
        mem_mb=job_memory("evaluate"),
        runtime=job_runtime("evaluate"),
        gpu=GPUS,
    params:
        code=lambda w: code_version(
            "evaluate", None if w.model == "real" else base_model(config, w.model)
        ),
        checkpoint=lambda w, input: input.checkpoint[0] if input.checkpoint else "",
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        device=DEVICE,
    shell:
        "leakgan evaluate --kind synthetic --samples {input.samples:q} --checkpoint={params.checkpoint:q}"
        " --oracle {input.oracle:q} --test {input.test:q} --vocab {input.vocab:q} --temperature {params.temperature:q}"
        " --batch-size {params.batch_size:q} --device {params.device:q} --out {output:q} 2> {log:q}"


rule evaluate_text:
    """BLEU-2..n of a model's samples against the whole test set, self-BLEU, NLL-test; decoded samples."""
    input:
        samples="results/{dataset}/seed{seed}/{model}/samples{variant}.ids.txt",
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model, w.seed),
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        scores="results/{dataset}/seed{seed}/{model}/scores{variant}.json",
        words="results/{dataset}/seed{seed}/{model}/samples{variant}.txt",
    log:
        "logs/{dataset}/seed{seed}/{model}/evaluate{variant}.log",
    benchmark:
        "logs/{dataset}/seed{seed}/{model}/evaluate{variant}.benchmark.tsv"
    wildcard_constraints:
        dataset=TEXT_RE,
    threads: job_threads("evaluate")
    resources:
        mem_mb=job_memory("evaluate"),
        runtime=job_runtime("evaluate"),
        gpu=GPUS,
    params:
        code=lambda w: code_version("evaluate", base_model(config, w.model)),
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        max_n=config["evaluate"]["bleu_max_n"],
        smoothing=config["evaluate"]["bleu_smoothing"],
        device=DEVICE,
    shell:
        "leakgan evaluate --kind text --samples {input.samples:q} --checkpoint {input.checkpoint:q}"
        " --test {input.test:q} --vocab {input.vocab:q} --temperature {params.temperature:q}"
        " --max-n {params.max_n:q} --smoothing {params.smoothing:q} --batch-size {params.batch_size:q}"
        " --device {params.device:q} --words-out {output.words:q} --out {output.scores:q} 2> {log:q}"


rule frontier:
    """A model sampled and scored at every α of evaluate.temperatures (the quality-diversity frontier)."""
    input:
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model, w.seed),
        oracle=oracle_input,
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/seed{seed}/{model}/frontier.json",
    log:
        "logs/{dataset}/seed{seed}/{model}/frontier.log",
    benchmark:
        "logs/{dataset}/seed{seed}/{model}/frontier.benchmark.tsv"
    threads: job_threads("evaluate")
    resources:
        mem_mb=job_memory("evaluate"),
        runtime=job_runtime("evaluate"),
        gpu=GPUS,
    params:
        code=lambda w: code_version("frontier", base_model(config, w.model)),
        kind=lambda w: "synthetic" if is_synthetic_dataset(w.dataset) else "text",
        temperatures=",".join(f"{t:g}" for t in TEMPERATURES),
        oracle=oracle_arg,
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        max_n=config["evaluate"]["bleu_max_n"],
        smoothing=config["evaluate"]["bleu_smoothing"],
        stream=lambda w: f"frontier-{w.model}",
        device=DEVICE,
    shell:
        "leakgan frontier --kind {params.kind:q} --checkpoint {input.checkpoint:q} --temperatures {params.temperatures:q}"
        " --test {input.test:q} --vocab {input.vocab:q} {params.oracle:q} --num {params.num:q} --seed {wildcards.seed:q}"
        " --stream {params.stream:q} --batch-size {params.batch_size:q} --max-n {params.max_n:q}"
        " --smoothing {params.smoothing:q} --device {params.device:q} --out {output:q} 2> {log:q}"


rule synthetic_samples_text:
    """A synthetic dataset's samples.txt: its evaluation samples, one sequence of token ids per line (as text data's)."""
    input:
        samples="results/{dataset}/seed{seed}/{model}/samples{variant}.ids.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/seed{seed}/{model}/samples{variant}.txt",
    log:
        "logs/{dataset}/seed{seed}/{model}/samples_text{variant}.log",
    benchmark:
        "logs/{dataset}/seed{seed}/{model}/samples_text{variant}.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
        model=_alternation(MODELS + ["real"]),
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("generate"),
    shell:
        "leakgan generate --from-ids {input.samples:q} --vocab {input.vocab:q} --out {output:q} 2> {log:q}"


rule nll:
    """Gather one seed's scores, frontier and curves (and the oracle's "real" row) into results/<dataset>/seed<k>/nll.json."""
    input:
        real=lambda w: (
            ["results/{dataset}/seed{seed}/real/scores.json"]
            if is_synthetic_dataset(w.dataset)
            else []
        ),
        scores=lambda w: list(score_entries(w.dataset, w.seed).values()),
        frontier=lambda w: list(frontier_entries(w.dataset, w.seed).values()),
        curves=lambda w: list(curve_entries(w.dataset, w.seed).values()),
    output:
        "results/{dataset}/seed{seed}/nll.json",
    log:
        "logs/{dataset}/seed{seed}/collect.log",
    benchmark:
        "logs/{dataset}/seed{seed}/collect.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("collect"),
        kind=lambda w: "synthetic" if is_synthetic_dataset(w.dataset) else "text",
        scores=lambda w, input: pairs(
            {
                **({"real": input.real[0]} if input.real else {}),
                **score_entries(w.dataset, w.seed),
            }
        ),
        frontier=lambda w: pairs(frontier_entries(w.dataset, w.seed)),
        curves=lambda w: pairs(curve_entries(w.dataset, w.seed)),
        # read when present (a job's wall time); not inputs, so they never trigger a rerun
        benchmarks=lambda w: pairs(benchmark_entries(w.dataset, w.seed)),
        meta=lambda w: result_meta(w.dataset, w.seed),
    shell:
        "leakgan collect --dataset {wildcards.dataset:q} --kind {params.kind:q} --scores {params.scores:q}"
        " --frontier {params.frontier:q} --curves {params.curves:q} --benchmarks {params.benchmarks:q}"
        " --meta {params.meta:q} --out {output:q} 2> {log:q}"


use rule nll as bleu with:
    """Gather one seed's scores, frontier and curves of a real-text dataset into results/<dataset>/seed<k>/bleu.json."""
    output:
        "results/{dataset}/seed{seed}/bleu.json",
    wildcard_constraints:
        dataset=TEXT_RE,


rule aggregate_nll:
    """Every seed of a synthetic dataset in results/<dataset>/nll.json: per-seed values, mean, std, Welch's t-test."""
    input:
        lambda w: list(seed_results(w.dataset).values()),
    output:
        "results/{dataset}/nll.json",
    log:
        "logs/{dataset}/aggregate.log",
    benchmark:
        "logs/{dataset}/aggregate.benchmark.tsv"
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("aggregate"),
        runs=lambda w: pairs(seed_results(w.dataset)),
        meta=lambda w: result_meta(w.dataset),
        provenance=lambda w: provenance_json(w.dataset),
        data_dir=lambda w: f"results/{w.dataset}/data",
    shell:
        "leakgan aggregate --dataset {wildcards.dataset:q} --runs {params.runs:q} --meta {params.meta:q}"
        " --provenance {params.provenance:q} --data-dir {params.data_dir:q} --out {output:q} 2> {log:q}"


use rule aggregate_nll as aggregate_bleu with:
    """Every seed of a real-text dataset in results/<dataset>/bleu.json: per-seed values, mean, std, Welch's t-test."""
    output:
        "results/{dataset}/bleu.json",
    wildcard_constraints:
        dataset=TEXT_RE,
