#!/usr/bin/python3
"""Writes XGBoost's multi:softprob probabilities on iris after training, which
TestMulticlassTrainsAsXGBoost compares Ember's own training against: the same
objective (gradient p - 1[y=k], hessian 2p(1-p)), one tree per class a round,
the same histogram bins (iris has few distinct values a feature).

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_iris_xgb.py [iris.csv]

Files: iris_xgb_R_D.csv, a header and one row per iris row (file order), the three class
probabilities (classes in sorted name order) after R rounds of depth D,
learning rate 0.3, lambda 1, min_child_weight 1e-3, hist with max_bin 256.
With sample weights (row i weighs 0.5 + (i % 7) / 4), each fit starting from
Ember's margins (given to XGBoost as base_margin, since XGBoost 1.7 starts
every model at base_score 0.5):
  iris_xgb_weighted_20_3.csv  multi:softprob as above, weighted; Ember starts
                              at the log of each class's weighted share.
  iris_xgb_binary_20_3.csv    binary:logistic, virginica against the rest,
                              weighted and scale_pos_weight 3; Ember starts at
                              the log-odds of the weighted positive share.
                              One column: P(virginica).
  iris_xgb_lossguide_20.csv   multi:softprob unweighted, grown best first
                              (grow_policy lossguide, max_leaves 5, no depth
                              bound), 20 rounds.
"""
import csv
import os
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "iris.csv")


def main():
    with open(DATA) as f:
        rows = list(csv.reader(f))[1:]
    X = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32)
    classes = sorted(set(r[4] for r in rows))
    y = np.array([classes.index(r[4]) for r in rows])
    d = xgb.DMatrix(X, label=y)
    for rounds, depth in [(1, 2), (20, 3)]:
        params = dict(objective="multi:softprob", num_class=3, max_depth=depth, eta=0.3, reg_lambda=1,
                      min_child_weight=1e-3, tree_method="hist", max_bin=256, nthread=1)
        p = xgb.train(params, d, rounds).predict(d)
        np.savetxt(os.path.join(HERE, "iris_xgb_%d_%d.csv" % (rounds, depth)), p, delimiter=",", fmt="%.9g",
                   header="p_setosa,p_versicolor,p_virginica", comments="")

    w = 0.5 + (np.arange(len(y)) % 7) / 4
    common = dict(max_depth=3, eta=0.3, reg_lambda=1, min_child_weight=1e-3, tree_method="hist", max_bin=256, nthread=1)
    share = np.array([w[y == k].sum() for k in range(3)]) / w.sum()
    base = np.tile(np.log(share).astype(np.float32), (len(y), 1))
    d = xgb.DMatrix(X, label=y, weight=w, base_margin=base)
    p = xgb.train(dict(objective="multi:softprob", num_class=3, **common), d, 20).predict(d)
    np.savetxt(os.path.join(HERE, "iris_xgb_weighted_20_3.csv"), p, delimiter=",", fmt="%.9g",
               header="p_setosa,p_versicolor,p_virginica", comments="")

    d = xgb.DMatrix(X, label=y)
    p = xgb.train(dict(objective="multi:softprob", num_class=3, grow_policy="lossguide", max_leaves=5,
                       **dict(common, max_depth=0)), d, 20).predict(d)
    np.savetxt(os.path.join(HERE, "iris_xgb_lossguide_20.csv"), p, delimiter=",", fmt="%.9g",
               header="p_setosa,p_versicolor,p_virginica", comments="")

    yb = (y == 2).astype(np.float32)
    spw = 3.0
    wb = w * np.where(yb == 1, spw, 1)
    pos = wb[yb == 1].sum() / wb.sum()
    base = np.full(len(y), np.float32(np.log(pos / (1 - pos))), dtype=np.float32)
    d = xgb.DMatrix(X, label=yb, weight=w, base_margin=base)
    p = xgb.train(dict(objective="binary:logistic", scale_pos_weight=spw, **common), d, 20).predict(d)
    np.savetxt(os.path.join(HERE, "iris_xgb_binary_20_3.csv"), p, delimiter=",", fmt="%.9g",
               header="p_virginica", comments="")


if __name__ == "__main__":
    main()
