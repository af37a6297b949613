#!/usr/bin/python3
"""Writes penalty_reference.json: scikit-learn 1.2 LogisticRegression fits
with penalty="none" (the unpenalised maximum-likelihood fit; C is ignored,
sklearn's C=inf) that penalty_test.go compares Penalty None against.

Run with Debian's python3 and python3-sklearn:

    /usr/bin/python3 models/logreg/testdata/make_penalty_reference.py

The data are drawn (seeded) so that no hyperplane separates the classes:
the likelihood then has a unique finite maximum. Each case is solved to
that optimum with newton-cg (OPTIMUM in make_reference.py; sklearn 1.2's
lbfgs stops on scipy's ftol first), and grad_max, the largest gradient
component of the summed log loss there, records how close it is. The rows
and labels are stored, so the Go test fits exactly what sklearn fitted.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference  # noqa: E402  (OPTIMUM, grad_max)

HERE = make_reference.HERE


def data(rng, n, k):
    centres = np.array([[0.0, 0.0, 0.0], [1.2, 0.5, -0.4], [0.3, -1.0, 0.8]])[:k]
    y = np.arange(n) % k
    X = centres[y] + rng.normal(0, 1.0, size=(n, 3))
    return np.round(X, 4), y


def fit(name, X, y, probe, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "none" is deprecated in 1.2 for None
        m = LogisticRegression(penalty="none", **make_reference.OPTIMUM, **kw).fit(X, y)
    multinomial = len(m.classes_) > 2 and kw.get("multi_class", "auto") != "ovr"
    return {
        "name": name,
        "X": X.tolist(),
        "y": y.tolist(),
        "multi_class": kw.get("multi_class", "auto"),
        "coef": m.coef_.tolist(),
        "intercept": m.intercept_.tolist(),
        "grad_max": make_reference.grad_max(m, X, y, np.inf, multinomial),
        "probe": probe.tolist(),
        "proba": m.predict_proba(probe).tolist(),
    }


def main():
    rng = np.random.default_rng(7)
    Xb, yb = data(rng, 40, 2)
    X3, y3 = data(rng, 60, 3)
    probe = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5], [-0.5, 0.7, 1.2]])
    cases = [
        fit("binary none", Xb, yb, probe),
        fit("multinomial none", X3, y3, probe),
        fit("ovr none", X3, y3, probe, multi_class="ovr"),
    ]
    for c in cases:
        assert c["grad_max"] < 1e-6, (c["name"], c["grad_max"])
    with open(os.path.join(HERE, "penalty_reference.json"), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
