"""Benchmarks comparing autograd_lite with micrograd, PyTorch and plain Python.

Run them with ``python benchmarks/run.py`` (``--help`` lists the options).
"""
