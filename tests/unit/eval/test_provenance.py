"""Provenance of a result: the code, the libraries, each model's settings and the data."""
from __future__ import annotations

import torch


def test_provenance_records_code_libraries_settings_and_data(tmp_path):
    import hashlib
    import json
    import subprocess

    from leakgan.io import write_tokens, write_vocab
    from leakgan.eval.provenance import PACKAGE_ROOT, provenance

    data = tmp_path / "data"
    write_tokens(data / "train.txt", [[3, 1, 0, 0], [1, 2, 3, 4], [2, 0, 0, 0]])
    write_tokens(data / "test.txt", [[1, 1, 1, 0]])
    write_vocab(data / "vocab.json", 5, None, 0, 4, source="test")  # pad id 0
    block = provenance("cpu", {"mle": {"lr": 0.01, "epochs": 2}}, data)
    assert block["models"]["mle"] == {
        "settings": {"lr": 0.01, "epochs": 2},
        "sha256": hashlib.sha256(b'{"epochs":2,"lr":0.01}').hexdigest()}
    assert block["data"]["vocab_size"] == 5
    assert block["data"]["train"] == {"sequences": 3, "min_length": 1, "max_length": 4, "mean_length": 7 / 3}
    assert block["data"]["test"]["sequences"] == 1 and block["data"]["test"]["max_length"] == 3
    env = block["environment"]
    assert env["torch"] == torch.__version__ and env["device"] == "cpu" and env["leakgan"]
    if (PACKAGE_ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(PACKAGE_ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        assert env["git"]["commit"] == head
    json.dumps(block)  # all of it goes into a JSON file
