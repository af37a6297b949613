#!/usr/bin/python3
"""Writes the fixtures of simple_test.go: Ember's fits of the objectives
reg:squaredlogerror, reg:logistic, binary:logitraw, binary:hinge and
multi:softmax against XGBoost 1.7's, and models of the first four saved by
XGBoost for LoadXGBoost to score.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_simple.py

simple_fit.csv: per training row the features f0..f3 (rounded to few
distinct values, so that XGBoost's max_bin 256 and Ember's 255 bins cut
them alike; empty = missing), a weight w, the labels y_<label> of LABELS
below, and per case of CASES XGBoost's margin m_<case> (m_<case>_<k> per
class k for multi:softmax). XGBoost starts from Ember's starting margin
(given as base_margin), so the trees are compared alone.
simple_fit_metrics.json: per case, XGBoost's default evaluation metric on
the training rows after each round (evals_result), which Ember's
History.ValidLoss should be; for binary:logitraw, whose default logloss
XGBoost 1.7 takes of the margins as if they were probabilities, the
log-loss of their logistic, computed here (numpy), which Ember's is.

simple_<objective>.json (and .ubj for the two LoadXGBoost did not read
before): a model of each of four objectives trained by XGBoost on the
first 100 rows of xgb_rows.csv (make_xgboost.py), from its default
base_score 0.5; simple_xgb_expected.csv: XGBoost's predict() of each on
those rows (float32 reprs).
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, HIST, four_features, write_fit_csv, write_predictions_csv, xgb_rows_head  # noqa: E402  (this directory's)

ROUNDS = 8

# name, objective, label, weighted (as TestSimpleObjectivesMatchXGBoost sets them)
CASES = [
    ("sle", "reg:squaredlogerror", "amount", False),
    ("sle_w", "reg:squaredlogerror", "amount", True),
    ("logistic", "reg:logistic", "share", False),
    ("logistic_w", "reg:logistic", "share", True),
    ("logitraw", "binary:logitraw", "binary", False),
    ("logitraw_w", "binary:logitraw", "binary", True),
    ("hinge", "binary:hinge", "binary", False),
    ("hinge_w", "binary:hinge", "binary", True),
    ("softmax", "multi:softmax", "class", False),
    ("softmax_w", "multi:softmax", "class", True),
]


def ember_base(obj, y, w):
    """Ember's starting margin (grow.go baseScore, classBases), float32."""
    if obj == "reg:squaredlogerror":
        return np.float32(np.expm1(np.sum(w * np.log1p(y)) / np.sum(w)))
    if obj in ("reg:logistic", "binary:logitraw"):
        p = np.clip(np.sum(w * y) / np.sum(w), 2.0 ** -52, 1 - 2.0 ** -52)
        return np.float32(np.log(p / (1 - p)))
    if obj == "binary:hinge":
        return np.float32(0.5)
    share = np.array([np.sum(w[y == k]) for k in range(3)]) / np.sum(w)
    return np.log(np.clip(share, 2.0 ** -52, 1 - 2.0 ** -52)).astype(np.float32)


def logloss(y, w, margin):
    p = np.clip(1 / (1 + np.exp(-margin.astype(np.float64))), 1e-15, 1 - 1e-15)
    return float(np.sum(w * -(y * np.log(p) + (1 - y) * np.log(1 - p))) / np.sum(w))


def fits():
    rng = np.random.default_rng(11)
    n = 200
    X, (x0, x1, x2, x3) = four_features(rng, n)
    eta = .3 * x0 - .8 * x1 + .6 * np.sin(x2) + .4 * np.nan_to_num(x3) - 1.5
    w = np.round(rng.uniform(0.3, 2.5, n), 2)
    share = 1 / (1 + np.exp(-(eta + rng.normal(size=n) * .5)))
    share[rng.random(n) < .05] = 0.0
    share[rng.random(n) < .05] = 1.0
    score = eta + rng.logistic(size=n)
    labels = {
        # skewed amounts, a few between -1 and 0
        "amount": np.round(np.exp(eta + rng.normal(size=n) * .6) * 20 - .6, 3),
        "share": np.round(share, 3),
        "binary": (score > 0).astype(float),
        "class": np.digitize(score, [-1.0, 1.0]).astype(float),
    }
    assert labels["amount"].min() > -1 and (labels["amount"] < 0).any()
    cols = {"y_" + k: v for k, v in labels.items()}
    metrics = {}
    for name, obj, label, weighted in CASES:
        y = labels[label]
        ww = w if weighted else np.ones(n)
        base = ember_base(obj, y, ww)
        dm = xgb.DMatrix(X, label=y, weight=ww if weighted else None, missing=np.nan)
        params = dict(HIST, objective=obj)
        if obj == "multi:softmax":
            params["num_class"] = 3
            dm.set_base_margin(np.tile(base, (n, 1)).reshape(-1))
        else:
            dm.set_base_margin(np.full(n, base))
        ev = {}
        b = xgb.train(params, dm, num_boost_round=ROUNDS, evals=[(dm, "train")], evals_result=ev,
                      verbose_eval=False)
        (metric, curve), = ev["train"].items()
        if obj == "binary:logitraw":
            curve = [logloss(y, ww, b.predict(dm, output_margin=True, iteration_range=(0, r)))
                     for r in range(1, ROUNDS + 1)]
            metric = "logloss of the logistic of the margins (numpy)"
        metrics[name] = {"metric": metric, "curve": curve}
        m = b.predict(dm, output_margin=True)
        if m.ndim == 2:
            for k in range(m.shape[1]):
                cols[f"m_{name}_{k}"] = m[:, k]
        else:
            cols["m_" + name] = m
        print(name, metric, curve[-1])
    write_fit_csv("simple_fit.csv", X, w, cols, "%.8g")
    with open(os.path.join(HERE, "simple_fit_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)


def saved():
    X, z = xgb_rows_head(100)
    rng = np.random.default_rng(4)
    binary = (z + rng.logistic(size=len(z)) > 0).astype(float)
    models = [
        ("reg_squaredlogerror", "reg:squaredlogerror", np.exp(z / 2 + rng.normal(size=len(z)) * .3) * 5, (".json", ".ubj")),
        ("binary_hinge", "binary:hinge", binary, (".json", ".ubj")),
        ("reg_logistic", "reg:logistic", np.round(1 / (1 + np.exp(-z - rng.normal(size=len(z)))), 3), (".json",)),
        ("binary_logitraw", "binary:logitraw", binary, (".json",)),
    ]
    preds = {}
    for name, obj, y, exts in models:
        dm = xgb.DMatrix(X, label=y, missing=np.nan)
        b = xgb.train(dict(tree_method="hist", nthread=1, max_depth=3, eta=0.3, objective=obj), dm,
                      num_boost_round=5)
        for ext in exts:
            b.save_model(os.path.join(HERE, f"simple_{name}{ext}"))
        p = b.predict(dm)
        assert p.dtype == np.float32
        preds[name] = p
    write_predictions_csv("simple_xgb_expected.csv", preds)


def main():
    print("xgboost", xgb.__version__)
    fits()
    saved()


if __name__ == "__main__":
    main()
