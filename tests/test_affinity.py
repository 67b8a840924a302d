"""The kNN Gaussian affinity and the neighbour sampler."""

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist

from sklspin._affinity import (
    NeighbourSampler,
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
    draws, degree = sampler.sample(np.full(40000, anchor), rng)
    np.testing.assert_allclose(degree, sampler.degree[anchor])
    row = affinity.getrow(anchor).toarray().ravel()
    assert set(np.unique(draws)) <= set(np.flatnonzero(row))
    frequency = np.bincount(draws, minlength=X.shape[0]) / draws.size
    np.testing.assert_allclose(frequency, row / row.sum(), atol=0.01)


def test_sampler_is_reproducible(X):
    sampler = NeighbourSampler(knn_gaussian_affinity(X, n_neighbors=4))
    anchors = np.arange(X.shape[0])
    a, _ = sampler.sample(anchors, np.random.RandomState(7))
    b, _ = sampler.sample(anchors, np.random.RandomState(7))
    np.testing.assert_array_equal(a, b)
