"""The kernels' CPU twins leave torch's threading alone (the MLE-after-adversarial slowdown).

Numba's `omp` threading layer runs on the libgomp that torch loaded. Its
start-up and `numba.set_num_threads` (which `kernels.rescale.threads_for`
calls around every small twin call) wrote that runtime's state: torch's
thread count became NUMBA_NUM_THREADS after the first reward and OpenMP's
max-active-levels changed, so a `--threads 1` job ran every later epoch on
all cores; on a shared 2-core machine its MLE epochs then took 3.4-3.9x the
CPU time (benchmarks/mle_after_adversarial.py, whose smoke run
tests/e2e/test_benchmarks.py checks). Each check runs in a fresh
process: Numba picks its threading layer once, at the first parallel call.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.conftest import REPO

_SCRIPT = textwrap.dedent("""
    import ctypes, json, os, sys
    import numpy as np
    import torch

    torch.set_num_threads(int(sys.argv[1]))
    gomp = None
    path = os.path.join(os.path.dirname(torch.__file__), "lib", "libgomp.so.1")
    if os.path.exists(path):
        gomp = ctypes.CDLL(path, mode=os.RTLD_NOLOAD)

    def state():
        out = {"torch_threads": torch.get_num_threads(), "torch_interop": torch.get_num_interop_threads()}
        if gomp is not None:
            out.update(omp_max_threads=gomp.omp_get_max_threads(), omp_nested=gomp.omp_get_nested(),
                       omp_max_active_levels=gomp.omp_get_max_active_levels(), omp_dynamic=gomp.omp_get_dynamic())
        return out

    from leakgan.kernels import ranks, rescale_rewards, score_rollouts
    from leakgan.kernels.rescale import PARALLEL_MIN_ELEMENTS

    before = state()
    gen = torch.Generator().manual_seed(0)
    score_rollouts(torch.rand(4, 5, 64, generator=gen), 12.0)  # one thread (threads_for), as in training
    score_rollouts(torch.rand(4, 8, PARALLEL_MIN_ELEMENTS // 32, generator=gen), 12.0)  # the threaded twin
    rescale_rewards(np.random.default_rng(0).standard_normal((64, 5)), 12.0)
    ranks(torch.rand(64, 5, generator=gen, dtype=torch.float64))
    print(json.dumps({"before": before, "after": state()}))
""")


def kernel_calls_state(torch_threads: int) -> dict:
    """Torch's and OpenMP's threading state before and after the kernels' CPU twins, in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "OMP_NUM_THREADS")}
    env["NUMBA_NUM_THREADS"] = "2"  # more than one Numba thread even on a one-core machine
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(torch_threads)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_score_rollouts_keeps_one_torch_thread_and_openmp_state():
    result = kernel_calls_state(1)
    assert result["before"]["torch_threads"] == 1
    assert result["after"] == result["before"]


def test_score_rollouts_keeps_two_torch_threads_and_openmp_state():
    result = kernel_calls_state(2)
    assert result["before"]["torch_threads"] == 2
    assert result["after"] == result["before"]

