"""The command line: ``python -m autograd_lite demo|example`` (also ``autograd-lite``)."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
