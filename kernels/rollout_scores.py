"""Rollout scoring: reduce D's rollout probabilities to Q, then rescale (Eq. 11).

probs has shape R x S x B: D's probability that rollout r, started at the
end of segment s, of sequence b is real. Q[b, s] is the mean over the R
rollouts, and the result is rescale(Q) with the ranks of `kernels.rescale`.
(LeakGAN's training scores the whole sentence once for the last segment and
repeats that score R times, so its mean is that score.)

Means are accumulated in float64 in rollout order in every implementation,
so all three rank bit-identical means and agree on ties.
"""

import functools

import numpy as np
from numba import njit, prange

from .rescale import THREADS_PER_BLOCK, activation_reference, cuda_kernel as rescale_cuda_kernel
from .rescale import activation_table, rank_column_into, ranks_reference, threads_for

cuda = None  # numba.cuda, imported by cuda_kernel() on first use


# ---------------------------------------------------------------- reference

def rollout_means_reference(probs: np.ndarray) -> np.ndarray:
    """Return the float64 B x S mean over the rollouts, summed in rollout order like the twin and the kernel."""
    rollouts, segments, batch = probs.shape
    total = np.zeros((segments, batch), dtype=np.float64)
    for r in range(rollouts):
        total += probs[r].astype(np.float64)
    return (total / rollouts).T


def score_rollouts_reference(probs: np.ndarray, delta: float) -> np.ndarray:
    """Return rescaled B x S rollout rewards in probs' dtype (numpy, unchecked)."""
    means = rollout_means_reference(probs)
    rank = ranks_reference(means)
    return activation_reference(rank, means.shape[0], delta).astype(probs.dtype)


# ---------------------------------------------------------------- CPU twin

@njit(cache=True, parallel=True)
def score_twin(probs, delta, out):
    """Fill out (B x S) with rescaled rollout means, one segment per thread."""
    rollouts, segments, batch = probs.shape
    table = activation_table(batch, delta, False)
    for s in prange(segments):
        column = np.zeros(batch, dtype=np.float64)
        for r in range(rollouts):
            for b in range(batch):
                column[b] += probs[r, s, b]
        for b in range(batch):
            column[b] /= rollouts
        rank_column_into(column, table, out, s)


def score_cpu(probs: np.ndarray, delta: float, out: np.ndarray) -> None:
    """Run the CPU twin on probs -> out, threaded only when the input is large."""
    with threads_for(probs.size):
        score_twin(probs, delta, out)


# ---------------------------------------------------------------- CUDA kernel

@functools.cache
def cuda_kernel(tpb: int = THREADS_PER_BLOCK):
    """Compile-on-first-use CUDA kernel for blocks of tpb threads; importing needs no GPU."""
    # A module global, not a local: the CUDA simulator swaps a kernel's global
    # `cuda` for its fake module, and real CUDA resolves it at compile time.
    global cuda
    from numba import cuda, float64

    _, activation, tile_counts = rescale_cuda_kernel(tpb)

    @cuda.jit(device=True)
    def rollout_mean(probs, s, b):
        total = 0.0
        for r in range(probs.shape[0]):
            total += probs[r, s, b]
        return total / probs.shape[0]

    @cuda.jit
    def score_kernel(probs, delta, out):
        # The rescale kernel's layout, with each tile entry being a rollout
        # mean computed as it is loaded: reduction and ranking in one launch,
        # no scratch buffer.
        batch = probs.shape[2]
        s = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        i = cuda.blockIdx.y * tpb + tid
        tile = cuda.shared.array(tpb, float64)
        mine = 0.0
        if i < batch:
            mine = rollout_mean(probs, s, i)
        greater = 0
        equal = 0
        for start in range(0, batch, tpb):
            j = start + tid
            if j < batch:
                tile[tid] = rollout_mean(probs, s, j)
            cuda.syncthreads()
            if i < batch:
                g, e = tile_counts(tile, min(tpb, batch - start), mine)
                greater += g
                equal += e
            cuda.syncthreads()
        if i < batch:
            out[i, s] = activation(greater + (equal + 1) / 2.0, batch, delta, False)

    return score_kernel


def launch_score(probs, delta: float, out, stream=0, tpb: int = THREADS_PER_BLOCK) -> None:
    """Launch the CUDA kernel on device arrays probs (R x S x B) -> out (B x S)."""
    _, segments, batch = probs.shape
    grid = (segments, (batch + tpb - 1) // tpb)
    cuda_kernel(tpb)[grid, tpb, stream](probs, float(delta), out)
