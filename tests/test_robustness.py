"""Robustness: hostile inputs, numerical safety, reproducibility, partial_fit.

* Property tests (hypothesis) over random shapes, dtypes, scales from 1e-8
  to 1e8, constant and duplicated columns and rows and class imbalance: fit
  either succeeds with finite predictions and gates in [0, 1], or raises a
  ValueError whose message says what is wrong.
* The losses, the gate probabilities and the affinity stay finite for
  extreme inputs; divergence is a clear error naming its likely causes.
* Bit-for-bit reproducibility across clone, pickle, warm starts (with the
  documented contract), partial_fit streams and BLAS thread counts.
* partial_fit: the MLP-style API, its contract with fit, its state.
* pandas: feature names and ``predict_gates(as_frame=True)``; float32.

The hypothesis tests are derandomised (the same examples on every run, no
example database) so that CI is deterministic; the larger property runs are
marked ``slow``.
"""

import os
import pickle
import re
import sys
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, value_and_grad
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning

from sklspin import (
    LLSPINClassifier,
    LLSPINRegressor,
    LSPINClassifier,
    LSPINRegressor,
    STGClassifier,
    STGRegressor,
    TrainingDivergedError,
)
from sklspin._affinity import knn_gaussian_affinity
from sklspin._gates import gate_values, open_probability
from sklspin._gating import MU_HIGH, MU_LOW
from sklspin._losses import (
    binary_log_loss,
    expected_l0,
    half_squared_error,
    multinomial_log_loss,
)
from sklspin._neighbors import EXACT_MAX_SAMPLES, uses_approximate_search

# Small networks and few epochs: these tests are about what comes out, not
# about how well it fits.
SMALL = dict(max_iter=2, random_state=0)
NETS = dict(hidden_layer_sizes=(4,))
GATING = dict(gating_hidden_layer_sizes=(4,), n_neighbors=5)
ESTIMATORS = [
    LSPINClassifier(**NETS, **GATING, **SMALL),
    LLSPINClassifier(**GATING, **SMALL),
    STGClassifier(**NETS, **SMALL),
    LSPINRegressor(**NETS, **GATING, **SMALL),
    LLSPINRegressor(**GATING, **SMALL),
    STGRegressor(hidden_layer_sizes=(), **SMALL),
]
IDS = [type(est).__name__ for est in ESTIMATORS]
CLASSIFIERS = [est for est in ESTIMATORS if is_classifier(est)]
REGRESSORS = [est for est in ESTIMATORS if not is_classifier(est)]

PROPERTY_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The ValueErrors that fit may legitimately raise on the inputs generated
# below, each with the words a user needs to act on.
INFORMATIVE_ERRORS = {
    "single class": r"at least 2 classes .* only one class",
}

