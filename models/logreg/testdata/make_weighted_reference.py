#!/usr/bin/python3
"""Writes weighted_reference.json: scikit-learn LogisticRegression fits with
class_weight and sample_weight that the Go tests in models/logreg
(weights_test.go) compare against.

Run from anywhere with Debian's python3 and python3-sklearn:

    /usr/bin/python3 models/logreg/testdata/make_weighted_reference.py [path/to/iris.csv]

It reads iris as make_reference.py does (the same default path), and
stores every case's rows, labels and sample weights, so the Go tests fit
exactly what sklearn fitted, without the shared data. Each case is solved to the optimum with
newton-cg (see OPTIMUM in make_reference.py; sklearn 1.2's own lbfgs stops
on scipy's default ftol before a tight tol), which applies class_weight and
sample_weight in the same code as lbfgs (_logistic_regression_path):

- sample_weight multiplies each row's log loss; the L2 term stays
  ||W||^2/(2C);
- class_weight multiplies the row's sample_weight: a dict by the row's
  original label, 'balanced' by n_samples / (n_classes * bincount(y)),
  counting rows whatever their sample_weight;
- with one-vs-rest (and so for a binary target) 'balanced' is computed for
  each binary problem, the class against the rest: n / (2 * count).
"""
import json
import os
import sys
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils import compute_class_weight

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference  # noqa: E402  (load_iris, OPTIMUM)

HERE = make_reference.HERE
OPTIMUM = make_reference.OPTIMUM


def effective_weights(y, sw, class_weight, multinomial, classes):
    """The per-row weights of each fitted problem, by the rules above (for
    grad_max only: a check that the reference fits are at the optimum)."""
    sw = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=float).copy()
    if isinstance(class_weight, dict) or (multinomial and class_weight is not None):
        cw = compute_class_weight(class_weight, classes=classes, y=y)
        sw = sw * cw[np.searchsorted(classes, y)]
    if multinomial:
        return [sw]
    targets = classes[1:] if len(classes) == 2 else classes
    out = []
    for c in targets:
        w = sw.copy()
        if class_weight == "balanced":
            yb = (y == c).astype(int)
            cw = compute_class_weight("balanced", classes=np.array([0, 1]), y=yb)
            w = w * cw[yb]
        out.append(w)
    return out


def grad_max(m, X, y, sw, class_weight, C, multinomial):
    """Largest gradient component of sum(w * logloss) + ||W||^2/(2C)."""
    W, b = m.coef_, m.intercept_
    Z = X @ W.T + b
    ws = effective_weights(y, sw, class_weight, multinomial, m.classes_)
    if multinomial:
        Z = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        G = (P - np.eye(W.shape[0])[np.searchsorted(m.classes_, y)]) * ws[0][:, None]
    else:
        targets = m.classes_[1:] if W.shape[0] == 1 else m.classes_
        G = np.column_stack([(1 / (1 + np.exp(-Z[:, i])) - (y == c)) * ws[i] for i, c in enumerate(targets)])
    parts = [(G.T @ X + W / C).ravel(), G.sum(axis=0)]
    return float(np.abs(np.concatenate(parts)).max())


def fit(name, X, y, class_weight=None, sample_weight=None, **kw):
    kw = dict(OPTIMUM, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        m = LogisticRegression(class_weight=class_weight, **kw).fit(X, y, sample_weight=sample_weight)
    multinomial = len(m.classes_) > 2 and kw.get("multi_class", "auto") != "ovr"
    cw = class_weight
    if isinstance(cw, dict):
        cw = {str(k): v for k, v in cw.items()}  # JSON keys are strings
    return {
        "name": name,
        "multi_class": kw.get("multi_class", "auto"),
        "C": kw.get("C", 1.0),
        "class_weight": cw,
        "X": X.tolist(),
        "y": y.tolist(),
        "sample_weight": None if sample_weight is None else list(map(float, sample_weight)),
        "coef": m.coef_.tolist(),
        "intercept": m.intercept_.tolist(),
        "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
        "grad_max": grad_max(m, X, y, sample_weight, class_weight, kw.get("C", 1.0), multinomial),
    }


def main():
    if len(sys.argv) > 1:
        make_reference.IRIS = sys.argv[1]
    X, y = make_reference.load_iris()
    # Binary: virginica (50) against the rest (100), not separable.
    yb = (y == 2).astype(int)
    # Three imbalanced classes: 50 setosa, 30 versicolor, 12 virginica.
    keep = np.r_[0:50, 50:80, 100:112]
    X3, y3 = X[keep], y[keep]
    # Sample weights 0.5 .. 2.5, and the same with every 9th row at 0.
    sw = np.array([0.5 + (i * 7 % 5) / 2 for i in range(len(X))])
    sw3 = sw[keep]
    sw3z = sw3.copy()
    sw3z[::9] = 0

    cases = [
        fit("binary balanced", X, yb, class_weight="balanced"),
        fit("binary dict", X, yb, class_weight={0: 1.0, 1: 3.0}),
        fit("binary sample_weight", X, yb, sample_weight=sw),
        fit("binary balanced sample_weight C=0.5", X, yb, class_weight="balanced", sample_weight=sw, C=0.5),
        fit("multinomial balanced", X3, y3, class_weight="balanced"),
        # Class 1 is not listed: it weighs 1.
        fit("multinomial dict", X3, y3, class_weight={0: 0.5, 2: 4.0}),
        fit("multinomial sample_weight", X3, y3, sample_weight=sw3),
        # 'balanced' counts the rows of weight 0 too.
        fit("multinomial balanced zero weights", X3, y3, class_weight="balanced", sample_weight=sw3z),
        fit("multinomial dict sample_weight", X3, y3, class_weight={0: 0.5, 2: 4.0}, sample_weight=sw3),
        # One-vs-rest balances each class against the rest.
        fit("ovr balanced", X3, y3, class_weight="balanced", multi_class="ovr"),
        fit("ovr dict sample_weight", X3, y3, class_weight={0: 0.5, 2: 4.0}, sample_weight=sw3, multi_class="ovr"),
    ]

    out = {
        "generator": "models/logreg/testdata/make_weighted_reference.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cases": cases,
    }
    path = os.path.join(HERE, "weighted_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
