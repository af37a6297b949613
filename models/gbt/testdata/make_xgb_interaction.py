#!/usr/bin/python3
"""Writes the fixtures comparing Ember's InteractionConstraints and
FeatureWeights with XGBoost 1.7.4's interaction_constraints and
feature_weights (interaction_test.go).

Run with Debian's python3 and python3-xgboost (1.7):

    /usr/bin/python3 models/gbt/testdata/make_xgb_interaction.py

ic_rows.csv   250 rows: five features f0..f4 (few distinct values each,
              so that XGBoost's max_bin 256 and Ember's 255 bins cut them
              alike; f3 has missing values), a binary label yb, a
              regression label yr and a class label yk (0..2), made with
              interactions across the constraint sets (f0·f1, f1·f2, f3·f4,
              f0·f3), so that unconstrained trees would mix them.
ic_xgb.json   per case: XGBoost's params, its margins on the rows (k per
              row, 9 digits) and, per tree, the distinct sets of features
              on its root-to-leaf paths (sorted); XGBoost starts from
              Ember's starting margins (base_margin), so the trees are
              compared alone, as make_xgb_regularise.py does. Also
              "weights": XGBoost's feature_weights draws observed: stumps
              on six features of strictly rising strength, so that the
              root splits on the strongest feature the tree drew; the
              counts of each root feature over many trees at
              colsample_bytree keeping 1 and 3 of the 6.
"""
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, ember_base_unweighted  # noqa: E402  (this directory's)



def path_sets(tree):
    """The distinct sets of features on a dumped tree's root-to-leaf paths."""
    out = set()

    def walk(nd, feats):
        if "leaf" in nd:
            out.add(tuple(sorted(feats)))
            return
        for c in nd["children"]:
            walk(c, feats | {int(nd["split"][1:])})

    walk(json.loads(tree), frozenset())
    return sorted(list(s) for s in out)


def case(X, y, params, rounds, k=1, ftypes=None):
    obj = params["objective"]
    base = ember_base_unweighted(obj, y, k)
    p = dict(tree_method="hist", max_bin=256, nthread=1, eta=0.3, reg_lambda=1.0, min_child_weight=1.0,
             base_score=0.5 if obj == "binary:logistic" else 0.0)
    p.update(params)
    if "monotone_constraints" in p:
        p["monotone_constraints"] = "(" + ",".join(str(c) for c in p["monotone_constraints"]) + ")"
    p["interaction_constraints"] = json.dumps(p["interaction_constraints"])
    dm = xgb.DMatrix(X, label=y, missing=np.nan, feature_types=ftypes, enable_categorical=ftypes is not None)
    dm.set_base_margin(np.tile(np.atleast_1d(base), len(y)))
    b = xgb.train(p, dm, num_boost_round=rounds)
    m = b.predict(dm, output_margin=True).reshape(-1)
    return {"params": params, "rounds": rounds, "margins": [float("%.9g" % v) for v in m],
            "paths": [path_sets(t) for t in b.get_dump(dump_format="json")]}


def weight_draws(keep, weights, trees=3000):
    """Root-feature counts of XGBoost stumps on features of rising strength."""
    rng = np.random.default_rng(11)
    n, d = 4000, len(weights)
    X = rng.integers(0, 50, (n, d)).astype(np.float32)
    y = X @ (np.arange(d, dtype=np.float64) + 1) ** 2  # gains rise steeply with the feature
    y -= y.mean()  # from 0: far from it, float32 gains lose the weakest feature's
    dm = xgb.DMatrix(X, label=y)
    dm.set_info(feature_weights=np.array(weights, dtype=np.float32))
    b = xgb.train(dict(tree_method="hist", max_depth=1, eta=1e-4, colsample_bytree=keep / d + 1e-3,
                       nthread=1, seed=5), dm, num_boost_round=trees)
    counts = [0] * d
    for t in b.get_dump(dump_format="json"):
        counts[int(json.loads(t)["split"][1:])] += 1
    return {"keep": keep, "trees": trees, "counts": counts}


def main():
    rng = np.random.default_rng(3)
    n = 250
    x0 = rng.integers(0, 40, n) / 4
    x1 = np.round(rng.normal(size=n), 1)
    x2 = rng.integers(0, 30, n).astype(float)
    x3 = np.round(rng.uniform(-2, 2, n), 1)
    x3[rng.random(n) < .1] = np.nan
    x4 = rng.integers(0, 12, n).astype(float)
    X = np.stack([x0, x1, x2, x3, x4], 1).astype(np.float32)
    x0, x1, x2, x3, x4 = (X[:, j].astype(float) for j in range(5))
    z3 = np.nan_to_num(x3)
    z = .3 * (x0 - 5) * x1 + np.sin(x2 / 4) * x1 + z3 * (x4 - 6) / 4 + .2 * (x0 - 5) * z3 - .5
    yb = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    yr = z + rng.normal(size=n) * .3
    zk = np.stack([z, -z + np.cos(x2 / 4), .5 * x1 * x0 / 5], 1) + rng.normal(size=(n, 3))
    yk = zk.argmax(1).astype(float)
    with open(os.path.join(HERE, "ic_rows.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow([f"f{j}" for j in range(5)] + ["yb", "yr", "yk"])
        for row, a, b, c in zip(X, yb, yr, yk):
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in row] + ["%g" % a, "%.9g" % b, "%g" % c])

    depth = dict(max_depth=4)
    out = {"cases": {
        # Feature 1 in two sets; 3 and 4 in none.
        "depthwise": case(X, yb, dict(objective="binary:logistic", interaction_constraints=[[0, 1], [1, 2]], **depth), 10),
        "lossguide": case(X, yr, dict(objective="reg:squarederror", interaction_constraints=[[0, 1, 2], [2, 3]],
                                      max_depth=0, grow_policy="lossguide", max_leaves=12), 8),
        "mono": case(X, yr, dict(objective="reg:squarederror", interaction_constraints=[[0, 1], [2, 3, 4]],
                                 monotone_constraints=[1, 0, 0, 0, 1], **depth), 10),
        "multi": case(X, yk, dict(objective="multi:softprob", num_class=3, interaction_constraints=[[0, 1], [1, 2], [3, 4]],
                                  **depth), 5, k=3),
        # f2 as 30 categories (partition splits) in two sets.
        "cat": case(X, yr, dict(objective="reg:squarederror", interaction_constraints=[[0, 2], [1, 2, 3]], **depth), 8,
                    ftypes=["q", "q", "c", "q", "q"]),
    }}
    # Weight 0 on the strongest feature: with 3 of 6 kept (5 above 0) it
    # is never drawn.
    weights = [1, 4, 2, 3, 0.5, 0]
    out["weights"] = {"weights": weights, "draws": [weight_draws(1, weights), weight_draws(3, weights)]}
    with open(os.path.join(HERE, "ic_xgb.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    for name, c in out["cases"].items():
        print(name, "trees", len(c["paths"]))
    print("weights", out["weights"])


if __name__ == "__main__":
    main()
