"""What the make_xgb_*.py scripts share: the hist settings their fits
compare under, the four features most of them draw, Ember's unweighted
starting margins, and the reading and writing of their CSV fixtures.

Not a script: the scripts beside it import it (Python puts a script's own
directory first on sys.path, so they run from anywhere).
"""
import csv
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# XGBoost 1.7's hist fit as the objective tests compare it: max_bin 256
# against Ember's 255 bins cut the few distinct feature values alike.
HIST = dict(tree_method="hist", max_bin=256, nthread=1, max_depth=3, eta=0.3, reg_lambda=1.0,
            min_child_weight=1.0)


def four_features(rng, n):
    """n rows of the features f0..f3, drawn from rng in this order: f0 in
    thirds from 0 to 29/3, f1 normal to one decimal, f2 an integer 0-11,
    f3 uniform in [-2, 2] to one decimal and missing (NaN) in about a
    tenth of the rows. Returns X (float32) and the four columns
    (float64)."""
    x0 = rng.integers(0, 30, n) / 3
    x1 = np.round(rng.normal(size=n), 1)
    x2 = rng.integers(0, 12, n).astype(float)
    x3 = np.round(rng.uniform(-2, 2, n), 1)
    x3[rng.random(n) < .1] = np.nan
    X = np.stack([x0, x1, x2, x3], 1).astype(np.float32)
    return X, (x0, x1, x2, x3)


def ember_base_unweighted(obj, y, k):
    """Ember's starting margins (grow.go baseScore, classBases), float32,
    for unweighted binary:logistic, reg:squarederror and multi:softprob
    of k classes."""
    if obj == "binary:logistic":
        m = np.mean(y)
        return np.float32(np.log(m / (1 - m)))
    if obj == "reg:squarederror":
        return np.float32(np.mean(y))
    cnt = np.array([np.sum(y == c) for c in range(k)])
    return np.log(cnt / cnt.sum()).astype(np.float32)


def write_fit_csv(name, X, w, cols, fmt):
    """Writes HERE/name: the features f0..f3 (shortest reprs; empty =
    missing), the weight w (%g) and the columns of cols (by fmt)."""
    with open(os.path.join(HERE, name), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["f0", "f1", "f2", "f3", "w"] + list(cols))
        for i in range(len(X)):
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in X[i]] + ["%g" % w[i]] +
                        [fmt % cols[c][i] for c in cols])


def xgb_rows_head(n):
    """The first n rows of xgb_rows.csv (make_xgboost.py), float32, and
    the signal z the saved-model scripts draw their labels around."""
    with open(os.path.join(HERE, "xgb_rows.csv")) as f:
        rows = list(csv.reader(f))[1:n + 1]
    X = np.array([[float(v) if v else np.nan for v in r] for r in rows], dtype=np.float32)
    z = np.nan_to_num(X[:, 0]) - 0.5 * np.nan_to_num(X[:, 1]) + 0.3 * np.nan_to_num(X[:, 3])
    return X, z


def write_predictions_csv(name, preds):
    """Writes HERE/name: a column per model of preds, XGBoost's float32
    predictions as their shortest reprs."""
    n = len(next(iter(preds.values())))
    with open(os.path.join(HERE, name), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(list(preds))
        for i in range(n):
            wr.writerow([repr(float(preds[k][i])) for k in preds])
