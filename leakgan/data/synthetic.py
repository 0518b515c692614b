"""Synthetic data: the oracle LSTM that defines the "real" distribution (the standard one or a seeded N(0, std) one)."""
from __future__ import annotations

from leakgan.errors import UserError
from leakgan.models.oracle import Oracle, load_oracle_pickle
from leakgan.seeding import torch_generator


def build_oracle(dataset: dict, oracle_settings: dict, seed: int) -> Oracle:
    """The standard oracle when `oracle_params` names a file, else a seeded N(0, init_std) one."""
    path = dataset.get("oracle_params")
    if path:
        oracle = Oracle.from_arrays(load_oracle_pickle(path), source=str(path))
        expected = dataset.get("vocab_size")
        if expected is not None and expected != oracle.vocab_size:
            raise UserError(
                f"{path}: the oracle has a vocabulary of {oracle.vocab_size} but the dataset's vocab_size is "
                f"{expected}; set datasets.<name>.vocab_size to {oracle.vocab_size} or drop oracle_params"
            )
        return oracle
    gen = torch_generator(seed, "oracle-params")
    return Oracle.random(dataset["vocab_size"], oracle_settings["emb_dim"], oracle_settings["hidden_dim"],
                         oracle_settings["init_std"], gen)
