"""Behaviour of the LSPIN / LLSPIN estimators beyond the common checks."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import check_param_validation

from sklspin import (
    LLSPINClassifier,
    LLSPINRegressor,
    LSPINClassifier,
    LSPINRegressor,
    STGClassifier,
)
from sklspin._neighbors import EXACT_MAX_SAMPLES
from sklspin._networks import mlp_forward

SMALL = dict(gating_hidden_layer_sizes=(8,), max_iter=15, random_state=0)
CLASSIFIERS = [
    LSPINClassifier(hidden_layer_sizes=(8,), **SMALL),
    LLSPINClassifier(**SMALL),
]
REGRESSORS = [
    LSPINRegressor(hidden_layer_sizes=(8,), **SMALL),
    LLSPINRegressor(**SMALL),
]
ALL = CLASSIFIERS + REGRESSORS
WITH_STG = ALL + [STGClassifier(hidden_layer_sizes=(8,), max_iter=15, random_state=0)]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _ids(estimators):
    return [type(e).__name__ for e in estimators]


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    y_class = (X[:, 0] + X[:, 1] > 0).astype(int)
    y_reg = X[:, 0] - 2 * X[:, 2] + 0.1 * rng.normal(size=120)
    return X, y_class, y_reg


@pytest.fixture
def record_objective_calls(monkeypatch):
    """``record(name)``: from now on, every call of ``sklspin._base.<name>``
    (``"objective"`` or ``"predictor_objective"``) appends its ``(batch,
    spec)`` to the list that ``record`` returns."""
    import sklspin._base as base

    def record(name):
        calls = []
        original = getattr(base, name)

        def recording(params, batch, spec):
            calls.append((batch, spec))
            return original(params, batch, spec)

        monkeypatch.setattr(base, name, recording)
        return calls

    return record


def _targets(estimator, data):
    X, y_class, y_reg = data
    return X, (y_class if is_classifier(estimator) else y_reg)


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_reproducible_for_fixed_random_state(estimator, data):
    X, y = _targets(estimator, data)
    a = clone(estimator).fit(X, y)
    b = clone(estimator).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.predict_gates(X), b.predict_gates(X))
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    c = clone(estimator).set_params(random_state=1).fit(X, y)
    assert not np.array_equal(a.predict_gates(X), c.predict_gates(X))


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_pickle_round_trip(estimator, data):
    X, y = _targets(estimator, data)
    fitted = clone(estimator).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(fitted.predict(X), restored.predict(X))
    np.testing.assert_array_equal(fitted.predict_gates(X), restored.predict_gates(X))


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_gates_api(estimator, data):
    X, y = _targets(estimator, data)
    model = clone(estimator).set_params(sparsity_weight=3.0, max_iter=40).fit(X, y)
    gates = model.predict_gates(X)
    assert gates.shape == X.shape
    assert gates.min() >= 0 and gates.max() <= 1
    assert np.any(gates == 0), "strong sparsity should close some gates exactly"
    np.testing.assert_allclose(model.feature_importances_, gates.mean(axis=0))
    np.testing.assert_allclose(model.gate_open_fraction_, (gates > 0).mean(axis=0))
    assert model.feature_importances_.shape == (X.shape[1],)


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_closed_gates_reach_the_predictor_as_exact_zeros(estimator, data):
    X, y = _targets(estimator, data)
    model = clone(estimator).set_params(sparsity_weight=3.0, max_iter=40).fit(X, y)
    gates = model.predict_gates(X)
    gated = X * gates
    assert np.all(gated[gates == 0] == 0)
    params = [a for pair in zip(model.coefs_, model.intercepts_) for a in pair]
    expected = mlp_forward(params, gated, model._prediction_activation())
    np.testing.assert_array_equal(model._raw_output(X), expected)


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_fitted_attributes_and_convergence_warning(estimator, data):
    X, y = _targets(estimator, data)
    model = clone(estimator).set_params(max_iter=3)
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        model.fit(X, y)
    assert model.n_iter_ == 3
    assert len(model.loss_curve_) == 3
    # the sparsity penalty still ramps up: the best loss is the latest one
    assert model.best_loss_ == model.loss_curve_[-1]
    assert model.validation_scores_ is None
    assert model.n_features_in_ == X.shape[1]
    assert model.n_neighbors_ == model.n_neighbors


@pytest.mark.parametrize(
    "estimator, ramp",
    [
        (LSPINClassifier(hidden_layer_sizes=(4,), batch_size=120, random_state=0), 100),
        (LLSPINRegressor(batch_size=120, random_state=0), 100),
        (STGClassifier(hidden_layer_sizes=(4,), batch_size=120, random_state=0), 20),
    ],
    ids=["LSPINClassifier", "LLSPINRegressor", "STGClassifier"],
)
def test_stopping_rule_waits_for_the_sparsity_ramp(estimator, ramp, data):
    # With an unreachable tol every epoch after the ramp counts as "no
    # improvement", so the fit stops exactly n_iter_no_change + 1 epochs
    # after the sparsity penalty reaches its full weight.
    X, y = _targets(estimator, data)
    model = clone(estimator).set_params(tol=1e9, n_iter_no_change=2, max_iter=500)
    model.fit(X, y)
    assert model.n_iter_ == ramp + 3


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_early_stopping(estimator, data):
    X, y = _targets(estimator, data)
    # The main training's rule; fine-tuning's part is tested below.
    model = clone(estimator).set_params(
        early_stopping=True, n_iter_no_change=2, tol=10.0, max_iter=500, finetune_iter=0
    )
    model.fit(X, y)
    # Only epochs after the sparsity ramp compete, and tol=10 cannot be met
    # after the first of them: stop after ramp + 1 + 3 epochs (as scikit-learn
    # counts, the third epoch without improvement exceeds n_iter_no_change=2).
    ramp = model._sparsity_warmup_epochs
    assert model.n_iter_ == ramp + 4
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_[ramp:])
    assert model.best_loss_ is None
    # The best epoch's parameters are restored: on fit's held-out split (same
    # random stream, same stratification) the model scores the best score.
    stratify = y if is_classifier(model) else None
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.1, random_state=np.random.RandomState(0), stratify=stratify
    )
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)


@pytest.mark.parametrize(
    "estimator", CLASSIFIERS + WITH_STG[-1:], ids=_ids(CLASSIFIERS + WITH_STG[-1:])
)
@pytest.mark.parametrize("case", ["single-member class", "fewer rows than classes"])
def test_early_stopping_splits_at_random_when_it_cannot_stratify(estimator, case):
    # Where a stratified split is impossible, fit goes on with a random
    # split and a warning (scikit-learn's MLPs never stratify more than two
    # classes, and raise for two).
    rng = np.random.RandomState(0)
    if case == "single-member class":
        X = rng.normal(size=(60, 3))
        y = np.array(["x", "y"] * 30)
        y[0], fraction = "z", 0.1
    else:  # a validation part of 2 rows for 3 classes
        X = rng.normal(size=(20, 3))
        y, fraction = np.arange(20) % 3, 0.1
    model = clone(estimator).set_params(
        early_stopping=True, validation_fraction=fraction
    )
    with pytest.warns(UserWarning, match="no stratified validation split"):
        model.fit(X, y)
    assert len(model.classes_) == 3
    assert len(model.validation_scores_) == model.n_iter_
    # The split is the unstratified one of the same random stream: its
    # accuracy under the best epoch's parameters is the best score.
    with pytest.warns(UserWarning, match="no stratified validation split"):
        model.set_params(finetune_iter=0).fit(X, y)
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=fraction, random_state=np.random.RandomState(0)
    )
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)


@pytest.mark.parametrize(
    "counts, fraction, stratified",
    [
        ([2, 9, 9], 0.12, True),  # smallest class 2, validation part 3 rows
        ([1, 10, 9], 0.15, False),  # a class of one sample
        ([2, 9, 9], 0.1, False),  # validation part of 2 rows for 3 classes
        ([2, 9, 9], 0.85, True),  # training part of 3 rows
        ([2, 9, 9], 0.9, False),  # training part of 2 rows
    ],
)
def test_early_stopping_stratifies_exactly_when_it_can(counts, fraction, stratified):
    y = np.repeat(np.arange(len(counts)), counts)
    model = LSPINClassifier(validation_fraction=fraction)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stratify = model._split_stratify(y)
    assert (stratify is y) == stratified
    assert len(caught) == (0 if stratified else 1)


@pytest.mark.parametrize(
    "estimator", [CLASSIFIERS[0], REGRESSORS[1]], ids=_ids(ALL)[::3]
)
def test_early_stopping_restores_the_best_epoch(estimator, data, monkeypatch):
    """With validation scores that peak two epochs after the ramp, the
    fitted parameters are those of that epoch, not of the last one."""
    X, y = _targets(estimator, data)
    model = clone(estimator).set_params(
        early_stopping=True, n_iter_no_change=3, tol=0.0, finetune_iter=0
    )
    model.set_params(max_iter=model._sparsity_warmup_epochs + 20)
    best_epoch = model._sparsity_warmup_epochs + 2
    monkeypatch.setattr(
        type(model),
        "_validation_score",
        lambda self, X, y, w: -abs(self.n_iter_ - best_epoch),
    )
    snapshots = {}
    train_one_epoch = type(model)._train_one_epoch

    def recording_epoch(self, *args):
        loss = train_one_epoch(self, *args)
        snapshots[self.n_iter_] = [a.copy() for a in self.coefs_ + self.gating_coefs_]
        return loss

    monkeypatch.setattr(type(model), "_train_one_epoch", recording_epoch)
    model.fit(X, y)
    assert model.n_iter_ == best_epoch + 4  # the 4th epoch without improvement
    assert model.best_validation_score_ == 0
    for fitted, best in zip(model.coefs_ + model.gating_coefs_, snapshots[best_epoch]):
        np.testing.assert_array_equal(fitted, best)
    last = snapshots[model.n_iter_]
    assert not np.array_equal(model.coefs_[0], last[0])


@pytest.mark.parametrize(
    "estimator", [REGRESSORS[0], CLASSIFIERS[0]], ids=["regressor", "classifier"]
)
def test_early_stopping_scores_the_validation_split_with_its_weights(estimator, data):
    X, y = _targets(estimator, data)
    weight = np.random.RandomState(1).uniform(0.1, 3.0, size=y.shape[0])
    params = dict(early_stopping=True, max_iter=6, finetune_iter=0)
    model = clone(estimator).set_params(**params).fit(X, y, sample_weight=weight)
    _, X_val, _, y_val, _, w_val = train_test_split(
        X,
        y,
        weight,
        test_size=0.1,
        random_state=np.random.RandomState(0),
        stratify=y if is_classifier(model) else None,
    )
    weighted = model.score(X_val, y_val, sample_weight=w_val)
    assert model.validation_scores_[-1] == pytest.approx(weighted, rel=1e-9)
    assert weighted != pytest.approx(model.score(X_val, y_val), rel=1e-6)


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_early_stopping_trains_on_weights_of_mean_one(estimator, data, monkeypatch):
    # The training part of the split is rescaled to mean one again, so the
    # task loss and the penalties keep their balance whatever the split.
    import sklspin._base as base

    seen = []
    training_data = base.BaseLSPIN._training_data

    def recording(self, X_train, y_train, w_train, *args, **kwargs):
        seen.append(np.array(w_train))
        return training_data(self, X_train, y_train, w_train, *args, **kwargs)

    monkeypatch.setattr(base.BaseLSPIN, "_training_data", recording)
    X, y = _targets(estimator, data)
    weight = np.random.RandomState(1).uniform(0.1, 3.0, size=y.shape[0])
    params = dict(early_stopping=True, max_iter=2, finetune_iter=0)
    clone(estimator).set_params(**params).fit(X, y, sample_weight=weight)
    (w_train,) = seen
    assert w_train.shape[0] < X.shape[0]  # the training part only
    assert w_train.mean() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("estimator", REGRESSORS, ids=_ids(REGRESSORS))
def test_partial_fit_keeps_the_first_batch_target_scaling(estimator, data):
    # Later batches are standardised with the first batch's moments: a
    # stream whose batches were each rescaled would be fitted to
    # inconsistent targets.
    X, _, y = data
    model = clone(estimator).partial_fit(X, y)
    mean, scale = model._y_mean.copy(), model._y_scale.copy()
    model.partial_fit(X, 3 * y + 100)
    np.testing.assert_array_equal(model._y_mean, mean)
    np.testing.assert_array_equal(model._y_scale, scale)


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_early_stopping_inside_the_ramp_keeps_the_last_parameters(estimator, data):
    X, y = _targets(estimator, data)
    params = dict(
        early_stopping=True, n_iter_no_change=2, tol=10.0, max_iter=6, finetune_iter=0
    )
    model = clone(estimator).set_params(**params).fit(X, y)
    # No stop and no restored parameters inside the ramp: the model is the
    # last epoch's, and so is its score.
    assert model.n_iter_ == 6
    assert model.best_validation_score_ == model.validation_scores_[-1]
    # The held-out split of fit (same random stream, same stratification):
    # the returned model scores there what the last epoch scored.
    stratify = y if is_classifier(model) else None
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.1, random_state=np.random.RandomState(0), stratify=stratify
    )
    assert model.score(X_val, y_val) == pytest.approx(model.validation_scores_[-1])
    # ... and not what the first epoch scored, which the rule of scikit-learn
    # (tol=10 cannot be met after it) would have kept.
    first = clone(estimator).set_params(**dict(params, max_iter=1)).fit(X, y)
    assert not np.array_equal(model.coefs_[0], first.coefs_[0])


def test_finetuning_feeds_the_predictor_the_noise_free_gated_inputs(
    data, record_objective_calls
):
    calls = record_objective_calls("predictor_objective")
    X, _, y = data
    model = LSPINRegressor(**dict(SMALL, sparsity_weight=0.5, finetune_iter=2))
    model.fit(X, y)
    gates = model.predict_gates(X)
    assert 0 < np.mean(gates == 0) and np.all(gates.sum(axis=1) > 0)
    gated = X * gates
    rows = np.vstack([batch.X for batch, _ in calls])
    assert rows.shape == (2 * X.shape[0], X.shape[1])  # 2 epochs over the data
    distance = np.abs(rows[:, None, :] - gated[None, :, :]).max(axis=2)
    np.testing.assert_allclose(distance.min(axis=1), 0.0, atol=1e-12)


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_finetuning_trains_the_predictor_and_keeps_the_gates(estimator, data):
    X, y = _targets(estimator, data)
    plain = clone(estimator).set_params(finetune_iter=0).fit(X, y)
    tuned = clone(estimator).set_params(finetune_iter=3).fit(X, y)
    assert plain.finetune_loss_curve_ == []
    assert len(tuned.finetune_loss_curve_) == 3
    assert np.all(np.isfinite(tuned.finetune_loss_curve_))
    # The main training is the same, bit for bit, and so are the gates.
    assert tuned.loss_curve_ == plain.loss_curve_
    assert tuned.n_iter_ == plain.n_iter_ and tuned.t_ == plain.t_
    for a, b in zip(
        tuned.gating_coefs_ + tuned.gating_intercepts_,
        plain.gating_coefs_ + plain.gating_intercepts_,
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tuned.predict_gates(X), plain.predict_gates(X))
    np.testing.assert_array_equal(
        tuned.feature_importances_, plain.feature_importances_
    )
    # Only the prediction network moved.
    assert not np.array_equal(tuned.coefs_[0], plain.coefs_[0])
    # partial_fit trains on noisy gates again: no fine-tuning to report.
    kwargs = {"classes": np.unique(y)} if is_classifier(tuned) else {}
    tuned.partial_fit(X, y, **kwargs)
    assert tuned.finetune_loss_curve_ == []
    assert tuned.finetune_validation_scores_ is None


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_finetuning_with_early_stopping_keeps_the_best_parameters(estimator, data):
    X, y = _targets(estimator, data)
    params = dict(early_stopping=True, n_iter_no_change=2, max_iter=500)
    plain = clone(estimator).set_params(finetune_iter=0, **params).fit(X, y)
    tuned = clone(estimator).set_params(finetune_iter=8, **params).fit(X, y)
    assert tuned.validation_scores_ == plain.validation_scores_
    assert tuned.best_validation_score_ >= plain.best_validation_score_
    # Every competing score is recorded: the kept one is the best of the
    # epochs after the ramp and of the fine-tuning epochs.
    assert plain.finetune_validation_scores_ == []
    assert len(tuned.finetune_validation_scores_) == 8
    ramp = tuned._sparsity_warmup_epochs
    competing = tuned.validation_scores_[ramp:] + tuned.finetune_validation_scores_
    assert tuned.best_validation_score_ == max(competing)
    # The returned model scores on the held-out split (same random stream,
    # same stratification as fit) what best_validation_score_ says.
    stratify = y if is_classifier(tuned) else None
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.1, random_state=np.random.RandomState(0), stratify=stratify
    )
    assert tuned.score(X_val, y_val) == pytest.approx(tuned.best_validation_score_)
    if tuned.best_validation_score_ == plain.best_validation_score_:
        # No fine-tuning epoch did better: the main training's best is kept.
        np.testing.assert_array_equal(tuned.coefs_[0], plain.coefs_[0])
    else:
        assert not np.array_equal(tuned.coefs_[0], plain.coefs_[0])


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_warm_start_continues(estimator, data):
    X, y = _targets(estimator, data)
    model = clone(estimator).set_params(warm_start=True, max_iter=5).fit(X, y)
    first = [c.copy() for c in model.coefs_]
    model.fit(X, y)
    assert model.n_iter_ == 10
    assert len(model.loss_curve_) == 10
    assert not np.array_equal(first[0], model.coefs_[0])


@pytest.mark.parametrize("estimator", ALL, ids=_ids(ALL))
def test_verbose_prints_one_line_per_epoch(estimator, data, capsys):
    X, y = _targets(estimator, data)
    clone(estimator).set_params(
        verbose=True, max_iter=4, finetune_iter=2, early_stopping=True
    ).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    lines = [ln for ln in out if ln.startswith("Iter")]
    assert len(lines) == 4
    assert "loss = " in lines[0] and "validation score = " in lines[0]
    lines = [ln for ln in out if ln.startswith("Fine-tuning epoch")]
    assert len(lines) == 2
    assert "loss = " in lines[0] and "validation score = " in lines[0]


def test_no_affinity_when_similarity_weight_is_zero(data, monkeypatch):
    import sklspin._base as base

    def fail(*args, **kwargs):
        raise AssertionError("the affinity must not be built")

    monkeypatch.setattr(base, "knn_gaussian_affinity", fail)
    X, y, _ = data
    model = LSPINClassifier(similarity_weight=0.0, **SMALL).fit(X, y)
    assert model.n_neighbors_ == 0


@pytest.mark.parametrize(
    "schedule, expected",
    [("anneal", [0.2] * 30 + [0.02] * 5), ("constant", [0.2] * 35)],
)
def test_similarity_schedule_sets_the_weight_of_each_epoch(
    data, record_objective_calls, schedule, expected
):
    calls = record_objective_calls("objective")
    X, y, _ = data
    params = {**SMALL, "max_iter": 35, "tol": 0.0, "batch_size": 120}
    model = LSPINClassifier(similarity_weight=0.2, similarity_schedule=schedule)
    model.set_params(**params).fit(X, y)
    # One full batch per epoch: one objective evaluation per epoch.
    np.testing.assert_allclose([spec.similarity_weight for _, spec in calls], expected)


@pytest.mark.parametrize(
    "Estimator, ramp", [(LSPINRegressor, 100), (STGClassifier, 20)]
)
def test_each_epoch_gets_the_documented_objective(
    data, record_objective_calls, Estimator, ramp
):
    """What ``fit`` hands the objective: the sparsity weight ramped up
    linearly over the first epochs, ``alpha / batch_size`` as the L2
    weight, and, for each anchor, a neighbour of the kNN affinity with the
    anchor's affinity degree (scaled to mean one) as its weight."""
    from sklspin._affinity import knn_gaussian_affinity

    calls = record_objective_calls("objective")
    X, y_class, y_reg = data
    y = y_reg if Estimator is LSPINRegressor else y_class
    model = Estimator(
        sparsity_weight=0.3,
        alpha=0.6,
        batch_size=120,  # one batch per epoch
        max_iter=ramp + 3,
        finetune_iter=0,
        tol=0.0,
        random_state=0,
    ).fit(X, y)
    assert len(calls) == ramp + 3
    epochs = np.arange(1, ramp + 4)
    np.testing.assert_allclose(
        [spec.sparsity_weight for _, spec in calls],
        0.3 * np.minimum(1.0, epochs / ramp),
    )
    assert {spec.l2_weight for _, spec in calls} == {0.6 / 120}
    # Fresh standard normal gate noise for every sample, feature and epoch.
    noise = np.concatenate([batch.noise for batch, _ in calls])
    assert abs(noise.mean()) < 0.02 and abs(noise.std() - 1.0) < 0.02
    assert not np.array_equal(calls[0][0].noise, calls[1][0].noise)
    if not hasattr(model, "n_neighbors"):  # STG: no similarity penalty
        assert all(batch.X_neighbours is None for batch, _ in calls)
        return
    affinity = knn_gaussian_affinity(X, model.n_neighbors_).tocsr()
    degree = np.asarray(affinity.sum(axis=1)).ravel()
    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    for batch, _ in calls[:3]:
        anchors = [row_of[row.tobytes()] for row in batch.X]
        neighbours = [row_of[row.tobytes()] for row in batch.X_neighbours]
        assert all(affinity[a, b] > 0 for a, b in zip(anchors, neighbours))
        np.testing.assert_allclose(
            batch.neighbour_weight, degree[anchors] / degree.mean(), rtol=1e-12
        )


