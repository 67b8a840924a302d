import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import f1_score, precision_score, recall_score

from sklspin.metrics import (
    feature_selection_f1,
    feature_selection_fdr,
    feature_selection_precision,
    feature_selection_tpr,
)

ALL = [
    feature_selection_f1,
    feature_selection_precision,
    feature_selection_tpr,
    feature_selection_fdr,
]

# Hand-computed example: 3 samples, 4 features.
G = np.array(
    [
        [1, 1, 0, 0],  # |G| = 2
        [0, 0, 1, 1],  # |G| = 2
        [1, 0, 0, 0],  # |G| = 1
    ],
    dtype=bool,
)
GATES = np.array(
    [
        [0.9, 0.0, 0.2, 0.0],  # S = {0, 2}: TP = 1, |S| = 2
        [0.0, 0.0, 1.0, 0.5],  # S = {2, 3}: TP = 2, |S| = 2
        [0.0, 0.0, 0.0, 0.0],  # S = {}:     TP = 0, |S| = 0
    ]
)
# per sample:
#   F1        = 2*1/(2+2) = 0.5,  2*2/(2+2) = 1,  2*0/(0+1) = 0
#   precision = 1/2,              2/2,            empty -> 1
#   TPR       = 1/2,              2/2,            0/1 = 0
#   FDR       = 1/2,              0/2,            empty -> 0
# pooled: TP = 3, sum|S| = 4, sum|G| = 5, FP = 1
#   F1 = 6/9, precision = 3/4, TPR = 3/5, FDR = 1/4
EXPECTED = {
    feature_selection_f1: ([0.5, 1.0, 0.0], 6 / 9),
    feature_selection_precision: ([0.5, 1.0, 1.0], 3 / 4),
    feature_selection_tpr: ([0.5, 1.0, 0.0], 3 / 5),
    feature_selection_fdr: ([0.5, 0.0, 0.0], 1 / 4),
}


@pytest.mark.parametrize("metric", ALL)
def test_hand_computed(metric):
    per_sample, pooled = EXPECTED[metric]
    np.testing.assert_allclose(metric(G, GATES, average=None), per_sample)
    assert metric(G, GATES) == pytest.approx(np.mean(per_sample))
    assert metric(G, GATES, average="samples") == pytest.approx(np.mean(per_sample))
    assert metric(G, GATES, average="pooled") == pytest.approx(pooled)


@pytest.mark.parametrize("metric", ALL)
def test_return_types(metric):
    assert type(metric(G, GATES)) is float
    assert type(metric(G, GATES, average="pooled")) is float
    out = metric(G, GATES, average=None)
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    assert out.dtype == np.float64


@pytest.mark.parametrize("metric", ALL)
def test_bool_gates_and_int_inputs_equivalent(metric):
    for average in ["samples", "pooled", None]:
        ref = metric(G, GATES, average=average)
        np.testing.assert_allclose(metric(G, GATES > 0, average=average), ref)
        np.testing.assert_allclose(
            metric(G.astype(int), (GATES > 0).astype(int), average=average), ref
        )
        np.testing.assert_allclose(
            metric(G.astype(float).tolist(), GATES.tolist(), average=average), ref
        )
        np.testing.assert_allclose(
            metric(sp.csr_matrix(G), sp.csr_matrix(GATES), average=average), ref
        )


def test_pandas_input():
    pd = pytest.importorskip("pandas")
    assert feature_selection_f1(pd.DataFrame(G), pd.DataFrame(GATES)) == pytest.approx(
        0.5
    )


@pytest.mark.parametrize("metric", ALL)
def test_tiny_gates_count_as_selected(metric):
    # any gate > 0 selects the feature, however small
    gates = np.where(GATES > 0, 1e-12, 0.0)
    np.testing.assert_allclose(
        metric(G, gates, average=None), metric(G, GATES, average=None)
    )


def test_empty_conventions():
    mask = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0]], dtype=bool)
    sel = np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]], dtype=bool)
    # sample 0: S = G = {}        -> F1 1, precision 1, TPR 1, FDR 0
    # sample 1: S = {}, G = {0}   -> F1 0, precision 1, TPR 0, FDR 0
    # sample 2: S = {1}, G = {}   -> F1 0, precision 0, TPR 1, FDR 1
    np.testing.assert_array_equal(
        feature_selection_f1(mask, sel, average=None), [1, 0, 0]
    )
    np.testing.assert_array_equal(
        feature_selection_precision(mask, sel, average=None), [1, 1, 0]
    )
    np.testing.assert_array_equal(
        feature_selection_tpr(mask, sel, average=None), [1, 0, 1]
    )
    np.testing.assert_array_equal(
        feature_selection_fdr(mask, sel, average=None), [0, 0, 1]
    )


