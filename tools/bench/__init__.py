"""Benchmarks against the limits, one module per scenario; `python -m tools.bench --help`."""
