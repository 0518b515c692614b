"""Rollout scoring: reduce D's rollout probabilities to Q, then rescale (Eq. 11).

probs has shape R x S x B: D's probability that rollout r, started at the
end of segment s, of sequence b is real. Q[b, s] is the mean over the kept
rollouts r (mask[r, s] False), and the result is rescale(Q) with the ranks
of `kernels.rescale`. The authors score the full sentence once for the last
segment, so a caller masks all but one rollout there.

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

def rollout_means_reference(probs: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Return the float64 B x S mean over kept rollouts (keep: R x S bool)."""
    rollouts, segments, batch = probs.shape
    total = np.zeros((segments, batch), dtype=np.float64)
    for r in range(rollouts):
        # Adding an exact 0.0 for a dropped rollout leaves the sum unchanged,
        # so the order of additions matches the twin and the CUDA kernel.
        total += np.where(keep[r][:, None], probs[r].astype(np.float64), 0.0)
    return (total / keep.sum(axis=0)[:, None]).T


def score_rollouts_reference(probs: np.ndarray, delta: float, keep: np.ndarray) -> np.ndarray:
    """Return rescaled B x S rollout rewards in probs' dtype (numpy, unchecked)."""
    means = rollout_means_reference(probs, keep)
    rank = ranks_reference(means)
    return activation_reference(rank, means.shape[0], delta).astype(probs.dtype)


# ---------------------------------------------------------------- CPU twin

@njit(cache=True, parallel=True)
def score_twin(probs, keep, delta, out):
    """Fill out (B x S) with rescaled kept-rollout means, one segment per thread."""
    rollouts, segments, batch = probs.shape
    table = activation_table(batch, delta, False)
    for s in prange(segments):
        column = np.zeros(batch, dtype=np.float64)
        kept = 0
        for r in range(rollouts):
            if keep[r, s]:
                kept += 1
                for b in range(batch):
                    column[b] += probs[r, s, b]
        for b in range(batch):
            column[b] /= kept
        rank_column_into(column, table, out, s)


def score_cpu(probs: np.ndarray, keep: np.ndarray, delta: float, out: np.ndarray) -> None:
    """Run the CPU twin on probs -> out, threaded only when the input is large."""
    with threads_for(probs.size):
        score_twin(probs, keep, delta, out)


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
    def kept_mean(probs, keep, s, b):
        total = 0.0
        kept = 0
        for r in range(probs.shape[0]):
            if keep[r, s]:
                total += probs[r, s, b]
                kept += 1
        return total / kept

    @cuda.jit
    def score_kernel(probs, keep, delta, out):
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
            mine = kept_mean(probs, keep, s, i)
        greater = 0
        equal = 0
        for start in range(0, batch, tpb):
            j = start + tid
            if j < batch:
                tile[tid] = kept_mean(probs, keep, s, j)
            cuda.syncthreads()
            if i < batch:
                g, e = tile_counts(tile, min(tpb, batch - start), mine)
                greater += g
                equal += e
            cuda.syncthreads()
        if i < batch:
            out[i, s] = activation(greater + (equal + 1) / 2.0, batch, delta, False)

    return score_kernel


def launch_score(probs, keep, delta: float, out, stream=0, tpb: int = THREADS_PER_BLOCK) -> None:
    """Launch the CUDA kernel on device arrays probs (R x S x B), keep (R x S uint8) -> out (B x S)."""
    _, segments, batch = probs.shape
    grid = (segments, (batch + tpb - 1) // tpb)
    cuda_kernel(tpb)[grid, tpb, stream](probs, keep, float(delta), out)
