#!/usr/bin/python3
"""Writes cv_multiclass_rocauc.json for selection_test.go: scikit-learn
1.2's cross-validated one-vs-rest ROC AUC of three classes, against which
CrossValidate with the ROCAUC metric is checked.

Run with Debian's python3 and python3-sklearn (1.2):

    /usr/bin/python3 selection/testdata/make_cv_multiclass_rocauc.py

Two made-up "models" (grid points model=0 and model=1) give every row
three class probabilities, some tied; the rows are dealt into three folds
by StratifiedKFold. Each model's fold scores are
cross_val_score(scoring="roc_auc_ovr_weighted") of an estimator that
returns those probabilities, and, with sample weights (some 0, one large),
roc_auc_score(multi_class="ovr", average="weighted", sample_weight=w) of
each fold, since cross_val_score in 1.2 cannot route weights to a scorer.
The macro averages are written too, to show that they differ.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score

HERE = os.path.dirname(os.path.abspath(__file__))


class FixedProba(ClassifierMixin, BaseEstimator):
    """Predicts the stored probabilities of the rows whose indices X holds."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return self.proba[X[:, 0].astype(int)]

    def predict(self, X):
        return self.predict_proba(X).argmax(1)


def probabilities(rng, y, sharpness):
    """Rows of three probabilities leaning to the true class, rounded to
    0.05 in the first two columns so that scores tie."""
    n = len(y)
    raw = rng.gamma(1, size=(n, 3)) + sharpness * np.eye(3)[y]
    raw /= raw.sum(1, keepdims=True)
    ab = np.round(raw[:, :2] / .05) * .05
    ab[ab.sum(1) > 1] /= 2
    return np.column_stack([ab, 1 - ab.sum(1)])


def main():
    print("sklearn", sklearn.__version__)
    rng = np.random.default_rng(31)
    n = 45
    y = rng.choice(3, size=n, p=[.5, .3, .2])  # supports differ, so weighted ≠ macro
    w = np.round(rng.uniform(0, 3, n), 2)
    w[rng.random(n) < .15] = 0
    w[rng.integers(0, n)] = 30
    folds = [test.tolist() for _, test in StratifiedKFold(3, shuffle=True, random_state=4).split(np.zeros(n), y)]
    X = np.arange(n).reshape(-1, 1)
    splits = [(np.setdiff1d(np.arange(n), f), np.array(f)) for f in folds]
    models = []
    for sharpness in (1.0, 1.6):
        P = probabilities(rng, y, sharpness)
        assert np.allclose(P.sum(1), 1) and (P >= 0).all()
        unweighted = cross_val_score(FixedProba(P), X, y, cv=splits, scoring="roc_auc_ovr_weighted")
        weighted = [roc_auc_score(y[f], P[f], multi_class="ovr", average="weighted", sample_weight=w[f]) for f in folds]
        macro = [roc_auc_score(y[f], P[f], multi_class="ovr", average="macro") for f in folds]
        assert any(abs(a - b) > 1e-3 for a, b in zip(unweighted, macro))
        models.append(dict(p=P.ravel().tolist(), fold_scores=unweighted.tolist(), mean=unweighted.mean(),
                           weighted_fold_scores=weighted, weighted_mean=float(np.mean(weighted)), macro_fold_scores=macro))
    with open(os.path.join(HERE, "cv_multiclass_rocauc.json"), "w") as f:
        json.dump(dict(y=y.tolist(), w=w.tolist(), folds=folds, models=models), f)


if __name__ == "__main__":
    main()
