"""
=========================================================
Choosing the sparsity weight with cross-validation
=========================================================

``sparsity_weight`` sets the price of every open gate: too small and the
model keeps all features, too large and it closes so many gates that it
loses accuracy (and, larger still, closes every gate and predicts a
constant). This example tunes it with
:class:`~sklearn.model_selection.GridSearchCV` inside a
:class:`~sklearn.pipeline.Pipeline`, and draws the trade-off between
accuracy and the number of features used per sample.

Two rules from the :doc:`user guide </user_guide>` are followed:

* the choice is made on a **task metric** (cross-validated accuracy), not
  on the training objective, which contains the penalty itself;
* among the values whose accuracy is within one standard error of the best,
  the **sparsest** model is kept (the "one-standard-error rule").
"""

# %%
# The data
# --------
# Two sub-populations whose labels depend on features ``{x1, x2, x3}`` and
# ``{x3, x4, x5}`` respectively, plus 10 pure-noise features. A test set is
# kept aside for the final evaluation.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklspin import LSPINClassifier
from sklspin.datasets import make_two_group_classification
from sklspin.metrics import feature_selection_f1

X, y, mask, groups = make_two_group_classification(
    n_samples=300, n_noise_features=10, random_state=0
)
X_train, X_test, y_train, y_test, mask_train, mask_test = train_test_split(
    X, y, mask, test_size=0.3, random_state=0, stratify=y
)

# %%
# The search
# ----------
# Besides accuracy, each candidate is scored by the mean number of open
# gates per validation sample, with a small custom scorer. GridSearchCV
# accepts several scorers; ``refit`` then needs to know which candidate to
# keep: here a function implementing the one-standard-error rule.
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("lspin", LSPINClassifier(max_iter=1000, random_state=0)),
    ]
)


cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


def mean_open_gates(estimator, X, y):
    """Average number of features used per sample (a scorer)."""
    gates = estimator[-1].predict_gates(estimator[:-1].transform(X))
    return (gates > 0).sum(axis=1).mean()


def standard_error(cv_results):
    """Standard error of the mean cross-validated accuracy of each candidate.

    ``cv_results_`` holds the population standard deviation (ddof=0) of the
    fold scores; the standard error of their mean uses the sample one
    (ddof=1): std * sqrt(n / (n - 1)) / sqrt(n) = std / sqrt(n - 1).
    """
    return cv_results["std_test_accuracy"] / np.sqrt(cv.get_n_splits() - 1)


def sparsest_within_one_std_error(cv_results):
    """Index of the sparsest candidate with accuracy >= best - 1 std error."""
    accuracy = cv_results["mean_test_accuracy"]
    best = np.argmax(accuracy)
    threshold = accuracy[best] - standard_error(cv_results)[best]
    good = np.flatnonzero(accuracy >= threshold)
    return good[np.argmin(cv_results["mean_test_open_gates"][good])]


sparsity_weights = np.geomspace(1e-3, 1.0, 4)
search = GridSearchCV(
    pipe,
    param_grid={"lspin__sparsity_weight": sparsity_weights},
    scoring={"accuracy": "accuracy", "open_gates": mean_open_gates},
    refit=sparsest_within_one_std_error,
    cv=cv,
)
search.fit(X_train, y_train)

results = search.cv_results_
for weight, acc, n_open in zip(
    sparsity_weights, results["mean_test_accuracy"], results["mean_test_open_gates"]
):
    print(f"sparsity_weight={weight:<8.3g} accuracy={acc:.3f}  open gates={n_open:.1f}")
top = np.argmax(results["mean_test_accuracy"])
top_accuracy = results["mean_test_accuracy"][top]
threshold = top_accuracy - standard_error(results)[top]
print(f"best accuracy {top_accuracy:.3f}; one standard error below: {threshold:.3f}")
chosen = search.best_params_["lspin__sparsity_weight"]
print(f"chosen sparsity_weight: {chosen:.3g}")

# %%
# The trade-off curve
# -------------------
# Each point is one value of ``sparsity_weight``: cross-validated accuracy
# against the average number of features a sample uses (15 = no
# selection, 3 = the true number of informative features per sample).
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
ax = axes[0]
ax.errorbar(
    results["mean_test_open_gates"],
    results["mean_test_accuracy"],
    xerr=results["std_test_open_gates"],
    yerr=results["std_test_accuracy"],
    fmt="o-",
    capsize=3,
)
for weight, x, y_ in zip(
    sparsity_weights, results["mean_test_open_gates"], results["mean_test_accuracy"]
):
    ax.annotate(f"{weight:.2g}", (x, y_), textcoords="offset points", xytext=(5, 5))
best = search.best_index_
ax.scatter(
    results["mean_test_open_gates"][best],
    results["mean_test_accuracy"][best],
    s=200,
    facecolors="none",
    edgecolors="red",
    linewidths=2,
    label="chosen",
    zorder=3,
)
ax.axvline(3, color="grey", linestyle=":", label="true informative per sample")
ax.set_xlabel("open gates per sample (mean over validation folds)")
ax.set_ylabel("cross-validated accuracy")
ax.set_title("Accuracy vs. features used (labels: sparsity_weight)")
ax.legend(loc="lower right")

ax = axes[1]
ax.semilogx(sparsity_weights, results["mean_test_accuracy"], "o-", color="C0")
ax.set_xlabel("sparsity_weight")
ax.set_ylabel("cross-validated accuracy", color="C0")
twin = ax.twinx()
twin.semilogx(sparsity_weights, results["mean_test_open_gates"], "s--", color="C1")
twin.set_ylabel("open gates per sample", color="C1")
ax.axvline(chosen, color="red", linewidth=1)
ax.set_title("Both against the sparsity weight")
plt.show()

# %%
# The chosen model on the test set
# --------------------------------
# ``search`` was refitted on the whole training set with the chosen value.
# On this synthetic problem the true informative features are known, so
# the per-sample selection can be scored too.
model = search.best_estimator_
gates = model[-1].predict_gates(model[:-1].transform(X_test))
print(f"test accuracy: {model.score(X_test, y_test):.3f}")
print(f"test feature F1: {feature_selection_f1(mask_test, gates):.3f}")
