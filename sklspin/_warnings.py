"""Warnings attributed to the line of user code that called sklspin."""

import sys
import warnings


def _is_internal(frame):
    """A frame of sklspin, or of scikit-learn (the wrapper around ``fit``, a
    Pipeline or another meta-estimator between the user and sklspin)."""
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] in ("sklspin", "sklearn")


def warn_user(message, category=UserWarning):
    """:func:`warnings.warn` at the first caller outside the package.

    A fixed ``stacklevel`` is right for one call path only: the same warning
    is reached from ``fit``, ``partial_fit`` or a helper at different depths.
    """
    frame = sys._getframe(1)
    stacklevel = 2  # 1 would be this function, 2 its caller
    while frame is not None and _is_internal(frame):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, category, stacklevel=stacklevel)
