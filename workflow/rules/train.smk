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
        settings=lambda w: settings_json(w.dataset, w.model),
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
        runtime=240,
        gpu=GPUS,
    shell:
        "leakgan pretrain --model {wildcards.model} --settings {params.settings:q} --train {input.train}"
        " --test {input.test} --vocab {input.vocab} {params.oracle} --seed {params.seed} --device {params.device}"
        " --threads {threads} --out {output.checkpoint} --metrics {output.metrics} 2> {log}"
