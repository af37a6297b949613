#!/usr/bin/python3
"""Writes the multi-class fixtures the Go tests in models/gbt check against:
a synthetic 4-class tabular set, an XGBoost multi:softprob model saved as
JSON and UBJSON with XGBoost's own probabilities and margins for every row,
and held-out log loss and accuracy of scikit-learn and XGBoost on the set.

Run with Debian's python3, python3-sklearn and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_multiclass.py

Files (all in this folder):
  multi_rows.csv          2000 rows: f0..f5, label (0..3), split ("train"
                          for the first 1500 rows, "test" for the last 500).
                          f0, f1, f4: continuous, 3 decimals; f2: a count
                          0..9 (many ties); f3: wide range (lognormal
                          integers, about 30 to 2.5e7, so above 2^24 only
                          the nearest float32); f5: pure noise. Labels
                          are drawn from a softmax of nonlinear scores, so
                          classes overlap (held-out accuracy about 0.8);
                          class frequencies about 40/30/20/10%. About 8% of
                          the feature values are missing (empty cell), and
                          40 test-row values sit exactly on split thresholds
                          of xgb_multi (XGBoost sends x == threshold right).
  xgb_multi.json/.ubj     multi:softprob, 4 classes, 25 rounds (100 trees,
                          tree i is class i % 4), depth 4, learning rate
                          0.3, hist, default base_score 0.5; fitted on the
                          train rows.
  xgb_multi_expected.csv  per row of multi_rows.csv: predict_proba (p0..p3)
                          and the raw margins, predict(output_margin=True)
                          (m0..m3). The script checks that the probabilities
                          are the float32 softmax of the margins bit for bit
                          with the C library's expf, within one ulp with a
                          correctly rounded exp (softmax_f32 below).
  multi_reference.json    held-out (test rows) log loss and accuracy of
                          HistGradientBoostingClassifier and XGBoost hist
                          with the same trees, depth, learning rate, bins
                          and L2, in reference.json's "runs" shape.

Every float is a float32. A cell holds the shortest decimal that reads back
as exactly that float32 both ways, decimal -> float64 -> float32 (Go's
strconv.ParseFloat(s, 64) then float32(), as readFixture does) and decimal
-> float32 directly (ParseFloat(s, 32)); the script checks both for every
cell and falls back to repr(float(v)), the float32's exact value, where the
short form would not. Everything is seeded and single-threaded.
"""
import csv
import ctypes
import ctypes.util
import json
import math
import os
from fractions import Fraction

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240601
N, N_TRAIN, D, K = 2000, 1500, 6, 4
MISSING_FRAC = 0.08
CLASSES = list(range(K))


def make_data():
    rng = np.random.default_rng(SEED)
    f0 = np.round(rng.normal(size=N), 3)
    f1 = np.round(rng.normal(size=N), 3)
    f2 = rng.binomial(9, 0.35, size=N).astype(np.float64)  # a count: many ties
    f3 = np.round(np.exp(rng.normal(9.0, 1.5, size=N)))     # wide range
    f4 = np.round(rng.uniform(-1, 1, size=N), 3)
    f5 = np.round(rng.normal(0, 2, size=N), 2)              # noise
    X = np.column_stack([f0, f1, f2, f3, f4, f5]).astype(np.float32)
    # Class scores (class 0 is the baseline); the label is a draw from their
    # softmax (Gumbel-max), so even the true scores get about 0.89 right.
    lf3 = np.log(f3 / 8000.0)
    s = 6.0 * np.column_stack([
        np.zeros(N),
        1.6 * f0 + 0.5 * (f2 - 3) - 1.0,
        -1.2 * f0 + 1.4 * f1 + 0.7 * lf3 - 1.4,
        1.8 * f0 * f1 + 2.0 * (f4 > 0.4) - 0.3 * (f2 - 3) - 2.6,
    ])
    y = np.argmax(s + rng.gumbel(size=s.shape), axis=1)
    X[rng.random(size=X.shape) < MISSING_FRAC] = np.nan
    return X, y


def exact_both_ways(s, v):
    """s reads back as float32 v via float64 and directly."""
    if np.float32(float(s)).tobytes() != v.tobytes():
        return False
    d, fv = Fraction(s), Fraction(float(v))
    lo = Fraction(float(np.nextafter(v, np.float32(-np.inf))))
    hi = Fraction(float(np.nextafter(v, np.float32(np.inf))))
    return abs(d - fv) < abs(d - lo) and abs(d - fv) < abs(d - hi)


def fmt(v):
    v = np.float32(v)
    if np.isnan(v):
        return ""
    s = repr(v)  # numpy's shortest float32 repr
    return s if exact_both_ways(s, v) else repr(float(v))


def softmax_f32(m, expf):
    """XGBoost 1.7's common::Softmax on float32 margins m (rows x classes):
    float32 max and m - max, expf, the exps summed in float64 in class
    order, each exp divided by float32(sum) in float32."""
    out = np.empty_like(m)
    for i, row in enumerate(m):
        wmax = row.max()
        e = [np.float32(expf(float(v - wmax))) for v in row]
        wsum = 0.0
        for v in e:
            wsum += float(v)
        out[i] = np.array(e, dtype=np.float32) / np.float32(wsum)
    return out


def ulps(a, b):
    return np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64))


def metrics(y, p):
    p = np.asarray(p, dtype=np.float64)
    return log_loss(y, p, labels=CLASSES), float(np.mean(p.argmax(axis=1) == y))


