"""Warnings attributed to the line of user code that called sklspin."""

import sys
import warnings

# Packages whose frames stand between the user and sklspin: scikit-learn's
# wrapper around fit, a Pipeline or another meta-estimator, and joblib's
# Parallel, through which cross_validate and GridSearchCV call fit.
_INTERNAL_PACKAGES = ("sklspin", "sklearn", "joblib")


def _is_internal(frame):
    """A frame of sklspin or of a package between the user and sklspin."""
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] in _INTERNAL_PACKAGES


def warn_user(message, category=UserWarning):
    """:func:`warnings.warn` at the first caller outside the package.

    A fixed ``stacklevel`` is right for one call path only: the same warning
    is reached from ``fit``, ``partial_fit`` or a helper at different depths.
    When no frame outside those packages exists (a fit in a joblib worker
    process), the warning is attributed to sklspin's caller of this function.
    """
    frame = sys._getframe(1)
    stacklevel = 2  # 1 would be this function, 2 its caller
    while frame is not None and _is_internal(frame):
        frame = frame.f_back
        stacklevel += 1
    if frame is None:
        stacklevel = 2
    warnings.warn(message, category, stacklevel=stacklevel)
