"""Evaluation: scores of samples and of models."""
