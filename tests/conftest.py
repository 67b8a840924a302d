"""Shared test configuration."""

import numpy as np
import pytest

_DEFAULT_PRINT_OPTIONS = np.get_printoptions()


@pytest.fixture(autouse=True)
def _restore_numpy_print_options():
    """Some tests run documentation code that changes NumPy's print options;
    restore them so that doctests run later in the same worker compare
    arrays printed with the defaults."""
    with np.printoptions(**_DEFAULT_PRINT_OPTIONS):
        yield
