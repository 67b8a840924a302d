"""
=====================================================================
LSPIN vs. an MLP and an L1-logistic regression on real data
=====================================================================

On the Wisconsin breast cancer data set bundled with scikit-learn (569
tumours, 30 features, :func:`~sklearn.datasets.load_breast_cancer`) we
compare, with 3-fold cross-validation:

* :class:`~sklearn.neural_network.MLPClassifier`: accurate, uses all
  features for everybody;
* L1-penalised :class:`~sklearn.linear_model.LogisticRegression`: one sparse
  set of features for everybody (global selection);
* :class:`~sklspin.LSPINClassifier`: a sparse set of features **per
  sample** (:class:`~sklspin.LLSPINClassifier`, its linear variant, can be
  added to the dictionary of models in the same way).

For each model we report the accuracy and the number of features it uses:
all of them for the MLP, the non-zero coefficients for the L1 model, and
the mean number of open gates per test sample for LSPIN. No
hyper-parameter is tuned here (the MLP and LSPIN get up to 1,000 epochs,
enough for both to converge); see
:ref:`sphx_glr_auto_examples_plot_model_selection.py` for that.
"""

# %%
# Models and scorers
# ------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklspin import LSPINClassifier

data = load_breast_cancer()
X, y = data.data, data.target
print(f"{X.shape[0]} samples, {X.shape[1]} features")

# scikit-learn >= 1.8 selects the L1 penalty with l1_ratio=1; older versions
# with penalty="l1".
if LogisticRegression().get_params()["penalty"] == "deprecated":
    l1 = {"l1_ratio": 1.0}
else:
    l1 = {"penalty": "l1"}

models = {
    "MLP": MLPClassifier(hidden_layer_sizes=(64,), max_iter=1000, random_state=0),
    "L1-logistic": LogisticRegression(C=0.1, solver="liblinear", **l1),
    "LSPIN": LSPINClassifier(max_iter=1000, random_state=0),
}


def features_used(pipeline, X, y):
    """Features used per test sample, averaged (a scorer)."""
    model, X_std = pipeline[-1], pipeline[:-1].transform(X)
    if hasattr(model, "predict_gates"):
        return (model.predict_gates(X_std) > 0).sum(axis=1).mean()
    if hasattr(model, "coef_"):
        return np.count_nonzero(model.coef_)
    return X.shape[1]


# %%
# Cross-validation
# ----------------
# Every model is fitted in a pipeline after a
# :class:`~sklearn.preprocessing.StandardScaler`, on the same folds. The
# fitted models of every fold are kept for the last figure.
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
scores = {}
for name, model in models.items():
    scores[name] = cross_validate(
        make_pipeline(StandardScaler(), model),
        X,
        y,
        cv=cv,
        scoring={"accuracy": "accuracy", "features": features_used},
        return_estimator=True,
    )
    print(
        f"{name:12s} accuracy {scores[name]['test_accuracy'].mean():.3f} "
        f"+/- {scores[name]['test_accuracy'].std():.3f}, "
        f"features used {scores[name]['test_features'].mean():5.1f} of {X.shape[1]}, "
        f"fit time {scores[name]['fit_time'].mean():.2f} s"
    )

# %%
# Accuracy and features used
# --------------------------
names = list(models)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for ax, key, label in (
    (axes[0], "test_accuracy", "accuracy (3-fold CV)"),
    (axes[1], "test_features", "features used per sample"),
):
    means = [scores[name][key].mean() for name in names]
    stds = [scores[name][key].std() for name in names]
    ax.bar(names, means, yerr=stds, capsize=4, color=["C7", "C1", "C0"])
    ax.set_ylabel(label)
axes[0].set_ylim(0.85, 1.0)
axes[1].axhline(X.shape[1], color="grey", linestyle=":")
fig.suptitle("Breast cancer: accuracy and sparsity")
plt.show()

# %%
# Which features does LSPIN use?
# ------------------------------
# For the models fitted on the cross-validation folds: the fraction of
# training samples for which each feature's gate is open
# (``gate_open_fraction_``, averaged over the folds), and the fraction of
# folds in which the L1-logistic regression keeps the feature. Features that
# LSPIN opens for only part of the samples are exactly what a global
# selector cannot express.
open_fraction = np.mean(
    [pipe[-1].gate_open_fraction_ for pipe in scores["LSPIN"]["estimator"]], axis=0
)
l1_kept = np.mean(
    [pipe[-1].coef_.ravel() != 0 for pipe in scores["L1-logistic"]["estimator"]],
    axis=0,
)
order = np.argsort(open_fraction + 1e-3 * l1_kept)[::-1]

fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
position = np.arange(X.shape[1])
ax.bar(position - 0.2, open_fraction[order], width=0.4, color="C0", label="LSPIN")
ax.bar(position + 0.2, l1_kept[order], width=0.4, color="C1", label="L1-logistic")
ax.set_xticks(position)
ax.set_xticklabels(data.feature_names[order], rotation=90, fontsize=8)
ax.set_ylabel("fraction")
ax.set_ylim(0, 1.05)
ax.legend(loc="upper right")
ax.set_title(
    "LSPIN: fraction of samples with an open gate; "
    "L1-logistic: fraction of folds keeping the feature"
)
plt.show()
