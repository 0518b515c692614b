"""Numba kernels (CUDA + CPU twins) for reward rescaling and rollout scoring."""
