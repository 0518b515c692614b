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
        **job_resources("light"),
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
        # A local corpus is tracked by its content (the fingerprint in params), not its modification time
        # (ancient): a fresh copy of the same bytes re-runs nothing. A download is new only when downloaded again.
        unpack(lambda w: sources.raw_files(w.dataset, ds(w.dataset), local=ancient)),
    output:
        train=data_file("train.txt"),
        test=data_file("test.txt"),
        vocab=data_file("vocab.json"),
        train_words=data_file("train.words.txt"),
        test_words=data_file("test.words.txt"),
        stats=data_file("stats.json"),
    log:
        layout.pattern(layout.DATASET_LOG, step="prepare"),
    benchmark:
        layout.pattern(layout.DATASET_BENCHMARK, step="prepare")
    wildcard_constraints:
        dataset=TEXT_RE,
    threads: job_threads("data")
    resources:
        # the word counts of a full News Crawl year (millions of distinct tokens) dominate
        **job_resources("data"),
    params:
        code=code_version("prepare"),
        settings=lambda w: data_settings_json(w.dataset),
        seed=SEED,
        test_source=lambda w, input: input.get("test_source", ""),
        # Content fingerprint of each local source file: its size and the sha256 of its first, middle and last
        # MiB (leakgan.data.sources.fingerprint), so a corpus replaced by one with an older modification time
        # (cp -p, tar, curl -R) is prepared again; a change of params re-runs the rule.
        fingerprint=lambda w: sources.local_fingerprints(ds(w.dataset)),
        out_dir=lambda w: layout.path(layout.DATA, dataset=w.dataset),
    shell:
        "leakgan prepare --dataset {wildcards.dataset:q} --settings {params.settings:q} --source {input.source:q}"
        " --test-source={params.test_source:q} --seed {params.seed:q} --out-dir {params.out_dir:q}"
        " --threads {threads} 2> {log:q}"
