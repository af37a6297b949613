#!/usr/bin/python3
"""Writes the fixtures of evalmetric_test.go: XGBoost 1.7's early stopping
on a validation set scored by an eval_metric other than the objective's
default, against which Ember's EvalMetric is checked.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_evalmetric.py

evalmetric_rows.csv: per row the features f0..f3 (on grids of few values,
so that XGBoost's max_bin 256 and Ember's 255 bins cut them alike; empty =
missing), a weight w, valid (1: a validation row, 0: a training row) and
the labels y_binary (0/1), y_class (0, 1, 2) and y_amount (a number with
heavy-tailed noise).

evalmetric_xgb.json: per case of CASES, XGBoost's fit from Ember's starting
margin (given as base_margin to both sets, so the trees are compared
alone) with early_stopping_rounds and eval_metric set: best_iteration, the
validation metric after every round it grew (evals_result), and
default_best, the best_iteration the objective's default metric gives
with the same stopping rule, which each case is chosen to differ from (so
that an early stopping that ignored eval_metric fails the test).
"""
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, four_features  # noqa: E402  (this directory's)

COMMON = dict(tree_method="hist", max_bin=256, nthread=1, max_depth=3, eta=0.1, reg_lambda=1.0,
              min_child_weight=1.0)
ROUNDS, STOP = 80, 6
SEED = 26

# name, objective, label, eval_metric, weighted (as TestEvalMetricMatchesXGBoost sets them)
CASES = [
    ("auc", "binary:logistic", "binary", "auc", False),
    ("auc_w", "binary:logistic", "binary", "auc", True),
    ("error", "binary:logistic", "binary", "error", False),
    ("mae", "reg:squarederror", "amount", "mae", False),
    ("mae_w", "reg:squarederror", "amount", "mae", True),
    ("merror", "multi:softprob", "class", "merror", False),
    ("mauc", "multi:softprob", "class", "auc", False),
    ("mauc_w", "multi:softprob", "class", "auc", True),
]


def ember_base(obj, y, w):
    """Ember's starting margin (grow.go baseScore, classBases), float32."""
    if obj == "binary:logistic":
        p = np.sum(w * y) / np.sum(w)
        return np.float32(np.log(p / (1 - p)))
    if obj == "reg:squarederror":
        return np.float32(np.sum(w * y) / np.sum(w))
    share = np.array([np.sum(w[y == k]) for k in range(3)]) / np.sum(w)
    return np.log(share).astype(np.float32)


def data():
    """300 training rows, then 120 validation rows that repeat training
    rows' features with labels drawn anew: a validation row goes where the
    training row goes, so that where two thresholds (or missing
    directions) split a node's training rows alike, and Ember's scan and
    XGBoost's pick different ones (see doc.go), the validation rows still
    go alike."""
    rng = np.random.default_rng(SEED)
    n, nv = 300, 120
    X, _ = four_features(rng, n)
    X = np.concatenate([X, X[rng.choice(n, nv, replace=False)]])
    x0, x1, x2, x3 = X.astype(np.float64).T
    eta = .3 * x0 - .8 * x1 + .6 * np.sin(x2) + .4 * np.nan_to_num(x3) - 1.5
    w = np.round(rng.uniform(0.3, 2.5, n + nv), 2)
    score = eta + rng.logistic(size=n + nv) * 1.5
    labels = {
        "binary": (score > 0).astype(float),
        "class": np.digitize(score, [-1.0, 1.0]).astype(float),
        "amount": np.round(eta * 3 + rng.standard_t(1.5, size=n + nv) * 2, 3),
    }
    valid = (np.arange(n + nv) >= n).astype(int)
    return X, w, valid, labels


def fit(X, y, w, valid, obj, metric, weighted):
    tr, va = valid == 0, valid == 1
    ww = w if weighted else np.ones(len(y))
    base = ember_base(obj, y[tr], ww[tr])
    sets = []
    for rows in (tr, va):
        d = xgb.DMatrix(X[rows], label=y[rows], weight=w[rows] if weighted else None, missing=np.nan)
        k = rows.sum()
        d.set_base_margin(np.tile(base, (k, 1)).reshape(-1) if obj == "multi:softprob" else np.full(k, base))
        sets.append(d)
    params = dict(COMMON, objective=obj)
    if obj == "multi:softprob":
        params["num_class"] = 3
    if metric:
        params["eval_metric"] = metric
    ev = {}
    b = xgb.train(params, sets[0], num_boost_round=ROUNDS, evals=[(sets[1], "valid")], evals_result=ev,
                  early_stopping_rounds=STOP, verbose_eval=False)
    (name, curve), = ev["valid"].items()
    return b.best_iteration, name, curve, [float(v) for v in np.atleast_1d(base)]


def main():
    X, w, valid, labels = data()
    out = {}
    for name, obj, label, metric, weighted in CASES:
        y = labels[label]
        best, mname, curve, base = fit(X, y, w, valid, obj, metric, weighted)
        default_best, dname, _, _ = fit(X, y, w, valid, obj, None, weighted)
        assert mname == metric, (mname, metric)
        assert best != default_best, (name, best, default_best)
        out[name] = {"objective": obj, "label": label, "eval_metric": metric, "weighted": weighted,
                     "rounds": ROUNDS, "early_stopping_rounds": STOP, "base": base,
                     "best_iteration": best, "curve": curve,
                     "default_metric": dname, "default_best": default_best}
        print(name, metric, "best", best, "of", len(curve), "rounds;", dname, "best", default_best)
    with open(os.path.join(HERE, "evalmetric_rows.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["f0", "f1", "f2", "f3", "w", "valid"] + ["y_" + k for k in labels])
        for i in range(len(w)):
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in X[i]] + ["%g" % w[i], valid[i]] +
                        ["%.10g" % labels[k][i] for k in labels])
    with open(os.path.join(HERE, "evalmetric_xgb.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
