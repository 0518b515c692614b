# Real text: download raw corpora (URL sources) and prepare token files.
# A local `source` path is read in place; a URL goes to resources/raw/<dataset>/.
from leakgan.data import sources


rule download:
    output:
        "resources/raw/{dataset}/{filename}",
    wildcard_constraints:
        dataset=TEXT_RE,
    params:
        args=lambda w: sources.download_args(w.dataset, ds(w.dataset), w.filename),
    log:
        "logs/{dataset}/download-{filename}.log",
    benchmark:
        "logs/{dataset}/download-{filename}.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=200,
        runtime=240,
    shell:
        "leakgan download {params.args} --out {output:q} 2> {log}"


rule prepare:
    input:
        unpack(lambda w: sources.raw_files(w.dataset, ds(w.dataset))),
    output:
        train="results/{dataset}/data/train.txt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
        train_words="results/{dataset}/data/train.words.txt",
        test_words="results/{dataset}/data/test.words.txt",
        stats="results/{dataset}/data/stats.json",
    wildcard_constraints:
        dataset=TEXT_RE,
    params:
        settings=lambda w: as_json(data_settings(w.dataset)),
        seed=SEED,
        test_source=lambda w, input: sources.test_source_arg(input),
    log:
        "logs/{dataset}/prepare.log",
    benchmark:
        "logs/{dataset}/prepare.benchmark.tsv"
    threads: 2
    resources:
        # the word counts of a full News Crawl year (millions of distinct tokens) dominate
        mem_mb=4000,
        runtime=60,
    shell:
        "leakgan prepare --dataset {wildcards.dataset} --settings {params.settings:q} --source {input.source:q}"
        " {params.test_source} --seed {params.seed} --out-dir results/{wildcards.dataset}/data --threads {threads} 2> {log}"
