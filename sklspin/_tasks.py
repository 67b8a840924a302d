"""What differs between classification and regression.

:class:`ClassifierTask` and :class:`RegressorTask` are mixins of the
LSPIN-family estimators (placed before :class:`~sklspin._base.BaseLSPIN` in
the bases): target encoding (one-hot labels, standardised targets), the
task loss, the validation score of early stopping, ``partial_fit`` and the
predictions. Everything the two tasks share lives in :mod:`sklspin._base`.
"""

import math

import numpy as np
from sklearn.base import _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    unique_labels,
)

from ._docs import fill_doc
from ._losses import row_logsumexp
from ._warnings import warn_user


class ClassifierTask:
    """Classification-specific parts shared by the LSPIN-family classifiers."""

    def _encode_targets(self, y, first_pass, sample_weight=None, rescale=False):
        """Binary targets as 0.0 / 1.0 (``classes_[1]`` is 1); more classes
        as integer codes (indices into ``classes_``), one-hot encoded batch
        by batch (:meth:`_batch_targets`) rather than held for every row."""
        check_classification_targets(y)
        if first_pass:
            classes = unique_labels(y)
            if classes.shape[0] < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes "
                    f"in the data, but the data contains only one class: "
                    f"{classes[:1].tolist()[0]!r}."
                )
            self.classes_ = classes
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not in "
                    f"classes_={self.classes_.tolist()}: the model can only be "
                    "updated on the classes it was set up with (by fit, or by "
                    "the classes argument of the first partial_fit call)."
                )
        codes = np.searchsorted(self.classes_, y)
        if self.classes_.shape[0] == 2:
            return codes.astype(np.float64)
        return codes

    def _batch_targets(self, targets, dtype):
        if self.classes_.shape[0] == 2:  # 0.0 / 1.0 already
            return targets
        one_hot = np.zeros((targets.shape[0], self.classes_.shape[0]), dtype=dtype)
        one_hot[np.arange(targets.shape[0]), targets] = 1
        return one_hot

    def _task_loss_name(self):
        if self.classes_.shape[0] == 2:
            return "binary_log_loss"
        return "multinomial_log_loss"

    def _n_outputs_for_network(self):
        n_classes = self.classes_.shape[0]
        return 1 if n_classes == 2 else n_classes

    def _split_stratify(self, y):
        # Stratified when it can be: every class needs 2 samples, and each
        # part room for one of every class. Otherwise a random split, with a
        # warning (scikit-learn's MLPs raise for two classes and never
        # stratify more).
        n_samples = y.shape[0]
        n_validation = math.ceil(self.validation_fraction * n_samples)
        counts = np.unique(y, return_counts=True)[1]
        smaller_part = min(n_validation, n_samples - n_validation)
        if counts.min() >= 2 and smaller_part >= counts.shape[0]:
            return y
        warn_user(
            "early_stopping: no stratified validation split exists (the "
            f"smallest class has {counts.min()} sample(s); the parts have "
            f"{n_samples - n_validation} and {n_validation} rows for "
            f"{counts.shape[0]} classes), so the split is random, and a class "
            "may be missing from one part.",
            UserWarning,
        )
        return None

    def _decision(self, X, dtype=None):
        return self._raw_output(X, dtype)

    def _validation_score(self, X, y, sample_weight):
        logits = self._decision(X)
        # y: the encoded targets, 0.0 / 1.0 or integer codes.
        if logits.shape[1] == 1:
            predicted = (logits[:, 0] > 0).astype(int)
        else:
            predicted = np.argmax(logits, axis=1)
        return accuracy_score(y.astype(int), predicted, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one pass over the given batch of data.

        {partial_fit_summary}
        {partial_fit_schedules}

        On the first call the parameters are initialised from
        ``random_state``.

        Parameters
        ----------
        {partial_fit_X}

        {partial_fit_classes}

        {partial_fit_sample_weight}

        Returns
        -------
        self : object
            The updated estimator.

        Notes
        -----
        {partial_fit_affinity}

        {partial_fit_notes}
        """
        first_call = not self.__sklearn_is_fitted__()
        # classes_ is set first: a first call that raises must not keep it.
        with self._unfitted_if_it_fails(first_call):
            if _check_partial_fit_first_call(self, classes):
                if self.classes_.shape[0] < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs at least 2 classes, but "
                        f"classes={self.classes_.tolist()} contains only one."
                    )
            return self._partial_fit(X, y, sample_weight, reset_targets=False)

    def predict(self, X):
        """Predict class labels for samples in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        X = self._predict_input(X)
        logits = self._decision(X, np.float64)
        if logits.shape[1] == 1:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns ordered as ``classes_``.
        """
        X = self._predict_input(X)
        logits = self._decision(X, np.float64)
        if logits.shape[1] == 1:
            logits = np.hstack([np.zeros_like(logits), logits])
        return logits - row_logsumexp(logits)

    def predict_proba(self, X):
        """Class probabilities of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns ordered as ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))


