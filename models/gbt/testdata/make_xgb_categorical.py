#!/usr/bin/python3
"""Writes the fixtures for scoring XGBoost models with categorical splits
(enable_categorical=True): a small binary:logistic model trained with
tree_method "hist" on a generated table with two pandas category columns,
saved as JSON and UBJSON, and XGBoost's own predictions, margins and
pred_contribs for rows that include unseen, negative, fractional and huge
category codes and missing values.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_categorical.py

Files (all in this folder):
  xgb_cat.json/.ubj     binary:logistic, 6 trees, depth 3, on features
                        "color" (categorical, 12 levels: partition splits),
                        "size" (categorical, 3 levels: one-hot splits, since
                        3 < max_cat_to_onehot 4) and "x" (numeric, 10% NaN)
  xgb_cat_rows.csv      the rows scored: category codes as numbers, empty
                        cell = missing
  xgb_cat_expected.csv  per row: predict_proba[:, 1], the margin
                        (output_margin) and pred_contribs (color, size, x,
                        bias), as float32 reprs
  cat_fit_rows.csv      500 rows for checking Ember's own categorical fit:
                        "level" (10 categories whose effect on the label is
                        not monotone in the code: partition splits), "size"
                        (3 categories: one-hot splits, some missing) and
                        the label y
  cat_fit_xgb.csv       per row: the margin of XGBoost's fit on those rows
                        (20 trees, depth 3, eta 0.3, lambda 1,
                        min_child_weight 1, base_score the positive rate,
                        the params Ember's test fits with)
"""
import csv
import os

import numpy as np
import pandas as pd
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(7)
    n = 600
    color = rng.integers(0, 12, size=n)
    size = rng.integers(0, 3, size=n)
    x = rng.normal(size=n)
    # The label depends on the colour non-monotonically in its code.
    effect = np.array([1.5, -1.0, 0.2, 2.0, -2.0, 0.0, 1.0, -1.5, 0.5, -0.5, 2.5, -2.5])
    z = effect[color] + 0.8 * (size == 1) + x
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    x[rng.random(n) < 0.1] = np.nan
    df = pd.DataFrame({
        "color": pd.Categorical(color, categories=list(range(12))),
        "size": pd.Categorical(size, categories=list(range(3))),
        "x": x.astype(np.float32),
    })
    cls = xgb.XGBClassifier(n_estimators=6, max_depth=3, learning_rate=0.5, tree_method="hist",
                            enable_categorical=True, max_cat_to_onehot=4, random_state=0, nthread=1)
    cls.fit(df, y)
    booster = cls.get_booster()
    booster.save_model(os.path.join(HERE, "xgb_cat.json"))
    booster.save_model(os.path.join(HERE, "xgb_cat.ubj"))

    # Rows to score: training rows, then codes XGBoost treats specially.
    rows = [[float(color[i]), float(size[i]), float(x[i])] for i in range(40)]
    odd = [12, 13, 31, 32, 100, -1, -0.5, 2.7, 3.2, 0.999, 16777215, 16777216, 1e9, np.nan]
    for k, c in enumerate(odd):
        rows.append([float(c), float(odd[(k + 5) % len(odd)]), [0.3, np.nan, -1.2][k % 3]])
    X = np.array(rows, dtype=np.float32)
    dm = xgb.DMatrix(X, feature_names=["color", "size", "x"], feature_types=["c", "c", "q"],
                     enable_categorical=True, missing=np.nan)
    proba = booster.predict(dm)
    margin = booster.predict(dm, output_margin=True)
    contribs = booster.predict(dm, pred_contribs=True)
    assert proba.dtype == np.float32 and contribs.shape == (len(rows), 4)

    with open(os.path.join(HERE, "xgb_cat_rows.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["color", "size", "x"])
        for row in X:
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in row])
    with open(os.path.join(HERE, "xgb_cat_expected.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["proba", "margin", "phi_color", "phi_size", "phi_x", "bias"])
        for p, m, c in zip(proba, margin, contribs):
            w.writerow([repr(float(p)), repr(float(m))] + [repr(float(v)) for v in c])
    print("xgboost", xgb.__version__, "rows", len(rows))
    fit_fixture(rng)


def fit_fixture(rng):
    n = 500
    level = rng.integers(0, 10, size=n)
    size = rng.integers(0, 3, size=n).astype(np.float32)
    effect = np.array([1.0, -1.5, 2.0, -0.5, -2.0, 1.5, 0.0, -1.0, 2.5, -2.5])
    z = effect[level] + 0.7 * (size == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.float32)
    size[rng.random(n) < 0.1] = np.nan
    X = np.stack([level.astype(np.float32), size], axis=1)
    dm = xgb.DMatrix(X, label=y, feature_names=["level", "size"], feature_types=["c", "c"],
                     enable_categorical=True, missing=np.nan)
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 3, "eta": 0.3,
              "lambda": 1.0, "min_child_weight": 1.0, "base_score": float(y.mean()),
              "max_cat_to_onehot": 4, "max_bin": 256, "nthread": 1}
    booster = xgb.train(params, dm, num_boost_round=20)
    margin = booster.predict(dm, output_margin=True)
    with open(os.path.join(HERE, "cat_fit_rows.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["level", "size", "y"])
        for row, label in zip(X, y):
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in row] + [repr(float(label))])
    with open(os.path.join(HERE, "cat_fit_xgb.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["margin"])
        for m in margin:
            w.writerow([repr(float(m))])
    p = 1 / (1 + np.exp(-margin.astype(np.float64)))
    print("fit fixture: XGBoost training log-loss", -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


if __name__ == "__main__":
    main()
