"""The synthetic oracle: safe loading of the standard file, its 5.75 NLL, seeded random oracles."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from leakgan.data.synthetic import build_oracle
from leakgan.errors import UserError
from leakgan.models.oracle import Oracle, load_oracle_pickle
from tests.conftest import require_shared


class _RunsShell:
    # Unpickling this object would call os.system: the loader must refuse before that happens.
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_malicious_pickle_is_refused_with_a_clear_error(tmp_path):
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps([_RunsShell()], protocol=0))
    with pytest.raises(UserError) as info:
        load_oracle_pickle(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}: refusing to load: the pickle asks for ")
    assert "system" in message and "may hold only numpy arrays" in message


def test_pickle_of_the_wrong_layout_is_refused(tmp_path):
    path = tmp_path / "short.pkl"
    path.write_bytes(pickle.dumps([np.zeros((3, 2), dtype=np.float32)], protocol=4))
    with pytest.raises(UserError, match="expected a list of 15 numpy arrays"):
        load_oracle_pickle(path)


def test_missing_oracle_file_names_the_setting(tmp_path):
    with pytest.raises(UserError, match=r"oracle file not found; fix datasets.<name>.oracle_params"):
        load_oracle_pickle(tmp_path / "absent.pkl")


def test_standard_oracle_samples_score_the_papers_real_nll():
    path = require_shared("oracle", "target_params.pkl")
    oracle = Oracle.from_arrays(load_oracle_pickle(path))
    assert (oracle.vocab_size, oracle.emb_dim, oracle.hidden_dim) == (5000, 32, 32)
    gen = torch.Generator().manual_seed(123)
    samples = oracle.sample(10_000, 20, gen)
    assert samples.shape == (10_000, 20)
    nll = oracle.nll(samples)
    assert abs(nll - 5.75) <= 0.03, nll


def test_vocab_mismatch_with_the_standard_file_is_reported():
    path = require_shared("oracle", "target_params.pkl")
    with pytest.raises(UserError, match="has a vocabulary of 5000 but the dataset's vocab_size is 200"):
        build_oracle({"oracle_params": str(path), "vocab_size": 200}, {}, seed=1)


def test_random_oracle_is_seeded_and_normal():
    settings = {"emb_dim": 8, "hidden_dim": 8, "init_std": 1.0}
    a = build_oracle({"vocab_size": 50}, settings, seed=7)
    b = build_oracle({"vocab_size": 50}, settings, seed=7)
    c = build_oracle({"vocab_size": 50}, settings, seed=8)
    assert torch.equal(a.Wo, b.Wo) and not torch.equal(a.Wo, c.Wo)
    weights = torch.cat([p.flatten() for p in a.state_dict().values()])
    assert abs(float(weights.mean())) < 0.1 and abs(float(weights.std()) - 1.0) < 0.1


def test_oracle_nll_matches_a_direct_computation(tmp_path):
    oracle = build_oracle({"vocab_size": 30}, {"emb_dim": 4, "hidden_dim": 5, "init_std": 1.0}, seed=3)
    tokens = torch.tensor([[3, 7, 1], [0, 29, 5]])
    # Step the gate equations by hand in float64.
    p = {k: v.double() for k, v in oracle.state_dict().items()}
    total = 0.0
    for row in tokens:
        h = torch.zeros(5, dtype=torch.float64)
        c = torch.zeros(5, dtype=torch.float64)
        prev = 0
        for tok in row.tolist():
            x = p["embedding"][prev]
            i = torch.sigmoid(x @ p["Wi"] + h @ p["Ui"] + p["bi"])
            f = torch.sigmoid(x @ p["Wf"] + h @ p["Uf"] + p["bf"])
            o = torch.sigmoid(x @ p["Wog"] + h @ p["Uog"] + p["bog"])
            c = f * c + i * torch.tanh(x @ p["Wc"] + h @ p["Uc"] + p["bc"])
            h = o * torch.tanh(c)
            total -= float(torch.log_softmax(h @ p["Wo"] + p["bo"], dim=0)[tok])
            prev = tok
    assert oracle.nll(tokens) == pytest.approx(total / 6, rel=1e-5)
    # Saving and loading keeps every weight.
    oracle.save(tmp_path / "o.pt")
    again = Oracle.load(tmp_path / "o.pt")
    assert again.nll(tokens) == pytest.approx(oracle.nll(tokens), rel=1e-7)


def test_damaged_oracle_checkpoint_is_reported(tmp_path):
    path = tmp_path / "oracle.pt"
    path.write_bytes(b"not a torch file")
    with pytest.raises(UserError, match=r"oracle.pt: not a valid oracle file .*delete it and re-run the oracle stage"):
        Oracle.load(path)