SCALE_WARNING = r"far from unit scale.*StandardScaler"

ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def _fit_quietly(estimator, *args, **kwargs):
    """Fit, recording warnings; returns the fitted estimator and the warnings."""
    method = kwargs.pop("method", "fit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Numerical warnings are bugs here: raise them.
        warnings.simplefilter("error", RuntimeWarning)
        getattr(estimator, method)(*args, **kwargs)
    return estimator, [str(w.message) for w in caught]


# ---------------------------------------------------------------------------
# data strategies
# ---------------------------------------------------------------------------
@st.composite
def hostile_X(draw, max_samples=200, max_features=50):
    """A design matrix with the usual troubles of real data."""
    n = draw(st.integers(2, max_samples))
    d = draw(st.integers(1, max_features))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    scale = 10.0 ** draw(st.integers(-8, 8))
    offset = draw(st.sampled_from([0.0, 0.0, 1.0, -3.0])) * scale
    X = rng.standard_normal((n, d)) * scale + offset
    # Constant columns (zero, or an arbitrary value).
    constant = draw(st.lists(st.integers(0, d - 1), max_size=min(d, 5), unique=True))
    for j in constant:
        X[:, j] = draw(st.sampled_from([0.0, 1.0, -2.5])) * scale
    # Duplicated columns.
    if d >= 2 and draw(st.booleans()):
        X[:, d - 1] = X[:, 0]
    # Duplicated rows, up to all rows identical.
    n_dup = draw(st.integers(0, n - 1))
    if n_dup:
        X[rng.choice(n, n_dup, replace=False)] = X[rng.randint(n)]
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return X.astype(dtype)


@st.composite
def classification_data(draw):
    X = draw(hostile_X())
    n = X.shape[0]
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    n_classes = draw(st.integers(2, 3))
    # Imbalance: the minority classes get between one sample and half of
    # the samples; one example in ten has a single class.
    single_class = n < 2 or draw(st.integers(0, 9)) == 0
    n_minority = 0 if single_class else draw(st.integers(1, max(1, n // 2)))
    y = np.zeros(n, dtype=int)
    y[:n_minority] = 1
    if n_classes == 3:
        y[: n_minority // 2] = 2
    y = rng.permutation(y)
    if draw(st.booleans()):
        y = np.array(["no", "yes", "maybe"])[y]
    return X, y


@st.composite
def regression_data(draw):
    X = draw(hostile_X())
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    y_scale = 10.0 ** draw(st.integers(-8, 8))
    kind = draw(st.sampled_from(["linear", "noise", "constant"]))
    X64 = X.astype(np.float64)
    if kind == "linear":
        X_unit = X64 / max(np.abs(X64).max(), 1e-300)
        y = X_unit @ rng.standard_normal(X.shape[1])
    elif kind == "noise":
        y = rng.standard_normal(X.shape[0])
    else:
        y = np.full(X.shape[0], 3.0)
    return X, y * y_scale


def _far_from_unit_scale(X):
    largest = np.abs(X.astype(np.float64)).max(axis=0)
    largest = largest[largest > 0]
    return largest.size > 0 and (largest.max() > 1e4 or largest.min() < 1e-4)


def _check_fitted_outputs(estimator, X):
    """Finite predictions and gates in [0, 1] of the right shape and dtype."""
    gates = estimator.predict_gates(X)
    assert gates.shape == X.shape and gates.dtype == np.float64
    assert np.all(np.isfinite(gates))
    assert np.all((gates >= 0) & (gates <= 1))
    assert np.all(estimator.feature_importances_ >= 0)
    assert np.all(estimator.feature_importances_ <= 1)
    assert np.all(np.isfinite(estimator.loss_curve_))
    if is_classifier(estimator):
        proba = estimator.predict_proba(X)
        assert np.all(np.isfinite(proba))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-10)
        assert np.all(np.isin(estimator.predict(X), estimator.classes_))
    else:
        prediction = estimator.predict(X)
        assert prediction.shape == (X.shape[0],)
        assert np.all(np.isfinite(prediction))


def _check_fit_outcome(estimator, X, y):
    """Fit; it must succeed with sane outputs or fail with a clear ValueError."""
    expected_error = None
    if is_classifier(estimator) and np.unique(y).size < 2:
        expected_error = INFORMATIVE_ERRORS["single class"]
    try:
        fitted, messages = _fit_quietly(clone(estimator), X, y)
    except ValueError as exc:
        assert expected_error is not None, f"unexpected ValueError: {exc}"
        assert re.search(expected_error, str(exc)), str(exc)
        return
    assert expected_error is None, "fit should have raised a ValueError"
    _check_fitted_outputs(fitted, X)
    if _far_from_unit_scale(X):
        assert any(re.search(SCALE_WARNING, m, re.S) for m in messages), messages


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=IDS[:3])
@settings(max_examples=25, **PROPERTY_SETTINGS)
@given(data=classification_data())
def test_classifier_fit_on_hostile_data(estimator, data):
    _check_fit_outcome(estimator, *data)


@pytest.mark.parametrize("estimator", REGRESSORS, ids=IDS[3:])
@settings(max_examples=25, **PROPERTY_SETTINGS)
@given(data=regression_data())
def test_regressor_fit_on_hostile_data(estimator, data):
    _check_fit_outcome(estimator, *data)


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@settings(max_examples=200, **PROPERTY_SETTINGS)
@given(data=st.data())
def test_fit_on_hostile_data_more_examples(estimator, data):
    strategy = classification_data() if is_classifier(estimator) else regression_data()
    _check_fit_outcome(estimator, *data.draw(strategy))


@pytest.mark.slow
@pytest.mark.parametrize("estimator", [ESTIMATORS[0], ESTIMATORS[4]], ids=IDS[::4])
@settings(max_examples=100, **PROPERTY_SETTINGS)
@given(data=st.data())
def test_partial_fit_stream_of_hostile_batches(estimator, data):
    """Batches of any size (down to one sample) keep the model finite."""
    strategy = classification_data() if is_classifier(estimator) else regression_data()
    X, y = data.draw(strategy)
    if is_classifier(estimator):
        classes = np.unique(y)
        if classes.size < 2:  # a stream may hold one class; classes_ may not
            classes = np.unique(np.append(y, "other" if y.dtype.kind == "U" else 7))
        kwargs = {"classes": classes}
    else:
        kwargs = {}
    model = clone(estimator)
    cuts = sorted(data.draw(st.lists(st.integers(1, X.shape[0] - 1), max_size=4)))
    for batch in np.split(np.arange(X.shape[0]), cuts):
        if batch.size == 0:
            continue
        _fit_quietly(model, X[batch], y[batch], method="partial_fit", **kwargs)
    _check_fitted_outputs(model, X)


# ---------------------------------------------------------------------------
# targeted edge cases
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_all_rows_identical_and_all_columns_constant(estimator):
    X = np.full((30, 4), 0.7)
    y = np.arange(30) % 2 if is_classifier(estimator) else np.linspace(0, 1, 30)
    fitted, _ = _fit_quietly(clone(estimator), X, y)
    _check_fitted_outputs(fitted, X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_two_samples_and_one_feature(estimator):
    X = np.array([[-1.0], [1.0]])
    y = np.array([0, 1]) if is_classifier(estimator) else np.array([0.0, 1.0])
    fitted, _ = _fit_quietly(clone(estimator), X, y)
    _check_fitted_outputs(fitted, X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_one_sample_of_the_minority_class(estimator):
    X = np.random.RandomState(0).standard_normal((100, 3))
    y = np.zeros(100, dtype=int)
    y[17] = 1
    if not is_classifier(estimator):
        y = y.astype(float) * 1e3
    fitted, _ = _fit_quietly(clone(estimator), X, y)
    _check_fitted_outputs(fitted, X)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=IDS[:3])
def test_early_stopping_with_a_class_too_small_to_split(estimator):
    X = np.random.RandomState(0).standard_normal((40, 3))
    y = np.zeros(40, dtype=int)
    y[0] = 1
    model = clone(estimator).set_params(early_stopping=True)
    # No stratified split exists: a random one is used (see _split_stratify).
    with (
        pytest.warns(UserWarning, match="no stratified validation split"),
        pytest.warns(ConvergenceWarning, match="maximum iterations"),
    ):
        model.fit(X, y)
    assert model.classes_.tolist() == [0, 1]
    assert len(model.validation_scores_) == model.n_iter_


@pytest.mark.parametrize("scale", [1e-300, 1e-8, 1e8, 1e150])
@pytest.mark.parametrize("bandwidth", ["median", "self-tuning", 1e-300, 1.0])
def test_affinity_is_finite_at_any_scale(scale, bandwidth):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 5)) * scale
    X[10:30] = X[10]  # a block of duplicates: zero distances, zero bandwidths
    # A fixed bandwidth far below the distances makes most weights underflow
    # (floored, so all equal): that is worth a warning, nothing else is.
    underflows = not isinstance(bandwidth, str) and bandwidth < 1e-6 * scale
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        affinity = knn_gaussian_affinity(X, n_neighbors=5, bandwidth=bandwidth)
    messages = [str(warning.message) for warning in caught]
    if underflows:
        assert len(messages) == 1 and "underflow" in messages[0], messages
        assert "affinity_bandwidth" in messages[0]
    else:
        assert messages == []
    assert np.all(np.isfinite(affinity.data))
    assert np.all((affinity.data > 0) & (affinity.data <= 1))
    assert affinity.nnz >= 60 * 5


def test_affinity_of_identical_points():
    affinity = knn_gaussian_affinity(np.ones((20, 3)), n_neighbors=4)
    np.testing.assert_array_equal(affinity.data, 1.0)
    assert affinity.diagonal().sum() == 0


@pytest.mark.parametrize("magnitude", [1.0, 700.0, 1e5, 1e300])
def test_losses_and_gradients_are_finite_for_extreme_logits(magnitude):
    rng = np.random.RandomState(0)
    logits = rng.choice([-1.0, 1.0], size=(8, 3)) * magnitude
    onehot = np.eye(3)[rng.randint(3, size=8)]
    labels = rng.randint(2, size=8).astype(float)
    cases = [(binary_log_loss, labels, 1), (multinomial_log_loss, onehot, 3)]
    if magnitude < 1e150:
        # A squared error of 1e300 is genuinely infinite: training would stop
        # with TrainingDivergedError (targets are standardised, so outputs
        # that large mean divergence).
        cases.append((half_squared_error, onehot, 3))
    for loss, target, columns in cases:

        def total(z, loss=loss, target=target):
            return anp.sum(loss(z, target))

        value, gradient = value_and_grad(total)(logits[:, :columns])
        assert np.isfinite(value), loss.__name__
        assert np.all(np.isfinite(gradient)), loss.__name__
        assert value >= 0


def test_log_losses_are_exact_for_confident_correct_predictions():
    logits = np.array([[1e300], [-1e300]])
    np.testing.assert_array_equal(binary_log_loss(logits, np.array([1.0, 0.0])), 0)
    logits = np.array([[1e300, -1e300, 0.0]])
    assert multinomial_log_loss(logits, np.array([[1.0, 0.0, 0.0]]))[0] == 0


def _check_gate_functions(mu, sigma):
    probability = open_probability(mu, sigma)
    assert np.all(np.isfinite(probability))
    assert np.all((probability >= 0) & (probability <= 1))
    value, gradient = value_and_grad(lambda m: anp.sum(expected_l0(m, sigma)))(mu)
    assert np.isfinite(value) and np.all(np.isfinite(gradient))
    gates = gate_values(mu, sigma, np.ones_like(mu))
    assert np.all((gates >= 0) & (gates <= 1))
    assert np.all(np.isfinite(grad(lambda m: anp.sum(gate_values(m, sigma)))(mu)))


@pytest.mark.parametrize("sigma", [1e-12, 0.5, 1e6])
def test_gate_probabilities_are_finite_and_quiet_for_any_sigma(sigma):
    # The gating network's means lie in (MU_LOW, MU_HIGH): no warning there.
    mu = np.linspace(MU_LOW, MU_HIGH, 11)[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        _check_gate_functions(mu, sigma)


@pytest.mark.parametrize("sigma", [1e-12, 0.5, 1e6])
def test_gate_probabilities_are_finite_for_extreme_gate_means(sigma):
    # Far outside that range the normal CDF saturates to exactly 0 or 1; the
    # training loop evaluates the objective with overflow warnings off.
    mu = np.array([[-1e300, -10.0, -0.5, 0.0, 10.0, 1e300]])
    with np.errstate(over="ignore", under="ignore"):
        _check_gate_functions(mu, sigma)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_predictions_stay_finite_far_outside_the_training_range(estimator):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int) if is_classifier(estimator) else X[:, 0]
    fitted, _ = _fit_quietly(clone(estimator), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        _check_fitted_outputs(fitted, X * 1e100)


def test_divergence_is_a_clear_value_error():
    X = np.random.RandomState(0).normal(size=(50, 3)) * 1e200
    model = LLSPINRegressor(similarity_weight=0, **GATING, **SMALL)
    with pytest.warns(UserWarning, match="StandardScaler"):
        with pytest.raises(ValueError, match="learning_rate_init") as info:
            model.fit(X, X[:, 0])
    assert isinstance(info.value, FloatingPointError)
    assert isinstance(info.value, TrainingDivergedError)
    assert "Standardise the inputs" in str(info.value)


@pytest.mark.parametrize("estimator", REGRESSORS, ids=IDS[3:])
@pytest.mark.parametrize("y_scale", [1e-300, 1e200, 1e306])
def test_extreme_regression_targets(estimator, y_scale):
    X = np.random.RandomState(0).standard_normal((60, 3))
    y = (X[:, 0] + 0.5) * y_scale
    fitted, _ = _fit_quietly(clone(estimator), X, y)
    prediction = fitted.predict(X)
    assert np.all(np.isfinite(prediction))
    # The internal standardisation keeps the fit scale-free.
    unit, _ = _fit_quietly(clone(estimator), X, y / y_scale)
    np.testing.assert_allclose(prediction / y_scale, unit.predict(X), rtol=1e-6)


@ignore_convergence
def test_scale_warning_thresholds():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, 3))
    y = X[:, 0]
    model = LLSPINRegressor(**GATING, **SMALL)
    for factor in (1e-5, 1e5):
        bad = X.copy()
        bad[:, 1] *= factor
        with pytest.warns(UserWarning, match=SCALE_WARNING):
            clone(model).fit(bad, y)
    for ok in (X, X * 1e3, X * 1e-3, np.c_[X, np.zeros(40)]):
        _, messages = _fit_quietly(clone(model), ok, y)
        assert not any("unit scale" in m for m in messages), messages


def _warnings_of(call):
    """Every warning ``call()`` emits, recorded whatever the filters."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def _assert_all_from(caught, path, count=None, category=Warning):
    """``count`` warnings (at least 2 if None) of ``category``, each
    attributed to the file ``path`` or, for a directory, to a file in it."""
    messages = [str(w.message) for w in caught]
    assert len(caught) >= 2 if count is None else len(caught) == count, messages
    for warning in caught:
        assert issubclass(warning.category, category), str(warning.message)
        if os.path.isdir(path):
            located = warning.filename.startswith(path + os.sep)
        else:
            located = warning.filename == path
        assert located, (str(warning.message), warning.filename)


@pytest.mark.parametrize(
    "Estimator",
    [LSPINClassifier, LLSPINRegressor, STGClassifier],
    ids=lambda cls: cls.__name__,
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_warnings_point_at_the_callers_line(Estimator, method):
    """Every warning of a fit is attributed to the user's call, whatever the
    depth at which sklspin raises it."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((6, 3)) * 1e6  # scale warning
    y = np.array([0, 1] * 3)
    # n_neighbors and batch_size larger than the data: two more warnings.
    model = Estimator(max_iter=2, batch_size=50, random_state=0)
    if "n_neighbors" in model.get_params():
        model.set_params(n_neighbors=10)
    partial_classifier = method == "partial_fit" and is_classifier(model)
    kwargs = {"classes": [0, 1]} if partial_classifier else {}
    caught = _warnings_of(lambda: getattr(model, method)(X, y, **kwargs))
    _assert_all_from(caught, __file__)


def test_warnings_point_at_the_callers_line_through_a_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X = np.random.RandomState(0).standard_normal((6, 3))
    pipe = make_pipeline(
        FunctionTransformer(), LSPINClassifier(max_iter=2, batch_size=50)
    )
    _assert_all_from(_warnings_of(lambda: pipe.fit(X, [0, 1] * 3)), __file__)


def test_warnings_point_at_the_callers_line_through_joblib():
    from sklearn.model_selection import cross_val_score

    X = np.random.RandomState(0).standard_normal((40, 3))
    model = LSPINClassifier(max_iter=2, random_state=0)
    caught = _warnings_of(lambda: cross_val_score(model, X, [0, 1] * 20, cv=2))
    _assert_all_from(caught, __file__, count=2, category=ConvergenceWarning)


def test_a_warning_in_a_worker_thread_points_at_sklspin():
    from joblib import Parallel, delayed

    import sklspin

    X = np.random.RandomState(0).standard_normal((40, 3))
    model = LSPINClassifier(max_iter=2, random_state=0)
    caught = _warnings_of(
        lambda: Parallel(n_jobs=2, backend="threading")(
            delayed(clone(model).fit)(X, [0, 1] * 20) for _ in range(2)
        )
    )
    # No user code called these fits: the warnings name sklspin's line,
    # not the thread pool's.
    package = os.path.dirname(sklspin.__file__)
    _assert_all_from(caught, package, count=2, category=ConvergenceWarning)


# ---------------------------------------------------------------------------
# reproducibility
# ---------------------------------------------------------------------------
def _data_for(estimator, n=120, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, d))
    if is_classifier(estimator):
        return X, np.where(X[:, 0] * X[:, 1] > 0, "a", "b")
    return X, X[:, 0] * X[:, 1] + X[:, 2]


