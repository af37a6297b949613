#!/usr/bin/python3
"""Writes sparse_reference.json: scikit-learn 1.2 LogisticRegression fits
with penalty="l1" and penalty="elasticnet" (solver="saga") that
sparse_test.go compares the L1 and ElasticNet penalties against.

Run with Debian's python3 and python3-sklearn:

    /usr/bin/python3 models/logreg/testdata/make_sparse_reference.py

sklearn's saga minimises, for each fitted problem (the softmax, or each
one-vs-rest sigmoid),

    (1/n) * [ sum_i s_i * logloss_i + (1/C) * (l1_ratio * ||W||_1
                                               + (1 - l1_ratio)/2 * ||W||^2) ]

(_logistic_regression_path sets alpha = (1-l1_ratio)/C, beta = l1_ratio/C,
and sag_solver divides both and the loss by n_samples; penalty="l1" is
l1_ratio 1). The intercept is not penalised. Multiplied by n this is the
objective models/logreg minimises: the same minimiser.

The data are drawn (seeded) with some features unrelated to the labels, so
that the L1 penalty sets their coefficients to exactly 0. saga is run to
tol=1e-10 (its rule: the largest change of a coefficient over an epoch,
relative to the largest coefficient) with a large max_iter; pg_max, the
largest component of the objective's minimum-norm subgradient (the
pseudo-gradient) at sklearn's coefficients, records how close that is to
the optimum, and the script refuses to write a case that is not within
1e-7 of it. The rows, labels and sample weights are stored, so the Go test
fits exactly what sklearn fitted.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils import compute_class_weight

HERE = os.path.dirname(os.path.abspath(__file__))
SAGA = dict(solver="saga", tol=1e-10, max_iter=200000)


def binary_data(rng, n, imbalance=0.0):
    X = rng.normal(0, 1, size=(n, 6))
    w = np.array([1.5, -1.0, 0.0, 0.0, 0.4, 0.0])
    z = X @ w + 0.3 - imbalance
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return np.round(X, 4), y


def multi_data(rng, n):
    centres = np.array([[0.0, 0.0, 0.0], [1.2, 0.5, -0.4], [0.3, -1.0, 0.8]])
    y = np.arange(n) % 3
    X = np.hstack([centres[y] + rng.normal(0, 1.0, size=(n, 3)), rng.normal(0, 1.0, size=(n, 2))])
    return np.round(X, 4), y


def pg_max(X, y, sw, W, b, C, l1_ratio, multinomial, fit_intercept):
    """Largest pseudo-gradient component of
    sum(s_i logloss_i) + (1/C)(l1_ratio ||W||_1 + (1-l1_ratio)/2 ||W||^2)
    at (W, b), over every fitted problem (b unpenalised)."""
    Z = X @ W.T + b
    if multinomial:
        Z = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        G = (P - np.eye(W.shape[0])[y]) * sw[0][:, None]
    else:
        targets = [1] if W.shape[0] == 1 else range(W.shape[0])
        G = np.column_stack([(1 / (1 + np.exp(-Z[:, i])) - (y == c)) * sw[i] for i, c in enumerate(targets)])
    smooth = G.T @ X + (1 - l1_ratio) / C * W
    lam = l1_ratio / C
    pg = np.where(W > 0, smooth + lam, np.where(W < 0, smooth - lam,
                  np.sign(smooth) * np.maximum(np.abs(smooth) - lam, 0)))
    parts = [pg.ravel()]
    if fit_intercept:
        parts.append(G.sum(axis=0))
    return float(np.abs(np.concatenate(parts)).max())


def effective_weights(y, sw, class_weight, multinomial, classes):
    """Each fitted problem's row weights, as _logistic_regression_path
    forms them (class weights times sample weights; 'balanced' per
    one-vs-rest problem)."""
    sw = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=float)
    if multinomial:
        if class_weight is not None:
            sw = sw * compute_class_weight(class_weight, classes=classes, y=y)[np.searchsorted(classes, y)]
        return [sw]
    out = []
    for c in (classes[1:] if len(classes) == 2 else classes):
        yb = (y == c).astype(int)
        w = sw
        if class_weight == "balanced":
            w = w * compute_class_weight("balanced", classes=np.array([0, 1]), y=yb)[yb]
        out.append(w)
    return out


def fit(name, X, y, C, penalty, l1_ratio=None, multi_class="auto", sample_weight=None, class_weight=None,
        fit_intercept=True):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        m = LogisticRegression(penalty=penalty, C=C, l1_ratio=l1_ratio, multi_class=multi_class,
                               class_weight=class_weight, fit_intercept=fit_intercept, **SAGA)
        m.fit(X, y, sample_weight=sample_weight)
    assert not any(issubclass(w.category, ConvergenceWarning) for w in caught), name
    multinomial = len(m.classes_) > 2 and multi_class != "ovr"
    ratio = 1.0 if penalty == "l1" else l1_ratio
    sw = effective_weights(y, sample_weight, class_weight, multinomial, m.classes_)
    pg = pg_max(X, y, sw, m.coef_, m.intercept_, C, ratio, multinomial, fit_intercept)
    assert pg < 1e-7, (name, pg)
    zeros = int((m.coef_ == 0).sum())
    assert zeros > 0, (name, "no exact zeros: pick a smaller C")
    case = {
        "name": name,
        "X": X.tolist(),
        "y": y.tolist(),
        "C": C,
        "penalty": penalty,
        "l1_ratio": ratio,
        "multi_class": multi_class,
        "fit_intercept": fit_intercept,
        "coef": m.coef_.tolist(),
        "intercept": m.intercept_.tolist(),
        "zeros": zeros,
        "pg_max": pg,
        "n_iter": int(np.max(m.n_iter_)),
    }
    if sample_weight is not None:
        case["sample_weight"] = np.asarray(sample_weight).tolist()
    if class_weight is not None:
        case["class_weight"] = class_weight
    return case


def main():
    rng = np.random.default_rng(11)
    Xb, yb = binary_data(rng, 60)
    X3, y3 = multi_data(rng, 60)
    Xw, yw = binary_data(rng, 50, imbalance=1.5)
    sw = np.round(rng.uniform(0.5, 2.0, size=len(yw)), 3)
    cases = [
        fit("binary l1", Xb, yb, 0.2, "l1"),
        fit("binary elasticnet", Xb, yb, 0.1, "elasticnet", l1_ratio=0.5),
        fit("binary l1 no intercept", Xb, yb, 0.2, "l1", fit_intercept=False),
        fit("multinomial l1", X3, y3, 0.3, "l1"),
        fit("multinomial elasticnet", X3, y3, 0.2, "elasticnet", l1_ratio=0.7),
        fit("ovr l1", X3, y3, 0.3, "l1", multi_class="ovr"),
        fit("binary l1 weighted balanced", Xw, yw, 0.1, "l1", sample_weight=sw, class_weight="balanced"),
        fit("multinomial elasticnet balanced", X3, y3, 0.1, "elasticnet", l1_ratio=0.5, class_weight="balanced",
            sample_weight=np.round(rng.uniform(0.5, 2.0, size=len(y3)), 3)),
    ]
    for c in cases:
        print(f'{c["name"]}: {c["zeros"]} zeros, pg_max {c["pg_max"]:.2g}, {c["n_iter"]} epochs')
    with open(os.path.join(HERE, "sparse_reference.json"), "w") as f:
        json.dump({"generator": "models/logreg/testdata/make_sparse_reference.py",
                   "sklearn": sklearn.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
