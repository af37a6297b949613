#!/usr/bin/python3
"""Reference figures for GaussianNB (gaussian_test.go).

Run with Debian's Python and scikit-learn (python3-sklearn), from anywhere:

    /usr/bin/python3 models/naivebayes/testdata/make_gaussian_reference.py [DATA_DIR]

It writes gaussian_reference.json next to this script:

* "cases": a small generated table (36 training rows, 12 test rows, three
  numeric features on different scales, three unbalanced classes labelled
  2, 5 and 9) through scikit-learn's GaussianNB with its defaults, with
  sample weights, with given priors and with var_smoothing 1e-3: theta_,
  var_, class_prior_, class_count_, epsilon_, predict_proba and predict on
  the test rows.
* "iris": DATA_DIR/iris.csv (DATA_DIR defaults to ../../../../shared/data,
  the shared data beside the main checkout; skipped when absent) fitted
  whole with the defaults (species encoded in sorted order): theta_, var_,
  class_prior_ and predict_proba of every fifth row.
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.naive_bayes import GaussianNB

HERE = os.path.dirname(os.path.abspath(__file__))


def generated():
    rng = np.random.RandomState(7)
    sizes = {2: 20, 5: 12, 9: 16}
    means = {2: [0.0, 10.0, -3.0], 5: [1.5, 12.0, -2.0], 9: [-1.0, 9.0, 0.5]}
    scales = [1.0, 4.0, 0.2]
    X, y = [], []
    for label, n in sizes.items():
        for _ in range(n):
            X.append([round(m + s * rng.randn(), 3) for m, s in zip(means[label], scales)])
            y.append(label)
    order = rng.permutation(len(y))
    X = np.array(X)[order]
    y = np.array(y)[order]
    w = np.round(rng.uniform(0.1, 3.0, size=len(y)), 2)
    return X[:36], y[:36], w[:36], X[36:]


def fitted(m, Xte):
    return {
        "theta": m.theta_.tolist(),
        "var": m.var_.tolist(),
        "class_prior": m.class_prior_.tolist(),
        "class_count": m.class_count_.tolist(),
        "epsilon": float(m.epsilon_),
        "proba": m.predict_proba(Xte).tolist(),
        "predict": m.predict(Xte).tolist(),
    }


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
    X, y, w, Xte = generated()
    out = {"sklearn": sklearn.__version__, "train": X.tolist(), "labels": y.tolist(), "weights": w.tolist(),
           "test": Xte.tolist(), "cases": []}
    for name, kw, sw in [("defaults", {}, None), ("weighted", {}, w),
                         ("priors", {"priors": [0.2, 0.3, 0.5]}, None),
                         ("var_smoothing", {"var_smoothing": 1e-3}, None)]:
        m = GaussianNB(**kw).fit(X, y, sample_weight=sw)
        case = {"name": name, "weighted": sw is not None, "priors": kw.get("priors"),
                "var_smoothing": kw.get("var_smoothing", 1e-9)}
        case.update(fitted(m, Xte))
        out["cases"].append(case)
    iris = os.path.join(data_dir, "iris.csv")
    if os.path.exists(iris):
        with open(iris) as f:
            rows = list(csv.DictReader(f))
        feats = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        Xi = np.array([[float(r[c]) for c in feats] for r in rows])
        names = sorted({r["species"] for r in rows})
        yi = np.array([names.index(r["species"]) for r in rows])
        m = GaussianNB().fit(Xi, yi)
        out["iris"] = {"every": 5, "theta": m.theta_.tolist(), "var": m.var_.tolist(),
                       "class_prior": m.class_prior_.tolist(), "proba": m.predict_proba(Xi[::5]).tolist()}
    with open(os.path.join(HERE, "gaussian_reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