def _assert_same_model(first, second, X):
    np.testing.assert_array_equal(first.predict_gates(X), second.predict_gates(X))
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    if is_classifier(first):
        np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.loss_curve_ == second.loss_curve_
    for a, b in zip(
        first.coefs_ + first.gating_coefs_, second.coefs_ + second.gating_coefs_
    ):
        np.testing.assert_array_equal(a, b)


@ignore_convergence
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_bit_for_bit_across_clone_and_pickle(estimator):
    X, y = _data_for(estimator)
    model = clone(estimator).set_params(max_iter=4).fit(X, y)
    _assert_same_model(model, clone(model).fit(X, y), X)
    restored = pickle.loads(pickle.dumps(model))
    _assert_same_model(model, restored, X)
    # Training continues identically from a pickled copy (partial_fit keeps
    # Adam's state and the random stream on the estimator).
    model.partial_fit(X, y)
    restored.partial_fit(X, y)
    _assert_same_model(model, restored, X)


@ignore_convergence
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_warm_start_contract(estimator):
    """warm_start reuses the parameters only, as scikit-learn's MLPs do.

    A warm-started fit starts a fresh Adam and draws from ``random_state``
    anew: it depends on the current parameters, the data and
    ``random_state`` only, not on the optimizer state that produced them.
    It is therefore *not* the same as one longer fit.
    """
    X, y = _data_for(estimator)
    model = clone(estimator).set_params(max_iter=3, warm_start=True).fit(X, y)
    twin = pickle.loads(pickle.dumps(model))
    del twin._training_state  # as if the parameters had come from elsewhere
    model.fit(X, y)
    twin.fit(X, y)
    _assert_same_model(model, twin, X)
    assert model.n_iter_ == 6 and len(model.loss_curve_) == 6

    longer = clone(estimator).set_params(max_iter=6).fit(X, y)
    assert longer.loss_curve_[:3] == model.loss_curve_[:3]
    assert longer.loss_curve_[3:] != model.loss_curve_[3:]