def main():
    X, y = make_data()
    tr, te = slice(0, N_TRAIN), slice(N_TRAIN, N)

    cls = xgb.XGBClassifier(objective="multi:softprob", n_estimators=25, max_depth=4,
                            learning_rate=0.3, tree_method="hist", missing=np.nan,
                            random_state=0, nthread=1)
    cls.fit(X[tr], y[tr])
    cfg = json.loads(cls.get_booster().save_raw("json"))["learner"]
    assert cfg["learner_model_param"]["num_class"] == str(K)

    # Put some test-row values exactly on thresholds the model splits at
    # (train rows stay as fitted, so refitting on them gives this model).
    thr = []
    for t in cfg["gradient_booster"]["model"]["trees"]:
        for l, f, c in zip(t["left_children"], t["split_indices"], t["split_conditions"]):
            if l != -1 and (f, np.float32(c)) not in thr:
                thr.append((f, np.float32(c)))
    for i, (f, c) in enumerate(thr[:40]):
        X[N_TRAIN + 12 * i + 5, f] = c

    cls.get_booster().save_model(os.path.join(HERE, "xgb_multi.json"))
    cls.get_booster().save_model(os.path.join(HERE, "xgb_multi.ubj"))
    p = cls.predict_proba(X)
    m = cls.predict(X, output_margin=True)
    assert p.dtype == np.float32 and m.dtype == np.float32, (p.dtype, m.dtype)
    assert p.shape == (N, K) and m.shape == (N, K), (p.shape, m.shape)
    # XGBoost's expf is the C library's (glibc's, not always correctly
    # rounded); exp in float64 rounded to float32 (what Go's math.Exp gives)
    # can differ from it by one ulp where exp(x) sits next to a midpoint.
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.expf.restype, libm.expf.argtypes = ctypes.c_float, [ctypes.c_float]
    for name, expf in [("C expf", libm.expf), ("float32(float64 exp)", math.exp)]:
        u = ulps(softmax_f32(m, expf), p)
        print(f"softmax of the margins with {name}: {np.sum(u.max(axis=1) == 0)} of {N} rows "
              f"bit-identical to predict_proba, worst {u.max()} ulp")
        assert u.max() <= (0 if name == "C expf" else 1), name

    with open(os.path.join(HERE, "multi_rows.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"f{j}" for j in range(D)] + ["label", "split"])
        for i, row in enumerate(X):
            w.writerow([fmt(v) for v in row] + [int(y[i]), "train" if i < N_TRAIN else "test"])
    with open(os.path.join(HERE, "xgb_multi_expected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"p{k}" for k in range(K)] + [f"m{k}" for k in range(K)])
        for a, b in zip(p, m):
            w.writerow([fmt(v) for v in a] + [fmt(v) for v in b])

    ll, acc = metrics(y[te], p[te])
    out = {
        "sklearn": sklearn.__version__, "xgboost": xgb.__version__, "numpy": np.__version__,
        "seed": SEED, "n_rows": N, "n_train": N_TRAIN, "n_test": N - N_TRAIN,
        "n_features": D, "n_classes": K, "missing": int(np.isnan(X).sum()),
        "thresholds_hit": len(thr[:40]),
        "train_class_counts": np.bincount(y[tr], minlength=K).tolist(),
        "test_class_counts": np.bincount(y[te], minlength=K).tolist(),
        "fixture_model": {"file": "xgb_multi.json", "trees_per_class": 25, "max_depth": 4,
                          "learning_rate": 0.3, "test_log_loss": ll, "test_accuracy": acc},
        "runs": [],
    }
    # Same trees, depth, learning rate, bins and L2 on both sides; leaves as
    # small as one row. XGBoost's min_child_weight is set to scikit-learn's
    # min_hessian_to_split default (1e-3); note XGBoost's softmax hessian is
    # 2p(1-p), scikit-learn's p(1-p).
    Xtr64, Xte64 = X[tr].astype(np.float64), X[te].astype(np.float64)
    for trees, depth, lr in [(100, 4, 0.1), (200, 6, 0.05)]:
        hgb = HistGradientBoostingClassifier(
            max_iter=trees, max_depth=depth, learning_rate=lr, max_bins=255,
            min_samples_leaf=1, l2_regularization=1.0, max_leaf_nodes=None,
            early_stopping=False, random_state=0)
        hgb.fit(Xtr64, y[tr])
        s_ll, s_acc = metrics(y[te], hgb.predict_proba(Xte64))
        xm = xgb.XGBClassifier(
            objective="multi:softprob", n_estimators=trees, max_depth=depth, learning_rate=lr,
            max_bin=256, tree_method="hist", reg_lambda=1.0, min_child_weight=1e-3,
            missing=np.nan, random_state=0, nthread=1)
        xm.fit(X[tr], y[tr])
        x_ll, x_acc = metrics(y[te], xm.predict_proba(X[te]))
        out["runs"].append({
            "trees": trees, "max_depth": depth, "learning_rate": lr, "max_bins": 255,
            "min_samples_leaf": 1, "l2": 1.0,
            "xgboost_max_bin": 256, "xgboost_min_child_weight": 1e-3,
            "sklearn_log_loss": s_ll, "sklearn_accuracy": s_acc,
            "xgboost_log_loss": x_ll, "xgboost_accuracy": x_acc,
        })
        print(out["runs"][-1])
    with open(os.path.join(HERE, "multi_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("xgboost", xgb.__version__, "rows", N, "missing", out["missing"],
          "train classes", out["train_class_counts"], "test classes", out["test_class_counts"],
          "fixture test log loss %.4f accuracy %.4f" % (ll, acc))


if __name__ == "__main__":
    main()
