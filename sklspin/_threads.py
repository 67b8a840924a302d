"""One BLAS thread for the package's matrix products."""

from threadpoolctl import ThreadpoolController

_CONTROLLER = None


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
    created once.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
