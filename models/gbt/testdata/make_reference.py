#!/usr/bin/python3
"""Writes reference.json: scikit-learn HistGradientBoostingClassifier and
XGBoost (hist) on the UCI credit-default data with 5% of the feature values
removed at random, that the Go tests in models/gbt compare against.

Run with Debian's python3, python3-sklearn and python3-xgboost:

    /usr/bin/python3 models/gbt/testdata/make_reference.py [UCI_Credit_Card.csv]

The missing values and the train/test split come from SplitMix64 counters,
reproduced bit for bit by internal/creditdata, so the Go side trains and
scores on exactly the same rows and values.
"""
import csv
import json
import os
import sys

import numpy as np
import sklearn
import xgboost
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    ROOT, "..", "shared", "data", "tabular", "UCI_Credit_Card.csv")
TARGET = "default.payment.next.month"
MASK_SEED, SPLIT_SEED = 1, 2
MISSING_FRAC, TEST_FRAC = 0.05, 0.25
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(x):
    x = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = x
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(seed, k):
    with np.errstate(over="ignore"):
        c = np.uint64(seed << 32) + k.astype(np.uint64)
        return (splitmix64(c) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def load():
    with open(DATA, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    feats = [h for h in header if h not in ("ID", TARGET)]
    idx = [header.index(h) for h in feats]
    X = np.array([[float(r[j]) for j in idx] for r in rows[1:]], dtype=np.float32)
    y = np.array([float(r[header.index(TARGET)]) for r in rows[1:]])
    return X, y, feats


def main():
    X, y, feats = load()
    assert X.shape == (30000, 23), X.shape
    mask = uniform(MASK_SEED, np.arange(X.size)).reshape(X.shape) < MISSING_FRAC
    X[mask] = np.nan
    test = uniform(SPLIT_SEED, np.arange(len(y))) < TEST_FRAC
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]

    out = {
        "sklearn": sklearn.__version__, "xgboost": xgboost.__version__,
        "missing": int(mask.sum()), "n_train": int(len(ytr)), "n_test": int(len(yte)),
        "test_positives": int(yte.sum()), "runs": [],
    }
    # Same trees, depth, learning rate and bins on every side; l2 and leaf
    # size as scikit-learn's defaults (Ember's options set to match).
    # The last run grows best first with scikit-learn's own default of 31
    # leaves and no depth bound (Ember: MaxLeaves 31, MaxDepth 30, which 31
    # leaves cannot reach; XGBoost: lossguide, max_leaves 31, max_depth 0).
    for trees, depth, leaves in [(100, 6, None), (100, 4, None), (300, 3, None), (100, None, 31)]:
        hgb = HistGradientBoostingClassifier(
            max_iter=trees, max_depth=depth, max_leaf_nodes=leaves, learning_rate=0.1,
            max_bins=255, min_samples_leaf=20, l2_regularization=0.0,
            early_stopping=False, random_state=0)
        hgb.fit(Xtr.astype(np.float64), ytr)
        p = hgb.predict_proba(Xte.astype(np.float64))[:, 1]
        growth = {"max_depth": depth} if leaves is None else {
            "max_depth": 0, "grow_policy": "lossguide", "max_leaves": leaves}
        xgb = xgboost.XGBClassifier(
            n_estimators=trees, learning_rate=0.1, max_bin=256,
            tree_method="hist", reg_lambda=0.0, min_child_weight=1e-3, nthread=2, **growth)
        xgb.fit(Xtr, ytr)
        px = xgb.predict_proba(Xte)[:, 1]
        run = {
            "trees": trees, "max_depth": depth or 30, "learning_rate": 0.1, "max_bins": 255,
            "min_samples_leaf": 20, "l2": 0.0,
            "sklearn_auc": roc_auc_score(yte, p), "sklearn_log_loss": log_loss(yte, p),
            "xgboost_auc": roc_auc_score(yte, px), "xgboost_log_loss": log_loss(yte, px),
        }
        if leaves is not None:
            run["max_leaves"] = leaves
        out["runs"].append(run)
        print(out["runs"][-1])
    # The generator itself, for the Go side to check it reproduces it.
    out["uniform_check"] = [float(v) for v in uniform(MASK_SEED, np.arange(5))]
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
