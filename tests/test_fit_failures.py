"""What a fit that cannot go on does: a clear error, and an estimator left in
a consistent state (unfitted after a fit from scratch; after a warm-started
fit, the parameters of its last completed epoch)."""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from sklspin import (
    LLSPINClassifier,
    LLSPINRegressor,
    LSPINClassifier,
    LSPINRegressor,
    STGClassifier,
    STGRegressor,
)

SMALL = dict(max_iter=5, random_state=0)
ALL = [
    LSPINClassifier(hidden_layer_sizes=(8,), **SMALL),
    LLSPINClassifier(**SMALL),
    STGClassifier(hidden_layer_sizes=(8,), **SMALL),
    LSPINRegressor(hidden_layer_sizes=(8,), **SMALL),
    LLSPINRegressor(**SMALL),
    STGRegressor(hidden_layer_sizes=(8,), **SMALL),
]
IDS = [type(e).__name__ for e in ALL]
CLASSIFIERS = [e for e in ALL if is_classifier(e)]
CLASSIFIER_IDS = [type(e).__name__ for e in CLASSIFIERS]

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore:n_neighbors=:UserWarning",
)


@pytest.fixture
def Xy():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    return X, (X[:, 0] > 0).astype(int)


def _targets(estimator, X, labels):
    return labels if is_classifier(estimator) else X[:, 0] - X[:, 1]


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_a_failed_refit_leaves_an_unfitted_estimator(estimator, Xy):
    X, y = Xy
    model = clone(estimator).fit(X, np.where(y == 1, "spam", "ham"))
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X, np.zeros(X.shape[0]))
    # Not the old network answering with the new data's classes_.
    assert not hasattr(model, "classes_")
    # Nothing of the old fit is kept, private state included.
    assert set(vars(model)) == set(vars(clone(model)))
    for method in ("predict", "predict_proba", "predict_gates"):
        with pytest.raises(NotFittedError):
            getattr(model, method)(X)
    # Three classes, and an early-stopping split of one row: the fit fails
    # after the new targets are encoded.
    labels = np.array(["x", "y"] * 30)
    labels[0] = "z"
    model = clone(estimator).fit(X, y)
    with pytest.raises(ValueError, match="validation set is too small"):
        model.set_params(early_stopping=True, validation_fraction=0.01).fit(X, labels)
    with pytest.raises(NotFittedError):
        model.predict(X)
    assert not hasattr(model, "classes_")
    assert not hasattr(model, "n_features_in_")
    # A later fit works from scratch.
    refitted = model.set_params(early_stopping=False).fit(X, labels)
    assert refitted.predict_proba(X).shape == (60, 3)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_a_failed_first_fit_is_not_fitted(estimator, Xy):
    X, labels = Xy
    y = _targets(estimator, X, labels)
    model = clone(estimator)
    with pytest.raises(ValueError, match="non-negative"):
        model.fit(X, y, sample_weight=-np.ones(X.shape[0]))
    with pytest.raises(NotFittedError):
        model.predict(X)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_a_failed_first_partial_fit_keeps_nothing(estimator, Xy):
    # Like a failed fit, and unlike scikit-learn's MLPs, which keep the
    # classes of a first call that raised and then refuse corrected ones.
    X, y = Xy
    model = clone(estimator)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(X_bad, y, classes=[0, 1])
    assert set(vars(model)) == set(vars(clone(model)))
    y3 = y.copy()
    y3[:5] = 2
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes_"):
        model.partial_fit(X, y3, classes=[0, 1])
    assert set(vars(model)) == set(vars(clone(model)))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y3)
    model.partial_fit(X, y3, classes=[0, 1, 2])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.predict_proba(X).shape == (60, 3)
    # A fitted model that fails to train further stays fitted.
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(X_bad, y3)
    assert model.predict_proba(X).shape == (60, 3)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_a_failed_first_partial_fit_is_not_fitted(estimator, Xy):
    X, labels = Xy
    y = _targets(estimator, X, labels)
    kwargs = {"classes": [0, 1]} if is_classifier(estimator) else {}
    model = clone(estimator).set_params(early_stopping=True)
    with pytest.raises(ValueError, match="does not support early_stopping"):
        model.partial_fit(X, y, **kwargs)
    assert set(vars(model)) == set(vars(clone(model)))
    model.set_params(early_stopping=False).partial_fit(X, y, **kwargs)
    assert model.predict(X).shape == (60,)


def test_a_warm_fit_that_diverges_keeps_its_last_epoch(Xy):
    from sklspin import TrainingDivergedError

    X, _ = Xy
    y = X[:, 0] - X[:, 1]
    # One batch per epoch: the first epoch at the huge rate completes (one
    # step), the second diverges.
    model = STGRegressor(warm_start=True, batch_size=60, **SMALL).fit(X, y)
    n_iter = model.n_iter_
    model.set_params(learning_rate_init=1e100)
    with pytest.raises(TrainingDivergedError):
        model.fit(X, y)
    # Still fitted, with the epochs it completed recorded consistently.
    assert model.n_iter_ > n_iter
    assert len(model.loss_curve_) == model.n_iter_
    assert model.loss_ == model.loss_curve_[-1]
    model.predict(X)


