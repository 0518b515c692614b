"""The synthetic oracle: safe loading of the standard file, its 5.75 NLL, seeded random oracles."""
from __future__ import annotations

import builtins
import os
import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from leakgan.data.synthetic import build_oracle
from leakgan.errors import UserError
from leakgan.models.oracle import PARAM_NAMES, Oracle, load_oracle_pickle
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


# ---------------------------------------------------------------- the pickle's integrity (issue #15)

# The standard oracle layout: embedding V×E, W* E×H, U* H×H, b* H, Wo H×V, bo V.


SHAPES = {"embedding": ("V", "E"), "Wo": ("H", "V"), "bo": ("V",),
          **{f"{kind}{gate}": dims for gate in ("i", "f", "og", "c")
             for kind, dims in (("W", ("E", "H")), ("U", ("H", "H")), ("b", ("H",)))}}


def oracle_arrays(V: int = 7, E: int = 3, H: int = 4, dtype=np.float32, seed: int = 0) -> list[np.ndarray]:
    """15 arrays of the standard oracle layout."""
    rng = np.random.default_rng(seed)
    sizes = {"V": V, "E": E, "H": H}
    return [rng.normal(size=tuple(sizes[d] for d in SHAPES[n])).astype(dtype) for n in PARAM_NAMES]


def _dump(path: Path, obj, protocol: int = 4) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


@pytest.mark.parametrize("index,change,message", [
    (0, lambda a: a.ravel(), "array embedding has 1 dimension(s) (shape (21,)), expected 2 (V×E)"),
    (3, lambda a: a.reshape(1, -1), "array bi has 2 dimension(s) (shape (1, 4)), expected 1 (H)"),
    (5, lambda a: a.astype(np.int64), "array Uf has dtype int64, expected floating point (float32 or float64); "
                                      "use the standard target_params.pkl"),
    (5, lambda a: a.astype(object), "array Uf has dtype object, expected floating point (float32 or float64); "
                                    "use the standard target_params.pkl"),
    (4, lambda a: a.tolist(), "array Wf is a list, not a numpy array; use the standard target_params.pkl"),
    (2, lambda a: a[:, :-1], "array Ui has shape (4, 3), expected (4, 4) (H×H with V=7, E=3, H=4 from embedding and Wi)"),
    (13, lambda a: a[:, :-1], "array Wo has shape (4, 6), expected (4, 7) (H×V with V=7, E=3, H=4 from embedding and Wi)"),
    (14, lambda a: a[:-1], "array bo has shape (6,), expected (7,) (V with V=7, E=3, H=4 from embedding and Wi)"),
])
def test_oracle_pickle_with_malformed_arrays_is_refused(tmp_path, index, change, message):
    arrays = oracle_arrays()
    arrays[index] = change(arrays[index])
    path = _dump(tmp_path / "oracle.pkl", arrays)
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert str(info.value) == f"{path}: {message}"
    with pytest.raises(UserError) as info:  # the constructor checks too
        Oracle.from_arrays(arrays, source="given")
    assert str(info.value) == f"given: {message}"


@pytest.mark.parametrize("value,kind", [(np.nan, "NaN"), (np.inf, "infinite (or beyond float32)"),
                                        (-np.inf, "infinite (or beyond float32)")])
def test_oracle_pickle_with_non_finite_weights_is_refused(tmp_path, value, kind):
    arrays = oracle_arrays()
    arrays[7][1, 2] = value
    path = _dump(tmp_path / "oracle.pkl", arrays)
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert str(info.value) == (f"{path}: array Wog holds 1 {kind} value(s); every oracle weight must be a finite "
                               "number: use the standard target_params.pkl")


def test_float64_weight_beyond_float32_is_refused(tmp_path):
    arrays = oracle_arrays(dtype=np.float64)
    arrays[14][0] = 1e300
    with pytest.raises(UserError, match=r"array bo holds 1 infinite \(or beyond float32\) value"):
        load_oracle_pickle(_dump(tmp_path / "oracle.pkl", arrays))


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_array_pickles_of_every_protocol_are_accepted(tmp_path, protocol, dtype):
    arrays = oracle_arrays(dtype=dtype)
    loaded = load_oracle_pickle(_dump(tmp_path / "oracle.pkl", arrays, protocol))
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(arrays, loaded))
    oracle = Oracle.from_arrays(loaded)
    assert (oracle.vocab_size, oracle.emb_dim, oracle.hidden_dim) == (7, 3, 4)
    assert torch.equal(oracle.Wo, torch.from_numpy(arrays[13].astype(np.float32)))


def test_standard_oracle_file_still_loads():
    arrays = load_oracle_pickle(require_shared("oracle", "target_params.pkl"))
    assert arrays[0].shape == (5000, 32) and all(np.isfinite(a).all() for a in arrays)


class _Calls:
    """Unpickling it calls `func(*args)`."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
@pytest.mark.parametrize("func,pattern", [
    (os.system, r"(posix|os|nt)\.system"),
    (builtins.eval, r"(__builtin__|builtins)\.eval"),
    (builtins.exec, r"(__builtin__|builtins)\.exec"),
    (shutil.rmtree, r"shutil\.rmtree"),
    (np.load, r"numpy\.[\w.]*load"),
])
def test_any_other_callable_is_refused_before_it_runs(tmp_path, protocol, func, pattern):
    marker = tmp_path / "PWNED"
    victim = tmp_path / "victim"
    victim.mkdir()
    args = {os.system: (f"touch {marker}",), builtins.eval: (f"open({str(marker)!r}, 'w')",),
            builtins.exec: (f"open({str(marker)!r}, 'w')",), shutil.rmtree: (str(victim),),
            np.load: (str(marker),)}[func]
    path = _dump(tmp_path / "evil.pkl", [_Calls(func, *args)] + oracle_arrays()[1:], protocol)
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert re.fullmatch(rf"{re.escape(str(path))}: refusing to load: the pickle asks for {pattern}, but an oracle "
                        r"file may hold only numpy arrays; use the standard target_params\.pkl", str(info.value))
    assert not marker.exists() and victim.exists()


def test_codecs_encode_is_admitted_only_as_numpy_uses_it(tmp_path):
    # Python 3 pickles of protocol 0-2 store bytes as _codecs.encode(text, 'latin1'); no other use is allowed.
    path = tmp_path / "codec.pkl"
    path.write_bytes(b"c_codecs\nencode\n(Vabc\nVrot13\ntR.")
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert str(info.value) == (f"{path}: not a readable oracle pickle (UnpicklingError: _codecs.encode(str, 'rot13') "
                               "is not how numpy stores bytes)")


def test_crafted_empty_arrays_larger_than_the_file_are_refused(tmp_path):
    arrays = [_Calls(np.ndarray, (20000, 20000))] + oracle_arrays()[1:]  # 3 GB claimed, never filled
    path = _dump(tmp_path / "big.pkl", arrays)
    with pytest.raises(UserError, match=r"big\.pkl: (its arrays claim \d+ bytes, more than the file holds|"
                                        r"not a readable oracle pickle \(MemoryError)"):
        load_oracle_pickle(path)
