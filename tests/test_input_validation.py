"""Bad input gets a clear error, never a traceback from inside autograd."""

import numpy as np
import pytest
from sklearn.base import clone

from sklspin import LLSPINClassifier, LLSPINRegressor, LSPINClassifier, LSPINRegressor

SMALL = dict(gating_hidden_layer_sizes=(4,), max_iter=3, random_state=0)
ALL = [
    LSPINClassifier(hidden_layer_sizes=(4,), **SMALL),
    LLSPINClassifier(**SMALL),
    LSPINRegressor(hidden_layer_sizes=(4,), **SMALL),
    LLSPINRegressor(**SMALL),
]
IDS = [type(e).__name__ for e in ALL]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def Xy():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(estimator, Xy, bad):
    X, y = Xy
    X = X.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        clone(estimator).fit(X, y)
    fitted = clone(estimator).fit(Xy[0], y)
    for method in ("predict", "predict_gates"):
        with pytest.raises(ValueError, match="NaN|infinity"):
            getattr(fitted, method)(X)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_wrong_number_of_features_at_predict(estimator, Xy):
    X, y = Xy
    fitted = clone(estimator).fit(X, y)
    for method in ("predict", "predict_gates"):
        with pytest.raises(ValueError, match="3 features"):
            getattr(fitted, method)(X[:, :2])


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_one_dimensional_and_empty_X(estimator, Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="Expected 2D array"):
        clone(estimator).fit(X[:, 0], y)
    with pytest.raises(ValueError, match="0 sample"):
        clone(estimator).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        clone(estimator).fit(X[:, :0], y)


@pytest.mark.parametrize("estimator", ALL[:2], ids=IDS[:2])
def test_single_class(estimator, Xy):
    X, _ = Xy
    with pytest.raises(ValueError, match=r"only one class: 0\.0\.$"):
        clone(estimator).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"only one class: 'sick'\.$"):
        clone(estimator).fit(X, np.full(len(X), "sick"))


@pytest.mark.parametrize("estimator", ALL[2:], ids=IDS[2:])
def test_non_numeric_regression_target(estimator, Xy):
    X, _ = Xy
    y = np.array(["a", "b"] * 20)
    with pytest.raises(ValueError, match="numeric target"):
        clone(estimator).fit(X, y)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_fewer_samples_than_neighbours_falls_back_with_warning(estimator):
    X = np.random.RandomState(0).normal(size=(6, 3))
    y = np.array([0, 1, 0, 1, 0, 1])
    with pytest.warns(UserWarning, match="using n_neighbors=5"):
        model = clone(estimator).set_params(n_neighbors=10).fit(X, y)
    assert model.n_neighbors_ == 5


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_mismatched_lengths_and_bad_sample_weight(estimator, Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clone(estimator).fit(X, y[:-1])
    with pytest.raises(ValueError, match="non-negative"):
        clone(estimator).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="positive sum|non-zero"):
        clone(estimator).fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_unfitted_estimator(estimator, Xy):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        clone(estimator).predict_gates(Xy[0])


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
@pytest.mark.parametrize(
    "params, match",
    [
        ({"sigma": 0}, "sigma"),
        ({"sparsity_weight": -1}, "sparsity_weight"),
        ({"n_neighbors": 0}, "n_neighbors"),
        ({"affinity_bandwidth": "mean"}, "affinity_bandwidth"),
        ({"gating_hidden_layer_sizes": (4, 0)}, "gating_hidden_layer_sizes"),
        ({"gating_hidden_layer_sizes": "automatic"}, "gating_hidden_layer_sizes"),
        ({"gating_activation": "softmax"}, "gating_activation"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_invalid_hyper_parameters(estimator, Xy, params, match):
    X, y = Xy
    with pytest.raises(ValueError, match=match):
        clone(estimator).set_params(**params).fit(X, y)


def test_overflowing_distances_give_a_clear_error():
    X = np.random.RandomState(0).normal(size=(50, 3)) * 1e154
    with (
        pytest.raises(ValueError, match="Standardise the inputs"),
        pytest.warns(UserWarning, match="far from unit scale"),
    ):
        LLSPINRegressor(**SMALL).fit(X, X[:, 0])


def test_diverging_training_raises_a_clear_error():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)) * 1e200
    with (
        pytest.raises(FloatingPointError, match="learning_rate_init"),
        pytest.warns(UserWarning, match="far from unit scale"),
    ):
        LLSPINRegressor(**SMALL).set_params(similarity_weight=0).fit(X, X[:, 0])


def test_batch_size_above_the_number_of_samples_warns_and_uses_them_all(Xy):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, y = Xy
    full = clone(ALL[0]).set_params(batch_size=X.shape[0])
    with warnings.catch_warnings():
        # No warning when the batch is exactly the data ...
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs
        full.fit(X, y)
    # ... and one that names both numbers when it is larger; the fit is the
    # same as with batch_size=n_samples.
    too_large = clone(ALL[0]).set_params(batch_size=X.shape[0] + 1)
    with pytest.warns(UserWarning, match=r"batch_size=41 larger .* \(40\)"):
        too_large.fit(X, y)
    np.testing.assert_array_equal(too_large.coefs_[0], full.coefs_[0])
