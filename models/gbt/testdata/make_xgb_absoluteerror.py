#!/usr/bin/python3
"""Writes the fixtures of absoluteerror_test.go: Ember's fits of
reg:absoluteerror (L1 regression) against XGBoost 1.7's, and a model of it
saved by XGBoost for LoadXGBoost to score.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_absoluteerror.py

abs_fit.csv: per training row (float32 values written as their shortest
float32 reprs) the features f0..f3 (rounded to few distinct
values, so that XGBoost's max_bin 256 and Ember's 255 bins cut them alike;
empty = missing), a weight w, the label y (a linear signal, noise, and 8%
of rows thrown far off; float32 values, as XGBoost keeps labels), and per case of CASES below XGBoost's margin
m_<case> after the last round. XGBoost estimates its own starting margin
(base_score: the labels' weighted median), which Ember must reproduce.
abs_fit_meta.json: per case its base_score and the weighted mean absolute
error on the training rows after each round (XGBoost's default metric for
the objective, mae), which Ember's History.ValidLoss should be.

XGBoost 1.7 sets an adaptive leaf to the median residual without the
learning rate (a bug: XGBoost 2.0 multiplies by it, #8866), so eta 1 is
the only setting at which 1.7's fits are those of 2.x and Ember. The cases
with eta below 1 are grown one round at a time by 1.7 at eta 1, each new
tree's leaves then scaled by eta in float32 (q * eta, as XGBoost 2's
UpdateLeafValues) before the next round: XGBoost's trees and medians, with
2.x's learning rate.

obj_reg_absoluteerror.json/.ubj: a model trained by XGBoost on the first
200 rows of xgb_rows.csv (make_xgboost.py), with its estimated base_score;
abs_xgb_expected.csv: XGBoost's predict() on those rows (float32 reprs).
"""
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, four_features, xgb_rows_head  # noqa: E402  (this directory's)

COMMON = dict(objective="reg:absoluteerror", tree_method="hist", max_bin=256, nthread=1, reg_lambda=1.0,
              min_child_weight=1.0)
ROUNDS = 6

# name, weighted, growth params, eta (as TestAbsoluteErrorMatchesXGBoost sets them)
DEPTHWISE = dict(max_depth=3)
LOSSGUIDE = dict(grow_policy="lossguide", max_leaves=6, max_depth=0)
CASES = [
    ("depthwise", False, DEPTHWISE, 1.0),
    ("depthwise_w", True, DEPTHWISE, 1.0),
    ("lossguide", False, LOSSGUIDE, 1.0),
    ("lossguide_w", True, LOSSGUIDE, 1.0),
    ("depthwise_eta", False, DEPTHWISE, 0.3),
    ("lossguide_eta_w", True, LOSSGUIDE, 0.3),
]


def data():
    rng = np.random.default_rng(11)
    n = 300
    X, (x0, x1, x2, x3) = four_features(rng, n)
    signal = .8 * x0 - 1.5 * x1 + np.sin(x2) + .5 * np.nan_to_num(x3)
    outlier = rng.random(n) < .08
    y = (signal + rng.normal(size=n) * .7 + outlier * rng.standard_cauchy(n) * 40).round(3)
    y = y.astype(np.float32).astype(np.float64)  # XGBoost's labels are float32
    w = np.round(rng.uniform(0.3, 2.5, n), 2)
    return X, y, w


def scale_last_tree(booster, eta):
    """Multiplies the leaves of the booster's last tree by eta (float32)."""
    model = json.loads(booster.save_raw("json"))
    tree = model["learner"]["gradient_booster"]["model"]["trees"][-1]
    for i, left in enumerate(tree["left_children"]):
        if left == -1:
            tree["split_conditions"][i] = float(np.float32(tree["split_conditions"][i]) * np.float32(eta))
    out = xgb.Booster()
    out.load_model(bytearray(json.dumps(model).encode()))
    return out


def fit(X, y, w, weighted, growth, eta):
    """XGBoost's margins after the last round, its base_score, and the mae
    after each round."""
    dm = xgb.DMatrix(X, label=y, weight=w if weighted else None, missing=np.nan)
    params = dict(COMMON, **growth)
    ww = w if weighted else np.ones(len(y))
    curve = []
    if eta == 1:
        ev = {}
        b = xgb.train(dict(params, eta=1.0), dm, num_boost_round=ROUNDS, evals=[(dm, "train")], evals_result=ev,
                      verbose_eval=False)
        curve = ev["train"]["mae"]
    else:
        b = None
        for _ in range(ROUNDS):
            b = scale_last_tree(xgb.train(dict(params, eta=1.0), dm, num_boost_round=1, xgb_model=b), eta)
            m = b.predict(dm, output_margin=True).astype(np.float64)
            curve.append(float(np.sum(ww * np.abs(y.astype(np.float32) - m)) / np.sum(ww)))
    base = json.loads(b.save_config())["learner"]["learner_model_param"]["base_score"]
    return b.predict(dm, output_margin=True), float(base), curve


def fits():
    X, y, w = data()
    n = len(y)
    cols = {}
    meta = {}
    for name, weighted, growth, eta in CASES:
        m, base, curve = fit(X, y, w, weighted, growth, eta)
        cols["m_" + name] = m
        meta[name] = {"base_score": base, "mae": curve}
        print(name, base, curve[-1])
    with open(os.path.join(HERE, "abs_fit.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["f0", "f1", "f2", "f3", "w", "y"] + list(cols))
        for i in range(n):
            # float32 values as their shortest float32 reprs
            wr.writerow(["" if np.isnan(v) else str(np.float32(v)) for v in X[i]] +
                        ["%g" % w[i], str(np.float32(y[i]))] + [str(np.float32(cols[c][i])) for c in cols])
    with open(os.path.join(HERE, "abs_fit_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def saved():
    X, z = xgb_rows_head(200)
    y = 3 * z + np.random.default_rng(4).standard_cauchy(len(z))
    dm = xgb.DMatrix(X, label=y, missing=np.nan)
    b = xgb.train(dict(tree_method="hist", nthread=1, max_depth=3, eta=0.5, objective="reg:absoluteerror"), dm,
                  num_boost_round=6)
    b.save_model(os.path.join(HERE, "obj_reg_absoluteerror.json"))
    b.save_model(os.path.join(HERE, "obj_reg_absoluteerror.ubj"))
    p = b.predict(dm)
    assert p.dtype == np.float32
    with open(os.path.join(HERE, "abs_xgb_expected.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["reg_absoluteerror"])
        for v in p:
            wr.writerow([repr(float(v))])


def main():
    print("xgboost", xgb.__version__)
    fits()
    saved()


if __name__ == "__main__":
    main()
