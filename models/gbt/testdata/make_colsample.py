#!/usr/bin/python3
"""Writes what XGBoost 1.7.4 does with colsample_bytree/bylevel/bynode, that
the Go tests in models/gbt (colsample_test.go) compare Ember's column
sampling against. XGBoost's draws use its own random numbers, so the
trees cannot be compared; what can:

  colsample_count.csv  n,fraction,kept: how many of n features a tree
                       keeps at colsample_bytree=fraction, observed as the
                       most distinct features any of 8 deep trees splits on
                       (noise labels, depth 12, no split bounds: a tree
                       uses every feature it may). The cases include those
                       where float32's product differs from float64's.
  colsample_credit.json held-out ROC AUC and log-loss of XGBoost (hist) on
                       the credit-default data of reference.json (same
                       missing values and split, make_reference.py), with
                       column sampling, the mean over seeds 0..4.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_colsample.py [UCI_Credit_Card.csv]
"""
import json
import os
import sys

import numpy as np
import xgboost
from sklearn.metrics import log_loss, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_reference  # noqa: E402  (the credit data, masked and split)

# (n, fraction): a grid, and the cases where float32's fraction × n
# truncates otherwise than float64's (0.29 × 100: 29 against 28).
COUNT_CASES = sorted(set(
    [(n, f) for n in (1, 2, 3, 5, 7, 10, 13, 23) for f in (0.05, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 0.99)]
    + [(100, 0.29), (20, 0.35), (100, 0.57), (50, 0.58), (10, 0.7), (30, 0.7), (10, 0.9), (40, 0.95)]))

# (bytree, bylevel, bynode) on the credit data.
CREDIT_SETTINGS = [(0.5, 1, 1), (1, 0.7, 1), (1, 1, 0.6), (0.8, 0.8, 0.8)]
SEEDS = range(5)


def kept(n, frac):
    rng = np.random.default_rng(n * 1000 + int(frac * 100))
    X = rng.standard_normal((5000, n)).astype(np.float32)
    y = rng.integers(0, 2, 5000).astype(np.float64)
    b = xgboost.train(
        {"tree_method": "hist", "max_depth": 12, "min_child_weight": 0, "reg_lambda": 0,
         "colsample_bytree": frac, "objective": "binary:logistic", "nthread": 2, "seed": 1},
        xgboost.DMatrix(X, label=y), num_boost_round=8)
    most = 0
    for tree in b.get_dump(dump_format="json"):
        feats = set()
        stack = [json.loads(tree)]
        while stack:
            nd = stack.pop()
            if "split" in nd:
                feats.add(nd["split"])
                stack.extend(nd["children"])
        most = max(most, len(feats))
    return most


def main():
    with open(os.path.join(HERE, "colsample_count.csv"), "w") as f:
        f.write("n,fraction,kept\n")
        for n, frac in COUNT_CASES:
            f.write(f"{n},{frac},{kept(n, frac)}\n")

    if len(sys.argv) > 1:
        make_reference.DATA = sys.argv[1]
    X, y, _ = make_reference.load()
    mask = make_reference.uniform(make_reference.MASK_SEED, np.arange(X.size)).reshape(X.shape) < make_reference.MISSING_FRAC
    X[mask] = np.nan
    test = make_reference.uniform(make_reference.SPLIT_SEED, np.arange(len(y))) < make_reference.TEST_FRAC
    Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]
    out = {"xgboost": xgboost.__version__, "trees": 100, "max_depth": 6, "learning_rate": 0.1,
           "max_bins": 255, "min_child_weight": 1e-3, "l2": 1.0, "seeds": len(SEEDS), "runs": []}
    for bytree, bylevel, bynode in CREDIT_SETTINGS:
        aucs, lls = [], []
        for seed in SEEDS:
            xgb = xgboost.XGBClassifier(
                n_estimators=100, max_depth=6, learning_rate=0.1, max_bin=256, tree_method="hist",
                reg_lambda=1.0, min_child_weight=1e-3, colsample_bytree=bytree,
                colsample_bylevel=bylevel, colsample_bynode=bynode, random_state=seed, nthread=2)
            xgb.fit(Xtr, ytr)
            p = xgb.predict_proba(Xte)[:, 1]
            aucs.append(roc_auc_score(yte, p))
            lls.append(log_loss(yte, p))
        run = {"bytree": bytree, "bylevel": bylevel, "bynode": bynode,
               "xgboost_auc": float(np.mean(aucs)), "xgboost_auc_sd": float(np.std(aucs)),
               "xgboost_log_loss": float(np.mean(lls))}
        print(run)
        out["runs"].append(run)
    with open(os.path.join(HERE, "colsample_credit.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