@ignore_convergence
@pytest.mark.parametrize("estimator", REGRESSORS, ids=IDS[3:])
def test_warm_start_rescales_the_targets_of_each_fit(estimator):
    """A warm-started fit on ``a * y + b`` is the warm-started fit on ``y``
    mapped by the same affine function: each fit standardises its own
    targets (the first fit's scaling would leave them thousands of standard
    deviations from zero)."""
    X, y = _data_for(estimator)
    first = clone(estimator).set_params(max_iter=3, warm_start=True).fit(X, y)
    on_y = pickle.loads(pickle.dumps(first)).fit(X, y)
    on_scaled = first.fit(X, 1000.0 * y + 5000.0)
    np.testing.assert_allclose(
        on_scaled.predict(X), 1000.0 * on_y.predict(X) + 5000.0, rtol=1e-9
    )
    np.testing.assert_allclose(on_scaled.predict_gates(X), on_y.predict_gates(X))


@ignore_convergence
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_partial_fit_repeats_fit_bit_for_bit(estimator):
    """k partial_fit calls on the whole data = fit with max_iter=k and no
    fine-tuning (partial_fit never fine-tunes); a fit followed by
    partial_fit continues like further partial_fit calls."""
    X, y = _data_for(estimator)
    kwargs = {"classes": np.unique(y)} if is_classifier(estimator) else {}
    fitted = clone(estimator).set_params(max_iter=3, finetune_iter=0).fit(X, y)
    streamed = clone(estimator)
    for _ in range(3):
        streamed.partial_fit(X, y, **kwargs)
    _assert_same_model(fitted, streamed, X)
    assert streamed.n_iter_ == 3 and streamed.t_ == 3 * X.shape[0]
    np.testing.assert_array_equal(
        fitted.feature_importances_, streamed.feature_importances_
    )
    fitted.partial_fit(X, y)
    streamed.partial_fit(X, y)
    _assert_same_model(fitted, streamed, X)


