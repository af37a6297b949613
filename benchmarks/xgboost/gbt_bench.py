#!/usr/bin/python3
"""XGBoost's side of benchmarks/gbtbench: trains a hist model on a table that
gbtbench wrote, times training and inplace_predict, and prints one JSON
object. Run by gbtbench in the same run as Ember's side; by hand:

    /usr/bin/python3 benchmarks/xgboost/gbt_bench.py --data FILE --trees 100 --depth 6 --threads 2

The table file: uint64 rows, uint64 cols (little-endian), rows*cols float32
features row-major (NaN = missing), rows float32 labels: 0 and 1, or class
numbers 0..K-1 for a multi-class table (multi:softprob; predictions are then
K probabilities a row).
"""
import argparse
import json
import sys
import time

import numpy as np
import xgboost as xgb


def load(path):
    with open(path, "rb") as f:
        rows, cols = np.frombuffer(f.read(16), dtype="<u8")
        X = np.fromfile(f, dtype="<f4", count=int(rows * cols)).reshape(int(rows), int(cols))
        y = np.fromfile(f, dtype="<f4", count=int(rows))
    return X, y


def peak_rss():
    """VmHWM: ru_maxrss would keep the mark from before exec (the parent's)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--max-leaves", type=int, default=0, help="grow best first (lossguide) to this many leaves")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--bins", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--save-model", default="")
    ap.add_argument("--save-pred", default="", help="write inplace_predict's float32 output here")
    a = ap.parse_args()

    X, y = load(a.data)
    k = max(2, int(y.max()) + 1)  # whole-number labels: more than 2 is multi-class
    params = {
        "objective": "binary:logistic", "tree_method": "hist", "max_depth": a.depth,
        "eta": a.lr, "max_bin": a.bins, "nthread": a.threads, "lambda": 1.0,
        "min_child_weight": 1.0, "base_score": float(y.mean()), "verbosity": 0,
    }
    if a.max_leaves > 0:
        params.update(grow_policy="lossguide", max_leaves=a.max_leaves, max_depth=0)
    if k > 2:
        # One tree per class a round; base_score stays XGBoost's 0.5 (the
        # softmax ignores a margin shared by every class).
        params.update(objective="multi:softprob", num_class=k)
        del params["base_score"]
    train_s = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        # DMatrix construction is part of training: it is where XGBoost's
        # hist method reads the data (Ember's Fit bins inside Fit).
        d = xgb.DMatrix(X, label=y, nthread=a.threads)
        bst = xgb.train(params, d, num_boost_round=a.trees)
        train_s.append(time.perf_counter() - t0)
        del d
    predict_s = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        p = bst.inplace_predict(X)
        predict_s.append(time.perf_counter() - t0)
    if a.save_model:
        bst.save_model(a.save_model)
    if a.save_pred:
        np.asarray(p, dtype="<f4").tofile(a.save_pred)
    if k > 2:  # p is rows x k
        ll = float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y.astype(int)], 1e-15, 1))))
    else:
        ll = float(-np.mean(y * np.log(np.clip(p, 1e-15, 1)) + (1 - y) * np.log(np.clip(1 - p, 1e-15, 1))))
    out = {
        "engine": "xgboost " + xgb.__version__, "rows": int(X.shape[0]), "cols": int(X.shape[1]),
        "train_s": train_s, "predict_s": predict_s, "train_log_loss": ll,
        "peak_rss_bytes": peak_rss(),
    }
    if k > 2:
        out["classes"] = k
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
