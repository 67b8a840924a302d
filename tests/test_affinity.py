"""The kNN Gaussian affinity (exact and approximate) and the neighbour sampler."""

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist

from sklspin import _affinity as affinity_module
from sklspin._affinity import (
    EXACT_MAX_FEATURES,
    EXACT_MAX_SAMPLES,
    NeighbourSampler,
    _resolve_algorithm,
    approximate_nearest_neighbors,
    effective_n_neighbors,
    knn_gaussian_affinity,
    nearest_neighbors,
)


def brute_force_affinity(X, k, bandwidth):
    """Dense reference: the same kernel from a full distance matrix."""
    n = X.shape[0]
    dist = cdist(X, X)
    np.fill_diagonal(dist, np.inf)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    knn_dist = np.take_along_axis(dist, order, axis=1)
    if bandwidth == "median":
        scale = np.full(n, np.median(knn_dist))
    elif bandwidth == "self-tuning":
        scale = knn_dist[:, -1]
    else:
        scale = np.full(n, bandwidth)
    np.fill_diagonal(dist, 0.0)
    kernel = np.exp(-(dist**2) / (2 * np.outer(scale, scale)))
    is_edge = np.zeros((n, n), dtype=bool)
    np.put_along_axis(is_edge, order, True, axis=1)
    is_edge |= is_edge.T
    return np.where(is_edge, kernel, 0.0)


@pytest.fixture
def X():
    return np.random.RandomState(0).normal(size=(60, 4))


@pytest.mark.parametrize("bandwidth", ["median", "self-tuning", 0.7])
@pytest.mark.parametrize("k", [1, 5, 12])
def test_matches_brute_force(X, k, bandwidth):
    affinity = knn_gaussian_affinity(X, n_neighbors=k, bandwidth=bandwidth)
    assert sparse.issparse(affinity)
    np.testing.assert_allclose(
        affinity.toarray(), brute_force_affinity(X, k, bandwidth), rtol=1e-12
    )


@pytest.mark.parametrize("bandwidth", ["median", "self-tuning"])
def test_symmetric_sparse_zero_diagonal(X, bandwidth):
    k = 7
    affinity = knn_gaussian_affinity(X, n_neighbors=k, bandwidth=bandwidth)
    n = X.shape[0]
    assert abs(affinity - affinity.T).max() == 0
    assert np.all(affinity.diagonal() == 0)
    assert n * k <= affinity.nnz <= 2 * n * k
    # every point keeps at least its own k neighbours
    assert np.all(np.diff(affinity.indptr) >= k)
    assert affinity.data.min() > 0 and affinity.data.max() <= 1


def test_median_bandwidth_value(X):
    k = 5
    _, distances = nearest_neighbors(X, k)
    h = np.median(distances)
    affinity = knn_gaussian_affinity(X, n_neighbors=k, bandwidth="median").tocoo()
    dist = np.linalg.norm(X[affinity.row] - X[affinity.col], axis=1)
    np.testing.assert_allclose(affinity.data, np.exp(-(dist**2) / (2 * h * h)))


def test_memory_is_linear_in_n():
    X = np.random.RandomState(1).normal(size=(5000, 3))
    affinity = knn_gaussian_affinity(X, n_neighbors=10)
    assert affinity.nnz <= 2 * 5000 * 10
    stored_bytes = affinity.data.nbytes + affinity.indices.nbytes
    assert stored_bytes < 5000 * 5000 * 8 / 100


def test_duplicated_points_and_zero_bandwidth():
    rng = np.random.RandomState(0)
    base = rng.normal(size=(10, 3))
    X = np.vstack([base] * 4)  # every point has 3 exact duplicates
    for bandwidth in ["median", "self-tuning"]:
        affinity = knn_gaussian_affinity(X, n_neighbors=3, bandwidth=bandwidth)
        assert np.all(np.isfinite(affinity.data))
        assert np.all(affinity.diagonal() == 0)
        np.testing.assert_allclose(affinity.data, 1.0)  # duplicates: distance 0

    constant = np.ones((8, 2))
    affinity = knn_gaussian_affinity(constant, n_neighbors=3)
    assert np.all(affinity.data == 1.0)
    indices, _ = nearest_neighbors(constant, 3)
    assert not np.any(indices == np.arange(8)[:, None])


