"""Numba kernels (CUDA + CPU twins) for reward rescaling and rollout scoring."""

from .dispatch import ranks, rescale_rewards, score_rollouts

__all__ = ["ranks", "rescale_rewards", "score_rollouts"]
