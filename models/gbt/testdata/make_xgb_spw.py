#!/usr/bin/python3
"""Writes spw_fit.csv, the fixture of TestScalePosWeightMatchesXGBoost:
Ember's fits with scale_pos_weight against XGBoost 1.7's, for each
objective of XGBoost 1.7's RegLossObj, which multiplies the weight of every
row whose float32 label is 1.0 by scale_pos_weight (binary:logistic,
binary:logitraw, reg:logistic, reg:squarederror, reg:squaredlogerror;
the other objectives ignore it, as XGBoost warns: "Parameters: {
"scale_pos_weight" } are not used").

Run with Debian's python3 and python3-xgboost (1.7), after
make_xgb_simple.py (whose simple_fit.csv gives the features, weights and
labels):

    /usr/bin/python3 models/gbt/testdata/make_xgb_spw.py

spw_fit.csv: per row of simple_fit.csv the label y_ones (its y_amount with
every fourth row set to 1, so that squared error has rows labelled 1 to
weigh), and per case of CASES XGBoost's margin m_<case> after 8 rounds,
started from Ember's starting margin (given as base_margin: the weighted
mean, or log-odds, with scale_pos_weight in the weights), so the trees are
compared alone.
"""
import csv
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, HIST  # noqa: E402  (this directory's)

ROUNDS = 8
SPW = 3.0

# name, objective, label (a simple_fit.csv column, or y_ones), weighted
CASES = [
    ("logistic", "binary:logistic", "y_binary", False),
    ("logitraw_w", "binary:logitraw", "y_binary", True),
    ("reglogistic", "reg:logistic", "y_share", False),
    ("reglogistic_w", "reg:logistic", "y_share", True),
    ("squared", "reg:squarederror", "y_ones", False),
    ("squared_w", "reg:squarederror", "y_ones", True),
    ("sle_w", "reg:squaredlogerror", "y_ones", True),
]


def ember_base(obj, y, w):
    """Ember's starting margin (grow.go baseScore) under weights w, float32."""
    if obj == "reg:squaredlogerror":
        return np.float32(np.expm1(np.sum(w * np.log1p(y)) / np.sum(w)))
    if obj == "reg:squarederror":
        return np.float32(np.sum(w * y) / np.sum(w))
    p = np.clip(np.sum(w * y) / np.sum(w), 2.0 ** -52, 1 - 2.0 ** -52)
    return np.float32(np.log(p / (1 - p)))


def main():
    print("xgboost", xgb.__version__)
    with open(os.path.join(HERE, "simple_fit.csv")) as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], rows[1:]
    col = {h: np.array([float(r[j]) if r[j] else np.nan for r in rows]) for j, h in enumerate(head)}
    X = np.stack([col[f"f{j}"] for j in range(4)], 1).astype(np.float32)
    n = len(X)
    col["y_ones"] = np.where(np.arange(n) % 4 == 0, 1.0, col["y_amount"])
    out = {"y_ones": col["y_ones"]}
    for name, obj, label, weighted in CASES:
        y = col[label]
        w = col["w"] if weighted else np.ones(n)
        # XGBoost compares the float32 label with 1.0f.
        fitw = w * np.where(y.astype(np.float32) == np.float32(1), SPW, 1.0)
        dm = xgb.DMatrix(X, label=y, weight=w if weighted else None, missing=np.nan)
        dm.set_base_margin(np.full(n, ember_base(obj, y, fitw)))
        b = xgb.train(dict(HIST, objective=obj, scale_pos_weight=SPW), dm, num_boost_round=ROUNDS)
        out["m_" + name] = b.predict(dm, output_margin=True)
        print(name, obj, "rows labelled 1:", int(np.sum(y == 1)))
    with open(os.path.join(HERE, "spw_fit.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(list(out))
        for i in range(n):
            wr.writerow(["%.8g" % out[c][i] for c in out])


if __name__ == "__main__":
    main()
