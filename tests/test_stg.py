"""STGClassifier / STGRegressor: common checks, selection, selector API."""

import pickle
import warnings

import numpy as np
import pytest
from autograd.test_util import check_grads
from sklearn.base import clone
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sklspin import LSPINClassifier, STGClassifier, STGRegressor
from sklspin._gating import global_gate_means
from sklspin._losses import Batch, ObjectiveSpec, objective
from sklspin.datasets import make_paper_e5

FAST = dict(max_iter=60, random_state=0)
# One Nonlinear and one Linear STG: the check suite is the costliest part of
# this file, and the API does not depend on the prediction network.
ESTIMATORS = [
    STGClassifier(hidden_layer_sizes=(16,), **FAST),
    STGRegressor(hidden_layer_sizes=(), **FAST),
]
ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def expected_failed_checks(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "Training draws fresh gate noise per row and per mini-batch, so w "
            "copies of a row are not the same random experiment as one row of "
            "weight w. Rows of weight 0 are dropped before training, exactly "
            "as if removed (test_estimators.py)."
        ),
    }


@ignore_convergence
# check_fit_idempotent's targets are noise: STG may rightly select nothing.
@pytest.mark.filterwarnings("ignore:No features were selected:UserWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("Estimator", [STGClassifier, STGRegressor])
def test_param_validation(Estimator):
    check_param_validation(Estimator.__name__, Estimator(**FAST))


# Transformer checks that scikit-learn runs in its own test suite but that
# check_estimator does not yield: feature names and set_output.
SELECTOR_CHECKS = [
    "check_transformer_get_feature_names_out",
    "check_transformer_get_feature_names_out_pandas",
    "check_set_output_transform",
    "check_set_output_transform_pandas",
    "check_global_output_transform_pandas",
]


@ignore_convergence
@pytest.mark.parametrize("check_name", SELECTOR_CHECKS)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
# The pandas checks mix fitting on arrays and transforming data frames.
@pytest.mark.filterwarnings("ignore:X .* feature names:UserWarning")
def test_selector_output_checks(estimator, check_name):
    pytest.importorskip("pandas")
    getattr(estimator_checks, check_name)(type(estimator).__name__, estimator)


# Short runs on 300 samples: a larger sparsity_weight than the default closes
# the noise gates within 100 epochs (see the sparsity_weight docstring).
QUICK_SELECTOR = dict(sparsity_weight=0.1, max_iter=100, random_state=0)


def _moons_with_noise(n_samples=1000, n_noise=8, seed=0):
    X, y = make_moons(n_samples=n_samples, noise=0.1, random_state=seed)
    noise = np.random.RandomState(seed).standard_normal((n_samples, n_noise))
    return StandardScaler().fit_transform(np.hstack([X, noise])), y


@ignore_convergence
def test_selects_moons_features_with_defaults():
    # Two informative features among 8 N(0, 1) noise features; the selected
    # set must be exactly {x1, x2} with every hyper-parameter at its default.
    X, y = _moons_with_noise()
    stg = STGClassifier(random_state=0).fit(X[:800], y[:800])
    assert stg.get_support(indices=True).tolist() == [0, 1]
    assert stg.score(X[800:], y[800:]) >= 0.97
    np.testing.assert_array_equal(stg.feature_importances_, stg.gates_)
    np.testing.assert_array_equal(stg.gate_open_fraction_, stg.get_support())


@pytest.mark.slow
@ignore_convergence
def test_selects_union_of_e5_informative_features_with_defaults():
    # Union of the per-group informative sets of E5: {x1, x2, x3, x4, x21};
    # x1 and x4 matter in one group out of three only.
    X, y, mask, _ = make_paper_e5(n_samples=1500, random_state=0)
    stg = STGRegressor(random_state=0).fit(X[:1200], y[:1200])
    union = np.flatnonzero(mask.any(axis=0)).tolist()
    assert union == [0, 1, 2, 3, 20]
    assert stg.get_support(indices=True).tolist() == union
    assert stg.score(X[1200:], y[1200:]) > 0.99


@pytest.mark.slow
@ignore_convergence
def test_linear_stg_selects_informative_features():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 8))
    y_class = (X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(400) > 0).astype(int)
    y_reg = X[:, 0] - 2 * X[:, 1] + X[:, 2] + 0.1 * rng.standard_normal(400)
    # Linear STG, every other hyper-parameter at its default.
    clf = STGClassifier(hidden_layer_sizes=(), random_state=0).fit(X, y_class)
    assert clf.get_support(indices=True).tolist() == [0, 1]
    assert clf.coefs_[0].shape == (8, 1)
    assert clf.score(X, y_class) > 0.9
    reg = STGRegressor(hidden_layer_sizes=(), random_state=0).fit(X, y_reg)
    assert reg.get_support(indices=True).tolist() == [0, 1, 2]
    assert reg.score(X, y_reg) > 0.95


