#!/usr/bin/python3
"""Writes the XGBoost interop fixtures the Go tests in models/gbt check
against: small models saved by XGBoost as JSON and UBJSON, the rows they
were trained on (with missing values) and XGBoost's own predictions.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgboost.py

Files (all in this folder):
  xgb_rows.csv          800 rows x 8 features, empty cell = missing (about
                        10%), written with repr() so Go reads the exact
                        float32 values; some values sit exactly on split
                        thresholds, which XGBoost sends right ("<" goes left).
  xgb_binary.json/.ubj  binary:logistic, 40 trees, depth 5, base_score 0.3
  xgb_reg.json/.ubj     reg:squarederror, 30 trees, depth 4, base_score 2.5
  xgb_expected.csv      per row: predict_proba[:, 1] of the binary model and
                        predict of the regression model, as float32 reprs
"""
import csv
import json
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(12)
    n, d = 800, 8
    X = rng.normal(size=(n, d)).astype(np.float32)
    X[:, 3] = rng.integers(0, 5, size=n)  # a discrete feature: many ties
    X[:, 5] *= 1000                       # a wide-range one
    X[rng.random(size=X.shape) < 0.10] = np.nan
    z = X[:, 0] - 0.5 * np.nan_to_num(X[:, 1]) + 0.3 * np.nan_to_num(X[:, 3]) + 0.001 * np.nan_to_num(X[:, 5])
    y_bin = (rng.random(n) < 1 / (1 + np.exp(-np.nan_to_num(z)))).astype(np.float32)
    y_reg = (2.5 + np.nan_to_num(z) + 0.1 * rng.normal(size=n)).astype(np.float32)

    cls = xgb.XGBClassifier(n_estimators=40, max_depth=5, learning_rate=0.3, tree_method="hist",
                            base_score=0.3, missing=np.nan, random_state=0, nthread=1)
    cls.fit(X, y_bin)
    reg = xgb.XGBRegressor(n_estimators=30, max_depth=4, learning_rate=0.3, tree_method="hist",
                           base_score=2.5, objective="reg:squarederror", random_state=0, nthread=1)
    reg.fit(X, y_reg)

    # Put some values exactly on thresholds the models split at.
    thr = []
    for t in json.loads(cls.get_booster().save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]:
        for l, f, c in zip(t["left_children"], t["split_indices"], t["split_conditions"]):
            if l != -1:
                thr.append((f, np.float32(c)))
    for i, (f, c) in enumerate(thr[:40]):
        X[10 * i + 7, f] = c

    cls.get_booster().save_model(os.path.join(HERE, "xgb_binary.json"))
    cls.get_booster().save_model(os.path.join(HERE, "xgb_binary.ubj"))
    reg.get_booster().save_model(os.path.join(HERE, "xgb_reg.json"))
    reg.get_booster().save_model(os.path.join(HERE, "xgb_reg.ubj"))
    p = cls.predict_proba(X)[:, 1]
    r = reg.predict(X)
    assert p.dtype == np.float32 and r.dtype == np.float32

    with open(os.path.join(HERE, "xgb_rows.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"f{j}" for j in range(d)])
        for row in X:
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in row])
    with open(os.path.join(HERE, "xgb_expected.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["binary_proba", "reg_pred"])
        for a, b in zip(p, r):
            w.writerow([repr(float(a)), repr(float(b))])
    print("xgboost", xgb.__version__, "rows", n, "thresholds hit", len(thr[:40]))


if __name__ == "__main__":
    main()
