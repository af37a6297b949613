#!/usr/bin/python3
"""Writes the fixtures of objectives_test.go: Ember's fits of the
objectives count:poisson, reg:tweedie, reg:gamma and reg:pseudohubererror
against XGBoost 1.7's, and models of those objectives saved by XGBoost for
LoadXGBoost to score.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_objectives.py

obj_fit.csv: per training row the features f0..f3 (rounded to few
distinct values, so that XGBoost's max_bin 256 and Ember's 255 bins cut
them alike; empty = missing), a weight w, and per case of CASES below its
label y_<case> (shared by cases of one objective) and XGBoost's margin
m_<case>. XGBoost starts from Ember's starting margin (given as
base_margin), so the trees are compared alone. obj_fit_metrics.json:
per case, XGBoost's default evaluation metric on the training rows after
each round (evals_result), which Ember's History.ValidLoss should be (for
huber_slope other than 1, the mphe at that slope: see fits).

obj_<objective>.json/.ubj: a model of each objective trained by XGBoost
on the first 200 rows of xgb_rows.csv (make_xgboost.py) with its own
base_score (the default 0.5, or the one given); obj_xgb_expected.csv:
XGBoost's predict() of each on those rows (float32 reprs).
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, HIST, four_features, write_fit_csv, write_predictions_csv, xgb_rows_head  # noqa: E402  (this directory's)

ROUNDS = 8

# name, objective, label, weighted, extra params (as TestObjectivesMatchXGBoost sets them)
CASES = [
    ("poisson", "count:poisson", "count", False, {}),
    ("poisson_mds", "count:poisson", "count", False, dict(max_delta_step=0.3)),
    ("poisson_none", "count:poisson", "count", False, dict(max_delta_step=0.0)),
    ("poisson_w", "count:poisson", "count", True, {}),
    ("tweedie", "reg:tweedie", "claims", False, {}),
    ("tweedie_1_2", "reg:tweedie", "claims", True, dict(tweedie_variance_power=1.2)),
    ("gamma", "reg:gamma", "size", False, {}),
    ("gamma_w", "reg:gamma", "size", True, {}),
    ("huber", "reg:pseudohubererror", "outliers", False, {}),
    ("huber_slope", "reg:pseudohubererror", "outliers", True, dict(huber_slope=3.0)),
]


def huber_centre(y, w, delta):
    """grow.go pseudoHuberCentre: bisection on the loss's derivative."""
    lo, hi = y.min(), y.max()
    for _ in range(200):
        c = lo + (hi - lo) / 2
        if c <= lo or c >= hi:
            break
        z = (c - y) / delta
        if np.sum(w * z / np.sqrt(1 + z * z)) > 0:
            hi = c
        else:
            lo = c
    return lo + (hi - lo) / 2


def ember_base(obj, y, w, params):
    """Ember's starting margin (grow.go baseScore), float32."""
    if obj == "reg:pseudohubererror":
        return np.float32(huber_centre(y, w, params.get("huber_slope", 1.0)))
    return np.float32(np.log(np.sum(w * y) / np.sum(w)))


def fits():
    rng = np.random.default_rng(5)
    n = 200
    X, (x0, x1, x2, x3) = four_features(rng, n)
    eta = .15 * x0 - .4 * x1 + .3 * np.sin(x2) + .2 * np.nan_to_num(x3) - .5
    mu = np.exp(eta)
    w = np.round(rng.uniform(0.3, 2.5, n), 2)
    labels = {
        "count": rng.poisson(mu).astype(float),
        # compound Poisson-gamma: a Poisson number of gamma claims, often 0
        "claims": np.array([rng.gamma(2.0, m / 1.5, k).sum() for m, k in zip(mu, rng.poisson(.8, n))]).round(3),
        "size": rng.gamma(3.0, mu * 100 / 3).round(2),
        "outliers": (3 * eta + rng.normal(size=n) * .5 + (rng.random(n) < .08) * rng.normal(size=n) * 30).round(3),
    }
    cols = {}
    metrics = {}
    for name, obj, label, weighted, extra in CASES:
        y = labels[label]
        ww = w if weighted else np.ones(n)
        base = ember_base(obj, y, ww, extra)
        dm = xgb.DMatrix(X, label=y, weight=ww if weighted else None, missing=np.nan)
        dm.set_base_margin(np.full(n, base))
        ev = {}
        b = xgb.train(dict(HIST, objective=obj, **extra), dm, num_boost_round=ROUNDS,
                      evals=[(dm, "train")], evals_result=ev, verbose_eval=False)
        (metric, curve), = ev["train"].items()
        if "huber_slope" in extra:
            # XGBoost 1.7.4's default mphe evaluates at slope 1 whatever
            # huber_slope is (its saved config says so); Ember's is the
            # loss fitted, at huber_slope: computed here from XGBoost's
            # margins after each round.
            d = extra["huber_slope"]
            curve = []
            for r in range(1, ROUNDS + 1):
                a = (y - b.predict(dm, output_margin=True, iteration_range=(0, r)).astype(np.float64)) / d
                curve.append(float(np.sum(ww * d * d * (np.sqrt(1 + a * a) - 1)) / np.sum(ww)))
            metric = "mphe@huber_slope (numpy)"
        metrics[name] = {"metric": metric, "curve": curve}
        cols["y_" + label] = y
        cols["m_" + name] = b.predict(dm, output_margin=True)
        print(name, metric, curve[-1])
    write_fit_csv("obj_fit.csv", X, w, cols, "%.8g")
    with open(os.path.join(HERE, "obj_fit_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)


def saved():
    X, z = xgb_rows_head(200)
    rng = np.random.default_rng(3)
    mu = np.exp(z / 2)
    models = [
        ("count_poisson", "count:poisson", rng.poisson(mu).astype(float), {}),
        ("reg_tweedie", "reg:tweedie", rng.poisson(.7, len(z)) * rng.gamma(2, mu), dict(tweedie_variance_power=1.3, base_score=2.0)),
        ("reg_gamma", "reg:gamma", rng.gamma(2, mu * 50), {}),
        ("reg_pseudohubererror", "reg:pseudohubererror", z + rng.standard_cauchy(len(z)), dict(huber_slope=2.0)),
    ]
    preds = {}
    for name, obj, y, extra in models:
        dm = xgb.DMatrix(X, label=y, missing=np.nan)
        b = xgb.train(dict(tree_method="hist", nthread=1, max_depth=3, eta=0.3, objective=obj, **extra), dm,
                      num_boost_round=6)
        b.save_model(os.path.join(HERE, f"obj_{name}.json"))
        b.save_model(os.path.join(HERE, f"obj_{name}.ubj"))
        p = b.predict(dm)
        assert p.dtype == np.float32
        preds[name] = p
    write_predictions_csv("obj_xgb_expected.csv", preds)


def main():
    print("xgboost", xgb.__version__)
    fits()
    saved()


if __name__ == "__main__":
    main()
