import numpy as np
import pytest
from scipy import stats

from sklspin.datasets import (
    make_paper_e1,
    make_paper_e2,
    make_paper_e3,
    make_paper_e4,
    make_paper_e5,
    make_paper_synthetic,
    make_two_group_classification,
    make_two_group_linear,
)
from sklspin.metrics import feature_selection_f1

# (generator, n_features, is_classification)
GENERATORS = [
    (make_paper_e1, 11, True),
    (make_paper_e2, 11, True),
    (make_paper_e3, 11, True),
    (make_paper_e4, 50, True),
    (make_paper_e5, 21, False),
    (make_two_group_linear, 5, False),
    (make_two_group_classification, 5, True),
]
GEN_IDS = [g[0].__name__ for g in GENERATORS]


@pytest.mark.parametrize("make, n_features, is_clf", GENERATORS, ids=GEN_IDS)
def test_shapes_and_dtypes(make, n_features, is_clf):
    X, y, mask, groups = make(n_samples=101, random_state=0)
    assert X.shape == (101, n_features) and X.dtype == np.float64
    assert y.shape == (101,)
    assert mask.shape == (101, n_features) and mask.dtype == bool
    assert groups.shape == (101,) and groups.dtype == np.int64
    assert np.isfinite(X).all() and np.isfinite(y).all()
    if is_clf:
        assert y.dtype == np.int64
        assert set(np.unique(y)) <= {0, 1}
    else:
        assert y.dtype == np.float64
    # every sample has a non-empty informative set, shared within its group
    assert mask.any(axis=1).all()
    for g in np.unique(groups):
        assert (mask[groups == g] == mask[groups == g][0]).all()


@pytest.mark.parametrize("make, n_features, is_clf", GENERATORS, ids=GEN_IDS)
def test_reproducible(make, n_features, is_clf):
    a = make(n_samples=50, random_state=42)
    b = make(n_samples=50, random_state=42)
    c = make(n_samples=50, random_state=np.random.RandomState(42))
    for u, v, w in zip(a, b, c):
        np.testing.assert_array_equal(u, v)
        np.testing.assert_array_equal(u, w)
    d = make(n_samples=50, random_state=43)
    assert not np.array_equal(a[0], d[0])
    # One RandomState shared by two calls draws two different data sets.
    rng = np.random.RandomState(42)
    first = make(n_samples=50, random_state=rng)
    second = make(n_samples=50, random_state=rng)
    assert not np.array_equal(first[0], second[0])


@pytest.mark.parametrize("make, n_features, is_clf", GENERATORS, ids=GEN_IDS)
@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "100", None])
def test_bad_n_samples(make, n_features, is_clf, bad):
    # Caught as a ValueError or, for a value of the wrong type, a TypeError,
    # like the errors of scikit-learn's make_* functions.
    with pytest.raises(ValueError, match="n_samples"):
        make(n_samples=bad)
    with pytest.raises(TypeError, match="n_samples"):
        make(n_samples=bad)


@pytest.mark.parametrize(
    "make", [make_paper_e4, make_two_group_linear, make_two_group_classification]
)
def test_two_group_generators_need_two_samples(make):
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        make(n_samples=1)
    X, y, mask, groups = make(n_samples=2, random_state=0)
    assert sorted(groups.tolist()) == [0, 1]


def test_numpy_integer_n_samples_accepted():
    X, *_ = make_paper_e1(n_samples=np.int64(7), random_state=0)
    assert X.shape == (7, 11)


@pytest.mark.parametrize("make", [make_paper_e1, make_paper_e2, make_paper_e3])
def test_class_balance_e123(make):
    _, y, _, groups = make(n_samples=4000, random_state=0)
    assert 0.4 < y.mean() < 0.7
    assert 0.45 < groups.mean() < 0.55


# --------------------------------------------------------------------------
# E1 - E3
# --------------------------------------------------------------------------
def _a(x):
    return x[:, 0] * x[:, 1]


def _b(x):
    return x[:, 2] ** 2 + x[:, 3] ** 2 + x[:, 4] ** 2 + x[:, 5] ** 2 - 4


def _c(x):
    return (
        -10 * np.sin(0.2 * x[:, 6]) + np.abs(x[:, 7]) + x[:, 8] + np.exp(-x[:, 9]) - 2.4
    )


