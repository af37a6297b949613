#!/usr/bin/python3
"""Writes ranking.json, the fixture of ranking_test.go: queries of graded
relevance (0-4) and scores, with

- sklearn 1.2's ndcg_score (gains 2^rel - 1 passed as y_true, so that its
  linear gain is XGBoost's exponential one) at k = all, 1, 3, 5, and its
  average_precision_score of rel > 0, per query, on queries whose scores
  do not tie (sklearn averages tied documents; XGBoost keeps row order);
- XGBoost 1.7's own evaluation of ndcg, ndcg@3, ndcg@3-, ndcg-, map, map@2,
  map@2- over all the queries together, ties and queries without a
  relevant document included: a booster of no trees evaluated on a DMatrix
  whose base_margin is the scores (rank objectives output the margin).

Run with Debian's python3 (sklearn 1.2.1, xgboost 1.7.4):

    /usr/bin/python3 metrics/testdata/make_ranking.py
"""
import json
import os

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.metrics import average_precision_score, ndcg_score

HERE = os.path.dirname(os.path.abspath(__file__))
XGB_METRICS = ["ndcg", "ndcg@3", "ndcg@3-", "ndcg-", "map", "map@2", "map@2-"]


def main():
    rng = np.random.default_rng(11)
    queries = []
    for q in range(12):
        n = int(rng.integers(2, 9))
        rel = rng.integers(0, 5, n)
        if q == 3:
            rel[:] = 0  # no relevant document
        if q == 5:
            rel[:] = 2  # all alike
        if q % 4 == 1:
            # ties: scores on a coarse grid
            score = rng.integers(0, 3, n).astype(np.float64) / 2
        else:
            score = np.round(rng.normal(size=n), 6)
        queries.append((rel, score))
    out = {"sklearn": [], "xgboost": {}, "versions": {"sklearn": sklearn.__version__, "xgboost": xgb.__version__}}
    for rel, score in queries:
        if len(np.unique(score)) < len(score) or rel.sum() == 0:
            continue
        gain = (2.0 ** rel - 1)[None, :]
        row = {"rel": rel.tolist(), "score": score.tolist(),
               "ndcg": ndcg_score(gain, score[None, :]),
               "ap": average_precision_score(rel > 0, score) if 0 < (rel > 0).sum() < len(rel) else None}
        for k in (1, 3, 5):
            row["ndcg@%d" % k] = ndcg_score(gain, score[None, :], k=k)
        out["sklearn"].append(row)
    rel = np.concatenate([r for r, _ in queries]).astype(np.float32)
    score = np.concatenate([s for _, s in queries]).astype(np.float32)
    qid = np.concatenate([np.full(len(r), i) for i, (r, _) in enumerate(queries)])
    dm = xgb.DMatrix(np.zeros((len(rel), 1), np.float32), label=rel)
    dm.set_group([len(r) for r, _ in queries])
    dm.set_base_margin(score)
    for metric in XGB_METRICS:
        # One booster per metric: a list given to train with no rounds
        # evaluates its last metric under every name.
        b = xgb.train({"objective": "rank:ndcg", "nthread": 1}, dm, num_boost_round=0)
        b.set_param({"eval_metric": metric})
        name, value = b.eval(dm, "q").split("\t")[1].rsplit(":", 1)
        assert name == "q-" + metric, name
        out["xgboost"][metric] = float(value)
    out["rows"] = {"rel": rel.astype(int).tolist(), "score": score.astype(float).tolist(), "qid": qid.tolist()}
    with open(os.path.join(HERE, "ranking.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(out["xgboost"], len(out["sklearn"]), "untied queries")


if __name__ == "__main__":
    main()
