"""The shared end-to-end runs: one smoke pipeline per kind of dataset, made once per test session.

- `synthetic_run`: synthetic-20 at smoke scale with all five registered models and one ablation arm
  (leakgan_constant), up to results/synthetic-20/nll.json (every seed's chain, the frontier, the aggregate).
- `coco_run`: the shared COCO captions (../shared/data/coco) at smoke scale with all five models, up to
  results/coco/bleu.json and the report's tables, curves, frontier and Figures 4-5 (Figure 3's default of 20
  sentences per length bucket is more than 200 smoke samples give; tests/e2e/test_text.py draws it with fewer).

Every end-to-end check that only reads a run (results fields, dry runs, `leakgan generate`, the figures) reads
these; a check that must change files copies the run first (`copy_run`) or makes its own folder.

As soon as collection knows which runs the session's tests need, they start in the background (Snakemake in a
process group of its own), so they are made while other tests run (the unit and workflow tiers); the fixtures wait
for them. Under pytest-xdist the session's first worker to ask starts each run, and every worker waits for it.
"""
from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, require_shared, tool_env

ALL_MODELS = ["mle", "seqgan", "seqgan_rescaled", "rankgan", "leakgan"]
ARMS = ["leakgan_constant"]
SYNTHETIC = ["--config", "scale=smoke", f"models=[{', '.join(ALL_MODELS + ARMS)}]"]
SYNTHETIC_TARGET = "results/synthetic-20/nll.json"
COCO_TARGETS = ["results/coco/bleu.json", "results/tables.md", "results/report/tables.html",
                *(f"results/report/coco/{name}.png" for name in ("bleu_curve", "frontier", "figure4", "figure5"))]
TIMEOUT = 1800  # seconds a shared run may take (a few minutes on 2 idle cores)


def coco_config() -> list[str]:
    """The COCO run's --config values (skips the test when the shared captions are absent)."""
    train = require_shared("coco", "train_captions.txt")
    test = require_shared("coco", "test_captions.txt")
    return ["--config", "scale=smoke", f"models=[{', '.join(ALL_MODELS)}]",
            f"datasets={{coco: {{source: {train}, format: text, test_source: {test}}}}}",
            "report={datasets: [coco], num_samples: 3}"]


def _arguments(name: str) -> list[str]:
    """A shared run's Snakemake arguments after the work folder (skips when its data are absent)."""
    if name == "synthetic_run":
        return [*SYNTHETIC, "--", SYNTHETIC_TARGET]
    return [*coco_config(), "--", *COCO_TARGETS]


class SharedRun:
    """One shared run of the session: Snakemake in `<root>/<name>/`, started once in the background (by whichever
    process of the session asks first: pytest, or one pytest-xdist worker of several), its exit status written to
    `<name>.rc` when it ends; `wait()` returns the folder once it has succeeded."""

    def __init__(self, name: str, root: Path):
        self.name, self.root = name, root
        self.workdir, self.log = root / name.replace("_", "-"), root / f"{name}.snakemake.log"
        self.rc, self.pid = root / f"{name}.rc", root / f"{name}.pid"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the run unless a process of this session has started it already."""
        args = _arguments(self.name)  # skips (before anything starts) when the run's data are absent
        with open(self.root / f"{self.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process of the session starts it
            if self.workdir.exists():
                return
            self.workdir.mkdir()
            cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(self.workdir),
                   "--cores", "2", *args]
            script = f'{shlex.join(cmd)} > {shlex.quote(str(self.log))} 2>&1; echo $? > {shlex.quote(str(self.rc))}.part' \
                     f' && mv {shlex.quote(str(self.rc))}.part {shlex.quote(str(self.rc))}'
            # a session (process group) of its own: stopped as a whole if the test session ends first
            self.proc = subprocess.Popen(["sh", "-c", script], cwd=self.workdir, env=tool_env(),
                                         start_new_session=True)
            self.pid.write_text(str(self.proc.pid))

    def wait(self) -> Path:
        self.start()
        deadline = time.monotonic() + TIMEOUT
        while not self.rc.exists():
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the shared {self.name} took more than {TIMEOUT} s; see {self.log}")
            time.sleep(1)
        code = int(self.rc.read_text())
        if code != 0:
            tail = self.log.read_text(errors="replace")[-6000:]
            raise AssertionError(f"snakemake failed ({code}) making the shared {self.name} (log {self.log}):\n{tail}")
        return self.workdir

    def stop(self) -> None:
        """Stop the run (its process group, started by this session) if it is still going."""
        if self.pid.exists() and not self.rc.exists():
            try:
                os.killpg(int(self.pid.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            self.proc.wait(timeout=60)


_RUNS: dict[str, SharedRun] = {}  # this process's handles on the session's shared runs, by fixture name


def _run(name: str, config: pytest.Config) -> SharedRun:
    if name not in _RUNS:
        base = config._tmp_path_factory.getbasetemp()
        # pytest-xdist workers have folders of their own (popen-gw<k>) under the session's: the runs go there
        root = base.parent if hasattr(config, "workerinput") else base
        _RUNS[name] = SharedRun(name, root)
    return _RUNS[name]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start every shared run some selected test needs, so it is made while other tests run."""
    if session.config.option.collectonly:
        return
    needed = {name for item in session.items for name in ("synthetic_run", "coco_run")
              if name in getattr(item, "fixturenames", ())}
    for name in sorted(needed, reverse=True):  # the synthetic run first: most checks read it
        try:
            _run(name, session.config).start()
        except pytest.skip.Exception:  # its data are absent: the fixture skips its tests
            pass


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the shared runs still going when the session ends (early, e.g. -x): in pytest, or in pytest-xdist's
    controller once every worker is done (a worker may end while another still waits for a run it started)."""
    if hasattr(session.config, "workerinput"):
        return
    for name in ("synthetic_run", "coco_run"):
        _run(name, session.config).stop()


@pytest.fixture(scope="session")
def synthetic_run(request) -> Path:
    return _run("synthetic_run", request.config).wait()


@pytest.fixture(scope="session")
def coco_run(request) -> Path:
    return _run("coco_run", request.config).wait()


def copy_run(run: Path, dest: Path, *parts: str) -> Path:
    """A copy of a shared run for a check that changes files: all of it (results, logs, checkpoints and Snakemake's
    records), or Snakemake's records and only `parts` (paths relative to the run, e.g. one model's chain)."""
    if not parts:
        shutil.copytree(run, dest, symlinks=True)
        return dest
    shutil.copytree(run / ".snakemake", dest / ".snakemake", symlinks=True)
    for part in parts:
        source = run / part
        (dest / part).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest / part, symlinks=True)
        else:
            shutil.copy2(source, dest / part)
    return dest


def synthetic_chains(*models: str, seed: int = 42) -> list[str]:
    """The parts of the shared synthetic run a copy needs to reuse these models' chains of `seed`: the data, the
    oracle, the oracle's own "real" row and each model's folder."""
    return ["results/synthetic-20/data", "results/synthetic-20/oracle",
            *(f"results/synthetic-20/seed{seed}/{m}" for m in ("real", *models))]
