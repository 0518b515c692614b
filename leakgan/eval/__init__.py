"""Evaluation: scores of samples and of models, BLEU, the aggregate over seeds, provenance."""