def test_pooled_all_empty():
    z = np.zeros((2, 3), dtype=bool)
    assert feature_selection_f1(z, z, average="pooled") == 1.0
    assert feature_selection_precision(z, z, average="pooled") == 1.0
    assert feature_selection_tpr(z, z, average="pooled") == 1.0
    assert feature_selection_fdr(z, z, average="pooled") == 0.0


def test_no_runtime_warnings_on_zero_denominators():
    z = np.zeros((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for metric in ALL:
            for average in ["samples", "pooled", None]:
                metric(z, z, average=average)


def test_perfect_selection():
    rng = np.random.RandomState(0)
    mask = rng.rand(20, 7) < 0.4
    gates = np.where(mask, rng.uniform(0.01, 1, mask.shape), 0.0)
    assert feature_selection_f1(mask, gates) == 1.0
    assert feature_selection_precision(mask, gates) == 1.0
    assert feature_selection_tpr(mask, gates) == 1.0
    assert feature_selection_fdr(mask, gates) == 0.0


@pytest.mark.parametrize("average", ["samples", "pooled", None])
def test_precision_plus_fdr_is_one(average):
    rng = np.random.RandomState(1)
    mask = rng.rand(30, 6) < 0.3
    gates = np.clip(rng.randn(30, 6), 0, 1)
    gates[0] = 0  # include an empty selection
    np.testing.assert_allclose(
        feature_selection_precision(mask, gates, average=average)
        + feature_selection_fdr(mask, gates, average=average),
        1.0,
    )


def test_agrees_with_sklearn_f1():
    rng = np.random.RandomState(2)
    mask = rng.rand(40, 8) < 0.4
    sel = rng.rand(40, 8) < 0.5
    mask[:, 0] = sel[:, 0] = True  # no empty row, so no convention involved
    per_sample = feature_selection_f1(mask, sel, average=None)
    for i in range(0, 40, 7):
        assert per_sample[i] == pytest.approx(f1_score(mask[i], sel[i]))
    assert feature_selection_f1(mask, sel) == pytest.approx(
        f1_score(mask, sel, average="samples")
    )
    assert feature_selection_f1(mask, sel, average="pooled") == pytest.approx(
        f1_score(mask.ravel(), sel.ravel())
    )


@pytest.mark.parametrize("average", ["samples", "pooled"])
def test_zero_conventions_are_sklearns_zero_division_one(average):
    # Empty selections and empty true sets included: the documented
    # conventions are scikit-learn's with zero_division=1, per sample
    # ("samples") and pooled ("micro").
    rng = np.random.RandomState(3)
    mask = rng.rand(60, 6) < 0.3
    sel = rng.rand(60, 6) < 0.3
    mask[:5] = False
    sel[3:8] = False
    assert (~mask.any(axis=1) & ~sel.any(axis=1)).any()
    sk_average = "samples" if average == "samples" else "micro"
    for ours, theirs in (
        (feature_selection_f1, f1_score),
        (feature_selection_precision, precision_score),
        (feature_selection_tpr, recall_score),
    ):
        expected = theirs(mask, sel, average=sk_average, zero_division=1)
        assert ours(mask, sel, average=average) == pytest.approx(expected)
    expected_fdr = 1 - precision_score(mask, sel, average=sk_average, zero_division=1)
    assert feature_selection_fdr(mask, sel, average=average) == pytest.approx(
        expected_fdr
    )


@pytest.mark.parametrize("metric", ALL)
@pytest.mark.parametrize("average", ["samples", "pooled", None])
def test_global_selection_broadcast(metric, average):
    glob = np.array([0.0, 0.7, 1.0, 0.0])
    tiled = np.tile(glob, (3, 1))
    np.testing.assert_allclose(
        metric(G, glob, average=average), metric(G, tiled, average=average)
    )


def test_global_selection_hand_computed():
    # S = {0, 1} for everybody; F1 = 2*2/4 = 1, 2*0/4 = 0, 2*1/3 = 2/3
    np.testing.assert_allclose(
        feature_selection_f1(G, [True, True, False, False], average=None),
        [1.0, 0.0, 2 / 3],
    )


@pytest.mark.parametrize("metric", ALL)
def test_sample_weight(metric):
    per_sample, _ = EXPECTED[metric]
    w = np.array([2.0, 1.0, 0.0])
    assert metric(G, GATES, sample_weight=w) == pytest.approx(
        np.average(per_sample, weights=w)
    )
    # integer weights behave like repeated rows, for both averages
    rep = np.repeat(np.arange(3), [2, 1, 0])
    for average in ["samples", "pooled"]:
        assert metric(G, GATES, average=average, sample_weight=w) == pytest.approx(
            metric(G[rep], GATES[rep], average=average)
        )
    # per-sample scores ignore weights
    np.testing.assert_allclose(
        metric(G, GATES, average=None, sample_weight=w), per_sample
    )
    # unit weights change nothing
    assert metric(G, GATES, sample_weight=np.ones(3)) == pytest.approx(metric(G, GATES))


def test_f1_on_generated_data():
    from sklspin.datasets import make_paper_e5

    _, _, mask, _ = make_paper_e5(n_samples=90, random_state=0)
    assert feature_selection_f1(mask, mask) == 1.0
    # keep all 21 features: 2 * 3 / (21 + 3) = 0.25 for every sample
    assert feature_selection_f1(mask, np.ones(21)) == pytest.approx(0.25)
    assert feature_selection_tpr(mask, np.ones(21)) == 1.0
    assert feature_selection_fdr(mask, np.ones(21)) == pytest.approx(18 / 21)


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ALL)
@pytest.mark.parametrize(
    "mask_true, selection, match",
    [
        (G, GATES[:2], "same shape"),
        (G, GATES[:, :3], "same shape"),
        (G, np.ones(3), "one entry per feature"),
        (G, GATES[None], "2-D array"),
        (G, 0.5, "2-D array"),
        (G[0], GATES[0], "mask_true must be a 2-D array"),
        (G[:0], GATES[:0], "at least one sample"),
        (G[:, :0], GATES[:, :0], "at least one sample and one feature"),
        (G, np.where(GATES > 0.5, np.nan, GATES), "selection contains NaN"),
        (np.where(G, np.nan, 0.0), GATES, "mask_true contains NaN"),
        (G, GATES + 0.5, r"values in \[0, 1\]"),
        (G, GATES - 0.5, r"values in \[0, 1\]"),
        (G, np.where(GATES > 0.5, np.inf, GATES), r"values in \[0, 1\]"),
        (G.astype(int) * 2, GATES, "only 0 and 1"),
        (G * 0.5, GATES, "only 0 and 1"),
        (G.astype(str), GATES, "booleans or numbers"),
        (G, np.full(GATES.shape, "a"), "booleans or numbers"),
        (G, np.full(GATES.shape, object()), "booleans or numbers"),
        # Object arrays: strings are refused as in a string array, and a
        # missing value is named.
        (G.astype(int).astype(str).astype(object), GATES, "found '1' of type str"),
        (G, np.where(GATES > 0.5, None, GATES).astype(object), "found None"),
    ],
)
def test_validation_errors(metric, mask_true, selection, match):
    with pytest.raises(ValueError, match=match):
        metric(mask_true, selection)


@pytest.mark.parametrize("metric", ALL)
def test_pandas_missing_values_are_named(metric):
    pd = pytest.importorskip("pandas")
    mask = pd.DataFrame(G).astype("boolean")
    mask.iloc[0, 0] = pd.NA
    with pytest.raises(ValueError, match="mask_true .* found <NA> of type NAType"):
        metric(mask, GATES)
    # Without missing values, nullable columns and object arrays of numbers
    # are scored like the plain arrays.
    expected = metric(G, GATES)
    assert metric(pd.DataFrame(G).astype("boolean"), GATES) == expected
    assert metric(G.astype(object), GATES.astype(object)) == expected
    # Any real number type is one (Decimal was accepted before the check);
    # complex numbers are not.
    from decimal import Decimal

    decimals = np.array([[Decimal(str(g)) for g in row] for row in GATES], dtype=object)
    assert metric(G, decimals) == expected
    with pytest.raises(ValueError, match="of type complex"):
        metric(G, GATES.astype(complex).astype(object))


@pytest.mark.parametrize("metric", ALL)
@pytest.mark.parametrize("average", ["micro", "macro", "", 1, ["samples"]])
def test_bad_average(metric, average):
    with pytest.raises(ValueError, match="average must be"):
        metric(G, GATES, average=average)


@pytest.mark.parametrize("metric", ALL)
@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.ones(2), "length n_samples=3"),
        (np.ones((3, 1)), "length n_samples=3"),
        ([1.0, np.nan, 1.0], "NaN or infinity"),
        ([1.0, np.inf, 1.0], "NaN or infinity"),
        ([1.0, -1.0, 1.0], "non-negative"),
        (np.zeros(3), "positive sum"),
    ],
)
def test_bad_sample_weight(metric, sample_weight, match):
    with pytest.raises(ValueError, match=match):
        metric(G, GATES, sample_weight=sample_weight)


def test_keyword_only():
    with pytest.raises(TypeError):
        feature_selection_f1(G, GATES, "pooled")
