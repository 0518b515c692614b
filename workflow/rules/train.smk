# Training: MLE baseline and LeakGAN pretraining (rule pretrain), LeakGAN adversarial training.


rule pretrain:
    input:
        train="results/{dataset}/data/train.txt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
        oracle=oracle_input,
    output:
        checkpoint="results/{dataset}/{model}/pretrain.pt",
        metrics="results/{dataset}/{model}/pretrain.jsonl",
    params:
        settings=lambda w: pretrain_settings_json(w.dataset, w.model),
        oracle=lambda w, input: f"--oracle {input.oracle}" if input.oracle else "",
        seed=SEED,
        device=DEVICE,
    log:
        "logs/{dataset}/{model}/pretrain.log",
    benchmark:
        "logs/{dataset}/{model}/pretrain.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=480,
        gpu=GPUS,
    shell:
        "leakgan pretrain --model {wildcards.model} --settings {params.settings:q} --train {input.train}"
        " --test {input.test} --vocab {input.vocab} {params.oracle} --seed {params.seed} --device {params.device}"
        " --threads {threads} --out {output.checkpoint} --metrics {output.metrics} 2> {log}"


rule adversarial:
    input:
        pretrained="results/{dataset}/leakgan/pretrain.pt",
        train="results/{dataset}/data/train.txt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
        oracle=oracle_input,
    output:
        checkpoint="results/{dataset}/leakgan/adversarial.pt",
        metrics="results/{dataset}/leakgan/adversarial.jsonl",
    params:
        settings=lambda w: settings_json(w.dataset, "leakgan"),
        oracle=lambda w, input: f"--oracle {input.oracle}" if input.oracle else "",
        # Not an output: Snakemake would delete it before the job and nothing could resume.
        # The stage ignores checkpoints whose pretrained model, settings or seed differ.
        checkpoint_dir=lambda w: f"checkpoints/{w.dataset}/leakgan",
        seed=SEED,
        device=DEVICE,
    log:
        "logs/{dataset}/leakgan/adversarial.log",
    benchmark:
        "logs/{dataset}/leakgan/adversarial.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=2880,
        gpu=GPUS,
    shell:
        "leakgan adversarial --settings {params.settings:q} --pretrained {input.pretrained} --train {input.train}"
        " --test {input.test} --vocab {input.vocab} {params.oracle} --seed {params.seed} --device {params.device}"
        " --threads {threads} --checkpoint-dir {params.checkpoint_dir} --out {output.checkpoint}"
        " --metrics {output.metrics} 2>> {log}"
