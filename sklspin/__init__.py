"""Locally sparse neural networks for per-sample feature selection."""

from ._version import __version__

__all__ = ["__version__"]
