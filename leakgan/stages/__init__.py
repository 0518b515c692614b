"""One thin module per `leakgan <stage>` command: arguments -> library calls -> files.

Each module offers `configure(parser)` (its arguments) and `main(args)` (the
work). The library (data, models, train, metrics) never imports a stage.
"""

# command -> one-line help; the module is leakgan.stages.<command>
STAGES: dict[str, str] = {
    "download": "download a raw corpus with checksum verification",
    "prepare": "turn a raw corpus into filtered token files",
    "oracle": "build the synthetic oracle and sample its train/test sequences",
    "pretrain": "a model's first training stage (the MLE baseline; LeakGAN's interleaved pretraining)",
    "adversarial": "adversarial training from a pretrained checkpoint (resumable)",
    "sample": "sample sequences from a trained model (or the oracle)",
    "generate": "print sentences from a trained model (words for text data, ids for synthetic), one per line",
    "lm": "train a text dataset's reference language model (LM score, Fréchet distance)",
    "evaluate": "score a model's samples (oracle NLL, NLL-test, BLEU, LM score)",
    "frontier": "sample and score a model at every α of the quality-diversity frontier",
    "collect": "gather one seed's per-model scores into results/<dataset>/seed<k>/nll.json or bleu.json",
    "aggregate": "every seed of a dataset in results/<dataset>/nll.json or bleu.json (mean, std, Welch's t-test)",
    "table": "print the results table of an nll.json or bleu.json",
    "report": "write the paper's tables and Figure 2 beside ours (Markdown, HTML, PNG)",
    "figures": "draw the paper's Figures 3-5 (BLEU gain by length, feature traces, WORKER x MANAGER) as PNG",
    "bleu": "BLEU-2..n of a hypothesis file against a reference file",
    "tensorboard": "write every training curve of a results folder as TensorBoard scalars",
}
