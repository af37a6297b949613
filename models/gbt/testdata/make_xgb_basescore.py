#!/usr/bin/python3
"""Writes the fixtures of basescore_test.go: XGBoost 1.7's hist fits started
from a base_score given to it (XGBoost's own parameter, not a base_margin),
which Ember's fits with Model.BaseScore should be.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_basescore.py

basescore_fit.csv: per training row the features f0..f3 (three decimals,
read as float32; empty = missing), a weight w, the labels y_<label> of the label sets below, and per
case of CASES XGBoost's margin m_<case> after ROUNDS rounds (m_<case>_<k>
per class k for multi:softprob). XGBoost runs with max_bin 255, so Ember's
BinningXGBoost cuts the features as it does.
basescore_meta.json: per case its objective, label, whether weighted, the
base_score given and the margin XGBoost starts from (its ProbToMargin of
base_score: the prediction of a model of no trees, output_margin).
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, write_fit_csv  # noqa: E402  (this directory's)

COMMON = dict(tree_method="hist", max_bin=255, nthread=1, max_depth=3, eta=0.3, reg_lambda=1.0,
              min_child_weight=1.0)
ROUNDS = 6

# name, objective, label, weighted, base_score (as TestBaseScoreMatchesXGBoost sets them)
CASES = [
    ("logistic", "binary:logistic", "binary", False, 0.3),
    ("logistic_w", "binary:logistic", "binary", True, 0.5),  # XGBoost's default start
    ("logitraw", "binary:logitraw", "binary", False, -1.0),  # base_score is the margin
    ("squared", "reg:squarederror", "amount", False, 0.0),  # 0 is a base_score too
    ("poisson", "count:poisson", "count", False, 2.0),
    ("softprob", "multi:softprob", "class", False, 0.5),
    ("softprob_w", "multi:softprob", "class", True, 1.5),
]


def main():
    rng = np.random.default_rng(23)
    n = 160
    # Three decimals, written as such: the fixture's text is the float64
    # both sides round to float32.
    x = np.round(np.stack([rng.normal(size=n), rng.uniform(-2, 2, n), rng.exponential(size=n),
                           rng.normal(size=n)], 1), 3)
    x[rng.random(n) < .1, 3] = np.nan
    X = x.astype(np.float32)
    eta = .8 * x[:, 0] - .6 * x[:, 1] + .5 * np.sin(2 * x[:, 2]) + .4 * np.nan_to_num(x[:, 3])
    w = np.round(rng.uniform(0.3, 2.5, n), 2)
    score = eta + rng.logistic(size=n)
    labels = {
        "binary": (score > 0).astype(float),
        "amount": np.round(3 + 2 * eta + rng.normal(size=n), 3),
        "count": rng.poisson(np.exp(.5 * eta)).astype(float),
        "class": np.digitize(score, [-1.0, 1.5]).astype(float),
    }
    cols = {"y_" + k: v for k, v in labels.items()}
    meta = {}
    for name, obj, label, weighted, base_score in CASES:
        y = labels[label]
        dm = xgb.DMatrix(X, label=y, weight=w if weighted else None, missing=np.nan)
        params = dict(COMMON, objective=obj, base_score=base_score)
        if obj == "multi:softprob":
            params["num_class"] = 3
        start = xgb.train(params, dm, num_boost_round=0).predict(dm, output_margin=True)
        b = xgb.train(params, dm, num_boost_round=ROUNDS)
        m = b.predict(dm, output_margin=True)
        if m.ndim == 2:
            for k in range(m.shape[1]):
                cols[f"m_{name}_{k}"] = m[:, k]
        else:
            cols["m_" + name] = m
        meta[name] = {"objective": obj, "label": label, "weighted": weighted, "base_score": base_score,
                      "base_margin": float(start.reshape(-1)[0])}
        print(name, obj, "base_score", base_score, "margin", start.reshape(-1)[0])
    write_fit_csv("basescore_fit.csv", x, w, cols, "%.9g")
    with open(os.path.join(HERE, "basescore_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