def test_auto_batch_size():
    model = LSPINClassifier()
    sizes = [model._effective_batch_size(n) for n in (10, 100, 900, 4096, 10**5)]
    assert sizes == [10, 32, 56, 256, 256]  # min(n, 256, max(32, n // 16))


def test_approximate_neighbour_search_is_seeded_by_random_state(monkeypatch):
    import sklspin._base as base

    seeds = []
    original = base.knn_gaussian_affinity

    def recording_affinity(X, *args, random_state=0, **kwargs):
        seeds.append(random_state)
        return original(X, *args, random_state=random_state, **kwargs)

    monkeypatch.setattr(base, "knn_gaussian_affinity", recording_affinity)
    rng = np.random.RandomState(0)
    # Just above the size where algorithm="auto" switches to the forest.
    X_large = rng.normal(size=(EXACT_MAX_SAMPLES + 1, 8))
    y_large = (X_large[:, 0] > 0).astype(int)
    params = {**SMALL, "max_iter": 1, "hidden_layer_sizes": (4,)}
    for random_state in (0, 0, 1):
        model = LSPINClassifier(**params).set_params(random_state=random_state)
        model.fit(X_large, y_large)
    assert seeds[0] == seeds[1] != seeds[2]
    # The exact search (small data) draws no seed from the random stream.
    seeds.clear()
    X_small, y_small = X_large[:200], y_large[:200]
    LSPINClassifier(**params).fit(X_small, y_small)
    assert seeds == [0]


