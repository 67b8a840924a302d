"""Statistical tests: with defaults, LSPIN and LLSPIN recover per-group features."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklspin import LLSPINRegressor, LSPINClassifier, LSPINRegressor
from sklspin.datasets import (
    make_paper_e5,
    make_two_group_classification,
    make_two_group_linear,
)
from sklspin.metrics import feature_selection_f1


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_defaults_recover_group_specific_features():
    # The paper's two-group example with equal coefficients and 5 noise
    # features: each group's label depends on its own 3 features.
    X, y, mask, groups = make_two_group_classification(
        n_samples=1000, n_noise_features=5, weights="equal", random_state=0
    )
    X_train, X_test, y_train, y_test, _, mask_test, _, groups_test = train_test_split(
        X, y, mask, groups, test_size=0.3, random_state=0
    )
    model = make_pipeline(StandardScaler(), LSPINClassifier(random_state=0))
    model.fit(X_train, y_train)
    gates = model[-1].predict_gates(model[0].transform(X_test))

    assert model.score(X_test, y_test) >= 0.9
    assert feature_selection_f1(mask_test, gates) >= 0.9
    for group in (0, 1):
        rows = groups_test == group
        open_share = (gates[rows] > 0).mean(axis=0)
        truth = mask_test[rows][0]
        assert np.all(open_share[truth] >= 0.9), open_share
        assert np.all(open_share[5:] <= 0.1), open_share  # noise features


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_known_groups_recover_features_where_input_neighbours_straddle_groups():
    # E5: the group is set by one of 21 features, so nearest neighbours in
    # the whole input space are often (~45 %) from another group and the
    # similarity penalty blurs the groups' gates; linking neighbours within
    # the known groups only lets each group keep its own features. The
    # penalty is kept at full weight throughout ("constant"), where the
    # blurring is strongest; the default anneal hides part of it.
    with_groups, without = [], []
    for seed in range(5):
        X, y, mask, groups = make_paper_e5(n_samples=600, random_state=seed)
        X = StandardScaler().fit_transform(X)
        for known, scores in ((groups, with_groups), (None, without)):
            model = LSPINRegressor(
                similarity_schedule="constant", max_iter=150, random_state=seed
            )
            model.fit(X, y, groups=known)
            scores.append(feature_selection_f1(mask, model.predict_gates(X)))
    # Measured: 0.955 / 1.0 / 1.0 / 1.0 / 0.907 with the groups (mean 0.972),
    # 0.874 / 0.940 / 0.880 / 0.834 / 0.750 without (0.856). Single seeds
    # vary (seed 5: 0.901 against 0.894), hence five.
    assert np.mean(with_groups) >= 0.95, with_groups
    assert np.mean(with_groups) >= np.mean(without) + 0.08, (with_groups, without)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_llspin_defaults_recover_the_two_group_linear_models():
    # The paper's introductory example, LLSPIN's own case: a linear model per
    # group, y = -2 x1 + x2 - 0.5 x3 (group 0) and -0.5 x3 + x4 - 2 x5 (group
    # 1). With random initial coefficients and gates as fast as the predictor,
    # wrong-signed coefficients shut true features' gates for good (measured
    # before the fix: F1 0.41 / 1.0 / 0.57 / 0.51 / 0.59 on these seeds).
    f1_scores, r2_scores = [], []
    for seed in range(5):
        X, y, mask, groups = make_two_group_linear(n_samples=1000, random_state=seed)
        X_train, X_test, y_train, y_test, _, mask_test = train_test_split(
            X, y, mask, test_size=0.3, random_state=seed
        )
        model = make_pipeline(StandardScaler(), LLSPINRegressor(random_state=seed))
        model.fit(X_train, y_train)
        gates = model[-1].predict_gates(model[0].transform(X_test))
        f1_scores.append(feature_selection_f1(mask_test, gates))
        r2_scores.append(model.score(X_test, y_test))
    # Measured: F1 0.700 / 1.000 / 1.000 / 1.000 / 0.999, R^2 0.986 to 0.998.
    assert np.mean(f1_scores) >= 0.9, f1_scores
    assert sorted(f1_scores)[1] >= 0.99, f1_scores  # four of five at 0.99 or more
    assert min(r2_scores) >= 0.98, r2_scores


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "n_noise_features, gating_widths, min_f1, min_accuracy, max_open",
    [
        # One 155 x 155 gating matrix. The 64-unit bottleneck used above 128
        # features before opened noise features by the dozen (measured on
        # these seeds: F1 0.154 / 0.159, accuracy 0.78 / 0.77, 22 and 17
        # features open per sample; now F1 0.763 / 0.788, accuracy 0.88 /
        # 0.91, 2.2 and 2.1 open).
        (150, [155], 0.7, 0.85, 4),
        # Above 256 features the bottleneck, whose first matrix learns at 0.2
        # times the learning rate instead of 1 / sqrt(305). Measured: F1
        # 0.612 / 0.504, accuracy 0.86 / 0.83, 3.4 and 4.5 open; at
        # 1 / sqrt(305) F1 0.111 / 0.041, accuracy 0.67 / 0.60, 33 and 46.
        (300, [64, 305], 0.45, 0.8, 6),
    ],
)
def test_defaults_keep_few_features_among_many_noise_features(
    n_noise_features, gating_widths, min_f1, min_accuracy, max_open
):
    # 5 informative features (3 per sample) and many noise features, 700
    # training rows.
    for seed in range(2):
        X, y, mask, _ = make_two_group_classification(
            n_samples=1000, n_noise_features=n_noise_features, random_state=seed
        )
        X_train, X_test, y_train, y_test, _, mask_test = train_test_split(
            X, y, mask, test_size=0.3, random_state=seed
        )
        model = make_pipeline(StandardScaler(), LSPINClassifier(random_state=seed))
        model.fit(X_train, y_train)
        assert [W.shape[1] for W in model[-1].gating_coefs_] == gating_widths
        gates = model[-1].predict_gates(model[0].transform(X_test))
        open_per_sample = (gates > 0).sum(axis=1).mean()
        assert feature_selection_f1(mask_test, gates) >= min_f1, seed
        assert model.score(X_test, y_test) >= min_accuracy, seed
        assert open_per_sample <= max_open, (seed, open_per_sample)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_finetuning_fits_the_predictor_to_the_noise_free_gates():
    # E5's target is a noise-free function of the selected features, but the
    # main training shows the predictor noisy gates that shrink its inputs
    # at random, so it learns a blurred function; fine-tuning on the gates
    # predict uses removes that error. Measured (seeds 0 / 1): test MSE
    # 0.0031 / 0.0036 without fine-tuning, 7.6e-9 / 8.2e-9 with the default
    # 10 epochs.
    for seed in (0, 1):
        X, y, mask, groups = make_paper_e5(n_samples=1000, random_state=seed)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, random_state=seed, stratify=groups
        )
        errors = {}
        for finetune_iter in (0, 10):
            model = make_pipeline(
                StandardScaler(),
                LSPINRegressor(finetune_iter=finetune_iter, random_state=seed),
            )
            model.fit(X_train, y_train)
            errors[finetune_iter] = np.mean((model.predict(X_test) - y_test) ** 2)
        assert errors[10] <= 0.01 * errors[0], errors
        assert errors[10] <= 1e-4, errors  # issue 3's target: 9e-4
