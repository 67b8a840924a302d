"""sklspin.plotting: what the heat maps draw, and their input checks."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklspin.plotting import plot_gate_image, plot_gates  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_gates_sorts_rows_by_group_stably():
    rng = np.random.RandomState(0)
    gates = rng.uniform(size=(7, 3))
    mask = gates > 0.5
    groups = np.array([1, 0, 1, 0, 2, 0, 1])
    axes = plot_gates(gates, groups=groups, mask_true=mask)
    order = [1, 3, 5, 0, 2, 6, 4]  # by group, first-come order within one
    np.testing.assert_array_equal(axes[0].images[0].get_array(), gates[order])
    np.testing.assert_array_equal(axes[1].images[0].get_array(), mask[order])
    unsorted = plot_gates(gates)
    np.testing.assert_array_equal(unsorted[0].images[0].get_array(), gates)


def test_plot_gates_checks_its_inputs():
    gates = np.zeros((4, 3))
    with pytest.raises(ValueError, match="mask_true must have the shape"):
        plot_gates(gates, mask_true=np.zeros((4, 2), dtype=bool))
    _, one_ax = plt.subplots()
    with pytest.raises(ValueError, match="ax must be two Axes with mask_true"):
        plot_gates(gates, mask_true=gates > 0, ax=one_ax)


def test_plot_gate_image_draws_the_gates_in_the_image_shape():
    gates = np.arange(6) / 5.0
    ax = plot_gate_image(gates, (2, 3))
    np.testing.assert_array_equal(ax.images[0].get_array(), gates.reshape(2, 3))
    # Over an image, only the open gates (> 0) are coloured.
    ax = plot_gate_image(gates, (2, 3), image=np.ones(6))
    overlay = ax.images[-1].get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(overlay).ravel(), gates <= 0)
    with pytest.raises(ValueError, match=r"image_shape \(4, 2\) does not match"):
        plot_gate_image(gates, (4, 2))
    with pytest.raises(ValueError, match="image has 5 values but there are 6"):
        plot_gate_image(gates, (2, 3), image=np.ones(5))
