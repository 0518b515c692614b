"""Example results (an nll.json and a bleu.json of one seed) the report tests draw from."""
from __future__ import annotations


def nll_result(seq_len=20):
    return {
        "dataset": f"synthetic-{seq_len}", "scale": "smoke", "seed": 42, "seq_len": seq_len,
        "models": {
            "real": {"oracle_nll": 5.75012, "nll_test": 5.8, "temperature": 1.0, "num_samples": 200},
            "mle": {"oracle_nll": 9.1234, "nll_test": 7.0, "temperature": 1.0, "num_samples": 200,
                    "curve": [{"epoch": 0, "oracle_nll": 10.0}, {"epoch": 1, "oracle_nll": 9.5},
                              {"epoch": 2, "oracle_nll": 9.1}]},
            "leakgan": {"oracle_nll": 7.5, "nll_test": 7.2, "temperature": 0.6667, "num_samples": 200,
                        "curve": [{"stage": "pretrain", "epoch": 1, "oracle_nll": 9.8},
                                  {"stage": "pretrain", "epoch": 2},  # not an evaluation epoch
                                  {"stage": "pretrain", "epoch": 3, "oracle_nll": 9.0},
                                  {"stage": "adversarial", "epoch": 1, "oracle_nll": 8.0},
                                  {"stage": "adversarial", "epoch": 2, "oracle_nll": 7.5}]},
            "leakgan_matched": {"oracle_nll": 8.25, "nll_test": 7.2, "temperature": 1.0, "num_samples": 200},
        },
    }


def bleu_result(dataset="wmt", orders=(2, 3, 4, 5)):
    def scores(base, temperature):
        return {**{f"bleu{n}": base - n / 10 for n in orders}, "nll_test": 4.5, "temperature": temperature,
                "num_samples": 100}
    return {"dataset": dataset, "scale": "paper", "seed": 7,
            "models": {"mle": scores(0.9, 1.0), "leakgan": scores(0.95, 0.6667),
                       "leakgan_matched": scores(0.85, 1.0)}}