@pytest.mark.parametrize(
    "make, low, high, low_idx, high_idx",
    [
        (make_paper_e1, _a, _b, [0, 1], [2, 3, 4, 5]),
        (make_paper_e2, _a, _c, [0, 1], [6, 7, 8, 9]),
        (make_paper_e3, _b, _c, [2, 3, 4, 5], [6, 7, 8, 9]),
    ],
)
def test_e123_formulas(make, low, high, low_idx, high_idx):
    X, y, mask, groups = make(n_samples=500, random_state=1)
    # x ~ N(0, I_11): the labels below are recomputed from X, so pin X too.
    big = make(n_samples=20_000, random_state=2)[0]
    for column in big.T:
        assert stats.kstest(column, "norm").pvalue > 1e-3
    np.testing.assert_allclose(np.corrcoef(big.T), np.eye(11), atol=0.04)
    left = X[:, 10] < 0
    np.testing.assert_array_equal(groups, np.where(left, 0, 1))
    logit = np.where(left, low(X), high(X))
    with np.errstate(over="ignore"):
        expected = (1 / (1 + np.exp(logit)) > 0.5).astype(int)
    np.testing.assert_array_equal(y, expected)

    expected_mask = np.zeros((500, 11), dtype=bool)
    expected_mask[:, 10] = True  # x11 informative for everybody
    expected_mask[np.ix_(left, low_idx)] = True
    expected_mask[np.ix_(~left, high_idx)] = True
    np.testing.assert_array_equal(mask, expected_mask)


def test_e3_all_features_f1_is_0625():
    # every sample of E3 has 5 informative features (4 branch + x11): keeping
    # all 11 gives F1 = 2 * 5 / (11 + 5) = 0.625, the paper's LASSO/RF value
    _, _, mask, _ = make_paper_e3(n_samples=300, random_state=0)
    assert feature_selection_f1(mask, np.ones(11)) == pytest.approx(0.625)
    assert (mask.sum(axis=1) == 5).all()


def test_e1_all_features_f1_per_group():
    _, _, mask, groups = make_paper_e1(n_samples=300, random_state=0)
    f1 = feature_selection_f1(mask, np.ones(11), average=None)
    np.testing.assert_allclose(f1[groups == 0], 2 * 3 / 14)
    np.testing.assert_allclose(f1[groups == 1], 2 * 5 / 16)


# --------------------------------------------------------------------------
# E4
# --------------------------------------------------------------------------
def test_e4_structure():
    X, y, mask, groups = make_paper_e4(n_samples=1000, random_state=0)
    g0 = groups == 0
    assert g0.sum() == 500
    # rows are shuffled: groups are not contiguous
    assert not (np.all(groups[:500] == 0) or np.all(groups[:500] == 1))
    # group centres +1 / -1 on x1..x4, noise features centred, std 0.5
    np.testing.assert_allclose(X[g0, :4].mean(axis=0), 1, atol=0.1)
    np.testing.assert_allclose(X[~g0, :4].mean(axis=0), -1, atol=0.1)
    np.testing.assert_allclose(X[:, 4:].mean(axis=0), 0, atol=0.12)
    assert 0.45 < X[:, 4:].std() < 0.55
    assert 0.45 < X[g0, :4].std() < 0.55

    logit = np.where(
        g0, np.exp(X[:, 0] * X[:, 1] - 0.9), np.exp(X[:, 2] ** 2 + X[:, 3] ** 2 - 2.5)
    )
    np.testing.assert_array_equal(y, (1 / (1 + logit) > 0.5).astype(int))
    assert 0.35 < y[g0].mean() < 0.65
    assert 0.35 < y[~g0].mean() < 0.65

    assert (mask[g0][:, [0, 1]]).all() and mask[g0].sum() == 2 * 500
    assert (mask[~g0][:, [2, 3]]).all() and mask[~g0].sum() == 2 * 500


def test_e4_odd_n_samples():
    _, _, _, groups = make_paper_e4(n_samples=7, random_state=0)
    assert np.bincount(groups).tolist() == [4, 3]


# --------------------------------------------------------------------------
# E5
# --------------------------------------------------------------------------
def test_e5_formula_and_masks():
    X, y, mask, groups = make_paper_e5(n_samples=600, random_state=3)
    assert set(np.unique(X[:, :20])) == {-1.0, 1.0}
    assert set(np.unique(X[:, 20])) == {-1.0, 0.0, 1.0}
    x = {j: X[:, j - 1] for j in range(1, 22)}  # 1-based names as in the paper
    expected_y = np.select(
        [x[21] == -1, x[21] == 0, x[21] == 1],
        [x[1] * x[2] + 2 * x[21], x[2] * x[3] + 2 * x[21], x[3] * x[4] + 2 * x[21]],
    )
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(groups, x[21].astype(int) + 1)

    sets = {0: [1, 2, 21], 1: [2, 3, 21], 2: [3, 4, 21]}
    for i in range(600):
        assert (np.flatnonzero(mask[i]) + 1).tolist() == sets[groups[i]]
    assert np.all(np.bincount(groups) > 150)


