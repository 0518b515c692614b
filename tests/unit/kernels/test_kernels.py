"""Tests for leakgan.kernels: reference vs CPU twin vs CUDA kernel (simulator), properties, errors."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from leakgan.kernels import ranks, rescale_rewards, score_rollouts
from leakgan.kernels import rescale, rollout_scores

DTYPES = [np.float32, np.float64]
# Batch sizes around and across the CUDA block size (128), plus B = 1.
# (3300, 10) takes the radix sort; (26300, 10) is above PARALLEL_MIN_ELEMENTS,
# so the threaded twin runs too.
SHAPES = [(1, 1), (1, 4), (5, 1), (64, 5), (127, 3), (129, 2), (300, 10), (3300, 10), (26300, 10)]


def _values(rng, shape, dtype, ties):
    """Random values; with ties, few distinct levels so most entries repeat."""
    if ties:
        return (rng.integers(0, 4, size=shape) / 4).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _close(dtype):
    return {"rtol": 1e-12, "atol": 0} if dtype == np.float64 else {"rtol": 2e-7, "atol": 1e-30}


# ---------------------------------------------------------------- worked example

def test_ranks_and_rescale_of_a_small_matrix_with_ties():
    rewards = np.array([[3.0, 1.0], [1.0, 1.0], [2.0, 5.0], [3.0, 0.0]])
    expected_ranks = np.array([[1.5, 2.5], [4.0, 2.5], [3.0, 1.0], [1.5, 4.0]])
    np.testing.assert_array_equal(ranks(rewards), expected_ranks)
    out = rescale_rewards(rewards, 12.0)
    # rank 1 of B = 4: sigmoid(12 * (0.5 - 0.25)) = sigmoid(3)
    assert out[2, 1] == pytest.approx(0.9525741268224334, rel=1e-15)
    # rank 1.5: sigmoid(12 * (0.5 - 0.375)) = sigmoid(1.5)
    assert out[0, 0] == out[3, 0] == pytest.approx(0.8175744761936437, rel=1e-15)


def test_score_is_the_rescaled_mean_of_the_rollouts():
    probs = np.array([[[0.9, 0.1, 0.5]], [[0.7, 0.3, 0.5]]])  # R=2, S=1, B=3
    # Means 0.8, 0.2, 0.5 -> ranks 1, 3, 2 -> sigmoid(16 * (0.5 - r/3))
    expected = 1 / (1 + np.exp(-16 * (0.5 - np.array([1, 3, 2]) / 3)))
    np.testing.assert_allclose(score_rollouts(probs, 16.0)[:, 0], expected, rtol=1e-14)
    # Means all 0.5 -> one three-way tie at rank 2.
    tied = np.array([[[0.9, 0.1, 0.5]], [[0.1, 0.9, 0.5]]])
    np.testing.assert_allclose(score_rollouts(tied, 16.0)[:, 0], [1 / (1 + np.exp(16 / 6))] * 3, rtol=1e-14)


# ---------------------------------------------------------------- reference vs twin

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("ties", [False, True])
def test_rescale_twin_matches_reference(shape, dtype, ties):
    rng = np.random.default_rng(hash((shape, ties)) % 2**32)
    rewards = _values(rng, shape, dtype, ties)
    out = rescale_rewards(rewards, 12.0)
    assert isinstance(out, np.ndarray) and out.dtype == dtype and out.shape == shape
    np.testing.assert_allclose(out, rescale.rescale_reference(rewards, 12.0), **_close(dtype))
    np.testing.assert_array_equal(ranks(rewards), rescale.ranks_reference(rewards))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rescale_accepts_torch_cpu_tensors(dtype):
    rewards = torch.tensor([[0.2, 0.7], [0.9, 0.7], [0.1, 0.3]], dtype=dtype)
    out = rescale_rewards(rewards, 16.0)
    assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.device.type == "cpu"
    np.testing.assert_allclose(out.numpy(), rescale.rescale_reference(rewards.numpy(), 16.0), rtol=1e-6)
    assert ranks(rewards).tolist() == [[2.0, 1.5], [1.0, 1.5], [3.0, 3.0]]


def test_rescale_accepts_non_contiguous_input():
    rewards = np.arange(12.0).reshape(3, 4).T  # a transposed view, 4 x 3
    np.testing.assert_array_equal(ranks(rewards), [[4, 4, 4], [3, 3, 3], [2, 2, 2], [1, 1, 1]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rollouts,segments,batch", [(1, 1, 1), (4, 5, 33), (3, 1, 200), (2, 10, 129), (2, 10, 1700), (2, 10, 13200)])
@pytest.mark.parametrize("ties", [False, True])
def test_score_twin_matches_reference(rollouts, segments, batch, dtype, ties):
    rng = np.random.default_rng(rollouts * 1000 + segments * 10 + batch)
    probs = _values(rng, (rollouts, segments, batch), dtype, ties)
    out = score_rollouts(probs, 16.0)
    assert out.dtype == dtype and out.shape == (batch, segments)
    np.testing.assert_allclose(out, rollout_scores.score_rollouts_reference(probs, 16.0), **_close(dtype))


@pytest.mark.parametrize("dtype,rtol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_score_accepts_torch_cpu_tensors(dtype, rtol):
    probs = torch.rand(4, 3, 9, dtype=dtype, generator=torch.Generator().manual_seed(0))
    out = score_rollouts(probs, 12.0)
    assert isinstance(out, torch.Tensor) and out.shape == (9, 3) and out.dtype == dtype
    expected = rollout_scores.score_rollouts_reference(probs.numpy(), 12.0)
    np.testing.assert_allclose(out.numpy(), expected, rtol=rtol)


def test_rollout_means_are_the_plain_mean_over_rollouts():
    probs = np.array([[[0.2, 0.4]], [[0.6, 0.8]]])  # R = 2, S = 1, B = 2
    np.testing.assert_allclose(rollout_scores.rollout_means_reference(probs), [[0.4], [0.6]])


def test_score_of_identical_rollouts_equals_rescale_of_one():
    rng = np.random.default_rng(7)
    one = rng.random((6, 40))  # S x B
    probs = np.stack([one] * 4)
    np.testing.assert_allclose(score_rollouts(probs, 12.0), rescale_rewards(one.T, 12.0), rtol=1e-12)


def test_shapes_above_cover_both_sorts_and_both_thread_modes():
    assert 3300 >= rescale.RADIX_MIN_BATCH > 300
    assert 26300 * 10 >= rescale.PARALLEL_MIN_ELEMENTS > 3300 * 10
    assert 2 * 10 * 13200 >= rescale.PARALLEL_MIN_ELEMENTS


def test_radix_argsort_orders_signed_zeros_infinities_and_subnormals():
    rng = np.random.default_rng(3)
    special = [-np.inf, np.inf, -0.0, 0.0, 5e-324, -5e-324, -1.0, 1.0, 1e308, -1e308, 0.5, 0.75]
    column = np.concatenate([special, rng.standard_normal(1000), rng.integers(-2, 3, 500).astype(float)])
    rng.shuffle(column)
    order = rescale.radix_argsort(column)
    np.testing.assert_array_equal(np.sort(order), np.arange(column.size))
    np.testing.assert_array_equal(column[order], np.sort(column))


# ---------------------------------------------------------------- CUDA kernel under the simulator

_SIMULATOR_SCRIPT = textwrap.dedent("""
    import numpy as np
    from numba import cuda
    from leakgan.kernels import rescale, rollout_scores

    rng = np.random.default_rng(0)
    rank_mismatches = 0
    value_mismatches = 0

    def mismatches(got, expected):
        # math.exp on the device and np.exp may differ in the last bit.
        rtol = 1e-14 if got.dtype == np.float64 else 2e-7
        return int((~np.isclose(got, expected, rtol=rtol, atol=0)).sum())

    # Mostly tpb = 16, so that a small B spans several tiles and row blocks
    # (37 and 70 are not multiples of 16); the last case uses the real 128.
    cases = [(1, 1, np.float64, 1, 16), (37, 3, np.float32, 1, 16), (16, 2, np.float64, 0, 16),
             (70, 1, np.float64, 0, 16), (5, 4, np.float32, 0, 16), (70, 2, np.float32, 1, 128)]
    for batch, segments, dtype, ties, tpb in cases:
        if ties:
            x = (rng.integers(0, 4, size=(batch, segments)) / 4).astype(dtype)
        else:
            x = rng.standard_normal((batch, segments)).astype(dtype)
        out = cuda.device_array((batch, segments), dtype=dtype)
        rescale.launch_rescale(cuda.to_device(x), 12.0, out, tpb=tpb)
        value_mismatches += mismatches(out.copy_to_host(), rescale.rescale_reference(x, 12.0))
        rank = cuda.device_array((batch, segments), dtype=np.float64)
        rescale.launch_rescale(cuda.to_device(x), 12.0, rank, as_rank=True, tpb=tpb)
        rank_mismatches += int((rank.copy_to_host() != rescale.ranks_reference(x)).sum())

        probs = (rng.integers(0, 3, size=(3, segments, batch)) / 2).astype(dtype)
        scored = cuda.device_array((batch, segments), dtype=dtype)
        rollout_scores.launch_score(cuda.to_device(probs), 16.0, scored, tpb=tpb)
        expected = rollout_scores.score_rollouts_reference(probs, 16.0)
        value_mismatches += mismatches(scored.copy_to_host(), expected)
    print(f"cases={len(cases)} rank_mismatches={rank_mismatches} value_mismatches={value_mismatches}")
