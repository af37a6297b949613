#!/usr/bin/python3
"""Writes aft_weighted.json for gbt_metric_test.go: XGBoost 1.7's
aft-nloglik weighted by sample weights, against which ember predict
--weight's (and ember gbt's) weighted aft-nloglik of a survival:aft model
is checked.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 cmd/ember/testdata/make_aft_weighted.py

Made-up rows: lower and upper bounds on the times (observed, right-censored
with upper null for +Inf, interval-censored, one left-censored with lower
0), weights (one 0) and margins (predicted log times, float32). For each
distribution and scale of CASES, XGBoost's aft-nloglik of the margins
(given as base_margin to a booster of no trees, with eval_metric set, so
that it is evaluated at the objective's distribution) with and without
the weights.
"""
import json
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
# XGBoost 1.7.4's aft-nloglik takes the objective's distribution when
# eval_metric is set, but evaluates it at scale 1 whatever
# aft_loss_distribution_scale says (Ember's is at the fitted scale: see
# models/gbt/doc.go), so the cases are at scale 1, where the two agree.
CASES = [("normal", 1.0), ("logistic", 1.0), ("extreme", 1.0)]


def nloglik(lo, hi, w, margins, dist, sigma):
    X = np.zeros((len(lo), 1), np.float32)
    d = xgb.DMatrix(X)
    d.set_float_info("label_lower_bound", lo)
    d.set_float_info("label_upper_bound", hi)
    if w is not None:
        d.set_weight(w)
    d.set_base_margin(margins)
    b = xgb.train(dict(objective="survival:aft", eval_metric="aft-nloglik", aft_loss_distribution=dist,
                       aft_loss_distribution_scale=sigma), d, num_boost_round=0)
    name, value = b.eval(d).split("\t")[1].split(":")
    assert name == "eval-aft-nloglik", name
    return float(value)


def main():
    rng = np.random.default_rng(3)
    n = 40
    lo = np.round(np.exp(rng.normal(size=n)), 3)
    hi = lo.copy()
    hi[::4] = np.inf  # right-censored
    hi[1::5] = lo[1::5] * 2  # interval-censored
    lo[7] = 0  # left-censored
    w = np.round(rng.uniform(0, 3, n), 2)
    w[5] = 0
    margins = rng.normal(size=n).astype(np.float32)
    out = {"lower": lo.tolist(), "upper": [None if np.isinf(v) else float(v) for v in hi], "weights": w.tolist(),
           "margins": [float(v) for v in margins], "cases": []}
    for dist, sigma in CASES:
        out["cases"].append({"distribution": dist, "sigma": sigma, "weighted": nloglik(lo, hi, w, margins, dist, sigma),
                             "unweighted": nloglik(lo, hi, None, margins, dist, sigma)})
        print(out["cases"][-1])
    with open(os.path.join(HERE, "aft_weighted.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