# --------------------------------------------------------------------------
# two-group examples
# --------------------------------------------------------------------------
def test_two_group_linear_formula():
    X, y, mask, groups = make_two_group_linear(
        n_samples=400, n_noise_features=10, random_state=0
    )
    assert X.shape == (400, 15)
    x1, x2, x3, x4, x5 = X[:, :5].T
    expected = np.where(groups == 0, -2 * x1 + x2 - 0.5 * x3, -0.5 * x3 + x4 - 2 * x5)
    np.testing.assert_allclose(y, expected)
    assert np.bincount(groups).tolist() == [200, 200]
    assert not np.all(groups[:200] == groups[0])
    g0 = groups == 0
    np.testing.assert_allclose(X[g0, :5].mean(axis=0), 1, atol=0.15)
    np.testing.assert_allclose(X[~g0, :5].mean(axis=0), -1, atol=0.15)
    # Noise features: N(0, 0.5^2) in both groups, not centred on the group.
    for part in (g0, ~g0):
        np.testing.assert_allclose(X[part, 5:].mean(axis=0), 0, atol=0.15)
        np.testing.assert_allclose(X[part, 5:].std(axis=0), 0.5, atol=0.1)
        np.testing.assert_allclose(X[part, :5].std(axis=0), 0.5, atol=0.1)
    assert (np.flatnonzero(mask[g0][0])).tolist() == [0, 1, 2]
    assert (np.flatnonzero(mask[~g0][0])).tolist() == [2, 3, 4]
    assert not mask[:, 5:].any()


def test_two_group_linear_noise():
    X, y, _, groups = make_two_group_linear(n_samples=4000, noise=0.3, random_state=0)
    X0, y0, _, _ = make_two_group_linear(n_samples=4000, noise=0.0, random_state=0)
    np.testing.assert_array_equal(X, X0)  # noise is drawn after X
    assert np.std(y - y0) == pytest.approx(0.3, rel=0.1)


@pytest.mark.parametrize("weights", ["paper", "equal"])
def test_two_group_classification_matches_linear_inputs(weights):
    Xr, _, mask_r, groups_r = make_two_group_linear(
        n_samples=300, n_noise_features=4, random_state=5
    )
    Xc, y, mask_c, groups_c = make_two_group_classification(
        n_samples=300, n_noise_features=4, weights=weights, random_state=5
    )
    np.testing.assert_array_equal(Xr, Xc)
    np.testing.assert_array_equal(mask_r, mask_c)
    np.testing.assert_array_equal(groups_r, groups_c)
    u = Xc[:, :5] - np.where(groups_c == 0, 1.0, -1.0)[:, None]
    if weights == "paper":
        score = np.where(
            groups_c == 0,
            -2 * u[:, 0] + u[:, 1] - 0.5 * u[:, 2],
            -0.5 * u[:, 2] + u[:, 3] - 2 * u[:, 4],
        )
    else:
        score = np.where(
            groups_c == 0, u[:, 0] - u[:, 1] + u[:, 2], -u[:, 2] + u[:, 3] + u[:, 4]
        )
    np.testing.assert_array_equal(y, (score > 0).astype(int))


def test_two_group_classification_rejects_unknown_weights():
    with pytest.raises(ValueError, match='weights must be "paper" or "equal"'):
        make_two_group_classification(weights="uniform")


def test_two_group_classification_balanced_within_groups():
    _, y, _, groups = make_two_group_classification(n_samples=4000, random_state=0)
    # the group alone must not predict the label
    assert 0.45 < y[groups == 0].mean() < 0.55
    assert 0.45 < y[groups == 1].mean() < 0.55


def test_two_group_classification_label_noise():
    _, y0, _, _ = make_two_group_classification(n_samples=2000, random_state=0)
    _, y1, _, _ = make_two_group_classification(
        n_samples=2000, noise=0.5, random_state=0
    )
    flipped = np.mean(y0 != y1)
    assert 0.02 < flipped < 0.3


@pytest.mark.parametrize("make", [make_two_group_linear, make_two_group_classification])
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"noise": -0.1}, "noise"),
        ({"noise": np.nan}, "noise"),
        ({"noise": np.inf}, "noise"),
        ({"noise": "0.1"}, "noise"),
        ({"n_noise_features": -1}, "n_noise_features"),
        ({"n_noise_features": 2.0}, "n_noise_features"),
    ],
)
def test_two_group_bad_params(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


# --------------------------------------------------------------------------
# dispatcher
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, make",
    [
        ("E1", make_paper_e1),
        ("e2", make_paper_e2),
        ("E3", make_paper_e3),
        ("E4", make_paper_e4),
        ("E5", make_paper_e5),
    ],
)
def test_make_paper_synthetic_dispatch(name, make):
    a = make_paper_synthetic(name, n_samples=40, random_state=0)
    b = make(n_samples=40, random_state=0)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_make_paper_synthetic_defaults():
    X, *_ = make_paper_synthetic("E4", random_state=0)
    assert X.shape == (1000, 50)
    X, *_ = make_paper_synthetic("E1", random_state=0)
    assert X.shape == (1500, 11)


@pytest.mark.parametrize("name", ["E6", "", None, 1])
def test_make_paper_synthetic_bad_name(name):
    with pytest.raises(ValueError, match="name must be one of"):
        make_paper_synthetic(name)