def test_a_warm_fit_that_diverges_mid_epoch_keeps_its_last_whole_epoch(Xy, monkeypatch):
    import pickle

    import sklspin._base as base
    from sklspin import TrainingDivergedError

    X, _ = Xy
    y = X[:, 0] - X[:, 1]
    # Three mini-batches an epoch; no fine-tuning, so that the warm fit's
    # parameters after one epoch are those of a warm fit of max_iter=1.
    params = dict(batch_size=20, finetune_iter=0, warm_start=True, **SMALL)
    model = LSPINRegressor(hidden_layer_sizes=(8,), **params).fit(X, y)
    one_epoch = pickle.loads(pickle.dumps(model)).set_params(max_iter=1).fit(X, y)

    real_objective, calls = base.objective, []

    def diverging_at_the_fifth_batch(fit_params, batch, spec):
        calls.append(1)
        loss = real_objective(fit_params, batch, spec)
        return loss * np.nan if len(calls) == 5 else loss

    # The fifth batch is the second of the warm fit's second epoch: the
    # first one's step has been taken when the loss becomes NaN.
    monkeypatch.setattr(base, "objective", diverging_at_the_fifth_batch)
    with pytest.raises(TrainingDivergedError, match="at epoch 7"):
        model.fit(X, y)
    assert model.n_iter_ == one_epoch.n_iter_ == 6
    assert model.loss_curve_ == one_epoch.loss_curve_
    fitted = (model.coefs_, model.intercepts_, model.gating_coefs_)
    expected = (one_epoch.coefs_, one_epoch.intercepts_, one_epoch.gating_coefs_)
    for arrays, reference in zip(fitted, expected):
        for a, b in zip(arrays, reference):
            np.testing.assert_array_equal(a, b)
    model.predict(X)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_warm_start_refuses_changed_layer_sizes(estimator, Xy):
    X, labels = Xy
    y = _targets(estimator, X, labels)
    model = clone(estimator).set_params(warm_start=True).fit(X, y)
    fitted = [W.copy() for W in model.coefs_]
    if "hidden_layer_sizes" in model.get_params():
        model.set_params(hidden_layer_sizes=(5, 5))
        with pytest.raises(ValueError, match=r"hidden layers \(5, 5\) in the predi"):
            model.fit(X, y)
        with pytest.raises(ValueError, match="partial_fit continues.*Call fit"):
            model.partial_fit(X, y)
        # The fitted model is untouched and still predicts.
        for before, after in zip(fitted, model.coefs_):
            np.testing.assert_array_equal(before, after)
        model.predict(X)
        model.set_params(hidden_layer_sizes=estimator.hidden_layer_sizes)
    if "gating_hidden_layer_sizes" in model.get_params():
        model.set_params(gating_hidden_layer_sizes=(3,))
        with pytest.raises(ValueError, match="in the gating network, but"):
            model.fit(X, y)
        if estimator.gating_activation == "identity":  # no hidden layer
            # "auto" sizes follow the activation: a hidden layer for tanh.
            model.set_params(gating_hidden_layer_sizes="auto")
            model.set_params(gating_activation="tanh")
            with pytest.raises(ValueError, match="'auto' chooses them"):
                model.fit(X, y)
    # Without warm_start the new sizes are simply fitted.
    model.set_params(warm_start=False).fit(X, y)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
def test_early_stopping_needs_two_validation_rows(estimator, Xy):
    X, labels = Xy
    y = _targets(estimator, X, labels)
    # 10 % of 10 rows is 1 validation row (an R^2 of NaN every epoch, and
    # an accuracy of 0 or 1); 20 % gives 2.
    X, y = X[:10], y[:10]
    model = clone(estimator).set_params(early_stopping=True)
    with pytest.raises(ValueError, match="validation set is too small"):
        model.fit(X, y)
    # The other end: 95 % of 10 rows leaves none to train on.
    with pytest.raises(ValueError, match="validation_fraction=0.95 .*no row to"):
        model.set_params(validation_fraction=0.95).fit(X, y)
    model.set_params(validation_fraction=0.2).fit(X, y)
    assert np.all(np.isfinite(model.validation_scores_))


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
@pytest.mark.parametrize("n_weighted", [1, 2])
def test_early_stopping_refuses_a_split_without_enough_weight(
    estimator, Xy, n_weighted
):
    X, labels = Xy
    y = _targets(estimator, X, labels)
    # Rows of weight 0 are dropped before the split, so 1 or 2 weighted rows
    # leave a validation part of fewer than 2 rows (a score of 0 or 1, or an
    # undefined R^2, every epoch).
    weights = np.zeros(X.shape[0])
    weights[[7, 30][:n_weighted]] = 1.0
    model = clone(estimator).set_params(early_stopping=True)
    match = (
        f"validation_fraction=0.1 of {n_weighted} samples of positive "
        "sample_weight gives 1 row, and early_stopping needs at least 2"
    )
    with pytest.raises(ValueError, match=match):
        model.fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("estimator", ALL, ids=IDS)
@pytest.mark.parametrize("scale", [1e307, 1e-320, 1e250, 3.0, 1e-3])
def test_uniform_weights_of_any_scale_are_no_weights(estimator, Xy, scale):
    X, labels = Xy
    y = _targets(estimator, X, labels)
    plain = clone(estimator).fit(X, y)
    weighted = clone(estimator).fit(X, y, sample_weight=np.full(X.shape[0], scale))
    fitted = [model.coefs_ + model.gating_coefs_ for model in (plain, weighted)]
    for a, b in zip(*fitted):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
