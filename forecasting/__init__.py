"""Forecast models served live: numpy and pure Python only (no Django, no app of ours)."""
