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


def _int_at_least(minimum, maximum=None):
    """An argparse type: an integer in ``[minimum, maximum]``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and at most {maximum}"
            raise argparse.ArgumentTypeError(
                f"must be at least {minimum}{upper}, got {value}"
            )
        return value

    return parse


def parse_args(argv=None):
    """The demo's options (``python -m sklspin --help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m sklspin",
        description=(
            "Fit LSPINClassifier with its defaults on a heterogeneous two-group "
            "problem and print, per subgroup, the features its test samples "
            "keep open next to the true ones."
        ),
    )
    parser.add_argument(
        "--n-samples",
        type=_int_at_least(40),
        default=1000,
        help="samples generated, 30%% of them for testing (default: %(default)s)",
    )
    parser.add_argument(
        "--n-noise-features",
        type=_int_at_least(0),
        default=5,
        help="pure-noise features added to the 5 informative ones "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--random-state",
        type=_int_at_least(0, 2**32 - 1),
        default=0,
        help="seed of the data, the split and the model (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

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
