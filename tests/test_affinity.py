"""The kNN Gaussian affinity, its neighbour searches and the neighbour sampler.

The searches (exact and approximate, within groups) live in
``sklspin._neighbors``, the kernel and the sampler in ``sklspin._affinity``.
"""

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist

from sklspin import _neighbors as neighbors_module
from sklspin._affinity import (
    NeighbourSampler,
    effective_n_neighbors,
    knn_gaussian_affinity,
)
from sklspin._neighbors import (
    EXACT_MAX_FEATURES,
    EXACT_MAX_SAMPLES,
    KD_TREE_MAX_FEATURES,
    SMALL_GROUP_MAX_SAMPLES,
    _resolve_algorithm,
    approximate_nearest_neighbors,
    brute_force_nearest_neighbors,
    nearest_neighbors,
    uses_kd_tree,
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


@pytest.mark.parametrize("n_clusters", [6, 60])
def test_approximate_recall_on_tight_clusters(n_clusters):
    # Clusters far tighter than the leaves: leaf keys in float32 ranked the
    # rows of a cluster by their rounding (recall 0.21 on 400 clusters of
    # spread 1e-4 in 20,000 x 20 rows; with one leaf, none of 600 rows in
    # 12 clusters got its exact neighbours, and both cases here failed).
    # In float64 both find every true neighbour: one leaf (300 rows) and
    # eight (3,000).
    rng = np.random.RandomState(2)
    centres = 3 * rng.standard_normal((n_clusters, 20))
    X = np.repeat(centres, 50, axis=0) + 1e-4 * rng.standard_normal(
        (50 * n_clusters, 20)
    )
    recall, ratio = recall_and_distance_ratio(
        X, 10, *approximate_nearest_neighbors(X, 10)
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

    monkeypatch.setattr(neighbors_module, "approximate_nearest_neighbors", fail)
    knn_gaussian_affinity(np.random.RandomState(0).normal(size=(500, 30)), 10)
    knn_gaussian_affinity(X, 5)


def test_auto_is_approximate_on_large_data(gaussian_20d, monkeypatch):
    monkeypatch.setattr(neighbors_module, "EXACT_MAX_SAMPLES", 100)
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
        neighbors_module.nearest_neighbors,
        neighbors_module.approximate_nearest_neighbors,
    )
    monkeypatch.setattr(neighbors_module, "EXACT_MAX_SAMPLES", 300)
    monkeypatch.setattr(
        neighbors_module,
        "brute_force_nearest_neighbors",
        lambda X, k: calls.append(("exact", X.shape[0])) or real_exact(X, k),
    )
    monkeypatch.setattr(
        neighbors_module,
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


# ---------------------------------------------------------------------------
# The exact search in many dimensions: blocked brute force
# ---------------------------------------------------------------------------
def with_duplicates(n, d, seed):
    """Gaussian rows, a tenth of them repeated (some three times)."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, d))
    X[n - n // 10 :] = X[rng.randint(n // 5, size=n // 10)]
    return X


def dense_neighbours(X, k):
    """Reference: the k nearest of a full distance matrix, ties by index."""
    dist = cdist(X, X)
    np.fill_diagonal(dist, np.inf)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


def assert_same_neighbours(found, expected, check_order=True):
    """Equal distances; equal neighbours (in the same order if asked)."""
    np.testing.assert_allclose(found[1], expected[1], rtol=1e-12, atol=1e-12)
    if check_order:
        np.testing.assert_array_equal(found[0], expected[0])


@pytest.mark.parametrize("n, d, k", [(400, 30, 5), (1000, 16, 10), (60, 200, 59)])
def test_brute_force_is_exact(n, d, k):
    X = with_duplicates(n, d, seed=d)
    indices, distances = brute_force_nearest_neighbors(X, k)
    assert indices.shape == distances.shape == (n, k) and indices.dtype == np.intp
    assert not np.any(indices == np.arange(n)[:, None])
    assert np.all(np.diff(np.sort(indices, axis=1), axis=1) > 0)
    assert np.all(np.diff(distances, axis=1) >= 0)
    # The kd-tree breaks ties (duplicated rows) its own way: the same
    # distances. The dense reference breaks them by index: the same order.
    if k < n - 1:
        assert_same_neighbours((indices, distances), nearest_neighbors(X, k), False)
    assert_same_neighbours((indices, distances), dense_neighbours(X, k))
    np.testing.assert_allclose(
        distances, np.linalg.norm(X[:, None, :] - X[indices], axis=2), rtol=1e-12
    )
    # Ties (the duplicates, at distance zero) are broken by index.
    tied = np.diff(distances, axis=1) == 0
    assert np.all(np.diff(indices, axis=1)[tied] > 0)


def test_brute_force_blocks_and_far_from_origin(monkeypatch):
    X = with_duplicates(700, 40, seed=3)
    expected = dense_neighbours(X, 7)
    # Blocks of 3 rows ranked against column blocks of 4 rows.
    monkeypatch.setattr(neighbors_module, "_BRUTE_BLOCK_BYTES", 8 * 700 * 3)
    monkeypatch.setattr(neighbors_module, "_BLOCK_BYTES", 8 * 40 * 4)
    assert_same_neighbours(brute_force_nearest_neighbors(X, 7), expected)
    monkeypatch.undo()
    # Centred products: an offset of 1e6 changes no neighbour.
    indices, distances = brute_force_nearest_neighbors(X + 1e6, 7)
    np.testing.assert_array_equal(indices, expected[0])
    np.testing.assert_allclose(distances, expected[1], atol=1e-9)


def test_brute_force_memory_is_bounded():
    n = 5000
    X = np.random.RandomState(0).standard_normal((n, 8))
    peak = peak_memory(brute_force_nearest_neighbors, X, 10)
    # An n x n float64 matrix would take 200 MB; the blocks take about 16 MB.
    assert peak < n * n * 8 / 4


def test_brute_force_overflow_and_non_finite():
    X = with_duplicates(100, 20, seed=0)
    with pytest.raises(ValueError, match="overflow float64"):
        brute_force_nearest_neighbors(X * 1e300, 5)
    X[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        brute_force_nearest_neighbors(X, 5)
    with pytest.raises(ValueError, match="n_neighbors must be between 1"):
        brute_force_nearest_neighbors(X[:5], 5)


def test_exact_search_rule(monkeypatch):
    assert uses_kd_tree(KD_TREE_MAX_FEATURES)
    assert not uses_kd_tree(KD_TREE_MAX_FEATURES + 1)
    assert EXACT_MAX_FEATURES <= KD_TREE_MAX_FEATURES
    calls = []
    for name in ("nearest_neighbors", "brute_force_nearest_neighbors"):
        real = getattr(neighbors_module, name)
        monkeypatch.setattr(
            neighbors_module,
            name,
            lambda X, k, name=name, real=real: (
                calls.append((name, X.shape[1])) or real(X, k)
            ),
        )
    rng = np.random.RandomState(0)
    for d in (KD_TREE_MAX_FEATURES, KD_TREE_MAX_FEATURES + 1, 200):
        knn_gaussian_affinity(rng.standard_normal((300, d)), 5)
    assert calls == [
        ("nearest_neighbors", KD_TREE_MAX_FEATURES),
        ("brute_force_nearest_neighbors", KD_TREE_MAX_FEATURES + 1),
        ("brute_force_nearest_neighbors", 200),
    ]


def test_exact_affinity_in_many_dimensions_matches_brute_force():
    X = np.random.RandomState(2).normal(size=(80, 40))
    for bandwidth in ["median", "self-tuning", 0.7]:
        np.testing.assert_allclose(
            knn_gaussian_affinity(X, 6, bandwidth).toarray(),
            brute_force_affinity(X, 6, bandwidth),
            rtol=1e-12,
        )


def test_kd_tree_threads_only_for_large_queries(monkeypatch):
    workers = []
    real_query = neighbors_module.cKDTree.query

    class RecordingTree(neighbors_module.cKDTree):
        def query(self, *args, **kwargs):
            workers.append(kwargs["workers"])
            return real_query(self, *args, **kwargs)

    monkeypatch.setattr(neighbors_module, "cKDTree", RecordingTree)
    rng = np.random.RandomState(0)
    small = rng.standard_normal((neighbors_module.KD_TREE_THREADS_MIN_SAMPLES - 1, 3))
    large = rng.standard_normal((neighbors_module.KD_TREE_THREADS_MIN_SAMPLES, 3))
    nearest_neighbors(small, 3)
    nearest_neighbors(large, 3)
    nearest_neighbors(small, 3, workers=2)
    assert workers == [1, -1, 2]


# ---------------------------------------------------------------------------
# float32 input: searched without a float64 copy of X, distances in float64
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "search",
    [
        brute_force_nearest_neighbors,
        nearest_neighbors,
        lambda X, k: approximate_nearest_neighbors(X, k, leaf_size=128),
    ],
)
def test_float32_equals_its_float64_values(search):
    X = np.random.RandomState(0).standard_normal((1500, 24)).astype(np.float32)
    indices, distances = search(X, 8)
    expected_indices, expected_distances = search(X.astype(np.float64), 8)
    assert distances.dtype == np.float64
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_array_equal(distances, expected_distances)


@pytest.mark.parametrize("algorithm", ["exact", "approximate"])
def test_float32_affinity_equals_its_float64_values(algorithm):
    X = np.random.RandomState(1).standard_normal((1200, 30)).astype(np.float32)
    groups = np.arange(1200) % 3
    for kwargs in ({}, {"groups": groups}):
        affinity = knn_gaussian_affinity(X, 6, algorithm=algorithm, **kwargs)
        expected = knn_gaussian_affinity(
            X.astype(np.float64), 6, algorithm=algorithm, **kwargs
        )
        assert affinity.dtype == np.float64
        assert (affinity != expected).nnz == 0


def peak_memory(function, *args, **kwargs):
    import tracemalloc

    tracemalloc.start()
    try:
        function(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("algorithm", ["exact", "approximate"])
def test_float32_search_holds_no_float64_copy(algorithm):
    X = np.random.RandomState(0).standard_normal((3000, 500)).astype(np.float32)
    X64 = X.astype(np.float64)
    peak = peak_memory(knn_gaussian_affinity, X, 10, algorithm=algorithm)
    peak64 = peak_memory(knn_gaussian_affinity, X64, 10, algorithm=algorithm)
    # A float64 copy of X would add 2 * X.nbytes (12 MB).
    assert peak < peak64 + X.nbytes / 4


# ---------------------------------------------------------------------------
# Many small groups: searched in batches of equal-size groups
# ---------------------------------------------------------------------------
def per_group_neighbours(X, groups, k):
    """Reference: each group searched on its own (kd-tree), as rows i, j, d."""
    rows, cols, distances = [], [], []
    for label in np.unique(groups):
        index = np.flatnonzero(groups == label)
        k_group = min(k, index.size - 1)
        if k_group < 1:
            continue
        group_indices, group_distances = nearest_neighbors(X[index], k_group)
        rows.append(np.repeat(index, k_group))
        cols.append(index[group_indices].ravel())
        distances.append(group_distances.ravel())
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(distances)


@pytest.mark.filterwarnings("ignore:.*group")
@pytest.mark.parametrize("d", [3, 40])
def test_small_groups_match_the_per_group_search(d, monkeypatch):
    rng = np.random.RandomState(d)
    sizes = np.r_[np.full(150, 2), np.full(40, 7), np.full(12, 30), [1, 1], 200, 31]
    groups = rng.permutation(np.repeat(np.arange(sizes.size), sizes))
    X = rng.standard_normal((groups.size, d))

    def fail(*args, **kwargs):
        raise AssertionError("a group of a shared size was searched on its own")

    calls = []
    real_search = neighbors_module._search
    monkeypatch.setattr(
        neighbors_module,
        "_search",
        lambda X, k, *args: (
            calls.append(X.shape[0]) or real_search(X, k, *args)
            if X.shape[0] in (200, 31)
            else fail()
        ),
    )
    rows, cols, distances, farthest = neighbors_module._search_within_groups(
        X, groups, 6, "auto", 0
    )
    assert sorted(calls) == [31, 200]
    expected_rows, expected_cols, expected_distances = per_group_neighbours(
        X, groups, 6
    )
    found = sparse.csr_matrix((distances, (rows, cols)), shape=(X.shape[0],) * 2)
    expected = sparse.csr_matrix(
        (expected_distances, (expected_rows, expected_cols)), shape=(X.shape[0],) * 2
    )
    found.sort_indices(), expected.sort_indices()
    np.testing.assert_array_equal(found.indptr, expected.indptr)
    np.testing.assert_array_equal(found.indices, expected.indices)
    np.testing.assert_allclose(found.data, expected.data, rtol=1e-12)
    lone = np.isin(groups, np.flatnonzero(sizes == 1))
    assert np.all(farthest[lone] == 0)
    assert np.all(farthest[~lone] == found.max(axis=1).toarray().ravel()[~lone])
    # The affinity too, bandwidths included.
    for bandwidth in ["median", "self-tuning"]:
        np.testing.assert_allclose(
            knn_gaussian_affinity(X, 6, bandwidth, groups=groups).toarray(),
            brute_force_grouped_affinity(X, groups, 6, bandwidth),
            rtol=1e-12,
        )


@pytest.mark.filterwarnings("ignore:.*group")
def test_small_groups_in_batches(monkeypatch):
    # Batches of 3 groups of equal size; one group of each size too large.
    rng = np.random.RandomState(0)
    groups = np.repeat(np.arange(40), 10)
    X = rng.standard_normal((400, 12))
    expected = knn_gaussian_affinity(X, 4, groups=groups)
    monkeypatch.setattr(neighbors_module, "_BLOCK_BYTES", 8 * 10 * 12 * 3)
    assert (knn_gaussian_affinity(X, 4, groups=groups) != expected).nnz == 0
    monkeypatch.setattr(neighbors_module, "SMALL_GROUP_MAX_SAMPLES", 9)
    per_group = knn_gaussian_affinity(X, 4, groups=groups)
    assert per_group.nnz == expected.nnz
    np.testing.assert_allclose(per_group.toarray(), expected.toarray(), rtol=1e-12)
    assert SMALL_GROUP_MAX_SAMPLES >= 10


@pytest.mark.filterwarnings("ignore:.*group")
def test_small_groups_at_any_scale_and_with_non_finite_values():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((12, 5))
    groups = np.repeat([0, 1, 2], 4)
    expected = knn_gaussian_affinity(X, 2, groups=groups)
    # The search ranks a scaled copy: the same neighbours at any scale (the
    # weights of 1e-160 differ by rounding: its squared distances are
    # subnormal numbers).
    for scale in (1e-160, 1e100):
        scaled = knn_gaussian_affinity(X * scale, 2, groups=groups)
        np.testing.assert_array_equal(scaled.toarray() > 0, expected.toarray() > 0)
    scaled = knn_gaussian_affinity(X * 1e100, 2, groups=groups)
    np.testing.assert_allclose(scaled.toarray(), expected.toarray(), rtol=1e-12)
    # Unscaled, the products of values near 1e160 were NaN, and every row
    # became its own neighbour at distance 0 without an error.
    for k, big_groups in [(2, groups), (1, np.repeat([0, 1, 2], 4))]:
        with pytest.raises(ValueError, match="overflow float64"):
            knn_gaussian_affinity(X * 1e160, k, groups=big_groups)
    X[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        knn_gaussian_affinity(X, 2, groups=groups)


def test_brute_force_blocks_are_bounded_in_wide_data():
    # More features than samples: a block of rows is bounded by its width
    # too, so a float32 X is not cast to float64 whole (77 MB here; the
    # blocks take about 21 MB).
    X = np.random.RandomState(0).standard_normal((400, 24_000)).astype(np.float32)
    peak = peak_memory(brute_force_nearest_neighbors, X, 5)
    assert peak < 0.75 * X.nbytes


# ---------------------------------------------------------------------------
# The kd-tree on data with duplicated rows: it holds the distinct rows only
# ---------------------------------------------------------------------------
def duplicate_heavy(kind, seed=0):
    rng = np.random.RandomState(seed)
    if kind == "binary":
        return rng.randint(2, size=(400, 5)).astype(float)
    if kind == "three rows":
        return rng.standard_normal((3, 4))[rng.randint(3, size=300)]
    if kind == "constant":
        return np.full((60, 3), 0.7)
    if kind == "mixed":
        return with_duplicates(300, 4, seed)
    # One row copied 30 times among distinct rows.
    X = rng.standard_normal((100, 2))
    X[rng.permutation(100)[:30]] = X[0]
    return X


def assert_exact_neighbours(X, indices, distances, k):
    """Valid and exact: the true distances, the true k nearest."""
    n = X.shape[0]
    assert indices.shape == distances.shape == (n, k)
    assert indices.dtype == np.intp and distances.dtype == np.float64
    assert not np.any(indices == np.arange(n)[:, None])
    assert np.all(np.diff(np.sort(indices, axis=1), axis=1) > 0)
    dist = cdist(X, X)
    np.testing.assert_array_equal(distances, np.take_along_axis(dist, indices, 1))
    np.testing.assert_array_equal(distances, dense_neighbours(X, k)[1])


def old_kd_tree_search(X, k):
    """nearest_neighbors before duplicates were searched once."""
    X = np.asarray(X, dtype=np.float64)
    distances, indices = neighbors_module.cKDTree(X).query(X, k=k + 1)
    is_self = indices == np.arange(X.shape[0])[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    keep = ~is_self
    return indices[keep].reshape(-1, k), distances[keep].reshape(-1, k)


@pytest.mark.parametrize(
    "kind", ["binary", "three rows", "constant", "mixed", "one row copied"]
)
def test_kd_tree_with_duplicates_is_exact(kind):
    X = duplicate_heavy(kind)
    for k in (1, 4, 10, X.shape[0] - 1):
        indices, distances = nearest_neighbors(X, k)
        assert_exact_neighbours(X, indices, distances, k)
        # Independent of the threads; float32 gives its float64 values'.
        others = [nearest_neighbors(X, k, workers=2)]
        if kind == "binary":
            others.append(nearest_neighbors(X.astype(np.float32), k))
        for other in others:
            np.testing.assert_array_equal(other[0], indices)
            np.testing.assert_array_equal(other[1], distances)
        # A row's own copies come first, by index.
        copies = np.all(X[indices] == X[:, None, :], axis=2)
        assert np.all(np.diff(copies.astype(int), axis=1) <= 0)
        tied = copies[:, 1:] & copies[:, :-1]
        assert np.all(np.diff(indices, axis=1)[tied] > 0)


def test_kd_tree_holds_the_distinct_rows(monkeypatch):
    sizes = []

    class RecordingTree(neighbors_module.cKDTree):
        def __init__(self, data, *args, **kwargs):
            sizes.append(len(data))
            super().__init__(data, *args, **kwargs)

    monkeypatch.setattr(neighbors_module, "cKDTree", RecordingTree)
    X = duplicate_heavy("binary")
    nearest_neighbors(X, 10)
    nearest_neighbors(duplicate_heavy("constant"), 5)
    nearest_neighbors(X[np.unique(X, axis=0, return_index=True)[1]], 3)
    assert sizes == [32, 1, 32]


def test_kd_tree_without_duplicates_is_unchanged(monkeypatch):
    rng = np.random.RandomState(0)
    gaussian = rng.standard_normal((500, 3))
    grid = np.stack(np.meshgrid(np.arange(8.0), np.arange(8.0)), -1).reshape(-1, 2)
    near = np.repeat(rng.standard_normal((50, 2)), 2, axis=0)
    near[1::2, 1] = np.nextafter(near[1::2, 1], np.inf)  # distinct by one ulp
    for X in (gaussian, grid, near, gaussian.astype(np.float32)):
        expected = old_kd_tree_search(X, 6)
        for found in (nearest_neighbors(X, 6), nearest_neighbors(X, 6, workers=2)):
            np.testing.assert_array_equal(found[0], expected[0])
            np.testing.assert_array_equal(found[1], expected[1])
    # Equal keys of distinct rows do not count as duplicates.
    monkeypatch.setattr(neighbors_module, "_row_keys", lambda X: np.zeros(len(X)))
    for X in (gaussian, grid):
        expected = old_kd_tree_search(X, 6)
        found = nearest_neighbors(X, 6)
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1], expected[1])


def test_kd_tree_duplicates_with_equal_keys(monkeypatch):
    # Equal keys of distinct rows between equal rows: the rows are sorted
    # by value too.
    monkeypatch.setattr(neighbors_module, "_row_keys", lambda X: np.zeros(len(X)))
    for kind in ("binary", "mixed"):
        X = duplicate_heavy(kind, seed=1)
        indices, distances = nearest_neighbors(X, 7)
        assert_exact_neighbours(X, indices, distances, 7)


@pytest.mark.filterwarnings("ignore:.*group")
def test_grouped_search_with_duplicates():
    rng = np.random.RandomState(0)
    X = np.r_[duplicate_heavy("binary"), np.ones((200, 5)), rng.randint(2, size=(9, 5))]
    groups = np.r_[np.arange(400) % 2, np.full(200, 2), np.full(9, 3)]
    rows, cols, distances, farthest = neighbors_module._search_within_groups(
        X, groups, 6, "auto", 0
    )
    assert np.all(groups[rows] == groups[cols]) and not np.any(rows == cols)
    np.testing.assert_array_equal(distances, np.linalg.norm(X[rows] - X[cols], axis=1))
    for label in range(4):
        index = np.flatnonzero(groups == label)
        k = min(6, index.size - 1)
        mine = np.isin(rows, index)
        assert np.all(np.diff(rows[mine]) >= 0)  # grouped by row, k each
        np.testing.assert_array_equal(
            distances[mine].reshape(-1, k), dense_neighbours(X[index], k)[1]
        )


def test_duplicated_rows_far_apart_overflow_only_when_needed():
    # The tree cannot rank distinct rows whose distance overflows: a row's
    # own copies still fill its list, and a list that needs the far row
    # reports the overflow (an IndexError before).
    X = np.repeat(np.array([[1e200, 0.0], [-1e200, 0.0]]), 20, axis=0)
    indices, distances = nearest_neighbors(X, 5)
    assert np.all(distances == 0)
    np.testing.assert_array_equal(X[indices][:, :, 0], np.repeat(X[:, :1], 5, axis=1))
    with pytest.raises(ValueError, match="overflow"):
        nearest_neighbors(X, 25)