def test_invalid_arguments(X):
    with pytest.raises(ValueError, match="n_neighbors must be between 1"):
        knn_gaussian_affinity(X[:5], n_neighbors=5)
    with pytest.raises(ValueError, match="bandwidth"):
        knn_gaussian_affinity(X, n_neighbors=3, bandwidth="mean")
    with pytest.raises(ValueError, match="bandwidth"):
        knn_gaussian_affinity(X, n_neighbors=3, bandwidth=-1.0)


def test_effective_n_neighbors_warns():
    assert effective_n_neighbors(5, 100) == 5
    with pytest.warns(UserWarning, match="using n_neighbors=3"):
        assert effective_n_neighbors(10, 4) == 3


def test_sampler_draws_proportionally_to_affinity(X):
    affinity = knn_gaussian_affinity(X, n_neighbors=4)
    sampler = NeighbourSampler(affinity)
    np.testing.assert_allclose(sampler.degree, np.asarray(affinity.sum(axis=1)).ravel())

    rng = np.random.RandomState(0)
    anchor = 3
    draws = sampler.sample(np.full(40000, anchor), rng)
    row = affinity.getrow(anchor).toarray().ravel()
    assert set(np.unique(draws)) <= set(np.flatnonzero(row))
    frequency = np.bincount(draws, minlength=X.shape[0]) / draws.size
    np.testing.assert_allclose(frequency, row / row.sum(), atol=0.01)


def test_sampler_is_reproducible(X):
    sampler = NeighbourSampler(knn_gaussian_affinity(X, n_neighbors=4))
    anchors = np.arange(X.shape[0])
    a = sampler.sample(anchors, np.random.RandomState(7))
    b = sampler.sample(anchors, np.random.RandomState(7))
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# The approximate search (random-projection forest) and algorithm="auto"
# ---------------------------------------------------------------------------
def recall_and_distance_ratio(X, k, indices, distances):
    """Fraction of the true k neighbours found, mean found / true distance."""
    true_indices, true_distances = nearest_neighbors(X, k)
    found = (indices[:, :, None] == true_indices[:, None, :]).any(axis=2)
    return found.mean(), np.mean(distances / true_distances)


@pytest.fixture(scope="module")
def gaussian_20d():
    return np.random.RandomState(0).standard_normal((3000, 20))


def test_approximate_neighbours_are_valid(gaussian_20d):
    X, k = gaussian_20d, 10
    indices, distances = approximate_nearest_neighbors(X, k)
    n = X.shape[0]
    assert indices.shape == distances.shape == (n, k)
    assert indices.dtype == np.intp
    assert not np.any(indices == np.arange(n)[:, None])
    assert np.all(np.diff(np.sort(indices, axis=1), axis=1) > 0)  # distinct
    assert np.all(np.diff(distances, axis=1) >= 0)  # sorted
    np.testing.assert_allclose(
        distances, np.linalg.norm(X[:, None, :] - X[indices], axis=2), rtol=1e-12
    )


def test_approximate_affinity_structure(gaussian_20d):
    X, k = gaussian_20d, 10
    affinity = knn_gaussian_affinity(X, n_neighbors=k, algorithm="approximate")
    n = X.shape[0]
    assert sparse.isspmatrix_csr(affinity)
    assert abs(affinity - affinity.T).max() == 0
    assert np.all(affinity.diagonal() == 0)
    assert n * k <= affinity.nnz <= 2 * n * k
    assert np.all(np.diff(affinity.indptr) >= k)
    assert np.all(np.isfinite(affinity.data))
    assert affinity.data.min() > 0 and affinity.data.max() <= 1


