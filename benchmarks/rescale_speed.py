"""Time Eq. 11 reward rescaling: Python loop (the authors' approach) vs numpy, Numba twin, torch, CUDA.

Run: python benchmarks/rescale_speed.py [--repeats 31]
     python benchmarks/rescale_speed.py --smoke     # two sizes, 3 repeats: every implementation in seconds
Prints the median time per call (ms) of each implementation and its speed-up
over the Python loop. Numba compile time is excluded by a warm-up call. The
CUDA section runs only where torch sees a GPU.
"""

import argparse
import math
import statistics
import time

import numba
import numpy as np
import torch

from leakgan.kernels import rescale_rewards
from leakgan.kernels.rescale import PARALLEL_MIN_ELEMENTS, rescale_reference, rescale_twin, threads_for

DELTA = 16.0
BATCHES = (64, 256, 1024, 4096)
SEGMENTS = (5, 10)
# --smoke: every implementation (and the CUDA table where there is a GPU) on two small shapes.
SMOKE_BATCHES, SMOKE_SEGMENTS, SMOKE_REPEATS = (64, 256), (5,), 3


def python_loop(rewards: np.ndarray, delta: float) -> np.ndarray:
    """The authors' approach: per column, a dict from value to rank built from a sorted list (ranked truly)."""
    batch, segments = rewards.shape
    out = np.empty_like(rewards)
    for s in range(segments):
        column = rewards[:, s].tolist()
        positions = {}
        for position, value in enumerate(sorted(column, reverse=True), start=1):
            positions.setdefault(value, []).append(position)
        rank = {value: sum(p) / len(p) for value, p in positions.items()}
        for i, value in enumerate(column):
            out[i, s] = 1.0 / (1.0 + math.exp(-delta * (0.5 - rank[value] / batch)))
    return out


def torch_rescale(rewards: torch.Tensor, delta: float) -> torch.Tensor:
    """Sort-based torch version, ties averaged: rank = #greater + (#equal + 1) / 2."""
    columns = rewards.T.contiguous()
    ascending = columns.sort(dim=1).values
    not_greater = torch.searchsorted(ascending, columns, right=True)
    less = torch.searchsorted(ascending, columns)
    batch = rewards.shape[0]
    # searchsorted gives int64; int / float would be float32, so cast first.
    greater = (batch - not_greater).to(rewards.dtype)
    equal = (not_greater - less).to(rewards.dtype)
    rank = greater + (equal + 1) / 2
    return torch.sigmoid(delta * (0.5 - rank / batch)).T


def median_ms(call, repeats: int, sync=lambda: None) -> float:
    """Median over repeats of the mean time of enough calls to fill ~2 ms, in ms."""
    # One method at a time: interleaving them lets one library's spinning
    # worker threads (torch, Numba) steal the core from the next method.
    call()  # warm-up: Numba compilation, CUDA context, caches
    sync()
    number = 1
    # Short repeats: on a shared machine most of them then escape being
    # descheduled, and the median ignores the ones that do not.
    while number < 1024:
        start = time.perf_counter()
        for _ in range(number):
            call()
        sync()
        if time.perf_counter() - start >= 0.002:
            break
        number *= 2
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        sync()
        samples.append((time.perf_counter() - start) / number)
    return 1000 * statistics.median(samples)


def cpu_table(repeats: int, batches=BATCHES, segment_counts=SEGMENTS) -> None:
    """Time every CPU implementation on each shape, after checking it against the Python loop."""
    rng = np.random.default_rng(0)
    names = ("python loop", "numpy ref", "twin 1 thread", f"twin {numba.get_num_threads()} threads",
             "rescale_rewards", "torch cpu")
    print(f"CPU, float64, delta={DELTA}, torch threads={torch.get_num_threads()}; ms per call (speed-up over python loop)")
    print("rescale_rewards = input checks + twin, one thread below "
          f"{PARALLEL_MIN_ELEMENTS} elements; torch = sort + searchsorted, ties averaged")
    print(f"{'B':>5} {'S':>3} " + " ".join(f"{name:>19}" for name in names))
    for batch in batches:
        for segments in segment_counts:
            # Rounded so the columns contain ties, as discriminator outputs often do.
            rewards = np.round(rng.random((batch, segments)), 3)
            tensor = torch.from_numpy(rewards)
            expected = python_loop(rewards, DELTA)
            for got in (rescale_reference(rewards, DELTA), rescale_rewards(rewards, DELTA),
                        torch_rescale(tensor, DELTA).numpy()):
                np.testing.assert_allclose(got, expected, rtol=1e-12)
            out = np.empty_like(rewards)

            def twin_one_thread():
                with threads_for(0):
                    rescale_twin(rewards, DELTA, False, out)

            calls = (lambda: python_loop(rewards, DELTA), lambda: rescale_reference(rewards, DELTA),
                     twin_one_thread, lambda: rescale_twin(rewards, DELTA, False, out),
                     lambda: rescale_rewards(rewards, DELTA), lambda: torch_rescale(tensor, DELTA))
            times = [median_ms(call, repeats) for call in calls]
            cells = [f"{t:9.3f} ({times[0] / t:5.1f}x)" for t in times]
            print(f"{batch:>5} {segments:>3} " + " ".join(f"{cell:>19}" for cell in cells))


def cuda_table(repeats: int, batches=BATCHES, segment_counts=SEGMENTS) -> None:
    """Time torch and the Numba CUDA kernel on each shape where torch sees a GPU."""
    if not torch.cuda.is_available():
        print("\nCUDA: skipped (torch sees no GPU)")
        return
    device = torch.device("cuda")
    print(f"\nCUDA ({torch.cuda.get_device_name(device)}), float32; ms per call (speed-up over torch)")
    print(f"{'B':>5} {'S':>3} {'torch cuda':>12} {'numba kernel':>20}")
    generator = torch.Generator(device=device).manual_seed(0)
    for batch in batches:
        for segments in segment_counts:
            rewards = torch.rand(batch, segments, device=device, generator=generator)
            torch.testing.assert_close(rescale_rewards(rewards, DELTA), torch_rescale(rewards, DELTA))
            base = median_ms(lambda: torch_rescale(rewards, DELTA), repeats, torch.cuda.synchronize)
            ours = median_ms(lambda: rescale_rewards(rewards, DELTA), repeats, torch.cuda.synchronize)
            print(f"{batch:>5} {segments:>3} {base:12.3f} {ours:10.3f} ({base / ours:6.1f}x)")


def main() -> None:
    """Print the CPU table (unless --cuda-only) and the CUDA one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31, help="timed repeats per cell (median reported)")
    parser.add_argument("--cuda-only", action="store_true", help="only the CUDA table")
    parser.add_argument("--smoke", action="store_true",
                        help=f"batches {SMOKE_BATCHES}, segments {SMOKE_SEGMENTS}, {SMOKE_REPEATS} repeats "
                             "(unless --repeats is given), to check that everything runs")
    args = parser.parse_args()
    shapes = (SMOKE_BATCHES, SMOKE_SEGMENTS) if args.smoke else (BATCHES, SEGMENTS)
    if args.smoke:
        parser.set_defaults(repeats=SMOKE_REPEATS)
        args = parser.parse_args()
    if not args.cuda_only:
        cpu_table(args.repeats, *shapes)
    cuda_table(args.repeats, *shapes)


if __name__ == "__main__":
    main()
