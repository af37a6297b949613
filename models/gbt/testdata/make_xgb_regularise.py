#!/usr/bin/python3
"""Writes the fixtures comparing Ember's fit with XGBoost's under the
regularisation options of regularise_test.go: L1 (reg_alpha),
MaxDeltaStep (max_delta_step) and Monotone (monotone_constraints), alone
and together, depth by depth and best first (lossguide), for
binary:logistic, reg:squarederror and multi:softprob.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_regularise.py

Each case is reg_<name>.csv: per training row the features (empty =
missing), the label y and XGBoost's margin per class (m0, m1, ...).
Features are rounded to few distinct values, so that XGBoost's max_bin
256 and Ember's 255 bins cut them alike. XGBoost starts from Ember's
starting margins (given as base_margin), so the trees are compared alone.
The params are in main below and in TestRegularisedFitsMatchXGBoost.
"""
import csv
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, ember_base_unweighted  # noqa: E402  (this directory's)



def case(name, X, y, params, rounds, k=1, ftypes=None):
    obj = params["objective"]
    base = ember_base_unweighted(obj, y, k)
    p = dict(tree_method="hist", max_bin=256, nthread=1, eta=0.3, reg_lambda=1.0, min_child_weight=1.0,
             base_score=0.5 if obj == "binary:logistic" else 0.0)
    p.update(params)
    if "monotone_constraints" in p:
        p["monotone_constraints"] = "(" + ",".join(str(c) for c in p["monotone_constraints"]) + ")"
    dm = xgb.DMatrix(X, label=y, missing=np.nan, feature_types=ftypes, enable_categorical=ftypes is not None)
    dm.set_base_margin(np.tile(np.atleast_1d(base), len(y)))
    b = xgb.train(p, dm, num_boost_round=rounds)
    m = b.predict(dm, output_margin=True).reshape(len(y), -1)
    with open(os.path.join(HERE, f"reg_{name}.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow([f"f{j}" for j in range(X.shape[1])] + ["y"] + [f"m{c}" for c in range(m.shape[1])])
        for row, yy, mm in zip(X, y, m):
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in row] + ["%.9g" % yy] +
                        ["%.9g" % v for v in mm])
    print(name, len(y), "rows", X.shape[1], "features")


def features(rng, n):
    """Four numeric features of a few dozen values each; x3 has missing values."""
    x0 = rng.integers(0, 60, n) / 4
    x1 = np.round(rng.normal(size=n), 1)
    x2 = rng.integers(0, 40, n).astype(float)
    x3 = np.round(rng.uniform(-2, 2, n), 1)
    x3[rng.random(n) < .12] = np.nan
    return np.stack([x0, x1, x2, x3], 1).astype(np.float32)


def main():
    rng = np.random.default_rng(7)
    n = 400
    X = features(rng, n)
    x0, x1, x2, x3 = (X[:, j].astype(float) for j in range(4))
    # Mostly rising in x0, falling in x1, but not everywhere: the
    # constraints then bind, and reject splits.
    z = .25 * x0 - 2 - 1.2 * x1 + np.sin(x2 / 3) + .8 * np.sin(3 * x0) + .5 * np.nan_to_num(x3) ** 2
    yb = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    yr = z + rng.normal(size=n) * .5
    depth = dict(max_depth=4)

    case("l1", X, yb, dict(objective="binary:logistic", reg_alpha=2.0, **depth), 10)
    case("l1_reg", X, yr, dict(objective="reg:squarederror", reg_alpha=15.0, **depth), 10)
    # Rare positives (5%): small hessians, large steps; max_delta_step bounds them.
    zr = z - 3
    yrare = (rng.random(n) < 1 / (1 + np.exp(-zr))).astype(float)
    case("mds", X, yrare, dict(objective="binary:logistic", max_delta_step=0.4, reg_lambda=0.0, **depth), 10)
    case("mds_l1", X, yrare, dict(objective="binary:logistic", max_delta_step=0.4, reg_alpha=0.5, **depth), 10)
    mono = [1, -1, 0, 1]
    case("mono", X, yb, dict(objective="binary:logistic", monotone_constraints=mono, **depth), 12)
    case("mono_leaves", X, yb, dict(objective="binary:logistic", monotone_constraints=mono, max_depth=0,
                                    grow_policy="lossguide", max_leaves=10), 8)
    case("mono_all", X, yr, dict(objective="reg:squarederror", monotone_constraints=[1, -1, 0, -1],
                                 reg_alpha=3.0, max_delta_step=1.5, **depth), 10)
    zk = np.stack([z, -z + np.cos(x2 / 4), .5 * x1], 1) + rng.normal(size=(n, 3))
    yk = zk.argmax(1).astype(float)
    case("mono_multi", X, yk, dict(objective="multi:softprob", num_class=3, monotone_constraints=mono,
                                   reg_alpha=0.5, **depth), 6, k=3)
    # x2 as 40 categories (partition splits) under the bounds of
    # constrained splits above them.
    case("mono_cat", X, yr, dict(objective="reg:squarederror", monotone_constraints=[1, -1, 0, 1],
                                 max_cat_to_onehot=4, **depth), 8, ftypes=["q", "q", "c", "q"])


if __name__ == "__main__":
    main()
