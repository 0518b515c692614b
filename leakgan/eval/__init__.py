"""Evaluation: scores of samples and of models (BLEU, oracle NLL, LM and reverse-LM scores), the aggregate over seeds, provenance."""
