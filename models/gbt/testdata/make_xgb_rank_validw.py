#!/usr/bin/python3
"""Writes the fixtures of TestRankWeightedValidationMatchesXGBoost
(rank_test.go): XGBoost 1.7's early stopping of rank fits on a validation
set whose queries are weighted, which its ranking metrics do not weigh.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_rank_validw.py

XGBoost 1.7.4's EvalRank (src/metric/rank_metric.cc) averages a metric
over the groups unweighted, sum/ngroups, whatever the DMatrix's weights:
the weights are checked (one per group, else an error) but not read. This
script shows that on the fixture, and that weighing the queries would
have changed the curve and the round early stopping keeps: it scores the
validation queries itself at every round's margins (iteration_range),
requires the unweighted mean to be XGBoost's evaluation, and requires the
weighted mean to be another curve with another best round, so that the Go
test cannot pass on a metric that weighs.

rank_validw_fit.csv: per row the features f0..f3 (xgbref.four_features;
empty = missing), the query's weight w, its query id qid, whether it is
a validation row (valid 1) and its relevance grade y (0-3).
rank_validw_metrics.json: per case, the objective, the metric, XGBoost's
evaluation of the (weighted) validation queries after each round until
early stopping stopped (evals_result) and its best_iteration.
"""
import csv
import json
import os

import numpy as np
import xgboost as xgb

from xgbref import HERE, HIST, four_features

PARAMS = dict(HIST, min_child_weight=1e-3, base_score=0.5)
ROUNDS, EARLY = 40, 4
TRAIN_QUERIES, VALID_QUERIES = 24, 12

# name, objective, eval metric (Ember's RankMetric)
CASES = [
    ("ndcg_ndcg3", "rank:ndcg", "ndcg@3"),
    ("ndcg_map", "rank:ndcg", "map"),
    ("ndcg_ndcg", "rank:ndcg", "ndcg"),
]


def data():
    rng = np.random.default_rng(9)
    nq = TRAIN_QUERIES + VALID_QUERIES
    sizes = rng.integers(4, 13, nq)
    n = int(sizes.sum())
    qid = np.repeat(np.arange(nq), sizes)
    X, (x0, x1, x2, x3) = four_features(rng, n)
    z = .3 * x0 - .6 * x1 + .4 * np.sin(x2) + .5 * np.nan_to_num(x3) + rng.normal(size=n) * 1.2
    y = np.zeros(n)
    for q in range(nq):
        s = qid == q
        y[s] = np.digitize(z[s], np.quantile(z[s], [.5, .75, .9]))
    # weights far apart, so that a weighted mean would follow a few queries
    gw = np.round(rng.choice([.1, .3, 1, 3, 8], nq) * rng.uniform(.8, 1.2, nq), 2)
    return X, y, qid, sizes, gw


def query_metric(metric, rel, pred):
    """XGBoost 1.7's EvalNDCG / EvalMAP of one query (no "-" forms): the
    documents in stable order of margin, highest first."""
    name, _, k = metric.partition("@")
    k = int(k) if k else len(rel)
    order = np.argsort(-pred, kind="stable")
    r = rel[order]
    if name == "ndcg":
        def dcg(v):
            v = v[:k]
            return float(np.sum((2.0 ** v - 1) / np.log2(np.arange(len(v)) + 2.0)))
        idcg = dcg(np.sort(rel)[::-1])
        return 1.0 if idcg == 0 else dcg(r) / idcg
    hits = np.cumsum(r != 0)
    if hits[-1] == 0:
        return 1.0
    prec = hits / np.arange(1, len(r) + 1)
    return float(np.sum(prec[:k][r[:k] != 0])) / hits[-1]


def early_stop(curve):
    """The round XGBoost's early stopping keeps on curve (higher better):
    the first of the best, once EARLY rounds have not bettered it."""
    best = 0
    for r, v in enumerate(curve):
        if v > curve[best]:
            best = r
        if r - best >= EARLY:
            break
    return best


def main():
    print("xgboost", xgb.__version__)
    X, y, qid, sizes, gw = data()
    train = qid < TRAIN_QUERIES
    dtr = xgb.DMatrix(X[train], label=y[train], missing=np.nan)
    dtr.set_group(sizes[:TRAIN_QUERIES])
    dtr.set_weight(gw[:TRAIN_QUERIES])
    dva = xgb.DMatrix(X[~train], label=y[~train], missing=np.nan)
    dva.set_group(sizes[TRAIN_QUERIES:])
    dva.set_weight(gw[TRAIN_QUERIES:])
    vbounds = np.concatenate([[0], np.cumsum(sizes[TRAIN_QUERIES:])])
    vw = gw[TRAIN_QUERIES:]
    out = {}
    for name, obj, metric in CASES:
        ev = {}
        b = xgb.train(dict(PARAMS, objective=obj, eval_metric=metric), dtr, num_boost_round=ROUNDS,
                      evals=[(dva, "valid")], evals_result=ev, early_stopping_rounds=EARLY, verbose_eval=False)
        curve = ev["valid"][metric]
        assert len(curve) < ROUNDS, (name, "early stopping did not stop")
        # The same fit without early stopping, scored round by round.
        full = xgb.train(dict(PARAMS, objective=obj), dtr, num_boost_round=ROUNDS)
        weighted = []
        for r in range(ROUNDS):
            p = full.predict(dva, output_margin=True, iteration_range=(0, r + 1))
            per = np.array([query_metric(metric, y[~train][lo:hi], p[lo:hi])
                            for lo, hi in zip(vbounds[:-1], vbounds[1:])])
            if r < len(curve):
                assert abs(per.mean() - curve[r]) < 1e-9, (name, r, per.mean(), curve[r])
            weighted.append(float(np.sum(vw * per) / np.sum(vw)))
        wbest = early_stop(weighted)
        assert wbest != b.best_iteration, (name, "weighing the queries keeps the same round", wbest)
        out[name] = {"objective": obj, "metric": metric, "curve": curve, "best_iteration": b.best_iteration}
        print(name, metric, "rounds", len(curve), "best", b.best_iteration, "weighted best", wbest,
              "largest gap", max(abs(a - c) for a, c in zip(curve, weighted)))
    with open(os.path.join(HERE, "rank_validw_fit.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["f0", "f1", "f2", "f3", "w", "qid", "valid", "y"])
        for i in range(len(y)):
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in X[i]] +
                        ["%g" % gw[qid[i]], qid[i], int(not train[i]), "%d" % y[i]])
    with open(os.path.join(HERE, "rank_validw_metrics.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