def test_approximate_recall(gaussian_20d):
    # i.i.d. Gaussian data filling 20 dimensions, a hard case for trees.
    # Measured: recall 0.997 and distance ratio 1.0001 with the default
    # forest (16 trees of leaves of 375 rows here), 0.798 and 1.013 with 4
    # trees (0.34 and 1.08 with one: the trees must differ to add up).
    X, k = gaussian_20d, 10
    recall, ratio = recall_and_distance_ratio(
        X, k, *approximate_nearest_neighbors(X, k)
    )
    assert recall >= 0.99
    assert ratio <= 1.001
    neighbours = approximate_nearest_neighbors(X, k, n_trees=4)
    recall, ratio = recall_and_distance_ratio(X, k, *neighbours)
    assert recall >= 0.78
    assert ratio <= 1.015


def test_approximate_recall_on_clusters():
    # Measured: recall 1.0 (every true neighbour found), distance ratio 1.0.
    rng = np.random.RandomState(1)
    centres = 4 * rng.standard_normal((8, 30))
    X = centres[rng.randint(8, size=2000)] + rng.standard_normal((2000, 30))
    recall, ratio = recall_and_distance_ratio(
        X, 5, *approximate_nearest_neighbors(X, 5)
    )
    assert recall >= 0.99
    assert ratio <= 1.001


