"""Public entry points: check inputs, then run the CUDA kernel or the CPU twin.

numpy arrays and torch CPU tensors go to the Numba CPU twin; torch CUDA
tensors go to the CUDA kernel in place on the GPU (no host copy), launched
on torch's current stream. The result has the input's type, device and
dtype. torch is imported only when a tensor arrives, so `import
leakgan.kernels` stays light and needs neither torch nor a GPU.
"""

import contextlib
import math
import sys

import numpy as np

from . import rescale, rollout_scores

_FLOAT_DTYPES = ("float32", "float64")


def _torch_tensor(x):
    """Return the torch module if x is a torch tensor, else None."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return torch
    return None


def _check_array(x, name: str, ndim: int, dims: str):
    """Raise unless x is a float32/float64 numpy array or tensor with ndim axes, none empty."""
    torch = _torch_tensor(x)
    if torch is None and not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or a torch tensor, got {type(x).__name__}")
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D ({dims}), got {x.ndim}-D with shape {tuple(x.shape)}")
    dtype = str(x.dtype).removeprefix("torch.")
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{name} has dtype {dtype}; only float32 and float64 are supported")
    for axis, label in enumerate(dims.split(" x ")):
        if x.shape[axis] == 0:
            raise ValueError(f"{name} has {label} = 0 (shape {tuple(x.shape)}); every axis needs at least one entry")


def _check_delta(delta) -> float:
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)):
        raise TypeError(f"delta must be a real number, got {type(delta).__name__}")
    if not (math.isfinite(delta) and delta > 0):
        raise ValueError(f"delta must be a positive finite number, got {delta}")
    return float(delta)


def _has_nan(x) -> bool:
    torch = _torch_tensor(x)
    if torch is not None:
        # .item() waits for the GPU but copies one flag, not the data.
        return bool(torch.isnan(x).any().item())
    return bool(np.isnan(x).any())


def _cpu_array(x) -> np.ndarray:
    """A C-contiguous numpy view (or copy) of a numpy array or CPU tensor."""
    if _torch_tensor(x) is not None:
        x = x.detach().numpy()
    return np.ascontiguousarray(x)


@contextlib.contextmanager
def _torch_stream(tensor):
    """Enter the tensor's GPU in numba and yield a numba handle to torch's current stream there."""
    from numba import cuda

    torch = _torch_tensor(tensor)
    device = tensor.device.index if tensor.device.index is not None else torch.cuda.current_device()
    # Streams belong to a context, so they are made after selecting the device.
    with cuda.gpus[device]:
        pointer = torch.cuda.current_stream(device).cuda_stream
        # Pointer 0 is the legacy default stream, which numba names itself.
        yield cuda.external_stream(pointer) if pointer else cuda.default_stream()


def _as_device_array(tensor):
    from numba import cuda

    # sync=False: the kernel runs on the stream torch produced the tensor on.
    return cuda.as_cuda_array(tensor.detach(), sync=False)


def _run_rescale(rewards, delta, as_rank: bool):
    _check_array(rewards, "rewards", 2, "B x S")
    delta = _check_delta(delta)
    if _has_nan(rewards):
        raise ValueError("rewards contains NaN; rank-based rescaling needs ordered values")
    torch = _torch_tensor(rewards)
    if torch is not None and rewards.is_cuda:
        source = rewards.detach().contiguous()
        out = torch.empty_like(source, dtype=torch.float64 if as_rank else source.dtype)
        with _torch_stream(source) as stream:
            rescale.launch_rescale(_as_device_array(source), delta,
                                   _as_device_array(out), as_rank, stream)
        return out
    values = _cpu_array(rewards)
    out = np.empty(values.shape, dtype=np.float64 if as_rank else values.dtype)
    rescale.rescale_cpu(values, delta, as_rank, out)
    return torch.from_numpy(out) if torch is not None else out


def rescale_rewards(rewards, delta):
    """Eq. 11: sigmoid(delta * (0.5 - rank / B)) of each B x S reward column, ties averaged."""
    return _run_rescale(rewards, delta, as_rank=False)


def ranks(rewards):
    """High-to-low rank (1 = largest, ties get their mean rank) within each column, float64."""
    return _run_rescale(rewards, 1.0, as_rank=True)


def score_rollouts(probs, delta):
    """Mean of D's R x S x B rollout probabilities over the rollouts, rescaled by Eq. 11; B x S out."""
    _check_array(probs, "probs", 3, "R x S x B")
    delta = _check_delta(delta)
    torch = _torch_tensor(probs)
    if _has_nan(probs):
        raise ValueError("probs contains NaN")
    if torch is not None and probs.is_cuda:
        source = probs.detach().contiguous()
        out = torch.empty((source.shape[2], source.shape[1]), dtype=source.dtype, device=source.device)
        with _torch_stream(source) as stream:
            rollout_scores.launch_score(_as_device_array(source), delta, _as_device_array(out), stream)
        return out
    values = _cpu_array(probs)
    out = np.empty((values.shape[2], values.shape[1]), dtype=values.dtype)
    rollout_scores.score_cpu(values, delta, out)
    return torch.from_numpy(out) if torch is not None else out
