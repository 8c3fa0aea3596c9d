"""Benchmarks against peers, run with ``make bench`` (``python -m bench``)."""
