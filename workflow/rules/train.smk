# Training: every registered model's first stage (rule pretrain; the MLE baseline's whole training),
# then the adversarial stage of the models (and arms) that have one.


rule pretrain:
    """A model's first training stage: MLE for the baseline, interleaved D/G pretraining for LeakGAN."""
    input:
        train=data_file("train.txt"),
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
        oracle=oracle_input,
    output:
        checkpoint=layout.pattern(layout.CHECKPOINT, stage="pretrain"),
        metrics=layout.pattern(layout.CURVE, stage="pretrain"),
    log:
        model_log("pretrain"),
    benchmark:
        model_benchmark("pretrain")
    wildcard_constraints:
        model=_alternation(REGISTERED),  # an arm shares its base model's pretraining
    threads: job_threads("train")
    resources:
        **job_resources("train", gpu=True),
    params:
        code=lambda w: code_version("pretrain", w.model),
        settings=lambda w: stage_settings_json(w.dataset, w.model, "pretrain"),
        oracle=oracle_arg,
        # Not an output (Snakemake would delete it before the job): the stage ignores other runs' checkpoints.
        checkpoint_dir=lambda w: checkpoint_dir(w, "pretrain"),
        training=training_json(),
        device=DEVICE,
    shell:
        "leakgan pretrain --model {wildcards.model:q} --settings {params.settings:q} --train {input.train:q}"
        " --test {input.test:q} --vocab {input.vocab:q} {params.oracle:q} --seed {wildcards.seed:q}"
        " --training {params.training:q}"
        " --device {params.device:q} --threads {threads} --checkpoint-dir {params.checkpoint_dir:q}"
        " --out {output.checkpoint:q} --metrics {output.metrics:q} 2>> {log:q}"


rule adversarial:
    """Adversarial training from the pretrained checkpoint (an arm's: its base model's); resumes from checkpoints/ after a kill."""
    input:
        pretrained=pretrained_checkpoint,
        train=data_file("train.txt"),
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
        oracle=oracle_input,
    output:
        checkpoint=layout.pattern(layout.CHECKPOINT, stage="adversarial"),
        metrics=layout.pattern(layout.CURVE, stage="adversarial"),
    log:
        model_log("adversarial"),
    benchmark:
        model_benchmark("adversarial")
    wildcard_constraints:
        model=_alternation(ADVERSARIAL_MODELS),
    threads: job_threads("train")
    resources:
        **job_resources("train", gpu=True),
    params:
        code=lambda w: code_version("adversarial", base_model(config, w.model)),
        base=lambda w: base_model(config, w.model),
        settings=lambda w: stage_settings_json(w.dataset, w.model, "adversarial"),
        oracle=oracle_arg,
        # Not an output: Snakemake would delete it before the job and nothing could resume.
        # The stage ignores checkpoints whose pretrained model, settings or seed differ.
        checkpoint_dir=lambda w: checkpoint_dir(w, "adversarial"),
        training=training_json(),
        device=DEVICE,
    shell:
        "leakgan adversarial --model {params.base:q} --settings {params.settings:q}"
        " --pretrained {input.pretrained:q} --train {input.train:q} --test {input.test:q} --vocab {input.vocab:q}"
        " {params.oracle:q} --seed {wildcards.seed:q} --training {params.training:q} --device {params.device:q}"
        " --threads {threads}"
        " --checkpoint-dir {params.checkpoint_dir:q} --out {output.checkpoint:q} --metrics {output.metrics:q}"
        " 2>> {log:q}"
