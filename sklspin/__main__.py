"""Demo: ``python -m sklspin``.

Fits :class:`~sklspin.LSPINClassifier` with its default hyper-parameters on
a heterogeneous two-group problem and shows, for each subgroup, the features
its test samples keep open next to the truly informative ones.
"""

import argparse
import time

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import LSPINClassifier, __version__
from .datasets import make_two_group_classification
from .metrics import feature_selection_f1


def _names(indices):
    return "{" + ", ".join(f"x{i + 1}" for i in indices) + "}"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklspin", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--n-samples", type=int, default=1000)
    parser.add_argument("--n-noise-features", type=int, default=5)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    print(f"sklspin {__version__}: locally sparse networks (LSPIN) demo\n")
    X, y, mask, groups = make_two_group_classification(
        n_samples=args.n_samples,
        n_noise_features=args.n_noise_features,
        weights="equal",
        random_state=args.random_state,
    )
    print(
        f"Data: {X.shape[0]} samples, {X.shape[1]} features, two subgroups; "
        "each subgroup's label depends on its own 3 features."
    )
    X_train, X_test, y_train, y_test, _, mask_test, _, groups_test = train_test_split(
        X,
        y,
        mask,
        groups,
        test_size=0.3,
        random_state=args.random_state,
        stratify=groups,
    )
    model = make_pipeline(
        StandardScaler(), LSPINClassifier(random_state=args.random_state)
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    lspin = model[-1]
    gates = lspin.predict_gates(model[0].transform(X_test))

    print(
        f"Fitted LSPINClassifier (defaults) in {elapsed:.1f} s, {lspin.n_iter_} epochs."
    )
    print(f"Test accuracy: {model.score(X_test, y_test):.3f}")
    print(
        "Per-sample feature F1 (open gates vs. truth): "
        f"{feature_selection_f1(mask_test, gates):.3f}\n"
    )
    print(f"{'subgroup':<10}{'open in >= 50% of its samples':<36}true features")
    for group in np.unique(groups_test):
        rows = groups_test == group
        open_share = (gates[rows] > 0).mean(axis=0)
        kept = np.flatnonzero(open_share >= 0.5)
        truth = np.flatnonzero(mask_test[rows][0])
        print(f"{group:<10}{_names(kept):<36}{_names(truth)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
