#!/usr/bin/python3
"""Writes the fixtures of rank_test.go: Ember's fits of rank:pairwise,
rank:ndcg and rank:map against XGBoost 1.7's on one thread (nthread=1,
where XGBoost's pair sampling is one std::minstd_rand stream), and a
rank:ndcg model saved by XGBoost for LoadXGBoost to score.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_rank.py

rank_fit.csv: per row the features f0..f3 (few distinct values, so that
XGBoost's max_bin 256 and Ember's 255 bins cut them alike; empty =
missing), the query id qid, whether the row is in the validation queries
(valid 1) or the training ones (0), the query's weight w, the relevance
grade y (0-4), and per case of CASES below XGBoost's margin m_<case> after
ROUNDS rounds (validation rows: the margin XGBoost predicts for them).
rank_fit_metrics.json: per case, XGBoost's evaluation of the validation
queries after each round (evals_result) by the case's metric.

rank_ndcg.json: a rank:ndcg model XGBoost trained on the training rows;
rank_xgb_expected.csv: its predict() of every row (float32 reprs).
"""
import csv
import json
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON = dict(tree_method="hist", max_bin=256, nthread=1, max_depth=3, eta=0.3, reg_lambda=1.0,
              min_child_weight=1e-3, base_score=0.5)
ROUNDS = 8

# name, objective, weighted, eval metric (as TestRankMatchesXGBoost sets them)
CASES = [
    ("pairwise", "rank:pairwise", False, "ndcg@5"),
    ("ndcg", "rank:ndcg", False, "ndcg"),
    ("ndcg_w", "rank:ndcg", True, "ndcg@3-"),
    ("map", "rank:map", False, "map"),
    ("map_w", "rank:map", True, "map@4"),
]


def data():
    rng = np.random.default_rng(7)
    sizes = rng.integers(5, 21, 40)  # 30 training queries, 10 validation
    n = int(sizes.sum())
    qid = np.repeat(np.arange(len(sizes)), sizes)
    x0 = rng.integers(0, 20, n) / 4
    x1 = np.round(rng.normal(size=n), 1)
    x2 = rng.integers(0, 6, n).astype(float)
    x3 = np.round(rng.uniform(-1, 1, n), 1)
    x3[rng.random(n) < .1] = np.nan
    X = np.stack([x0, x1, x2, x3], 1).astype(np.float32)
    z = .5 * x0 - .6 * x1 + .4 * np.sin(x2) + .3 * np.nan_to_num(x3) + rng.normal(size=n) * .8
    # grades 0-4 by the query's own quantiles of z, so every query has a spread
    y = np.zeros(n)
    for q in range(len(sizes)):
        s = qid == q
        y[s] = np.digitize(z[s], np.quantile(z[s], [.4, .65, .8, .92]))
    y[qid == 4] = 0  # a query without relevant documents
    y[qid == 9] = 2  # one of documents all alike
    gw = np.round(rng.uniform(.5, 2, len(sizes)), 2)
    return X, y, qid, sizes, gw


def main():
    print("xgboost", xgb.__version__)
    X, y, qid, sizes, gw = data()
    train = qid < 30
    ntr = int(train.sum())
    dtr = xgb.DMatrix(X[train], label=y[train], missing=np.nan)
    dtr.set_group(sizes[:30])
    dva = xgb.DMatrix(X[~train], label=y[~train], missing=np.nan)
    dva.set_group(sizes[30:])
    margins, curves = {}, {}
    for name, obj, weighted, metric in CASES:
        dtr.set_weight(gw[:30] if weighted else np.array([], np.float32))
        ev = {}
        b = xgb.train(dict(COMMON, objective=obj, eval_metric=metric), dtr, num_boost_round=ROUNDS,
                      evals=[(dva, "valid")], evals_result=ev, verbose_eval=False)
        curves[name] = {"metric": metric, "curve": ev["valid"][metric]}
        margins[name] = np.concatenate([b.predict(dtr, output_margin=True), b.predict(dva, output_margin=True)])
        print(name, metric, ev["valid"][metric][-1])
    with open(os.path.join(HERE, "rank_fit.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["f0", "f1", "f2", "f3", "qid", "valid", "w", "y"] + ["m_" + c[0] for c in CASES])
        for i in range(len(y)):
            wr.writerow(["" if np.isnan(v) else str(v) for v in X[i]] +
                        [qid[i], int(i >= ntr), "%g" % gw[qid[i]], "%d" % y[i]] +
                        ["%.9g" % margins[c[0]][i] for c in CASES])
    with open(os.path.join(HERE, "rank_fit_metrics.json"), "w") as f:
        json.dump(curves, f, indent=1)

    dtr.set_weight(np.array([], np.float32))
    b = xgb.train(dict(tree_method="hist", nthread=1, max_depth=3, eta=0.3, objective="rank:ndcg"), dtr,
                  num_boost_round=4)
    b.save_model(os.path.join(HERE, "rank_ndcg.json"))
    dall = xgb.DMatrix(X, missing=np.nan)
    p = b.predict(dall)
    with open(os.path.join(HERE, "rank_xgb_expected.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["rank_ndcg"])
        for v in p:
            wr.writerow([str(v)])


if __name__ == "__main__":
    main()
