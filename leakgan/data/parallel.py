"""Running a function over a corpus's blocks on several processes, in order, with bounded memory."""
from __future__ import annotations

import collections
import concurrent.futures
import ctypes
import multiprocessing
from typing import Callable, Iterator


def fixed_mmap_threshold() -> None:
    """Keep glibc from moving multi-megabyte buffers onto the heap (Linux only; a no-op elsewhere).

    glibc raises its mmap threshold each time a large mmap-ed buffer is freed,
    after which the per-block text and id arrays come from the heap, and the
    heap, fragmented by small objects in between, grew with the number of
    blocks read (measured: 222 MB after 500,000 lines, 451 MB after 2,000,000;
    156 MB with the threshold fixed at 1 MiB).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass



def map_blocks(func, blocks: Iterator, workers: int, initializer: Callable, state: tuple) -> Iterator:
    """func over blocks, results in block order; on `workers` processes when more than one."""
    fixed_mmap_threshold()  # the reading process too, not only the workers
    if workers <= 1:
        initializer(*state)
        yield from map(func, blocks)
        return
    # spawn, not fork: the caller may run threads (a test's HTTP server), which fork does not copy safely.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=initializer,
                                                initargs=state) as pool:
        pending: collections.deque = collections.deque()
        for block in blocks:
            pending.append(pool.submit(func, block))
            # A bounded queue: the file is never read far ahead of the workers.
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

