# Real text: download raw corpora (URL sources) and prepare token files.
# A local `source` path is read in place; a URL goes to resources/downloads/<dataset>/.
from leakgan.data import sources


rule download:
    """Fetch one URL source of a text dataset, resumably, checked against its sha256 when given."""
    output:
        "resources/downloads/{dataset}/{filename}",
    log:
        "logs/{dataset}/download-{filename}.log",
    benchmark:
        "logs/{dataset}/download-{filename}.benchmark.tsv"
    wildcard_constraints:
        dataset=TEXT_RE,
        filename=sources.SAFE_NAME,
    threads: job_threads("light")
    resources:
        mem_mb=job_memory("light"),
        runtime=job_runtime("light"),
    params:
        code=code_version("download"),
        url=lambda w: sources.download_spec(w.dataset, ds(w.dataset), w.filename)[0],
        sha256=lambda w: (
            sources.download_spec(w.dataset, ds(w.dataset), w.filename)[1] or ""
        ),
    # On failure the log's last line (the one-line reason, e.g. an unreachable host)
    # is repeated on stderr, so it shows where snakemake runs, not only in the log.
    shell:
        "leakgan download {params.url:q} --sha256={params.sha256:q} --out {output:q} 2> {log:q}"
        " || {{ tr '\\r' '\\n' < {log:q} | grep -v '^[[:space:]]*$' | tail -n 1 >&2; exit 1; }}"


rule prepare:
    """Normalise, tokenize, filter by word frequency and length, and sample train/test token files."""
    input:
        unpack(lambda w: sources.raw_files(w.dataset, ds(w.dataset))),
    output:
        train="results/{dataset}/data/train.txt",
        test="results/{dataset}/data/test.txt",
        vocab="results/{dataset}/data/vocab.json",
        train_words="results/{dataset}/data/train.words.txt",
        test_words="results/{dataset}/data/test.words.txt",
        stats="results/{dataset}/data/stats.json",
    log:
        "logs/{dataset}/prepare.log",
    benchmark:
        "logs/{dataset}/prepare.benchmark.tsv"
    wildcard_constraints:
        dataset=TEXT_RE,
    threads: job_threads("data")
    resources:
        # the word counts of a full News Crawl year (millions of distinct tokens) dominate
        mem_mb=job_memory("data"),
        runtime=job_runtime("data"),
    params:
        code=code_version("prepare"),
        settings=lambda w: data_settings_json(w.dataset),
        seed=SEED,
        test_source=lambda w, input: input.get("test_source", ""),
        out_dir=lambda w: f"results/{w.dataset}/data",
    shell:
        "leakgan prepare --dataset {wildcards.dataset:q} --settings {params.settings:q} --source {input.source:q}"
        " --test-source={params.test_source:q} --seed {params.seed:q} --out-dir {params.out_dir:q}"
        " --threads {threads} 2> {log:q}"
