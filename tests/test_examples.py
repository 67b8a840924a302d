"""The gallery scripts in ``examples/`` run, and say what they print.

Each script is run once, in this process, with matplotlib's Agg backend and
``plt.show`` closing the figures instead of drawing them. The numbers that
a script's prose quotes or describes ("most", "about half", "every") are
checked against what the script prints, so that a change of a default
cannot make the gallery's text stale silently. Together the scripts take
about a minute.
"""

import re
import runpy
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _lines_after(out, start):
    """The printed lines after the first one that starts with ``start``."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(start):
            return lines[i + 1 :]
    raise AssertionError(f"no printed line starts with {start!r}:\n{out}")


def _group_shares(out, start):
    """``{group: {feature: share}}`` from the "group k: x1 0.50, ..." lines
    printed right after the line that starts with ``start``."""
    shares = {}
    for line in _lines_after(out, start):
        if line == "share of open gates:":
            continue
        match = re.fullmatch(r"\s+group (\d+): ((?:x\d+ [\d.]+(?:, )?)+)", line)
        if match is None:
            break
        shares[int(match[1])] = {
            int(feature): float(share)
            for feature, share in re.findall(r"x(\d+) ([\d.]+)", match[2])
        }
    assert shares, f"no share lines after {start!r}:\n{out}"
    return shares


def _number(out, pattern):
    """The first group of ``pattern`` in the printed output, as a float."""
    match = re.search(pattern, out)
    assert match is not None, f"{pattern!r} not printed:\n{out}"
    return float(match[1])


def check_per_sample_gates(namespace, out, caught):
    # "It runs its 500 epochs ... and warns (ConvergenceWarning)."
    assert namespace["model"][-1].n_iter_ == 500
    assert ConvergenceWarning in caught
    # "Allowing 1,000 epochs, it stops soon after 500 with nearly the same
    # model (... how few test gates switch)."
    accuracy = _number(out, r"(?m)^test accuracy: ([\d.]+)$")
    match = re.search(
        r"with max_iter=1000: (\d+) epochs, test accuracy ([\d.]+), "
        r"(\d+) of (\d+) test gates switch",
        out,
    )
    assert match is not None, out
    assert 500 < int(match[1]) <= 600
    assert abs(float(match[2]) - accuracy) <= 0.01
    assert int(match[3]) <= 0.02 * int(match[4])
    # The heat map's description, and the shares printed per group.
    rows = {}
    for k in (0, 1):
        text = re.search(
            rf"group {k}, share of samples with the gate open: \[([^\]]*)\]", out
        )
        assert text is not None, out
        rows[k] = [float(v) for v in text[1].split()]
    group0, group1 = rows[0], rows[1]
    assert min(group0[0], group0[1]) >= 0.95  # columns 1-2 open for group 0
    assert min(group1[2:6]) >= 0.9  # columns 3-6 open for group 1
    assert min(group0[10], group1[10]) >= 0.9  # column 11: nearly everybody
    assert 0.65 <= group0[4] <= 0.85  # x5: about three quarters of group 0
    assert all(0.15 <= group0[j] <= 0.3 for j in (2, 3, 5))  # a fifth to a quarter
    match = re.search(r"open gates of x7-x10: (\d+) of (\d+)", out)
    assert match is not None, out
    assert 0 < int(match[1]) <= 10  # "closed for all but a handful"


def check_regression_groups(namespace, out, caught):
    # E5 with the default schedule: the gates of each group, except that
    # group 2 keeps x2 open "for every one of its test samples".
    truth = {0: {1, 2, 21}, 1: {2, 3, 21}, 2: {3, 4, 21}}
    e5 = _group_shares(out, "E5 feature F1")
    assert e5[2][2] == 1.0
    for group, shares in e5.items():
        for feature, share in shares.items():
            if feature in truth[group]:
                assert share >= 0.95, (group, feature, share)
            elif (group, feature) != (2, 2):
                assert share <= 0.05, (group, feature, share)
    # Constant penalty: group 0 keeps x1 and group 2 x4 for "about half".
    constant = _group_shares(out, "constant penalty, without groups")
    assert 0.35 <= constant[0][1] <= 0.65
    assert 0.35 <= constant[2][4] <= 0.65
    # Two-group LLSPIN: group 1 keeps x1 for every test sample and x2 for
    # "about a third"; x1 is at -0.90 after standardisation.
    two_group = _group_shares(out, "two-group feature F1")
    assert two_group[1][1] == 1.0
    assert 0.25 <= two_group[1][2] <= 0.45
    assert "group 1: mean standardised x1 -0.90" in out


def check_compare_breast_cancer(namespace, out, caught):
    # "enough for all of them to converge"
    assert ConvergenceWarning not in caught
    scores = namespace["scores"]
    accuracy = {name: s["test_accuracy"].mean() for name, s in scores.items()}
    used = {name: s["test_used"].mean() for name, s in scores.items()}
    # The defaults are the least accurate; alpha=1 is more accurate but
    # still below the MLP and the L1 model, and keeps more gates open.
    assert accuracy["LSPIN defaults"] == min(accuracy.values())
    assert accuracy["LSPIN alpha=1"] > accuracy["LSPIN defaults"]
    assert accuracy["LSPIN alpha=1"] < min(accuracy["MLP"], accuracy["L1-logistic"])
    assert used["LSPIN alpha=1"] > used["LSPIN defaults"]
    # The gating network reads every feature; the L1 model only its own.
    assert scores["LSPIN alpha=1"]["test_measured"].min() == 30
    assert scores["L1-logistic"]["test_measured"].max() < 30
    # Every gate closed: most malignant samples of fold 1, answered
    # "malignant"; some benign ones of fold 2, answered "benign"; none with
    # alpha=1.
    folds = re.findall(
        r"fold (\d): +([\d.]+)% of the malignant, +([\d.]+)% of the benign"
        r"(?:; predicted ([a-z ]+))?",
        out,
    )
    assert len(folds) == 6, out
    defaults, alpha_1 = folds[:3], folds[3:]
    assert float(defaults[0][1]) > 50 and defaults[0][3] == "malignant"
    assert float(defaults[1][2]) > 0 and defaults[1][3] == "benign"
    assert all(float(m) == 0 == float(b) for _, m, b, _ in alpha_1)


def check_digits_gates(namespace, out, caught):
    # "Most 3s open none"; the images with every gate closed are called 3.
    match = re.search(r"3s: [\d.]+ open pixels on average, (\d+) of (\d+)", out)
    assert match is not None, out
    assert int(match[1]) > int(match[2]) / 2
    assert re.search(r"every gate closed: 3$", out, re.M), out
    # "The 8s open two or three pixels"
    assert 2 <= _number(out, r"8s: ([\d.]+) open pixels on average") <= 3
    # "LSPIN also misclassifies a few more test images than a logistic
    # regression ... with 108 test images"
    lspin = _number(out, r"LSPIN test accuracy: [\d.]+ \((\d+) of 108 images")
    logistic = _number(out, r"regression test accuracy: [\d.]+ \((\d+) of 108")
    assert 0 < lspin - logistic <= 5


def check_model_selection(namespace, out, caught):
    # The chosen value is the sparsest within one standard error of the best.
    results = namespace["search"].cv_results_
    threshold = _number(out, r"one standard error below: ([\d.]+)")
    best = namespace["search"].best_index_
    assert results["mean_test_accuracy"][best] >= threshold - 5e-4
    candidates = results["mean_test_accuracy"] >= threshold - 5e-4
    assert (
        results["mean_test_open_gates"][best]
        == results["mean_test_open_gates"][candidates].min()
    )


CHECKS = {
    "plot_per_sample_gates": check_per_sample_gates,
    "plot_regression_groups": check_regression_groups,
    "plot_compare_breast_cancer": check_compare_breast_cancer,
    "plot_digits_gates": check_digits_gates,
    "plot_model_selection": check_model_selection,
}


def test_every_example_is_checked():
    assert {path.stem for path in EXAMPLES.glob("*.py")} == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_and_prints_what_it_says(name, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: plt.close("all"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    plt.close("all")
    out = capsys.readouterr().out
    categories = {w.category for w in caught}
    assert not any(issubclass(c, RuntimeWarning) for c in categories), caught
    CHECKS[name](namespace, out, categories)
