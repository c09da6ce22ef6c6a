"""Offline pipelines: datasets, training, evaluation and reports (never imported by serving)."""