@ignore_convergence
def test_partial_fit_repeats_fit_with_the_approximate_search():
    """Above EXACT_MAX_SAMPLES rows (and 5 features) the affinity needs a
    seed for its approximate search: drawn once, as fit draws it, not at
    every partial_fit call (the streams parted from the 2nd epoch)."""
    n_samples = EXACT_MAX_SAMPLES + 1
    assert uses_approximate_search(n_samples, 6)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n_samples, 6))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    model = LSPINRegressor(
        hidden_layer_sizes=(8,), batch_size=1024, finetune_iter=0, random_state=0
    )
    fitted = clone(model).set_params(max_iter=3).fit(X, y)
    streamed = clone(model)
    for _ in range(3):
        streamed.partial_fit(X, y)
    assert streamed.loss_curve_ == fitted.loss_curve_
    _assert_same_model(fitted, streamed, X)


@ignore_convergence
def test_independent_of_the_number_of_blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    # Matrices large enough for OpenBLAS / MKL to split the products.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((600, 40))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = LSPINClassifier(
        hidden_layer_sizes=(128,),
        gating_hidden_layer_sizes=(128,),
        batch_size=300,
        max_iter=2,
        random_state=0,
    )
    fits = []
    for n_threads in (1, 2, 4):
        with threadpoolctl.threadpool_limits(limits=n_threads, user_api="blas"):
            fits.append(clone(model).fit(X, y))
    for other in fits[1:]:
        _assert_same_model(fits[0], other, X)


