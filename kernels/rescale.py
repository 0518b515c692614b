"""Bootstrapped rescaled activation (Eq. 11): rank each reward column, squash.

For a B x S reward matrix, column s is ranked within the batch high-to-low
(rank 1 = largest). Tied values share the mean of the ranks they span, so an
element with g strictly larger and e equal values (itself included) in its
column has rank g + (e + 1) / 2. The reward is then sigmoid(delta * (0.5 -
rank / B)).

Three implementations that tests hold equal: a numpy reference, a CPU twin
(Numba njit, columns in parallel; per column a sort, then one walk over the
runs of equal values) and a CUDA kernel (O(B^2) comparisons per column spread
over threads, meant for B up to a few thousand). The twin sorts with argsort
(O(B log B)) for small B and with an O(B) radix sort for large B, where
Numba's argsort is several times slower. Inputs are checked by
`leakgan.kernels.dispatch`; the functions here trust their arguments.
"""

import contextlib
import functools
import math

import numba
import numpy as np
from numba import njit, prange

# Numba's default pick, the `omp` layer, runs on the libgomp torch loaded: its start-up and every
# numba.set_num_threads (threads_for) rewrote torch's thread count (to NUMBA_NUM_THREADS) and OpenMP's
# max-active-levels, so a 1-thread job trained on all cores after its first reward. `workqueue` has
# threads of its own. Chosen before the first parallel call; an explicit NUMBA_THREADING_LAYER wins.
if numba.config.THREADING_LAYER == "default":
    numba.config.THREADING_LAYER = "workqueue"

cuda = None  # numba.cuda, imported by cuda_kernel() on first use

# Threads per block of the CUDA kernels; also the width of the shared-memory
# tile that each block streams its column through.
THREADS_PER_BLOCK = 128


# ---------------------------------------------------------------- reference

def ranks_reference(rewards: np.ndarray) -> np.ndarray:
    """Return float64 high-to-low ranks of each column of a B x S array, ties averaged."""
    values = np.asarray(rewards, dtype=np.float64)
    batch = values.shape[0]
    out = np.empty(values.shape, dtype=np.float64)
    for s in range(values.shape[1]):
        column = values[:, s]
        ascending = np.sort(column)
        # Counting through searchsorted is independent of the twin's tie walk,
        # which is what makes this a useful reference.
        not_greater = np.searchsorted(ascending, column, side="right")
        less = np.searchsorted(ascending, column, side="left")
        greater = batch - not_greater
        equal = not_greater - less
        out[:, s] = greater + (equal + 1) / 2.0
    return out


def activation_reference(rank: np.ndarray, batch: int, delta: float) -> np.ndarray:
    """Return Eq. 11's sigmoid(delta * (0.5 - rank / B)) in float64."""
    return 1.0 / (1.0 + np.exp(-delta * (0.5 - rank / batch)))


def rescale_reference(rewards: np.ndarray, delta: float) -> np.ndarray:
    """Return the rescaled B x S rewards, same dtype as the input (numpy, unchecked)."""
    rank = ranks_reference(rewards)
    return activation_reference(rank, rewards.shape[0], delta).astype(rewards.dtype)


# ---------------------------------------------------------------- CPU twin

@njit(cache=True)
def activation_table(batch, delta, as_rank):
    """Return t with t[k] = Eq. 11 reward (or the rank itself) for rank k / 2, k = 0..2B."""
    # Ranks are whole or half numbers, so one table serves every column and
    # replaces B * S exponentials by 2B + 1. rank / batch is computed exactly
    # as the reference does, so the values are bit-identical.
    table = np.empty(2 * batch + 1, dtype=np.float64)
    for k in range(2 * batch + 1):
        rank = k / 2.0
        table[k] = rank if as_rank else 1.0 / (1.0 + math.exp(-delta * (0.5 - rank / batch)))
    return table


# Below this batch size Numba's comparison argsort beats the radix sort, whose
# passes over 256 buckets have a fixed cost (measured crossover ~700).
RADIX_MIN_BATCH = 768
_SIGN_BIT = np.uint64(1) << np.uint64(63)
_LOW_BYTE = np.uint64(0xFF)


@njit(cache=True)
def radix_argsort(column):
    """Return indices that sort a float64 column (no NaN) ascending: LSD radix sort, 8 byte passes."""
    n = column.shape[0]
    # IEEE bits -> unsigned keys with the same order: flip all bits of
    # negatives, set the sign bit of non-negatives.
    bits = column.view(np.uint64)
    keys = np.empty(n, dtype=np.uint64)
    for i in range(n):
        keys[i] = ~bits[i] if bits[i] & _SIGN_BIT else bits[i] | _SIGN_BIT
    # All eight byte histograms in one read of the keys.
    starts = np.zeros((8, 257), dtype=np.int64)
    for i in range(n):
        for byte in range(8):
            starts[byte, ((keys[i] >> np.uint64(8 * byte)) & _LOW_BYTE) + 1] += 1
    order = np.arange(n)
    next_keys = np.empty(n, dtype=np.uint64)
    next_order = np.empty(n, dtype=np.int64)
    for byte in range(8):
        # A byte every key shares (e.g. the exponent of values in [0.5, 1))
        # leaves the order as it is.
        if starts[byte, 1:].max() == n:
            continue
        shift = np.uint64(8 * byte)
        for digit in range(256):
            starts[byte, digit + 1] += starts[byte, digit]
        for i in range(n):
            digit = (keys[i] >> shift) & _LOW_BYTE
            position = starts[byte, digit]
            starts[byte, digit] = position + 1
            next_keys[position] = keys[i]
            next_order[position] = order[i]
        keys, next_keys = next_keys, keys
        order, next_order = next_order, order
    return order


