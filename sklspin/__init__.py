"""Locally sparse neural networks for per-sample feature selection."""

from ._lspin import LLSPINClassifier, LLSPINRegressor, LSPINClassifier, LSPINRegressor
from ._stg import STGClassifier, STGRegressor
from ._training import TrainingDivergedError
from ._version import __version__

__all__ = [
    "LLSPINClassifier",
    "LLSPINRegressor",
    "LSPINClassifier",
    "LSPINRegressor",
    "STGClassifier",
    "STGRegressor",
    "TrainingDivergedError",
    "__version__",
]
