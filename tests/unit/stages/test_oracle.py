"""`leakgan oracle`: a malformed oracle pickle or dataset block is one line, and nothing is written."""
from __future__ import annotations

import json

from tests.unit.models.test_oracle import _dump, oracle_arrays
from tests.unit.oneline import assert_nothing_written, assert_one_line, run


def test_oracle_stage_with_a_malformed_pickle_is_one_line(tmp_path, capsys):
    arrays = oracle_arrays()
    arrays[0] = arrays[0].ravel()
    path = _dump(tmp_path / "oracle.pkl", arrays)
    dataset = {"type": "synthetic", "seq_len": 5, "vocab_size": 7, "num_train": 3, "num_test": 3, "oracle_params": str(path)}
    oracle_settings = {"emb_dim": 3, "hidden_dim": 4, "init_std": 1.0}
    out = tmp_path / "results"
    rc, err = run(capsys, "oracle", "--dataset", json.dumps(dataset), "--oracle-settings", json.dumps(oracle_settings),
                  "--seed", "1", "--oracle-out", out / "oracle" / "oracle.pt", "--data-dir", out / "data")
    assert_one_line(rc, err, "oracle", f"{path}: array embedding has 1 dimension(s) (shape (21,)), expected 2 (V×E)")
    assert_nothing_written(out)


def test_oracle_stage_with_an_empty_dataset_block_names_the_missing_key(tmp_path, capsys):
    out = tmp_path / "results"
    rc, err = run(capsys, "oracle", "--dataset", "{}", "--oracle-settings", "{}", "--seed", "1",
                  "--oracle-out", out / "oracle.pt", "--data-dir", out / "data")
    assert_one_line(rc, err, "oracle", "config key '--dataset': 'type' is a required property")
    assert_nothing_written(out)
