#!/usr/bin/python3
"""Writes xgb_sketch.json, the fixture of xgbsketch_test.go: XGBoost 1.7's
hist cuts on continuous columns, which BinningXGBoost must reproduce.

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_sketch.py

XGBoost 1.7 has no accessor for its cuts (XGDMatrixGetQuantileCut came in
2.0), so they are read off trees: trees grown without a depth or leaf
bound (grow_policy lossguide, max_depth 0, max_leaves 0, min_child_weight
0, gamma 0) on one feature and random labels split their leaves until each
holds one bin, so their thresholds are every cut between bins. The first tree's labels
of the missing rows are far off the others', so that its root sends every
value left and the missing ones right, at the last cut, which is then a
threshold too. (The minimum value, the threshold of the same partition
the other way round, which XGBoost's backward scan finds, never wins: the
forward scan finds it first at the same gain.) Each case is
a column, weighted or not, and a max_bin; the trees are grown with
nthread 1 and 2, which must agree (the sketch of a column does not depend
on the thread count).

The rows are not stored: they are a hash of the row index (splitmix64)
turned into exactly representable float32 values, which the Go test
computes the same way (sketchColumn): 20,000 rows, 5% missing per column,
more rows than the sketch's queue holds, so its summaries are merged and
pruned level by level, as XGBoost does for larger data.

"sort" is the order libstdc++'s std::sort (g++, as Debian builds
XGBoost) leaves 600 values of 20 distinct levels in (the rows' indices):
XGBoost's sketch sums the weights of equal values in that order, which
xgbSort must reproduce.

"parity" is a fit of all four columns (reg:squarederror from Ember's
starting margin, the weighted mean label, given as base_margin; depth 6,
20 rounds, max_bin 255, weighted): XGBoost's margins of every 67th row,
which Ember's with BinningXGBoost must be, and the splits of trees 6 to 8
(feature, threshold, default direction), which Ember's must be too.

"softprob" is a multi:softprob fit of the four columns (4 classes from
softprob_labels, one rare and unrelated to the features; XGBoost's
base_score 0.5, depth 4, eta 0.1, 15 rounds, max_bin 255): XGBoost's
margins of every 199th row, which Ember's with BinningXGBoost must be.
The rare class's trees split with small gains under large node scores,
which XGBoost takes in float32: there two splits whose float64 gains
differ tie (a threshold's two directions for the missing values), and
the first scanned wins. SOFTPROB_STREAM is a label stream (found by
trying a dozen) where that happens and float64 gains pick the other.

"softprob_cat" is the same fit with two categorical columns more
(cat_columns: 12 categories, which XGBoost splits by partitions, and 3,
split one-hot) on label stream SOFTPROB_CAT_STREAM, where a categorical
split's float32 gains tie and float64 ones do not (found among 12 streams;
with float64 categorical gains Ember's margins are 1e-3 off).
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
N = 20000
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(x):
    x = x + np.uint64(0x9E3779B97F4A7C15)
    z = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def h(stream):
    """The hash of (stream, row) for every row (Go: sketchHash)."""
    return splitmix64((np.uint64(stream) << np.uint64(32)) | np.arange(N, dtype=np.uint64))


COLUMNS = ["uniform", "skewed", "repeats", "negative"]


def column(name):
    """Column name's values, float32, NaN = missing (Go: sketchColumn)."""
    s = COLUMNS.index(name) + 1
    v = h(s)
    if name == "uniform":
        x = ((v % np.uint64(1 << 20)).astype(np.int64) - (1 << 19)).astype(np.float32) / np.float32(64)
    elif name == "skewed":
        k = (v % np.uint64(1000)).astype(np.int64)
        x = (k * k).astype(np.float32) / np.float32(8)
    elif name == "repeats":
        x = (v % np.uint64(300)).astype(np.float32)
    else:
        x = -(np.uint64(1) + v % np.uint64(5000)).astype(np.float32) / np.float32(4)
    x[h(10 + s) % np.uint64(20) == 0] = np.nan
    return x


def weights():
    """Row weights in [0, 2) of 24 significant bits, 2% of them 0 (Go: sketchWeights)."""
    v = h(20)
    w = (v % np.uint64(1 << 24)).astype(np.float32) / np.float32(1 << 23)
    w[(v >> np.uint64(32)) % np.uint64(50) == 0] = 0
    return w


def labels(stream=30):
    return (h(stream) % np.uint64(1 << 16)).astype(np.float32) / np.float32(1 << 16)


# Trees per case, each on its own random labels: one may leave a pair of
# neighbouring bins unsplit (too little gain), all of them hardly.
TREES = 4

CASES = [(c, wt, 255) for c in COLUMNS for wt in (False, True)] + [
    ("uniform", True, 32), ("skewed", False, 32), ("repeats", True, 7), ("uniform", False, 2)]


def thresholds(booster):
    out = set()
    for tree in json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]:
        for left, cond in zip(tree["left_children"], tree["split_conditions"]):
            if left != -1:
                out.add(int(np.float32(cond).view(np.uint32)))
    return out


SOFTPROB_STREAM = 57
SOFTPROB_ROUNDS = 15