""")


def test_cuda_kernels_match_reference_under_simulator():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    result = subprocess.run([sys.executable, "-c", _SIMULATOR_SCRIPT], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "cases=6 rank_mismatches=0 value_mismatches=0"


def test_import_needs_neither_numba_cuda_nor_torch():
    code = ("import sys, leakgan.kernels; "
            "print(sorted(m for m in ('numba.cuda', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cuda_tensors_match_twin_on_gpu(dtype):
    gen = torch.Generator().manual_seed(1)
    rewards = (torch.randint(0, 50, (1000, 7), generator=gen) / 7).to(dtype)
    out = rescale_rewards(rewards.cuda(), 12.0)
    assert out.is_cuda and out.dtype == dtype
    np.testing.assert_allclose(out.cpu().numpy(), rescale_rewards(rewards, 12.0).numpy(), rtol=1e-6)
    assert torch.equal(ranks(rewards.cuda()).cpu(), ranks(rewards))
    probs = torch.rand(4, 5, 777, generator=gen).to(dtype)
    scored = score_rollouts(probs.cuda(), 16.0)
    assert scored.is_cuda and scored.shape == (777, 5)
    np.testing.assert_allclose(scored.cpu().numpy(), score_rollouts(probs, 16.0).numpy(), rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_tensors_never_visit_the_host(monkeypatch):
    # Reading a flag (NaN present, which segments are empty) back is allowed; copying data is not.
    from numba.cuda.cudadrv import devicearray

    def refuse(*args, **kwargs):
        raise AssertionError("a device tensor was copied to the host")

    real_to = torch.Tensor.to

    def to(self, *args, **kwargs):
        target = kwargs.get("device", args[0] if args else None)
        if self.is_cuda and isinstance(target, (str, torch.device)) and torch.device(target).type == "cpu":
            refuse()
        return real_to(self, *args, **kwargs)

    rewards = torch.rand(512, 6, device="cuda")
    probs = torch.rand(4, 6, 512, device="cuda")
    expected = (rescale_rewards(rewards.cpu(), 12.0), score_rollouts(probs.cpu(), 16.0))
    monkeypatch.setattr(torch.Tensor, "cpu", refuse)
    monkeypatch.setattr(torch.Tensor, "numpy", refuse)
    monkeypatch.setattr(torch.Tensor, "to", to)
    monkeypatch.setattr(devicearray.DeviceNDArray, "copy_to_host", refuse)
    got = (rescale_rewards(rewards, 12.0), score_rollouts(probs, 16.0))
    monkeypatch.undo()
    assert all(g.is_cuda for g in got)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.cpu().numpy(), e.numpy(), rtol=1e-5)


# ---------------------------------------------------------------- properties

_batch = st.integers(1, 60)
_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_distinct_values_rank_to_a_permutation(data):
    batch = data.draw(_batch)
    column = data.draw(arrays(np.float64, batch, elements=_finite, unique=True))
    rank = ranks(column[:, None])[:, 0]
    np.testing.assert_array_equal(np.sort(rank), np.arange(1, batch + 1))
    # Rank 1 goes to the largest value.
    assert rank[np.argmax(column)] == 1.0


@settings(max_examples=60, deadline=None)
@given(st.data(), st.floats(0.5, 20.0))
def test_rescaled_mean_and_variance_do_not_depend_on_values(data, delta):
    batch = data.draw(_batch)
    column = data.draw(arrays(np.float64, batch, elements=_finite, unique=True))
    out = rescale_rewards(column[:, None], delta)[:, 0]
    # Distinct values always produce the same multiset of rewards.
    ladder = 1 / (1 + np.exp(-delta * (0.5 - np.arange(1, batch + 1) / batch)))
    np.testing.assert_allclose(np.sort(out), np.sort(ladder), rtol=1e-12)
    assert out.mean() == pytest.approx(ladder.mean(), rel=1e-12)
    assert out.var() == pytest.approx(ladder.var(), rel=1e-9, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_output_is_monotone_and_ties_are_equal(data):
    batch = data.draw(_batch)
    # Few distinct levels so ties are common.
    rewards = data.draw(arrays(np.float64, (batch, 2), elements=st.integers(-3, 3).map(float)))
    out = rescale_rewards(rewards, 12.0)
    for s in range(2):
        x, y = rewards[:, s], out[:, s]
        larger = x[:, None] > x[None, :]
        assert np.all((y[:, None] >= y[None, :])[larger])
        tied = x[:, None] == x[None, :]
        assert np.all((y[:, None] == y[None, :])[tied])


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from(DTYPES))
def test_twin_ranks_equal_reference_on_any_values(data, dtype):
    # Infinities, signed zeros and subnormals included: -0.0 and 0.0 tie.
    shape = (data.draw(st.integers(1, 40)), data.draw(st.integers(1, 4)))
    rewards = data.draw(arrays(dtype, shape, elements=st.floats(allow_nan=False, width=np.dtype(dtype).itemsize * 8)))
    np.testing.assert_array_equal(ranks(rewards), rescale.ranks_reference(rewards))


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("bad,kind,message", [
    (np.array([[0.1, np.nan]]), ValueError, "rewards contains NaN"),
    (np.empty((0, 3)), ValueError, r"rewards has B = 0 \(shape \(0, 3\)\)"),
    (np.empty((4, 0)), ValueError, r"rewards has S = 0 \(shape \(4, 0\)\)"),
    (np.ones(5), ValueError, r"rewards must be 2-D \(B x S\), got 1-D with shape \(5,\)"),
    (np.ones((2, 3), dtype=np.int64), TypeError, "rewards has dtype int64; only float32 and float64"),
    (torch.ones(2, 3, dtype=torch.int32), TypeError, "rewards has dtype int32; only float32 and float64"),
    (np.ones((2, 2), dtype=np.float16), TypeError, "rewards has dtype float16"),
    ([[1.0, 2.0]], TypeError, "rewards must be a numpy array or a torch tensor, got list"),
])
def test_rescale_rejects_bad_rewards(bad, kind, message):
    with pytest.raises(kind, match=message):
        rescale_rewards(bad, 12.0)


@pytest.mark.parametrize("delta,kind,message", [
    (0.0, ValueError, "delta must be a positive finite number, got 0.0"),
    (float("inf"), ValueError, "delta must be a positive finite number, got inf"),
    ("12", TypeError, "delta must be a real number, got str"),
    (True, TypeError, "delta must be a real number, got bool"),
])
def test_rescale_rejects_bad_delta(delta, kind, message):
    with pytest.raises(kind, match=message):
        rescale_rewards(np.ones((2, 2)), delta)


@pytest.mark.parametrize("probs,kind,message", [
    (np.ones((2, 3)), ValueError, r"probs must be 3-D \(R x S x B\), got 2-D"),
    (np.ones((2, 3, 0)), ValueError, "probs has B = 0"),
    (np.ones((2, 3, 4), dtype=np.int32), TypeError, "probs has dtype int32"),
    (np.full((2, 3, 4), np.nan), ValueError, "probs contains NaN"),
])
def test_score_rejects_bad_input(probs, kind, message):
    with pytest.raises(kind, match=message):
        score_rollouts(probs, 16.0)
