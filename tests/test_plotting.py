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
    with pytest.raises(ValueError, match="feature_names has 2 entries"):
        plot_gates(gates, feature_names=["a", "b"])
    # Refused before anything is drawn: no figure left behind, and the
    # caller's axes stay empty.
    assert plt.get_fignums() == []
    _, two_axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="mask_true must have the shape"):
        plot_gates(gates, mask_true=np.zeros((4, 2), dtype=bool), ax=two_axes)
    with pytest.raises(ValueError, match="feature_names has 2 entries"):
        plot_gates(gates, mask_true=gates > 0, ax=two_axes, feature_names=["a", "b"])
    assert all(not panel.images and not panel.has_data() for panel in two_axes)
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


def _tick_texts(ax, positions):
    formatter = ax.xaxis.get_major_formatter()
    return [formatter(position, None) for position in positions]


@pytest.mark.parametrize("n_features", [5, 31, 200])
def test_features_are_numbered_from_one_at_any_width(n_features):
    # Above 30 features matplotlib picks the ticks, but the numbers still
    # start at 1: column 0 is feature 1.
    (ax,) = plot_gates(np.zeros((3, n_features)))
    assert _tick_texts(ax, [0, n_features - 1]) == ["1", str(n_features)]
    assert ax.get_xlabel() == "feature"


def test_feature_names_come_from_a_data_frame():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.zeros((3, 2)), columns=["age", "dose"])
    (ax,) = plot_gates(frame)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["age", "dose"]
    (ax,) = plot_gates(frame, feature_names=["a", "b"])  # explicit names win
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(TypeError, match="sequence of names"):
        plot_gates(np.zeros((3, 5)), feature_names="abcde")


def test_many_groups_are_sorted_but_not_marked():
    gates = np.random.RandomState(0).uniform(size=(200, 3))
    groups = np.arange(200)[::-1] * 0.5  # a continuous variable
    with pytest.warns(UserWarning, match="200 distinct values"):
        (ax,) = plot_gates(gates, groups=groups)
    assert not ax.lines  # no separators
    np.testing.assert_array_equal(ax.images[0].get_array(), gates[::-1])
    assert ax.get_ylabel() == "samples, sorted by group"


def test_nan_groups_form_one_group():
    groups = np.array([np.nan, 1.0, np.nan, 0.0])
    (ax,) = plot_gates(np.zeros((4, 2)), groups=groups)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.0", "1.0", "nan"]
    assert len(ax.lines) == 2


def test_plot_gates_accepts_axes_in_any_array_shape_and_refuses_estimators():
    _, axes = plt.subplots(2, 1, squeeze=False)
    gates = np.zeros((4, 3))
    drawn = plot_gates(gates, mask_true=gates > 0, ax=axes)
    assert drawn.shape == (2,)
    from sklspin import LSPINClassifier

    with pytest.raises(TypeError, match=r"predict_gates\(X\)"):
        plot_gates(LSPINClassifier())
    with pytest.raises(TypeError, match=r"predict_gates\(X\)"):
        plot_gate_image(LSPINClassifier(), (2, 2))
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes .*got str"):
        plot_gates(gates, ax="left")
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes .*got NoneType"):
        plot_gates(gates, mask_true=gates > 0, ax=[plt.subplots()[1], None])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes .*got str"):
        plot_gate_image(np.zeros(4), (2, 2), ax="left")


def test_sparse_gates_are_drawn_as_dense():
    sparse = pytest.importorskip("scipy.sparse")
    gates = np.zeros((4, 3))
    gates[1, 2] = gates[3, 0] = 0.7
    for matrix in (sparse.csr_matrix(gates), sparse.csr_array(gates)):
        axes = plot_gates(matrix)
        np.testing.assert_array_equal(axes[0].images[0].get_array(), gates)
    ax = plot_gate_image(sparse.csr_matrix(gates[1:2]), (1, 3))
    np.testing.assert_array_equal(ax.images[0].get_array(), gates[1:2])


def test_plot_gate_image_takes_one_sample_and_a_2d_shape():
    gates = np.arange(6) / 5.0
    ax = plot_gate_image(gates[None, :], (2, 3))  # predict_gates of one row
    np.testing.assert_array_equal(ax.images[0].get_array(), gates.reshape(2, 3))
    with pytest.raises(ValueError, match="gates of one sample"):
        plot_gate_image(np.zeros((2, 3)), (2, 3))
    for bad_shape in [(1, 2, 3), 6, (-2, -3), (2.5, 2)]:
        with pytest.raises(ValueError, match=r"image_shape must be \(height, width\)"):
            plot_gate_image(gates, bad_shape)
