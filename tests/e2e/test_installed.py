"""The package as a user installs it (a wheel, not the checkout): its schemas and default config travel with it."""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv holding the wheel of this checkout; its other dependencies come from the test's own environment."""
    tmp = tmp_path_factory.mktemp("installed")
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(wheels), str(REPO)], check=True, capture_output=True, text=True)
    (wheel,) = wheels.glob("leakgan-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    # torch, numba, snakemake, ... of this environment, after the venv's own packages (a path in a .pth file is
    # appended to sys.path without running this environment's own .pth files, so the checkout is not imported)
    (target / "deps.pth").write_text("\n".join([sysconfig.get_paths()["purelib"], *site.getsitepackages()]) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, text=True)
    return venv


def run(venv: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    # without PYTHONPATH: a checkout named there would be imported instead of the installed wheel
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(venv / "bin" / "python"), *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_the_wheel_holds_the_schemas_and_the_default_config_and_imports_from_itself(installed, tmp_path):
    code = ("import leakgan, leakgan.config.schema as s, leakgan.kernels as k; from leakgan.config.resolve import load;"
            "c = load(); print(leakgan.__file__); print(k.__file__); print(s.DEFAULT_CONFIG.is_file(), "
            "sorted(p.name for p in s.SCHEMA_DIR.glob('*.yaml'))[:3], c['models'])")
    proc = run(installed, "-c", code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    package, kernels, data = proc.stdout.splitlines()
    assert package.startswith(str(installed)) and kernels.startswith(str(installed))
    assert data == "True ['config.schema.yaml', 'dataset_synthetic.schema.yaml', 'dataset_text.schema.yaml'] ['mle', 'leakgan']"


def test_an_installed_stage_runs_from_another_folder(installed, tmp_path):
    corpus = tmp_path / "corpus.txt"
    words = ["a", "b", "c", "d", "e", "f"]
    corpus.write_text("".join(" ".join(words[(i + j) % 6] for j in range(3 + i % 4)) + "\n" for i in range(60)))
    settings = {"type": "text", "format": "text", "min_freq": 1, "min_len": 1, "max_len": 8, "num_train": 40,
                "num_test": 10, "pre_tokenizer": "whitespace"}
    proc = run(installed, "-m", "leakgan.cli", "prepare", "--dataset", "mine", "--settings", json.dumps(settings),
               "--source", str(corpus), "--test-source=", "--seed", "1", "--out-dir", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    vocab = json.loads((tmp_path / "out" / "vocab.json").read_text())
    assert sorted(vocab["tokens"]) == ["<pad>", *words] and len((tmp_path / "out" / "train.txt").read_text().splitlines()) == 40
    version = run(installed, "-m", "leakgan.cli", "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip().startswith("leakgan ")
