#!/usr/bin/python3
"""Writes reference.json: scikit-learn LogisticRegression fits that the Go
tests in models/logreg compare against.

Run from anywhere with Debian's python3 and python3-sklearn:

    /usr/bin/python3 models/logreg/testdata/make_reference.py [path/to/iris.csv]

The iris file defaults to ../shared/data/iris.csv beside the checkout (the
seaborn copy, sepal_width mean 3.057); the Go tests read the same file.
"""
import csv
import json
import os
import sys
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
IRIS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "iris.csv")

# Tight lbfgs settings, as the Go tests use them. sklearn 1.2's lbfgs passes
# no ftol to scipy, so scipy's default ftol=2.2e-9 (relative reduction of the
# loss) usually stops it before tol=1e-10 is met: its "tight" multinomial iris
# fit still has a gradient of about 1e-3 (see grad_max in reference.json;
# sklearn 1.3 and later pass ftol=64*eps).
TIGHT = dict(tol=1e-10, max_iter=10000)
# The optimum itself: the same LogisticRegression objective solved with
# newton-cg, whose gradients reach ~1e-8. newton-cg may still warn at this
# tolerance because it cannot improve further in float64; grad_max shows it
# is at the optimum.
OPTIMUM = dict(solver="newton-cg", tol=1e-8, max_iter=10000)


def load_iris():
    with open(IRIS, newline="") as f:
        rows = list(csv.DictReader(f))
    feats = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    X = np.array([[float(r[c]) for c in feats] for r in rows])
    names = sorted({r["species"] for r in rows})
    y = np.array([names.index(r["species"]) for r in rows])
    assert X.shape == (150, 4), X.shape
    assert abs(X[:, 1].mean() - 3.057) < 5e-4, "expected the seaborn iris copy"
    return X, y


def grad_max(m, X, y, C, multinomial):
    """Largest gradient component of sum(logloss) + ||W||^2/(2C) at m's
    coefficients (intercept unpenalised), the quantity lbfgs's tol bounds."""
    W, b = m.coef_, m.intercept_
    Z = X @ W.T + b
    if multinomial:
        Z = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        G = P - np.eye(W.shape[0])[y]
    else:  # one sigmoid per row of W, each against the rest
        targets = [1] if W.shape[0] == 1 else range(W.shape[0])
        G = np.column_stack([1 / (1 + np.exp(-Z[:, i])) - (y == c) for i, c in enumerate(targets)])
    parts = [(G.T @ X + W / C).ravel()]
    if m.fit_intercept:
        parts.append(G.sum(axis=0))
    return float(np.abs(np.concatenate(parts)).max())


def fit(name, X, y, probe, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        m = LogisticRegression(**kw).fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    multinomial = len(m.classes_) > 2 and kw.get("multi_class", "auto") != "ovr"
    return {
        "name": name,
        "params": {k: v for k, v in kw.items()},
        "coef": m.coef_.tolist(),
        "intercept": m.intercept_.tolist(),
        "n_iter": int(np.max(m.n_iter_)),
        "converged": converged,
        "grad_max": grad_max(m, X, y, kw.get("C", 1.0), multinomial),
        "probe": probe.tolist(),
        "proba": m.predict_proba(probe).tolist(),
        "predict": m.predict(probe).tolist(),
    }


def main():
    cases = []
    demo_X = np.array([[-1, -2], [-2, -1], [-3, -2], [1, 3], [2, 1], [3, 2]], dtype=float)
    demo_y = np.array([0, 0, 0, 1, 1, 1])
    demo_probe = np.array([[0.0, -1.0], [1.0, 2.0]])
    cases.append(fit("demo default", demo_X, demo_y, demo_probe))
    cases.append(fit("demo C=0.1 optimum", demo_X, demo_y, demo_probe, C=0.1, **OPTIMUM))

    X, y = load_iris()
    probe = X[[0, 50, 100, 70, 83, 133]]
    Xb, yb = X[:100], y[:100]  # setosa vs versicolor
    cases.append(fit("iris binary optimum", Xb, yb, probe, **OPTIMUM))
    cases.append(fit("iris binary lbfgs tight", Xb, yb, probe, **TIGHT))
    cases.append(fit("iris binary default", Xb, yb, probe))
    cases.append(fit("iris multinomial optimum", X, y, probe, **OPTIMUM))
    cases.append(fit("iris multinomial lbfgs tight", X, y, probe, **TIGHT))
    cases.append(fit("iris multinomial default", X, y, probe))
    cases.append(fit("iris ovr optimum", X, y, probe, multi_class="ovr", **OPTIMUM))
    cases.append(fit("iris ovr lbfgs tight", X, y, probe, multi_class="ovr", **TIGHT))
    cases.append(fit("iris multinomial C=0.05 optimum", X, y, probe, C=0.05, **OPTIMUM))
    cases.append(fit("iris multinomial no intercept optimum", X, y, probe, fit_intercept=False, **OPTIMUM))

    out = {
        "generator": "models/logreg/testdata/make_reference.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cases": cases,
    }
    path = os.path.join(HERE, "reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
