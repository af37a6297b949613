#!/usr/bin/python3
"""Writes the fixtures comparing Ember's categorical fit with XGBoost's
beyond the binary, depth-wise case of make_xgb_categorical.py: regression,
multi:softprob, sample weights with scale_pos_weight, best-first growth
(lossguide, max_leaves), min_child_weight with max_cat_threshold, codes up
to 253 (bitset words 0..7) and codes with gaps (categories below the
largest that no training row has, which XGBoost's cuts still number).

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_catfit_more.py

Each case is cat_more_<name>.csv: per row the features (category codes as
numbers, empty = missing), the label y, the weight w, train (1: a training
row; 0: a row only scored, every code 0..260 and some odd ones) and
XGBoost's margin per class (m0, m1, ...). XGBoost starts from Ember's
starting margins (given as base_margin), so the trees are compared alone.
The params are in the CASES table below and in TestCategoricalFitMore.
"""
import csv
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def ember_base(obj, y, w, k):
    """Ember's starting margins (grow.go baseScore, classBases), float32."""
    if obj == "binary:logistic":
        m = np.sum(w * y) / np.sum(w)
        return np.float32(np.log(m / (1 - m)))
    if obj == "reg:squarederror":
        return np.float32(np.sum(w * y) / np.sum(w))
    cnt = np.array([np.sum(w[y == c]) for c in range(k)])
    return np.log(cnt / cnt.sum()).astype(np.float32)


def case(name, X, y, ftypes, params, rounds, w=None, spw=1.0, k=1):
    obj = params["objective"]
    wt = w if w is not None else np.ones(len(y))
    we = wt * np.where((y == 1) & (obj == "binary:logistic"), spw, 1.0)
    base = ember_base(obj, y, we, k)
    p = dict(tree_method="hist", max_bin=256, nthread=1, base_score=0.5 if obj == "binary:logistic" else 0.0, **params)
    if spw != 1.0:
        p["scale_pos_weight"] = spw
    dm = xgb.DMatrix(X, label=y, weight=w, feature_types=ftypes, enable_categorical=True, missing=np.nan)
    dm.set_base_margin(np.tile(np.atleast_1d(base), len(y)))
    b = xgb.train(p, dm, num_boost_round=rounds)
    # Rows only scored: every code 0..260, and negative, fractional, huge.
    odd = np.array(list(range(261)) + [-1, 2.7, 16777215, 16777216, np.nan], dtype=np.float32)
    P = np.tile(X[:1], (len(odd), 1))
    P[:, 0] = odd
    dp = xgb.DMatrix(P, feature_types=ftypes, enable_categorical=True, missing=np.nan)
    dp.set_base_margin(np.tile(np.atleast_1d(base), len(P)))
    mt = b.predict(dm, output_margin=True).reshape(len(y), -1)
    mp = b.predict(dp, output_margin=True).reshape(len(P), -1)
    with open(os.path.join(HERE, f"cat_more_{name}.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow([f"f{j}" for j in range(X.shape[1])] + ["y", "w", "train"] + [f"m{c}" for c in range(mt.shape[1])])
        for rows, ys, ws, tr, ms in ((X, y, wt, 1, mt), (P, np.zeros(len(P)), np.ones(len(P)), 0, mp)):
            for row, yy, ww, m in zip(rows, ys, ws, ms):
                wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in row] +
                            [repr(float(yy)), repr(float(ww)), tr] + [repr(float(v)) for v in m])
    print(name, len(y), "rows")


def main():
    rng = np.random.default_rng(11)
    depth4 = dict(max_depth=4, eta=0.3, reg_lambda=1.0, min_child_weight=1.0, max_cat_to_onehot=4)

    n = 600  # regression: 70 levels (words 0..2), numeric, 3 levels with NaN (one-hot)
    c0 = rng.integers(0, 70, n)
    eff = rng.normal(size=70) * 2
    x1 = np.round(rng.normal(size=n), 1)
    x1[rng.random(n) < .1] = np.nan
    c2 = rng.integers(0, 3, n).astype(float)
    c2[rng.random(n) < .15] = np.nan
    y = eff[c0] + np.nan_to_num(x1) + (c2 == 1) + rng.normal(size=n) * .3
    case("reg", np.stack([c0, x1, c2], 1).astype(np.float32), y, ["c", "q", "c"],
         dict(objective="reg:squarederror", **depth4), 12)

    # multi:softprob: 40 levels with NaN; x1 of 200 values moves every
    # row's margins, so that no two candidate splits tie on equal
    # gradient sums (XGBoost and Ember break numeric ties differently)
    c0 = rng.integers(0, 40, n).astype(float)
    x1 = rng.integers(0, 200, n) / 10
    z = (rng.normal(size=(40, 3)) * 2)[c0.astype(int)] + rng.normal(size=(n, 3)) + np.outer(x1 / 5, [1, -1, 0])
    y = z.argmax(1).astype(float)
    c0[rng.random(n) < .1] = np.nan
    case("multi", np.stack([c0, x1], 1).astype(np.float32), y, ["c", "q"],
         dict(objective="multi:softprob", num_class=3, **depth4), 8, k=3)

    n = 1500  # 254 levels (codes 0..253), weighted
    c0 = rng.integers(0, 254, n)
    eff = rng.normal(size=254) * 2
    x1 = np.round(rng.normal(size=n), 1)
    y = (rng.random(n) < 1 / (1 + np.exp(-(eff[c0] + x1)))).astype(float)
    w = np.round(rng.uniform(0.2, 3, n), 3)
    X = np.stack([c0, x1], 1).astype(np.float32)
    case("weighted", X, y, ["c", "q"], dict(objective="binary:logistic", **depth4), 8, w=w, spw=2.5)
    case("leaves", X, y, ["c", "q"], dict(objective="binary:logistic", max_depth=0, grow_policy="lossguide",
         max_leaves=9, eta=0.3, reg_lambda=1.0, min_child_weight=1.0, max_cat_to_onehot=4), 6)
    case("mcw", X, y, ["c", "q"], dict(objective="binary:logistic", max_depth=4, eta=0.3, reg_lambda=1.0,
         min_child_weight=8.0, max_cat_to_onehot=4, max_cat_threshold=8), 6)

    n = 800  # 25 codes spread over 0..200: the others are gaps
    vocab = np.sort(rng.choice(200, 24, replace=False))
    vocab = np.append(vocab, 200)
    c0 = vocab[rng.integers(0, 25, n)]
    eff = dict(zip(vocab, rng.normal(size=25) * 2))
    x1 = np.round(rng.normal(size=n), 1)
    y = (rng.random(n) < 1 / (1 + np.exp(-(np.array([eff[c] for c in c0]) + x1)))).astype(float)
    case("gaps", np.stack([c0, x1], 1).astype(np.float32), y, ["c", "q"],
         dict(objective="binary:logistic", **depth4), 6)


if __name__ == "__main__":
    main()
