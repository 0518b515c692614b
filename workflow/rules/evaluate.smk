# Sampling and evaluation: per-model samples and scores, gathered into nll.json / bleu.json.
# The `.matched` variant samples every model at evaluate.matched_temperature, so
# models are also compared at one α (a lower NLL cannot come from a sharper softmax alone).


rule sample:
    input:
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model),
    output:
        "results/{dataset}/{model}/samples{variant}.ids.txt",
    params:
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        seed=SEED,
        device=DEVICE,
    log:
        "logs/{dataset}/{model}/sample{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/sample{variant}.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=GPUS,
    shell:
        "leakgan sample --checkpoint {input.checkpoint} --num {params.num} --temperature {params.temperature}"
        " --seed {params.seed} --stream samples-{wildcards.model}{wildcards.variant} --batch-size {params.batch_size}"
        " --device {params.device} --out {output} 2> {log}"


rule sample_real:
    input:
        oracle="results/{dataset}/oracle/oracle.pt",
    output:
        "results/{dataset}/real/samples.ids.txt",
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    params:
        num=config["evaluate"]["num_samples"],
        batch_size=config["evaluate"]["batch_size"],
        seq_len=lambda w: ds(w.dataset)["seq_len"],
        seed=SEED,
    log:
        "logs/{dataset}/real/sample.log",
    benchmark:
        "logs/{dataset}/real/sample.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "leakgan sample --oracle {input.oracle} --seq-len {params.seq_len} --num {params.num}"
        " --seed {params.seed} --stream samples-real --batch-size {params.batch_size} --out {output} 2> {log}"


rule evaluate_synthetic:
    input:
        samples="results/{dataset}/{model}/samples{variant}.ids.txt",
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model),
        oracle="results/{dataset}/oracle/oracle.pt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/{model}/scores{variant}.json",
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    params:
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        device=DEVICE,
    log:
        "logs/{dataset}/{model}/evaluate{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/evaluate{variant}.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "leakgan evaluate --kind synthetic --samples {input.samples} --checkpoint {input.checkpoint}"
        " --oracle {input.oracle} --test {input.test} --vocab {input.vocab} --temperature {params.temperature}"
        " --batch-size {params.batch_size} --device {params.device} --out {output} 2> {log}"


rule evaluate_real:
    input:
        samples="results/{dataset}/real/samples.ids.txt",
        oracle="results/{dataset}/oracle/oracle.pt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        "results/{dataset}/real/scores.json",
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    params:
        batch_size=config["evaluate"]["batch_size"],
    log:
        "logs/{dataset}/real/evaluate.log",
    benchmark:
        "logs/{dataset}/real/evaluate.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "leakgan evaluate --kind synthetic --samples {input.samples} --oracle {input.oracle} --test {input.test}"
        " --vocab {input.vocab} --temperature 1.0 --batch-size {params.batch_size} --out {output} 2> {log}"


rule nll:
    input:
        real="results/{dataset}/real/scores.json",
        scores=lambda w: list(score_entries(w.dataset).values()),
        curves=lambda w: list(curve_entries(w.dataset).values()),
    output:
        "results/{dataset}/nll.json",
    wildcard_constraints:
        dataset=SYNTHETIC_RE,
    params:
        scores=lambda w: pairs(score_entries(w.dataset)),
        curves=lambda w: pairs(curve_entries(w.dataset)),
        meta=lambda w: as_json({"scale": config["scale"], "seed": SEED, "seq_len": ds(w.dataset)["seq_len"]}),
    log:
        "logs/{dataset}/nll.log",
    benchmark:
        "logs/{dataset}/nll.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "leakgan collect --dataset {wildcards.dataset} --kind synthetic --scores real={input.real} {params.scores}"
        " --curves {params.curves} --meta {params.meta:q} --out {output} 2> {log}"


rule evaluate_text:
    input:
        samples="results/{dataset}/{model}/samples{variant}.ids.txt",
        checkpoint=lambda w: final_checkpoint(w.dataset, w.model),
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
    output:
        scores="results/{dataset}/{model}/scores{variant}.json",
        words="results/{dataset}/{model}/samples{variant}.txt",
    wildcard_constraints:
        dataset=TEXT_RE,
    params:
        temperature=lambda w: sample_temperature(w.dataset, w.model, w.variant),
        batch_size=config["evaluate"]["batch_size"],
        max_n=config["evaluate"]["bleu_max_n"],
        smoothing=config["evaluate"]["bleu_smoothing"],
        device=DEVICE,
    log:
        "logs/{dataset}/{model}/evaluate{variant}.log",
    benchmark:
        "logs/{dataset}/{model}/evaluate{variant}.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    shell:
        "leakgan evaluate --kind text --samples {input.samples} --checkpoint {input.checkpoint} --test {input.test}"
        " --vocab {input.vocab} --temperature {params.temperature} --max-n {params.max_n}"
        " --smoothing {params.smoothing} --batch-size {params.batch_size} --device {params.device}"
        " --words-out {output.words} --out {output.scores} 2> {log}"


rule bleu:
    input:
        scores=lambda w: list(score_entries(w.dataset).values()),
        curves=lambda w: list(curve_entries(w.dataset).values()),
    output:
        "results/{dataset}/bleu.json",
    wildcard_constraints:
        dataset=TEXT_RE,
    params:
        scores=lambda w: pairs(score_entries(w.dataset)),
        curves=lambda w: pairs(curve_entries(w.dataset)),
        meta=lambda w: as_json({"scale": config["scale"], "seed": SEED, "max_len": ds(w.dataset)["max_len"]}),
    log:
        "logs/{dataset}/bleu.log",
    benchmark:
        "logs/{dataset}/bleu.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "leakgan collect --dataset {wildcards.dataset} --kind text --scores {params.scores}"
        " --curves {params.curves} --meta {params.meta:q} --out {output} 2> {log}"