@pytest.fixture(scope="module")
def fitted_moons():
    X, y = _moons_with_noise(n_samples=300, n_noise=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stg = STGClassifier(**QUICK_SELECTOR).fit(X, y)
    return stg, X, y


def test_selector_api(fitted_moons):
    stg, X, y = fitted_moons
    support = stg.get_support()
    assert support.tolist() == [True, True, False, False, False, False]
    assert stg.gates_.shape == (6,)
    assert np.all((stg.gates_ >= 0) & (stg.gates_ <= 1))
    np.testing.assert_array_equal(stg.transform(X), X[:, support])
    restored = stg.inverse_transform(stg.transform(X))
    np.testing.assert_array_equal(restored[:, support], X[:, support])
    assert np.all(restored[:, ~support] == 0)
    assert stg.get_feature_names_out().tolist() == ["x0", "x1"]
    # predict_gates: the global gates broadcast to one row per sample.
    gates = stg.predict_gates(X[:5])
    assert gates.shape == (5, 6)
    np.testing.assert_array_equal(gates, np.tile(stg.gates_, (5, 1)))
    gates[0, 0] = -1.0  # a writable copy, not a view of gates_
    assert stg.gates_[0] >= 0


def test_select_from_model_agrees(fitted_moons):
    stg, X, y = fitted_moons
    selector = SelectFromModel(stg, prefit=True, threshold=1e-12)
    np.testing.assert_array_equal(selector.get_support(), stg.get_support())


@ignore_convergence
def test_pipeline_with_downstream_classifier():
    X, y = _moons_with_noise(n_samples=300, n_noise=4)
    pipe = Pipeline(
        [
            (
                "stg",
                STGClassifier(**QUICK_SELECTOR),
            ),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X, y)
    assert pipe.named_steps["clf"].coef_.shape == (1, 2)
    assert pipe.predict(X).shape == (300,)
    assert pipe.score(X, y) > 0.8  # a linear model on the two moon features
    assert pipe[:-1].get_feature_names_out().tolist() == ["x0", "x1"]


@ignore_convergence
def test_feature_names_out_with_pandas():
    pd = pytest.importorskip("pandas")
    X, y = _moons_with_noise(n_samples=300, n_noise=4)
    columns = ["moon_a", "moon_b", "n1", "n2", "n3", "n4"]
    df = pd.DataFrame(X, columns=columns)
    stg = STGClassifier(**QUICK_SELECTOR)
    stg.fit(df, y)
    assert stg.feature_names_in_.tolist() == columns
    assert stg.get_feature_names_out().tolist() == ["moon_a", "moon_b"]
    out = stg.set_output(transform="pandas").transform(df)
    assert list(out.columns) == ["moon_a", "moon_b"]
    scaled = make_pipeline(StandardScaler(), clone(stg)).fit(df, y)
    assert scaled.get_feature_names_out().tolist() == ["moon_a", "moon_b"]


@ignore_convergence
@pytest.mark.parametrize("Estimator", [STGClassifier, STGRegressor])
def test_pickle_clone_and_reproducibility(Estimator):
    X, y = _moons_with_noise(n_samples=200, n_noise=3)
    est = Estimator(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    np.testing.assert_array_equal(restored.gates_, est.gates_)
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))

    cloned = clone(est)
    assert not hasattr(cloned, "gates_")
    assert cloned.get_params() == est.get_params()
    cloned.fit(X, y)  # same random_state: bit-for-bit the same model
    np.testing.assert_array_equal(
        cloned.gating_intercepts_[0], est.gating_intercepts_[0]
    )
    np.testing.assert_array_equal(cloned.predict(X), est.predict(X))
    assert cloned.loss_curve_ == est.loss_curve_


@ignore_convergence
def test_warm_start_continues_training():
    X, y = _moons_with_noise(n_samples=200, n_noise=3)
    est = STGClassifier(
        hidden_layer_sizes=(8,), max_iter=5, warm_start=True, random_state=0
    )
    est.fit(X, y)
    mu = est.gating_intercepts_[0].copy()
    est.fit(X, y)
    assert est.n_iter_ == 10 and len(est.loss_curve_) == 10
    assert not np.array_equal(est.gating_intercepts_[0], mu)
    assert not hasattr(est, "n_neighbors_")


def test_no_similarity_parameters():
    params = STGClassifier().get_params()
    for name in ("gating_hidden_layer_sizes", "similarity_weight", "n_neighbors"):
        assert name not in params
        assert name not in STGClassifier._parameter_constraints


@pytest.mark.parametrize("Estimator", [STGClassifier, STGRegressor])
def test_defaults_follow_lspin(Estimator):
    # That the docstring states these defaults is checked for every public
    # estimator in tests/test_docstrings.py.
    lspin = LSPINClassifier().get_params()
    params = Estimator().get_params()
    assert {k: v for k, v in lspin.items() if k in params} == params


def test_objective_gradient_with_global_gates():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((7, 4))
    params = [
        np.zeros((0, 4)),
        0.1 * rng.standard_normal(4),
        rng.standard_normal((4, 3)),
        rng.standard_normal(3),
        rng.standard_normal((3, 1)),
        rng.standard_normal(1),
    ]
    spec = ObjectiveSpec(
        n_gate_params=2,
        gate_means=global_gate_means,
        activation="tanh",
        task_loss="squared_error",
        sigma=0.5,
        sparsity_weight=0.1,
        similarity_weight=0.0,
        l2_weight=0.01,
    )
    batch = Batch(
        X=X,
        y=rng.standard_normal((7, 1)),
        sample_weight=np.ones(7),
        noise=0.1 * rng.standard_normal((7, 4)),  # keeps gates off the clip kinks
        X_neighbours=None,
        neighbour_weight=None,
    )

    def loss_of_dense(dense):
        return objective(params[:1] + list(dense), batch, spec)

    check_grads(loss_of_dense, modes=["rev"], order=1)(params[1:])