def test_approximate_is_deterministic(gaussian_20d):
    X = gaussian_20d[:1000]
    first = approximate_nearest_neighbors(X, 5)
    second = approximate_nearest_neighbors(X.copy(), 5)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    a = knn_gaussian_affinity(X, 5, algorithm="approximate")
    b = knn_gaussian_affinity(X, 5, algorithm="approximate")
    assert (a != b).nnz == 0
    # The seed is used (one tree, leaves of about 128 rows: many misses).
    one_tree = [
        approximate_nearest_neighbors(X, 5, n_trees=1, leaf_size=128, random_state=seed)
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(one_tree[0][0], one_tree[1][0])
    assert not np.array_equal(one_tree[0][0], one_tree[2][0])


def test_one_leaf_is_an_exact_search(X):
    # Fewer rows than half a leaf: a single leaf, searched by brute force.
    indices, distances = approximate_nearest_neighbors(X, 6)
    true_indices, true_distances = nearest_neighbors(X, 6)
    np.testing.assert_array_equal(np.sort(indices, 1), np.sort(true_indices, 1))
    np.testing.assert_allclose(distances, true_distances, rtol=1e-12)


def test_approximate_with_duplicates_and_many_neighbours():
    rng = np.random.RandomState(0)
    X = np.repeat(rng.standard_normal((50, 8)), 40, axis=0)  # 40 copies each
    indices, distances = approximate_nearest_neighbors(X, 5, leaf_size=64)
    assert not np.any(indices == np.arange(2000)[:, None])
    assert np.all(distances == 0)  # each row's neighbours are its copies
    affinity = knn_gaussian_affinity(X, 5, algorithm="approximate")
    np.testing.assert_array_equal(affinity.data, 1.0)
    assert np.all(affinity.diagonal() == 0)
    # n_neighbors larger than the requested leaves: the leaves grow.
    indices, _ = approximate_nearest_neighbors(X[::2], 150, leaf_size=64)
    assert indices.shape == (1000, 150)
    assert not np.any(indices == np.arange(1000)[:, None])
    assert np.all(np.diff(np.sort(indices, axis=1), axis=1) > 0)


@pytest.mark.parametrize("exponent", [-300, 200])
def test_approximate_at_extreme_scales(exponent, gaussian_20d):
    # Scaling by a power of two changes no ranking: same neighbours.
    X = gaussian_20d[:800]
    indices, distances = approximate_nearest_neighbors(X, 5)
    scaled_indices, scaled_distances = approximate_nearest_neighbors(
        np.ldexp(X, exponent), 5
    )
    np.testing.assert_array_equal(scaled_indices, indices)
    np.testing.assert_allclose(scaled_distances, np.ldexp(distances, exponent))


def test_approximate_overflow_and_non_finite(gaussian_20d):
    X = gaussian_20d[:500] * 1e300
    with pytest.raises(ValueError, match="overflow float64"):
        knn_gaussian_affinity(X, 5, algorithm="approximate")
    X = gaussian_20d[:500].copy()
    X[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        approximate_nearest_neighbors(X, 5)
    with pytest.raises(ValueError, match="n_neighbors must be between 1"):
        approximate_nearest_neighbors(X[:5], 5)


def test_exact_is_the_kd_tree_search(X):
    for bandwidth in ["median", "self-tuning", 0.7]:
        auto = knn_gaussian_affinity(X, 5, bandwidth)
        exact = knn_gaussian_affinity(X, 5, bandwidth, algorithm="exact")
        for name in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(auto, name), getattr(exact, name))
    indices, _ = nearest_neighbors(X, 5)
    directed = sparse.csr_matrix(
        (np.ones(indices.size), (np.repeat(np.arange(60), 5), indices.ravel()))
    )
    np.testing.assert_array_equal(
        knn_gaussian_affinity(X, 5, algorithm="exact").toarray() > 0,
        (directed + directed.T).toarray() > 0,
    )


def test_auto_rule():
    assert _resolve_algorithm("auto", EXACT_MAX_SAMPLES, 100) == "exact"
    assert _resolve_algorithm("auto", EXACT_MAX_SAMPLES + 1, 100) == "approximate"
    assert _resolve_algorithm("auto", 10**6, EXACT_MAX_FEATURES) == "exact"
    assert _resolve_algorithm("auto", 10**6, EXACT_MAX_FEATURES + 1) == "approximate"
    assert _resolve_algorithm("exact", 10**6, 100) == "exact"
    assert _resolve_algorithm("approximate", 10, 2) == "approximate"


def test_auto_is_exact_on_small_data(X, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the approximate search was used")

    monkeypatch.setattr(affinity_module, "approximate_nearest_neighbors", fail)
    knn_gaussian_affinity(np.random.RandomState(0).normal(size=(500, 30)), 10)
    knn_gaussian_affinity(X, 5)


def test_auto_is_approximate_on_large_data(gaussian_20d, monkeypatch):
    monkeypatch.setattr(affinity_module, "EXACT_MAX_SAMPLES", 100)
    X = gaussian_20d[:1000]
    auto = knn_gaussian_affinity(X, 5)
    approximate = knn_gaussian_affinity(X, 5, algorithm="approximate")
    assert (auto != approximate).nnz == 0


@pytest.mark.parametrize("algorithm", ["kd_tree", "Exact", None, 1])
def test_invalid_algorithm(X, algorithm):
    with pytest.raises(ValueError, match="'auto', 'exact', 'approximate'"):
        knn_gaussian_affinity(X, n_neighbors=3, algorithm=algorithm)


# ---------------------------------------------------------------------------
# Affinity within known groups
# ---------------------------------------------------------------------------
def brute_force_grouped_affinity(X, groups, k, bandwidth):
    """Dense reference: kNN among the samples of the same group only."""
    n = X.shape[0]
    dist = cdist(X, X)
    np.fill_diagonal(dist, np.inf)
    other_group = groups[:, None] != groups[None, :]
    dist[other_group] = np.inf
    is_edge = np.zeros((n, n), dtype=bool)
    knn_dists, scale = [], np.zeros(n)
    for i in range(n):
        k_i = min(k, int(np.sum(groups == groups[i])) - 1)
        if k_i < 1:
            continue
        order = np.argsort(dist[i], kind="stable")[:k_i]
        is_edge[i, order] = True
        knn_dists.append(dist[i, order])
        scale[i] = dist[i, order[-1]]
    if bandwidth == "median":
        scale = np.full(n, np.median(np.concatenate(knn_dists)))
    elif bandwidth != "self-tuning":
        scale = np.full(n, bandwidth)
    is_edge |= is_edge.T
    finite = np.where(np.isfinite(dist), dist, 0.0)
    kernel = np.exp(-(finite**2) / (2 * np.outer(scale, scale) + 1e-300))
    return np.where(is_edge, kernel, 0.0)


@pytest.mark.filterwarnings("ignore:1 group")
@pytest.mark.parametrize("bandwidth", ["median", "self-tuning", 0.7])
def test_grouped_affinity_matches_brute_force(X, bandwidth):
    # Three groups, one of them smaller than n_neighbors + 1.
    groups = np.array(["a"] * 30 + ["b"] * 25 + ["c"] * 5)
    np.random.RandomState(1).shuffle(groups)
    affinity = knn_gaussian_affinity(X, 6, bandwidth=bandwidth, groups=groups)
    expected = brute_force_grouped_affinity(X, groups, 6, bandwidth)
    np.testing.assert_allclose(affinity.toarray(), expected, rtol=1e-12)
    rows, cols = affinity.nonzero()
    assert np.all(groups[rows] == groups[cols])
    assert (affinity != affinity.T).nnz == 0


def test_one_group_is_the_plain_affinity(X):
    plain = knn_gaussian_affinity(X, 5)
    grouped = knn_gaussian_affinity(X, 5, groups=np.full(X.shape[0], 3.5))
    assert (plain != grouped).nnz == 0


def test_small_groups_warn_and_singletons_are_isolated(X):
    groups = np.r_[np.zeros(55, dtype=int), np.arange(1, 6)]  # five samples alone
    with pytest.warns(UserWarning, match="5 group") as record:
        affinity = knn_gaussian_affinity(X, 5, groups=groups)
    assert "1, 2, 3" in str(record[0].message)
    degree = np.asarray(affinity.sum(axis=1)).ravel()
    assert np.all(degree[55:] == 0) and np.all(degree[:55] > 0)
    sampler = NeighbourSampler(affinity)
    neighbours = sampler.sample(np.arange(55, 60), np.random.RandomState(0))
    np.testing.assert_array_equal(neighbours, np.arange(55, 60))
    # the weight of their sampled term
    np.testing.assert_array_equal(sampler.degree[55:60], 0.0)


def test_every_sample_alone_gives_an_empty_affinity(X):
    with pytest.warns(UserWarning, match="60 group"):
        affinity = knn_gaussian_affinity(X, 3, groups=np.arange(X.shape[0]))
    assert affinity.shape == (60, 60) and affinity.nnz == 0
    sampler = NeighbourSampler(affinity)
    np.testing.assert_array_equal(sampler.degree, 0.0)
    anchors = np.array([4, 0, 59, 4])
    np.testing.assert_array_equal(
        sampler.sample(anchors, np.random.RandomState(0)), anchors
    )


def test_groups_of_the_wrong_shape(X):
    with pytest.raises(ValueError, match=r"groups must have shape \(60,\)"):
        knn_gaussian_affinity(X, 3, groups=np.zeros(59))


def test_large_groups_use_the_approximate_search(gaussian_20d, monkeypatch):
    # algorithm="auto" decides per group: a big group is searched with the
    # forest, a small one exactly.
    calls = []
    real_exact, real_approximate = (
        affinity_module.nearest_neighbors,
        affinity_module.approximate_nearest_neighbors,
    )
    monkeypatch.setattr(affinity_module, "EXACT_MAX_SAMPLES", 300)
    monkeypatch.setattr(
        affinity_module,
        "nearest_neighbors",
        lambda X, k: calls.append(("exact", X.shape[0])) or real_exact(X, k),
    )
    monkeypatch.setattr(
        affinity_module,
        "approximate_nearest_neighbors",
        lambda X, k, random_state: (
            calls.append(("approximate", X.shape[0]))
            or real_approximate(X, k, random_state=random_state)
        ),
    )
    n = gaussian_20d.shape[0]
    groups = np.r_[np.zeros(n - 100), np.ones(100)]
    knn_gaussian_affinity(gaussian_20d, 5, groups=groups)
    assert sorted(calls) == [("approximate", n - 100), ("exact", 100)]
