"""Warnings attributed to the line of user code that called sklspin."""

import sys
import warnings

# Packages whose frames stand between the user and sklspin: scikit-learn's
# wrapper around fit, a Pipeline or another meta-estimator, and joblib's
# Parallel, through which cross_validate and GridSearchCV call fit.
_INTERNAL_PACKAGES = ("sklspin", "sklearn", "joblib")
# Where the walk ends in a worker thread or process: no user code called.
_WORKER_PACKAGES = ("threading", "multiprocessing", "concurrent")


def _top_package(frame):
    return frame.f_globals.get("__name__", "").split(".")[0]


def _is_internal(frame):
    """A frame of sklspin or of a package between the user and sklspin."""
    return _top_package(frame) in _INTERNAL_PACKAGES


def warn_user(message, category=UserWarning):
    """:func:`warnings.warn` at the first caller outside the package.

    A fixed ``stacklevel`` is right for one call path only: the same warning
    is reached from ``fit``, ``partial_fit`` or a helper at different depths.
    When no user code called (a fit in a joblib worker thread or process:
    the stack ends in the worker machinery), the warning is attributed to
    sklspin's caller of this function.
    """
    frame = sys._getframe(1)
    stacklevel = 2  # 1 would be this function, 2 its caller
    while frame is not None and _is_internal(frame):
        frame = frame.f_back
        stacklevel += 1
    if frame is None or _top_package(frame) in _WORKER_PACKAGES:
        stacklevel = 2
    warnings.warn(message, category, stacklevel=stacklevel)
