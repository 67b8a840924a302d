"""One BLAS thread for the package's matrix products."""

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

try:  # threadpoolctl >= 3.8 lets one thread at a time set OpenBLAS's limit
    from threadpoolctl import OpenBLASController

    _release_control = getattr(OpenBLASController, "clear_controlling_thread", None)
except ImportError:  # pragma: no cover - older threadpoolctl
    _release_control = None

# Most BLAS thread pools are process-wide, so fits that overlap in several
# threads (a joblib "threading" backend, a server predicting from several
# threads) share one limit: the first to start sets it, the last to end
# restores the counts the first one found. Separate limits per call would
# restore out of order (a call starting inside another records one thread as
# the original) and leave the process at one thread. OpenBLAS built on
# OpenMP keeps one limit per thread instead: each call sets and restores its
# own thread's.
_LOCK = threading.Lock()
_state = {"controller": None, "depth": 0, "original": None}


def _blas_limits(controller):
    """``({path: threads}, {path: threads})`` of the process-wide and the
    per-thread (OpenMP-built OpenBLAS) BLAS libraries, from one query."""
    shared, per_thread = {}, {}
    for lib in controller.info():
        if lib["user_api"] == "blas":
            own = lib.get("threading_layer") == "openmp"
            (per_thread if own else shared)[lib["filepath"]] = lib["num_threads"]
    return shared, per_thread


def _set_shared_limits(controller, limits):
    if not limits:
        return
    if _release_control is not None:
        _release_control(force=True)  # so that this thread's setting applies
    controller.limit(limits=limits)
    if _release_control is not None:
        _release_control(force=True)


@contextmanager
def one_blas_thread():
    """Context in which BLAS uses a single thread.

    Multi-threaded BLAS may split a matrix product's sums differently for
    different thread counts (OpenBLAS does for some shapes), which changes
    the last bits of the result: training amplifies them, and the
    approximate neighbour search may choose differently among near-ties.
    Training, prediction and the neighbour search run their products in one
    BLAS thread, so that results do not depend on the machine's thread
    settings; for the small blocks involved this costs little (see the user
    guide). threadpoolctl is a dependency of scikit-learn; its controller is
    created once. Nested and overlapping uses (from several threads) are
    counted: the caller's limits come back when the last one ends.
    """
    with _LOCK:
        if _state["controller"] is None:
            _state["controller"] = ThreadpoolController()
        controller = _state["controller"]
        shared, own = _blas_limits(controller)
        if _state["depth"] == 0:
            _state["original"] = shared
            _set_shared_limits(controller, dict.fromkeys(shared, 1))
        _state["depth"] += 1
    own_limiter = controller.limit(limits=dict.fromkeys(own, 1)) if own else None
    try:
        yield
    finally:
        if own_limiter is not None:
            own_limiter.restore_original_limits()
        with _LOCK:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                _set_shared_limits(controller, _state["original"])