@njit(cache=True)
def rank_column_into(column, table, out, s):
    """Write table values for the ranks of one contiguous float64 column into out[:, s]."""
    batch = column.shape[0]
    order = radix_argsort(column) if batch >= RADIX_MIN_BATCH else np.argsort(column)
    start = 0
    while start < batch:
        stop = start + 1
        while stop < batch and column[order[stop]] == column[order[start]]:
            stop += 1
        # Ascending positions start..stop-1 are descending ranks
        # batch-stop+1 .. batch-start; a tie run takes their mean, whose
        # double indexes the table.
        value = table[2 * batch - (start + stop - 1)]
        for k in range(start, stop):
            out[order[k], s] = value
        start = stop


@njit(cache=True, parallel=True)
def rescale_twin(rewards, delta, as_rank, out):
    """Fill out (B x S) with Eq. 11 rewards, or ranks when as_rank, one column per thread."""
    batch, segments = rewards.shape
    table = activation_table(batch, delta, as_rank)
    for s in prange(segments):
        column = np.empty(batch, dtype=np.float64)
        for i in range(batch):
            column[i] = rewards[i, s]
        rank_column_into(column, table, out, s)


# Waking the worker threads costs tens of microseconds on an idle machine but
# 8-16 ms when other processes (or torch's own threads) hold the cores, as
# measured on a shared 2-core machine; one thread does 2**18 elements in ~6 ms.
PARALLEL_MIN_ELEMENTS = 1 << 18


@contextlib.contextmanager
def threads_for(elements: int):
    """Run the enclosed twin call on one thread when elements is below PARALLEL_MIN_ELEMENTS."""
    if elements >= PARALLEL_MIN_ELEMENTS:
        yield
        return
    # numba.set_num_threads only affects the calling thread, and is restored.
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def rescale_cpu(rewards: np.ndarray, delta: float, as_rank: bool, out: np.ndarray) -> None:
    """Run the CPU twin on rewards -> out, threaded only when the matrix is large."""
    with threads_for(rewards.size):
        rescale_twin(rewards, delta, as_rank, out)


# ---------------------------------------------------------------- CUDA kernel

@functools.cache
def cuda_kernel(tpb: int = THREADS_PER_BLOCK):
    """Compile-on-first-use CUDA kernel for blocks of tpb threads; importing needs no GPU."""
    # A module global, not a local: the CUDA simulator swaps a kernel's global
    # `cuda` for its fake module, and real CUDA resolves it at compile time.
    global cuda
    from numba import cuda, float64

    @cuda.jit(device=True)
    def activation(rank, batch, delta, as_rank):
        if as_rank:
            return rank
        return 1.0 / (1.0 + math.exp(-delta * (0.5 - rank / batch)))

    @cuda.jit(device=True)
    def tile_counts(tile, n, mine):
        # How many of the first n tile entries are larger than, and equal to, mine.
        greater = 0
        equal = 0
        for k in range(n):
            if tile[k] > mine:
                greater += 1
            elif tile[k] == mine:
                equal += 1
        return greater, equal

    @cuda.jit
    def rescale_kernel(rewards, delta, as_rank, out):
        # Grid: x = column, y = chunk of rows; each thread ranks one element by
        # counting larger and equal values while the block streams the column
        # through shared memory one tile at a time.
        batch = rewards.shape[0]
        s = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        i = cuda.blockIdx.y * tpb + tid
        tile = cuda.shared.array(tpb, float64)
        mine = 0.0
        if i < batch:
            mine = float64(rewards[i, s])
        greater = 0
        equal = 0
        for start in range(0, batch, tpb):
            j = start + tid
            if j < batch:
                tile[tid] = rewards[j, s]
            # Every thread reaches both barriers, including those past the
            # last row, so a batch that is not a multiple of tpb is safe.
            cuda.syncthreads()
            if i < batch:
                g, e = tile_counts(tile, min(tpb, batch - start), mine)
                greater += g
                equal += e
            cuda.syncthreads()
        if i < batch:
            out[i, s] = activation(greater + (equal + 1) / 2.0, batch, delta, as_rank)

    return rescale_kernel, activation, tile_counts


def launch_rescale(rewards, delta: float, out, as_rank: bool = False, stream=0,
                   tpb: int = THREADS_PER_BLOCK) -> None:
    """Launch the CUDA kernel on device arrays rewards -> out (both B x S) on stream."""
    batch, segments = rewards.shape
    kernel = cuda_kernel(tpb)[0]
    # Grid y is capped at 65535 blocks; columns go on x, which allows 2**31 - 1.
    grid = (segments, (batch + tpb - 1) // tpb)
    kernel[grid, tpb, stream](rewards, float(delta), bool(as_rank), out)
