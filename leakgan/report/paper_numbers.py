"""The numbers published in Guo et al., AAAI 2018 (Tables 1-4), keyed by our model and dataset names."""
from __future__ import annotations

REAL = "real"  # the oracle's own samples: the paper's "Real" row
PAPER_ORDER = ("mle", "seqgan", "rankgan", "leakgan", REAL)  # the rows of the paper's tables, in its order
P_VALUE = "< 1e-6"  # the paper's significance claim for LeakGAN against the best other model

# Table 1 (oracle NLL on synthetic data), by sequence length, as printed.
NLL = {
    20: {"mle": "9.038", "seqgan": "8.736", "rankgan": "8.247", "leakgan": "7.038", REAL: "5.750"},
    40: {"mle": "10.411", "seqgan": "10.310", "rankgan": "9.958", "leakgan": "7.191", REAL: "4.071"},
}

# Tables 2-4 (BLEU-n against the test set), by our dataset name, as printed.
# The paper has no MLE row in these tables, and only BLEU-2 for the poems.
BLEU = {
    "wmt": ("Table 2, EMNLP2017 WMT News", {
        "seqgan": {2: "0.8590", 3: "0.6015", 4: "0.4541", 5: "0.4498"},
        "rankgan": {2: "0.778", 3: "0.478", 4: "0.411", 5: "0.463"},
        "leakgan": {2: "0.956", 3: "0.819", 4: "0.627", 5: "0.498"},
    }),
    "wmt_benchmark": ("Table 2, EMNLP2017 WMT News", {
        "seqgan": {2: "0.8590", 3: "0.6015", 4: "0.4541", 5: "0.4498"},
        "rankgan": {2: "0.778", 3: "0.478", 4: "0.411", 5: "0.463"},
        "leakgan": {2: "0.956", 3: "0.819", 4: "0.627", 5: "0.498"},
    }),
    "coco": ("Table 3, COCO Image Captions", {
        "seqgan": {2: "0.831", 3: "0.642", 4: "0.521", 5: "0.427"},
        "rankgan": {2: "0.850", 3: "0.672", 4: "0.557", 5: "0.544"},
        "leakgan": {2: "0.950", 3: "0.880", 4: "0.778", 5: "0.686"},
    }),
    "poems": ("Table 4, Chinese Poems", {
        "seqgan": {2: "0.738"},
        "rankgan": {2: "0.812"},
        "leakgan": {2: "0.881"},
    }),
}