def test_overlapping_blas_limits_restore_the_callers_threads():
    """Two threads whose fits overlap (A starts, B starts, A ends, B ends):
    BLAS stays at one thread until B ends, then the caller's count is back."""
    import threading

    threadpoolctl = pytest.importorskip("threadpoolctl")
    from sklspin._threads import one_blas_thread

    def blas_threads():
        info = threadpoolctl.threadpool_info()
        return [i["num_threads"] for i in info if i["user_api"] == "blas"]

    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        if not before or max(before) < 2:
            pytest.skip("BLAS cannot run two threads here")
        a_inside, b_inside, a_done = (threading.Event() for _ in range(3))
        seen = {}

        def thread_a():
            with one_blas_thread():
                a_inside.set()
                b_inside.wait(10)
            a_done.set()

        def thread_b():
            a_inside.wait(10)
            with one_blas_thread():
                b_inside.set()
                a_done.wait(10)
                seen["b after a"] = blas_threads()

        threads = [threading.Thread(target=f) for f in (thread_a, thread_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert seen["b after a"] == [1] * len(before)
        assert blas_threads() == before


# ---------------------------------------------------------------------------
# partial_fit API
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=IDS[:3])
def test_partial_fit_classes(estimator):
    X, y = _data_for(estimator)
    model = clone(estimator)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    with pytest.raises(ValueError, match="only one"):
        model.partial_fit(X, y, classes=["a"])
    assert not hasattr(model, "classes_")
    # A first batch with one class only is fine once all classes are known.
    model.partial_fit(X[y == "a"], y[y == "a"], classes=["a", "b", "c"])
    assert model.classes_.tolist() == ["a", "b", "c"]
    assert model.predict_proba(X).shape == (X.shape[0], 3)
    model.partial_fit(X, y)
    with pytest.raises(ValueError, match="is not the same as on last call"):
        model.partial_fit(X, y, classes=["a", "b"])
    with pytest.raises(ValueError, match=r"labels \['z'\] that are not in classes_"):
        model.partial_fit(X[:3], np.array(["a", "b", "z"]))
    # On the first call the message points at the classes argument, not at
    # an earlier fit that never happened.
    with pytest.raises(ValueError, match=r"\['c'\] .* classes argument of the first"):
        clone(estimator).partial_fit(X, np.where(y == "a", "c", y), classes=["a", "b"])


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_partial_fit_warns_about_the_data_on_the_first_call_only(estimator):
    X, y = _data_for(estimator, n=40)
    X = 1e4 * X  # far from unit scale
    kwargs = {"classes": np.unique(y)} if is_classifier(estimator) else {}
    model = clone(estimator).set_params(batch_size=16)
    if "n_neighbors" in model.get_params():
        model.set_params(n_neighbors=10)
    expected = ["far from unit scale", "larger than the number of training"]
    if "n_neighbors" in model.get_params():
        expected.append("n_neighbors=10 is not smaller")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for start in range(0, 40, 8):  # five batches of 8 rows
            model.partial_fit(X[start : start + 8], y[start : start + 8], **kwargs)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(messages) == len(expected)
    for text in expected:
        assert sum(text in message for message in messages) == 1, text
    assert model.n_iter_ == 5


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_partial_fit_rejects_early_stopping(estimator):
    X, y = _data_for(estimator)
    kwargs = {"classes": np.unique(y)} if is_classifier(estimator) else {}
    model = clone(estimator).set_params(early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopp"):
        model.partial_fit(X, y, **kwargs)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_partial_fit_state_and_attributes(estimator, capsys):
    X, y = _data_for(estimator)
    kwargs = {"classes": np.unique(y)} if is_classifier(estimator) else {}
    model = clone(estimator).set_params(verbose=True)
    for start in range(0, 120, 40):
        model.partial_fit(X[start : start + 40], y[start : start + 40], **kwargs)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert model.t_ == 120
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    assert capsys.readouterr().out.count("Iteration") == 3
    # Adam's state is kept as plain arrays (no function, no optimizer object).
    state = model._training_state
    assert set(state) == {"t", "first_moments", "second_moments", "rng", "search_seed"}
    assert state["t"] > 0
    assert state["search_seed"] is None  # batches too small to need one
    for moments in (state["first_moments"], state["second_moments"]):
        assert all(type(m) is np.ndarray for m in moments)
    assert not any(callable(value) for value in vars(model).values())
    if isinstance(model, (STGClassifier, STGRegressor)):
        assert model.transform(X).shape[0] == X.shape[0]
        assert not hasattr(model, "n_neighbors_")
    else:
        assert model.n_neighbors_ == 5


@ignore_convergence
def test_partial_fit_streams_learn_and_keep_feature_names():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = rng.standard_normal((2000, 5))
    y = np.where(X[:, 4] > 0, X[:, 0], -X[:, 1]) + 0.05 * rng.standard_normal(2000)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d", "e"])
    model = LLSPINRegressor(gating_hidden_layer_sizes=(16,), random_state=0)
    for _ in range(8):
        for start in range(0, 1600, 400):
            model.partial_fit(frame.iloc[start : start + 400], y[start : start + 400])
    assert model.feature_names_in_.tolist() == ["a", "b", "c", "d", "e"]
    assert model.n_iter_ == 32
    assert model.score(frame.iloc[1600:], y[1600:]) > 0.8
    with pytest.raises(ValueError, match="feature names"):
        model.partial_fit(frame.rename(columns={"a": "z"}).iloc[:50], y[:50])
    with pytest.raises(ValueError, match="missing"):
        model.partial_fit(frame.iloc[:50, :4], y[:50])


# ---------------------------------------------------------------------------
# pandas and dtypes
# ---------------------------------------------------------------------------
@ignore_convergence
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_predict_gates_as_frame(estimator):
    pd = pytest.importorskip("pandas")
    X, y = _data_for(estimator)
    frame = pd.DataFrame(X, columns=["age", "dose", "weight", "bmi"])
    frame.index = frame.index + 1000
    model = clone(estimator).fit(frame, y)
    gates = model.predict_gates(frame, as_frame=True)
    assert isinstance(gates, pd.DataFrame)
    assert gates.columns.tolist() == ["age", "dose", "weight", "bmi"]
    assert gates.index.equals(frame.index)
    np.testing.assert_array_equal(gates.to_numpy(), model.predict_gates(frame))
    # Fitted on an array: generated names, default index.
    unnamed = clone(estimator).fit(X, y).predict_gates(X, as_frame=True)
    assert unnamed.columns.tolist() == ["x0", "x1", "x2", "x3"]
    assert unnamed.index.tolist() == list(range(X.shape[0]))
    # Lists and tuples have an index *method*, which is no index.
    for rows in (X[:3].tolist(), tuple(map(tuple, X[:3]))):
        listed = clone(estimator).fit(X, y).predict_gates(rows, as_frame=True)
        assert listed.index.tolist() == [0, 1, 2]
        np.testing.assert_array_equal(listed.to_numpy(), unnamed.to_numpy()[:3])
    # A truthy string is not a yes (it returned a data frame).
    for not_a_bool in ("no", 1, None):
        with pytest.raises(TypeError, match="as_frame must be True or False"):
            model.predict_gates(frame, as_frame=not_a_bool)
    assert isinstance(model.predict_gates(frame, as_frame=np.True_), pd.DataFrame)


class _GradientDtypes:
    """Patch Adam to record the dtypes of the gradients and parameters."""

    def __init__(self, monkeypatch):
        import sklspin._base as base

        self.dtypes = set()
        recorder = self

        class Recording(base.AdamOptimizer):
            def update_params(self, params, grads):
                recorder.dtypes.update(str(np.asarray(a).dtype) for a in params)
                recorder.dtypes.update(str(np.asarray(g).dtype) for g in grads)
                return super().update_params(params, grads)

        monkeypatch.setattr(base, "AdamOptimizer", Recording)


@ignore_convergence
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_float32_input_is_trained_in_float32(estimator, monkeypatch):
    """float32 X trains in float32 (as scikit-learn's MLPs do): every
    gradient and parameter of every step is float32, the fitted parameters
    stay float32, outputs are float64, and the model is the float64 fit of
    the same values up to rounding."""
    X, y = _data_for(estimator)
    X32 = X.astype(np.float32)
    short = clone(estimator).set_params(max_iter=3)
    recorder = _GradientDtypes(monkeypatch)
    from32 = clone(short).fit(X32, y)
    assert recorder.dtypes == {"float32"}
    assert all(
        a.dtype == np.float32
        for a in from32.coefs_ + from32.intercepts_ + from32.gating_coefs_
    )
    assert from32.predict_gates(X32).dtype == np.float64
    assert from32.feature_importances_.dtype == np.float64
    if is_classifier(estimator):
        assert from32.predict_proba(X32).dtype == np.float64
    else:
        assert from32.predict(X32).dtype == np.float64
    # Prediction computes in float64 (block by block) whatever X's dtype.
    for method in ("predict", "predict_gates"):
        np.testing.assert_array_equal(
            getattr(from32, method)(X32),
            getattr(from32, method)(X32.astype(np.float64)),
        )

    recorder.dtypes.clear()
    from64 = clone(short).fit(X32.astype(np.float64), y)
    assert recorder.dtypes == {"float64"}
    np.testing.assert_allclose(from32.loss_curve_, from64.loss_curve_, rtol=1e-4)
    for a, b in zip(
        from32.coefs_ + from32.gating_coefs_, from64.coefs_ + from64.gating_coefs_
    ):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@ignore_convergence
@pytest.mark.parametrize("estimator", [ESTIMATORS[0], ESTIMATORS[4]], ids=IDS[::4])
def test_training_dtype_follows_each_call(estimator, monkeypatch):
    """A float64 warm-started fit or partial_fit after a float32 one
    continues in float64, and back (parameters and Adam's state are cast)."""
    X, y = _data_for(estimator)
    recorder = _GradientDtypes(monkeypatch)
    model = clone(estimator).set_params(max_iter=2, warm_start=True)
    model.fit(X.astype(np.float32), y)
    assert model.coefs_[0].dtype == np.float32
    recorder.dtypes.clear()
    model.fit(X, y)
    assert recorder.dtypes == {"float64"} and model.coefs_[0].dtype == np.float64
    recorder.dtypes.clear()
    model.partial_fit(X.astype(np.float32), y)
    assert recorder.dtypes == {"float32"} and model.coefs_[0].dtype == np.float32
    _check_fitted_outputs(model, X)


# ---------------------------------------------------------------------------
# benchmarks/scale.py
# ---------------------------------------------------------------------------
def test_scale_benchmark_rejects_bad_options(assert_cli_errors, import_benchmark):
    scale = import_benchmark("scale")
    assert_cli_errors(
        scale._parse,
        [
            (["--max-n", "0"], "--max-n must be at least 100"),
            (["--chunk", "-5"], "--chunk must be at least 2"),
            (["--parts", "AZ"], "unknown parts 'Z'"),
        ],
    )


def test_scale_benchmark_says_it_needs_the_resource_module(
    import_benchmark_as_on_windows,
):
    # Windows: importable (its option tests run), but no run without
    # peak-RSS measurements.
    scale = import_benchmark_as_on_windows("scale")
    with pytest.raises(SystemExit, match="resource module.*Linux or macOS"):
        scale.main(["--quick", "--max-n", "300"])


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="scale.py needs resource")
def test_scale_benchmark_smoke(tmp_path):
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "scale.md"
    subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks" / "scale.py"),
            "--quick",
            "--max-n",
            "300",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=root,
        timeout=300,
    )
    report = out.read_text("utf-8")
    for heading in ("## A. Affinity", "## B. fit", "## C. partial_fit", "## D. fit"):
        assert heading in report
    assert "| 100 | 300 |" in report
    assert "peak RSS / X at n = 300, d = 100" in report