def _target_moments(y2d, sample_weight=None):
    """Mean and standard deviation of each column of ``y2d`` (weighted).

    A column that is constant (over the samples of positive weight) gets the
    scale 1. Rows of weight zero do not count, as in a fit without them.
    """
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        y2d = y2d[sample_weight > 0]
        sample_weight = sample_weight[sample_weight > 0]
    # Moments of y divided by a power of two near max|y|: exactly the
    # moments of y (scaling by 2^k is exact in floating point), but the sum
    # of squares cannot overflow (|y| > 1e154) or underflow (|y| < 1e-154).
    power = np.ldexp(1.0, np.frexp(np.abs(y2d).max(axis=0))[1] - 1)
    unit = y2d / power
    if sample_weight is None:
        unit_mean = unit.mean(axis=0)
        unit_std = unit.std(axis=0)
    else:
        unit_mean = np.average(unit, axis=0, weights=sample_weight)
        variance = np.average((unit - unit_mean) ** 2, axis=0, weights=sample_weight)
        unit_std = np.sqrt(variance)
    mean, scale = unit_mean * power, unit_std * power
    constant = (np.ptp(y2d, axis=0) == 0) | (
        scale <= np.finfo(np.float64).eps * np.abs(mean)
    )
    scale[constant] = 1.0
    return mean, scale


class RegressorTask:
    """Regression-specific parts shared by the LSPIN-family regressors.

    Targets are standardised internally (weighted mean and standard
    deviation) so that ``sparsity_weight`` and ``similarity_weight`` mean the
    same whatever the scale of ``y``; predictions are mapped back.
    """

    _numeric_targets = True

    def _validate_fit_input(self, X, y, first_pass):
        y_array = np.asarray(y) if not hasattr(y, "dtype") else y
        if getattr(y_array, "dtype", None) is not None and y_array.dtype.kind in "OUSb":
            try:
                np.asarray(y_array, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{type(self).__name__} requires a numeric target y; it got "
                    f"values of dtype {y_array.dtype} that cannot be converted to "
                    "float. Use a classifier for class labels."
                ) from exc
        return super()._validate_fit_input(X, y, first_pass)

    def _encode_targets(self, y, first_pass, sample_weight=None, rescale=False):
        y = np.asarray(y, dtype=np.float64)
        if first_pass:
            self._y_is_1d = y.ndim == 1
        y2d = y.reshape(-1, 1) if y.ndim == 1 else y
        if first_pass:
            self.n_outputs_ = y2d.shape[1]
        elif y2d.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2d.shape[1]} outputs but the model was fitted with "
                f"{self.n_outputs_}."
            )
        # Every fit (warm-started too) scales its own targets: the penalty
        # weights then mean the same for the new y. partial_fit keeps the
        # first batch's scaling, which the network's outputs are trained to.
        if first_pass or rescale:
            self._y_mean, self._y_scale = _target_moments(y2d, sample_weight)
        with np.errstate(over="ignore", invalid="ignore"):
            encoded = (y2d - self._y_mean) / self._y_scale
        if not np.all(np.isfinite(encoded)):
            raise ValueError(
                "The target y overflows float64 once centred and scaled: its "
                "values are too large (or, in partial_fit, too far from those "
                "of the first batch). Rescale y, e.g. divide it by a constant."
            )
        return encoded

    def _task_loss_name(self):
        return "squared_error"

    def _n_outputs_for_network(self):
        return self.n_outputs_

    def _split_stratify(self, y):
        return None

    def _validation_score(self, X, y, sample_weight):
        return r2_score(y, self._raw_output(X), sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one pass over the given batch of data.

        {partial_fit_summary}
        {partial_fit_schedules}

        {partial_fit_first_call_regressor}

        Parameters
        ----------
        {partial_fit_X}

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets of the batch.

        {partial_fit_sample_weight}

        Returns
        -------
        self : object
            The updated estimator.

        Notes
        -----
        {partial_fit_affinity}

        {partial_fit_notes}
        """
        first_pass = not self.__sklearn_is_fitted__()
        with self._unfitted_if_it_fails(first_pass):
            return self._partial_fit(X, y, sample_weight, reset_targets=first_pass)

    def predict(self, X):
        """Predict targets of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values, 1-D when the model was fitted on 1-D ``y``.
        """
        X = self._predict_input(X)
        y_pred = self._raw_output(X, np.float64) * self._y_scale + self._y_mean
        if self._y_is_1d:
            return y_pred[:, 0]
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
