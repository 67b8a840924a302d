"""The demo, ``python -m sklspin``: its output and its options."""

import re

import pytest

from sklspin.__main__ import main, parse_args

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_demo_recovers_each_subgroups_features(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+)", out).group(1))
    f1 = float(re.search(r"feature F1 .*: ([0-9.]+)", out).group(1))
    assert accuracy > 0.95 and f1 > 0.95, out
    # One row per subgroup: the features open for most of its samples, then
    # the true ones; with the defaults they agree.
    rows = re.findall(r"^(\d+)\s+(\{[^}]*\})\s+(\{[^}]*\})$", out, flags=re.M)
    assert [row[0] for row in rows] == ["0", "1"], out
    for _, kept, truth in rows:
        assert kept == truth, out


def test_demo_options_are_validated(assert_cli_errors):
    assert parse_args(["--n-samples", "40", "--n-noise-features", "0"]).n_samples == 40
    assert_cli_errors(
        parse_args,
        [
            (["--n-samples", "5"], "--n-samples: must be at least 40, got 5"),
            (["--n-samples", "1e3"], "not an integer: '1e3'"),
            (["--n-noise-features", "-1"], "must be at least 0, got -1"),
            (["--random-state", "-1"], "must be at least 0 and at most 4294967295"),
        ],
    )