def softprob_labels(stream=SOFTPROB_STREAM):
    """4 classes (Go: sketchSoftprobLabels): 60% of the rows class
    repeats // 100 (0 for a missing value), the others r % 3 of their hash
    r % 100, but class 3 where r >= 98."""
    r = h(stream) % np.uint64(100)
    rep = np.nan_to_num(column("repeats"), nan=0)
    y = np.where(r < np.uint64(60), (rep // 100).astype(np.uint64), r % np.uint64(3))
    y[r >= np.uint64(98)] = 3
    return y.astype(np.float32)


SOFTPROB_CAT_STREAM = 46


def cat_columns():
    """Categorical columns (Go: sketchCatColumns): repeats // 25 (12
    categories; missing where repeats is and 5% more) and 3 categories of
    a hash (5% missing)."""
    rep = column("repeats")
    a = np.floor(rep / 25).astype(np.float32)
    a[h(16) % np.uint64(20) == 0] = np.nan
    b = (h(17) % np.uint64(3)).astype(np.float32)
    b[h(18) % np.uint64(20) == 0] = np.nan
    return a, b


def softprob_margins(X, y, every, **dmatrix_args):
    dm = xgb.DMatrix(X, label=y, missing=np.nan, **dmatrix_args)
    b = xgb.train(dict(tree_method="hist", max_bin=255, max_depth=4, eta=0.1, reg_lambda=1,
                       min_child_weight=1, nthread=1, objective="multi:softprob", num_class=4,
                       base_score=0.5), dm, num_boost_round=SOFTPROB_ROUNDS)
    m = b.predict(dm, output_margin=True)
    return dict(every=every, rounds=SOFTPROB_ROUNDS, margins=[[float(v) for v in r] for r in m[::every]])


# The parity fit's trees whose splits are kept: the first where a
# threshold is chosen among equal gains (bins of no row of the node between
# them), which XGBoost's scan order decides, and two more.
TREES_KEPT = (6, 7, 8)


def bfs_splits(tree):
    """A tree's inner nodes, breadth first: [feature, threshold bits, default left]."""
    out, queue = [], [0]
    for n in queue:
        left = tree["left_children"][n]
        if left == -1:
            continue
        out.append([tree["split_indices"][n],
                    int(np.float32(tree["split_conditions"][n]).view(np.uint32)),
                    int(tree["default_left"][n])])
        queue += [left, tree["right_children"][n]]
    return out


SORT_N = 600
SORT_SRC = r"""
#include <algorithm>
#include <cstdio>
#include <vector>
int main() {
  std::vector<std::pair<float, int>> q;
  float v;
  while (std::scanf("%f", &v) == 1) q.emplace_back(v, static_cast<int>(q.size()));
  std::sort(q.begin(), q.end(),
            [](auto const &a, auto const &b) { return a.first < b.first; });
  for (auto const &e : q) std::printf("%d\n", e.second);
}
"""


def std_sort_order():
    """The permutation std::sort leaves sort_values() in (Go: sortValues)."""
    vals = (h(40)[:SORT_N] % np.uint64(20)).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "s.cc"), os.path.join(d, "s")
        with open(src, "w") as f:
            f.write(SORT_SRC)
        subprocess.run(["g++", "-O2", "-std=c++17", "-o", exe, src], check=True)
        out = subprocess.run([exe], input="\n".join(str(int(v)) for v in vals),
                             capture_output=True, text=True, check=True).stdout
    order = [int(s) for s in out.split()]
    assert sorted(order) == list(range(SORT_N))
    return order


def main():
    y, w = labels(), weights()
    cases = []
    for col, weighted, max_bin in CASES:
        x = column(col).reshape(-1, 1)
        got = []
        for nthread in (1, 2):
            seen = set()
            for stream in range(31, 31 + TREES):
                ys = labels(stream)
                if stream == 31:
                    # Missing rows far off: the root sends every value one
                    # way, at the last cut.
                    ys[np.isnan(x[:, 0])] += 5
                dm = xgb.DMatrix(x, label=ys, weight=w if weighted else None, missing=np.nan)
                b = xgb.train(dict(tree_method="hist", max_bin=max_bin, grow_policy="lossguide",
                                   max_depth=0, max_leaves=0, min_child_weight=0,
                                   reg_lambda=1e-3, eta=1, nthread=nthread,
                                   objective="reg:squarederror"),
                              dm, num_boost_round=1)
                seen |= thresholds(b)
            got.append(seen)
        assert got[0] == got[1], (col, weighted, max_bin, "nthread 1 and 2 differ")
        cases.append(dict(column=col, weighted=weighted, max_bin=max_bin,
                          thresholds=sorted(got[0])))
        print(col, weighted, max_bin, len(got[0]), "thresholds")

    X = np.stack([column(c) for c in COLUMNS], 1)
    base = np.float32(np.sum(w.astype(np.float64) * y) / np.sum(w.astype(np.float64)))
    dm = xgb.DMatrix(X, label=y, weight=w, missing=np.nan)
    dm.set_base_margin(np.full(N, base))
    b = xgb.train(dict(tree_method="hist", max_bin=255, max_depth=6, eta=0.3, reg_lambda=1,
                       min_child_weight=1, nthread=1, objective="reg:squarederror"),
                  dm, num_boost_round=20)
    m = b.predict(dm, output_margin=True)
    every = 67
    trees = json.loads(b.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    parity = dict(every=every, margins=[float(v) for v in m[::every]],
                  trees={str(k): bfs_splits(trees[k]) for k in TREES_KEPT})

    softprob = softprob_margins(X, softprob_labels(), 199)
    Xc = np.concatenate([X, np.stack(cat_columns(), 1)], 1)
    softprob_cat = dict(stream=SOFTPROB_CAT_STREAM, categorical=[4, 5],
                        **softprob_margins(Xc, softprob_labels(SOFTPROB_CAT_STREAM), 199,
                                           feature_types=["q"] * 4 + ["c", "c"],
                                           enable_categorical=True))
    with open(os.path.join(HERE, "xgb_sketch.json"), "w") as f:
        json.dump(dict(rows=N, cases=cases, sort=std_sort_order(), parity=parity, softprob=softprob,
                       softprob_cat=softprob_cat), f,
                  separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