def test_similarity_schedule_is_validated(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="similarity_schedule"):
        LSPINClassifier(similarity_schedule="linear").fit(X, y)


@pytest.mark.parametrize("Estimator", [LSPINClassifier, LLSPINClassifier])
def test_multiclass_probabilities(Estimator):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 4))
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3], axis=1)]
    model = Estimator(**SMALL).fit(X, y)
    assert list(model.classes_) == ["a", "b", "c"]
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), model.predict_log_proba(X), atol=1e-12)
    np.testing.assert_array_equal(model.classes_[proba.argmax(1)], model.predict(X))


@pytest.mark.parametrize("Estimator", [LSPINRegressor, LLSPINRegressor])
def test_multi_output_regression_and_target_scale(Estimator):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    Y = np.column_stack([X[:, 0], -X[:, 1]]) * 1000 + 5000
    model = Estimator(**dict(SMALL, max_iter=100)).fit(X, Y)
    assert model.predict(X).shape == (200, 2)
    assert model.n_outputs_ == 2
    assert model.score(X, Y) > 0.8  # large targets are handled by standardisation
    model_1d = Estimator(**SMALL).fit(X, Y[:, 0])
    assert model_1d.predict(X).shape == (200,)


@pytest.mark.parametrize("estimator", WITH_STG, ids=_ids(WITH_STG))
def test_rows_of_weight_zero_are_as_if_removed(estimator, data):
    """Rows of weight zero are dropped before training: besides the loss
    and the sparsity penalty, they take no part in the affinity (as
    neighbours they pulled the gates of the rows around them)."""
    X, y = _targets(estimator, data)
    weight = np.tile([1.0, 2.0, 0.0], X.shape[0] // 3)
    # Noise rows of weight zero, mixed in: far from nothing, near everything.
    X_noise = X + np.random.RandomState(1).normal(size=X.shape)
    X_mixed = np.where((weight == 0)[:, None], X_noise, X)
    with_zeros = clone(estimator).fit(X_mixed, y, sample_weight=weight)
    keep = weight > 0
    removed = clone(estimator).fit(X[keep], y[keep], sample_weight=weight[keep])
    assert with_zeros.t_ == removed.t_ == 15 * keep.sum()
    np.testing.assert_allclose(with_zeros.loss_curve_, removed.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(
        with_zeros.predict_gates(X), removed.predict_gates(X), rtol=1e-9, atol=1e-12
    )
    method = "predict_proba" if is_classifier(estimator) else "predict"
    np.testing.assert_allclose(
        getattr(with_zeros, method)(X), getattr(removed, method)(X), rtol=1e-9
    )
    # The global summaries count only the rows that trained.
    for summary in ["feature_importances_", "gate_open_fraction_"]:
        np.testing.assert_allclose(
            getattr(with_zeros, summary), getattr(removed, summary), rtol=1e-9
        )
    # The early-stopping split is made of the rows that train, too.
    stopping = clone(estimator).set_params(early_stopping=True)
    with_zeros = clone(stopping).fit(X_mixed, y, sample_weight=weight)
    removed = clone(stopping).fit(X[keep], y[keep], sample_weight=weight[keep])
    assert with_zeros.t_ == removed.t_
    np.testing.assert_allclose(
        with_zeros.validation_scores_, removed.validation_scores_, rtol=1e-9
    )
    np.testing.assert_allclose(
        getattr(with_zeros, method)(X), getattr(removed, method)(X), rtol=1e-9
    )
    # partial_fit alike.
    kwargs = {"classes": np.unique(y)} if is_classifier(estimator) else {}
    streamed = [clone(estimator), clone(estimator)]
    for _ in range(2):
        streamed[0].partial_fit(X_mixed, y, sample_weight=weight, **kwargs)
        streamed[1].partial_fit(X[keep], y[keep], sample_weight=weight[keep], **kwargs)
    np.testing.assert_allclose(
        getattr(streamed[0], method)(X), getattr(streamed[1], method)(X), rtol=1e-9
    )


@pytest.mark.parametrize("estimator", WITH_STG, ids=_ids(WITH_STG))
def test_gate_summaries_are_weighted_means(estimator, data):
    """feature_importances_ and gate_open_fraction_ weight each training row
    as the fit did: with sample_weight, weighted means of the gates; with
    uniform weights (of any value), plain means."""
    X, y = _targets(estimator, data)
    weight = np.random.RandomState(0).uniform(0.5, 3.0, size=X.shape[0])
    weighted = clone(estimator).fit(X, y, sample_weight=weight)
    gates = weighted.predict_gates(X)
    np.testing.assert_allclose(
        weighted.feature_importances_, np.average(gates, axis=0, weights=weight)
    )
    np.testing.assert_allclose(
        weighted.gate_open_fraction_,
        np.average(gates > 0, axis=0, weights=weight),
    )
    uniform = clone(estimator).fit(X, y, sample_weight=np.full(X.shape[0], 3.0))
    gates = uniform.predict_gates(X)
    # STG: the gates of every sample are gates_, which the means are exactly.
    mean = getattr(uniform, "gates_", gates.mean(axis=0))
    np.testing.assert_array_equal(uniform.feature_importances_, mean)
    np.testing.assert_array_equal(uniform.gate_open_fraction_, (gates > 0).mean(axis=0))
    # In float32 too, the summaries stay in [0, 1] (the weights' total was
    # summed in float32: 1.0000000004), and STG's are its gates_ exactly.
    single = clone(estimator).fit(X.astype(np.float32), y, sample_weight=weight)
    for summary in (single.feature_importances_, single.gate_open_fraction_):
        assert summary.dtype == np.float64
        assert np.all((summary >= 0) & (summary <= 1))
    if hasattr(single, "gates_"):
        np.testing.assert_array_equal(single.feature_importances_, single.gates_)
        np.testing.assert_array_equal(single.gate_open_fraction_, single.gates_ > 0)


def test_sample_weight_zero_rows_teach_nothing(data):
    """Zero weights remove samples from the task loss: a heavily weighted
    group dominates what the model learns."""
    X, y, _ = data
    flipped = 1 - y
    y_mixed = np.concatenate([y, flipped])
    X_mixed = np.vstack([X, X])
    weight = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    model = LLSPINClassifier(**dict(SMALL, max_iter=60)).fit(
        X_mixed, y_mixed, sample_weight=weight
    )
    assert model.score(X, y) > 0.9


def test_target_moments_are_weighted():
    """Integer weights give the moments of repeated rows; rows of weight
    zero (an outlier, a constant column elsewhere) do not count."""
    from sklspin._tasks import _target_moments

    rng = np.random.RandomState(0)
    y = rng.normal(size=(30, 2)) * [3.0, 1e-3] + [10.0, -2.0]
    weight = rng.randint(0, 4, size=30).astype(float)
    weight[:2] = 0.0
    mean, scale = _target_moments(y, weight)
    repeated = np.repeat(y, weight.astype(int), axis=0)
    np.testing.assert_allclose(mean, repeated.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scale, repeated.std(axis=0), rtol=1e-12)

    y_outlier = y.copy()
    y_outlier[0] = [1e6, 5.0]
    np.testing.assert_allclose(_target_moments(y_outlier, weight)[0], mean, rtol=1e-12)
    constant = np.where(weight[:, None] > 0, 7.0, 1e3) * np.ones((30, 2))
    np.testing.assert_array_equal(_target_moments(constant, weight)[1], [1.0, 1.0])
    # Constant up to rounding is constant: no unit variance out of noise.
    nearly = np.array([[1.0], [1.0 + 2.0**-52], [1.0]])
    np.testing.assert_array_equal(_target_moments(nearly)[1], [1.0])


@pytest.mark.parametrize("estimator", REGRESSORS, ids=_ids(REGRESSORS))
def test_zero_weight_outlier_does_not_rescale_the_targets(estimator, data):
    X, _, y = data
    y_outlier = y.copy()
    y_outlier[0] = 1e4
    weight = np.ones_like(y)
    weight[0] = 0.0
    model = clone(estimator).set_params(max_iter=60)
    model.fit(X, y_outlier, sample_weight=weight)
    assert model.score(X[1:], y[1:]) > 0.9
    # Unweighted, the outlier sets the scale and the fit learns nothing.
    unweighted = clone(model).fit(X, y_outlier)
    assert unweighted.score(X[1:], y[1:]) < 0.5


# ---------------------------------------------------------------------------
# fit(..., groups=...): similarity pairs within known groups
# ---------------------------------------------------------------------------
def _fitted_arrays(est):
    return est.coefs_ + est.intercepts_ + est.gating_coefs_ + est.gating_intercepts_


@pytest.mark.parametrize("est", ALL, ids=_ids(ALL))
def test_one_group_fits_bit_for_bit_like_no_groups(est, data):
    X, y_class, y_reg = data
    y = y_class if is_classifier(est) else y_reg
    plain = clone(est).fit(X, y)
    grouped = clone(est).fit(X, y, groups=["all"] * X.shape[0])
    for a, b in zip(_fitted_arrays(plain), _fitted_arrays(grouped)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_groups_restrict_the_similarity_pairs(data, monkeypatch, early_stopping):
    import sklspin._base as base_module

    seen = []
    real_sampler = base_module.NeighbourSampler

    def recording_sampler(affinity):
        seen.append(affinity)
        return real_sampler(affinity)

    monkeypatch.setattr(base_module, "NeighbourSampler", recording_sampler)
    X, _, y = data
    groups = np.where(X[:, 4] > 0, "high", "low")
    est = LSPINRegressor(early_stopping=early_stopping, **SMALL)
    est.fit(X, y, groups=groups)
    (affinity,) = seen
    train_groups = groups
    if early_stopping:
        # The split is the first draw from random_state=0 (no stratification
        # for a regressor); the groups must have followed their rows.
        _, _, train_groups, _ = train_test_split(
            X,
            groups,
            test_size=est.validation_fraction,
            random_state=np.random.RandomState(0),
        )
    assert affinity.shape[0] == train_groups.shape[0]
    rows, cols = affinity.nonzero()
    assert rows.size > 0
    np.testing.assert_array_equal(train_groups[rows], train_groups[cols])


def test_groups_are_validated(data):
    X, _, y = data
    est = LSPINRegressor(**SMALL)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit(X, y, groups=np.zeros(X.shape[0] - 1))
    with pytest.raises(ValueError, match="groups must be 1-D"):
        est.fit(X, y, groups=np.zeros((X.shape[0], 2)))
    with pytest.raises(ValueError, match="groups contains NaN"):
        est.fit(X, y, groups=np.full(X.shape[0], np.nan))
    mixed = np.array([None, "a"] * (X.shape[0] // 2), dtype=object)
    with pytest.raises(ValueError, match=r"one sortable kind .*'NoneType', 'str'"):
        est.fit(X, y, groups=mixed)
    with pytest.warns(UserWarning, match="groups has no effect with similarity"):
        est.set_params(similarity_weight=0.0).fit(X, y, groups=np.zeros(X.shape[0]))


@pytest.mark.parametrize("est", ALL, ids=_ids(ALL))
def test_every_sample_in_its_own_group_turns_the_similarity_off(est, data):
    X, y = _targets(est, data)
    with (
        pytest.warns(UserWarning, match="similarity penalty is off"),
        pytest.warns(UserWarning, match="a sample alone in its group to none"),
    ):
        model = clone(est).fit(X, y, groups=np.arange(X.shape[0]))
    assert model.n_neighbors_ == 0
    assert np.all(np.isfinite(model.predict_gates(X)))
    # It still learns: these linear targets are fitted to 0.92-0.99.
    assert model.score(X, y) > 0.85
    # Off as with similarity_weight=0: no neighbour is drawn or gated (the
    # anchors were drawn as their own neighbours, which cost time and moved
    # the random stream).
    without = clone(est).set_params(similarity_weight=0.0).fit(X, y)
    assert model.loss_curve_ == without.loss_curve_
    np.testing.assert_array_equal(model.predict_gates(X), without.predict_gates(X))


def test_n_neighbors_counts_the_neighbours_within_groups(data):
    X, _, y = data
    est = LSPINRegressor(**SMALL)  # n_neighbors=10
    with pytest.warns(UserWarning, match="at most n_neighbors=10 samples"):
        est.fit(X, y, groups=np.arange(X.shape[0]) // 4)  # groups of 4
    assert est.n_neighbors_ == 3
    groups = np.zeros(X.shape[0], dtype=int)
    groups[:5] = np.arange(1, 6)  # five samples alone, one large group
    with pytest.warns(UserWarning, match="5 group"):
        est.fit(X, y, groups=groups)
    assert est.n_neighbors_ == 10


def test_groups_are_routed_through_a_pipeline(data):
    import sklearn
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, _, y = data
    groups = (X[:, 4] > 0).astype(int)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler(),
            LSPINRegressor(**SMALL).set_fit_request(groups=True, sample_weight=False),
        )
        pipe.fit(X, y, groups=groups)
    direct = LSPINRegressor(**SMALL).fit(
        StandardScaler().fit_transform(X), y, groups=groups
    )
    without = LSPINRegressor(**SMALL).fit(StandardScaler().fit_transform(X), y)
    for a, b in zip(_fitted_arrays(pipe[-1]), _fitted_arrays(direct)):
        np.testing.assert_array_equal(a, b)
    assert not all(
        np.array_equal(a, b)
        for a, b in zip(_fitted_arrays(direct), _fitted_arrays(without))
    )


@pytest.mark.parametrize("Estimator", [LSPINClassifier, LLSPINClassifier])
@pytest.mark.parametrize(
    "activation, n_features, hidden",
    [
        ("identity", 3, ()),
        ("identity", 256, ()),
        ("identity", 257, (64,)),
        ("tanh", 3, (64,)),
        ("relu", 129, (64,)),
    ],
)
def test_auto_gating_network_is_linear_in_size(
    Estimator, activation, n_features, hidden
):
    # A linear gating network gets one n_features x n_features matrix up to
    # 256 features (with many noise features the 64-unit bottleneck trains
    # much worse, see _gating.py), the bottleneck above; a non-linear one
    # always has the 64-unit layer.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, n_features))
    y = (X[:, 0] > 0).astype(int)
    model = Estimator(
        gating_hidden_layer_sizes="auto",
        gating_activation=activation,
        max_iter=1,
        random_state=0,
    )
    model.fit(X, y)
    widths = [W.shape[1] for W in model.gating_coefs_]
    assert widths == [*hidden, n_features]


_HIDDEN_ACTIVATIONS = {
    "identity": lambda a: a,
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0),
    "logistic": lambda a: 1 / (1 + np.exp(-a)),
}


def _gates_by_hand(model, X, activation):
    """Noise-free gates of a fitted model, from its gating weights in NumPy."""
    layers = list(zip(model.gating_coefs_, model.gating_intercepts_))
    A = X
    for W, b in layers[:-1]:
        A = _HIDDEN_ACTIVATIONS[activation](A @ W + b)
    W, b = layers[-1]
    # tanh rescaled from (-1, 1) to the gate means' range (-1, 1.5)
    mu = -1.0 + 1.25 * (1.0 + np.tanh(A @ W + b))
    return np.clip(mu + 0.5, 0, 1)


@pytest.mark.parametrize("activation", sorted(_HIDDEN_ACTIVATIONS))
def test_gating_activation_is_the_hidden_activation(activation, data):
    X, y, _ = data
    model = LSPINClassifier(
        gating_hidden_layer_sizes=(6,),
        gating_activation=activation,
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    assert len(model.gating_coefs_) == 2
    expected = _gates_by_hand(model, X, activation)
    np.testing.assert_allclose(model.predict_gates(X), expected, rtol=1e-12, atol=1e-12)


def test_lspin_default_gating_network_is_linear(data):
    # LSPIN's default gating network cannot compute a non-linear function
    # of x: its gate means are a rescaled tanh of an affine map.
    X, y, _ = data
    model = LSPINClassifier(max_iter=5, random_state=0).fit(X, y)
    assert len(model.gating_coefs_) == 1
    expected = _gates_by_hand(model, X, activation=None)
    np.testing.assert_allclose(model.predict_gates(X), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "cls, params, zero_start, weight_rate",
    [
        (LLSPINClassifier, {}, True, 0.3),
        (LLSPINRegressor, {}, True, 0.3),
        (LSPINClassifier, {}, False, 1.0),
        (LSPINRegressor, {}, False, 1.0),
        (LSPINRegressor, {"hidden_layer_sizes": ()}, True, 1.0),
        # STG's gates are one global vector (no gating network).
        (STGClassifier, {}, False, None),
        (STGClassifier, {"hidden_layer_sizes": ()}, True, None),
    ],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_linear_predictor_starts_at_zero_and_gates_learn_slower(
    cls, params, zero_start, weight_rate
):
    # A linear prediction network starts from zero coefficients, and LLSPIN's
    # gating weights learn at 0.3 times the usual rate, so that early
    # wrong-signed coefficients cannot shut true features' gates
    # (test_recovery.py has the two-group consequence).
    X = np.random.RandomState(0).standard_normal((40, 6))
    y = (X[:, 0] > 0).astype(int)
    # One epoch at a negligible step size: the weights stay where they began.
    est = cls(learning_rate_init=1e-12, max_iter=1, random_state=0, **params)
    est.fit(X, y)
    largest = np.abs(est.coefs_[-1]).max()
    assert largest < 1e-9 if zero_start else largest > 0.1
    if weight_rate is None:
        return
    params = est._params()
    n_gate = 2 * len(est.gating_coefs_)
    expected = [
        weight_rate / np.sqrt(p.shape[0]) if p.ndim == 2 else 1.0
        for p in params[:n_gate]
    ] + [1.0] * (len(params) - n_gate)
    np.testing.assert_allclose(_rate_multipliers(est), expected)


def _rate_multipliers(est):
    """Per-array learning-rate factors of the optimizer ``fit`` would build."""
    return est._make_optimizer(est._params()).rate_multipliers


@pytest.mark.parametrize(
    "cls, activation, hidden_rate",
    [
        # A linear bottleneck's first matrix: at least 0.2 (1 / sqrt(100)
        # would leave it near its random start); a non-linear hidden layer
        # keeps 1 / sqrt(fan_in), LLSPIN's times its 0.3.
        (LSPINClassifier, "identity", 0.2),
        (LSPINClassifier, "tanh", 0.1),
        (LLSPINClassifier, "identity", 0.3 * 0.2),
        (LLSPINClassifier, "tanh", 0.3 * 0.1),
    ],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_hidden_gating_layers_learning_rate(cls, activation, hidden_rate):
    X = np.random.RandomState(0).standard_normal((40, 100))
    y = (X[:, 0] > 0).astype(int)
    est = cls(
        gating_hidden_layer_sizes=(16,),
        gating_activation=activation,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    weight_rate = 0.3 if cls is LLSPINClassifier else 1.0
    # Hidden matrix, its bias, the last matrix (1 / sqrt(16)), its bias.
    expected = [hidden_rate, 1.0, weight_rate / 4.0, 1.0]
    expected += [1.0] * (len(est._params()) - 4)
    np.testing.assert_allclose(_rate_multipliers(est), expected)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_llspin_local_linear_models_as_documented():
    # The user guide's recipe ("Reading the gates"): LLSPIN is linear in the
    # gated input, exactly for the classifier's logit and, for the regressor,
    # up to the internal standardisation of y (a positive scale and a shift).
    rng = np.random.RandomState(0)
    X = rng.standard_normal((120, 4))
    y = 3.0 * X[:, 0] * (X[:, 1] > 0) - X[:, 2] + 5.0
    regressor = LLSPINRegressor(max_iter=30, random_state=0).fit(X, y)
    gates = regressor.predict_gates(X)
    local = (X * gates) @ regressor.coefs_[0][:, 0] + regressor.intercepts_[0][0]
    design = np.column_stack([np.ones_like(local), local])
    (shift, scale), *_ = np.linalg.lstsq(design, regressor.predict(X), rcond=None)
    np.testing.assert_allclose(shift + scale * local, regressor.predict(X), atol=1e-10)
    assert scale > 0
    np.testing.assert_allclose([shift, scale], [y.mean(), y.std()])

    classifier = LLSPINClassifier(max_iter=30, random_state=0).fit(X, y > 5.0)
    gates = classifier.predict_gates(X)
    logit = (X * gates) @ classifier.coefs_[0][:, 0] + classifier.intercepts_[0][0]
    np.testing.assert_allclose(
        classifier.predict_proba(X)[:, 1], 1.0 / (1.0 + np.exp(-logit)), rtol=1e-12
    )


@pytest.mark.parametrize("est", WITH_STG, ids=_ids(WITH_STG))
@pytest.mark.parametrize("several_outputs", [False, True])
def test_summary_attributes_match_scikit_learns_mlps(est, data, several_outputs):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y_class, y_reg = data
    if is_classifier(est):  # two or three classes
        y = y_class + (X[:, 3] > 1) if several_outputs else y_class
        mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    else:  # one target or three
        y = np.column_stack([y_reg, -y_reg, X[:, 1]]) if several_outputs else y_reg
        mlp = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    model = clone(est).fit(X, y)
    mlp.fit(X, y)
    assert model.loss_ == model.loss_curve_[-1]
    assert model.n_outputs_ == mlp.n_outputs_
    assert model.out_activation_ == mlp.out_activation_
    assert model.n_layers_ == len(model.coefs_) + 1
    if model.get_params().get("hidden_layer_sizes") == (8,):
        assert model.n_layers_ == mlp.n_layers_ == 3
    assert model.partial_fit(X, y).loss_ == model.loss_curve_[-1]


@pytest.mark.parametrize("request_groups", [False, "cohort"])
def test_group_splitter_groups_and_known_groups_under_routing(
    data, monkeypatch, request_groups
):
    # scikit-learn's group splitters take their CV groups under the name
    # `groups`, the name of LSPIN's sub-populations; the user guide's two
    # recipes keep them apart.
    import sklearn
    from sklearn.model_selection import GridSearchCV, GroupKFold

    import sklspin._base as base

    seen = []
    validate = base.BaseLSPIN._validate_groups

    def recording(self, groups, X):
        seen.append(None if groups is None else np.unique(groups).tolist())
        return validate(self, groups, X)

    monkeypatch.setattr(base.BaseLSPIN, "_validate_groups", recording)
    X, _, y = data
    patient = np.arange(X.shape[0]) // 4
    cohort = np.where(X[:, 4] > 0, "high", "low")
    metadata = {"groups": patient}
    if request_groups:
        metadata["cohort"] = cohort
    with sklearn.config_context(enable_metadata_routing=True):
        est = LSPINRegressor(**SMALL).set_fit_request(
            groups=request_groups, sample_weight=False
        )
        search = GridSearchCV(est, {"alpha": [1e-4]}, cv=GroupKFold(3))
        search.fit(X, y, **metadata)
    expected = ["high", "low"] if request_groups else None
    assert seen == [expected] * 4  # three folds and the refit


@pytest.mark.parametrize("est", ALL, ids=_ids(ALL))
def test_column_ordered_X_trains_on_a_row_ordered_copy(est, data, monkeypatch):
    # Mini-batches are gathered along the rows; from a column-ordered X
    # (a DataFrame's values, StandardScaler's output) numpy copied the whole
    # array per batch, which made each epoch quadratic in n_samples.
    import sklspin._base as base

    layouts = []
    training_data = base.BaseLSPIN._training_data

    def recording(self, X_train, *args, **kwargs):
        data = training_data(self, X_train, *args, **kwargs)
        layouts.append(data.X.flags.c_contiguous)
        return data

    monkeypatch.setattr(base.BaseLSPIN, "_training_data", recording)
    X, y = _targets(est, data)
    column_ordered = clone(est).fit(np.asfortranarray(X), y)
    row_ordered = clone(est).fit(np.ascontiguousarray(X), y)
    assert layouts == [True, True]
    for a, b in zip(_fitted_arrays(column_ordered), _fitted_arrays(row_ordered)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("est", WITH_STG, ids=_ids(WITH_STG))
def test_predictions_in_blocks_of_rows_match_all_rows_at_once(est, data, monkeypatch):
    import sklspin._base as base

    X, y = _targets(est, data)
    model = clone(est).fit(X, y)
    methods = ["predict", "predict_gates"] + (["predict_proba"] * is_classifier(est))
    whole = {name: getattr(model, name)(X) for name in methods}
    # Blocks of 64 rows (the least) instead of one block of 120.
    monkeypatch.setattr(base, "_BLOCK_BYTES", 1)
    for name in methods:
        np.testing.assert_allclose(getattr(model, name)(X), whole[name], rtol=1e-12)
    summaries = model.feature_importances_, model.gate_open_fraction_
    model._summarise_gates(X)
    np.testing.assert_allclose(model.feature_importances_, summaries[0], rtol=1e-12)
    np.testing.assert_array_equal(model.gate_open_fraction_, summaries[1])


def test_many_classes_are_held_as_codes_and_one_hot_encoded_per_batch():
    import tracemalloc

    from sklearn.preprocessing import LabelBinarizer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(20_000, 4))
    y = np.array([f"c{i}" for i in range(100)])[np.arange(20_000) % 100]
    model = LSPINClassifier(
        hidden_layer_sizes=(8,), max_iter=1, finetune_iter=0, similarity_weight=0
    )
    codes, _ = model._targets_and_weights(X, y, None, True)
    assert codes.shape == (20_000,) and codes.dtype.kind == "i"
    one_hot = model._batch_targets(codes[:300], np.float32)
    assert one_hot.dtype == np.float32
    np.testing.assert_array_equal(one_hot, LabelBinarizer().fit(y).transform(y[:300]))
    # Held one-hot for every row, the targets alone took 16 MB (25 times X).
    # The first fit of a process also imports lazily (about 34 MB traced).
    clone(model).fit(X[:500], y[:500])
    tracemalloc.start()
    try:
        model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * X.nbytes
    assert model.predict_proba(X[:5]).shape == (5, 100)


def test_predicting_many_rows_takes_memory_of_a_block_not_of_X():
    import tracemalloc

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 20))
    model = LSPINClassifier(max_iter=3, random_state=0).fit(X, X[:, 0] > 0)
    X_large = rng.normal(size=(200_000, 20))  # 32 MB

    def memory_beyond_the_output(method, X=X_large):
        tracemalloc.start()
        try:
            output = method(X)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return (peak - (0 if output is None else output.nbytes)) / X_large.nbytes

    # All rows at once took 5.2 / 1.0 / 1.0 times X (gate means, gates,
    # gated X, hidden layer); in blocks a few 8 MB blocks: 0.38 / 0.16 /
    # 0.25 here.
    assert memory_beyond_the_output(model.predict_proba) < 0.75
    assert memory_beyond_the_output(model.predict_gates) < 0.5
    assert memory_beyond_the_output(model._summarise_gates) < 0.5
    # float32 rows are cast to float64 block by block, not all at once (a
    # float64 copy of X alone is 1.0 here), with the same results.
    X_float32 = X_large.astype(np.float32)
    for method, bound in [(model.predict_proba, 0.75), (model.predict_gates, 0.5)]:
        assert memory_beyond_the_output(method, X_float32) < bound
        np.testing.assert_array_equal(
            method(X_float32[:5000]), method(X_float32[:5000].astype(np.float64))
        )
    assert model.predict(X_float32[:5000]).tolist() == (
        model.predict(X_float32[:5000].astype(np.float64)).tolist()
    )
