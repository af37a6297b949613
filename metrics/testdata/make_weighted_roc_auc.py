#!/usr/bin/python3
"""Writes weighted_roc_auc.json for metrics_test.go: scikit-learn 1.2's
roc_auc_score with sample_weight on small made-up cases, against which
metrics.WeightedROCAUC is checked.

Run with Debian's python3 and python3-sklearn (1.2):

    /usr/bin/python3 metrics/testdata/make_weighted_roc_auc.py

Each case holds labels y (0 or 1), scores s, weights w and sklearn's
roc_auc_score(y, s, sample_weight=w). The cases have tied scores (one
threshold, a diagonal segment of the curve), weights of 0 (on a row
alone at its score, and within a tie), fractional and large weights.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    print("sklearn", sklearn.__version__)
    rng = np.random.default_rng(5)
    cases = {
        # Hand-made: ties at 0.4 across both classes, a row of weight 0
        # alone at the top score (it must add no threshold) and one of
        # weight 0 inside the tie.
        "ties and zero weights": dict(
            y=[0, 0, 1, 1, 0, 1, 1, 0, 0, 1],
            s=[0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.95, 0.4],
            w=[1, 2, 0.5, 1, 3, 1.5, 2, 0.25, 0, 0]),
        "all tied": dict(y=[1, 0, 1, 0], s=[0.5] * 4, w=[1, 2, 3, 4]),
        "weights all 1": dict(y=[0, 0, 1, 1, 0, 1, 1, 0], s=[0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2], w=[1] * 8),
    }
    n = 40
    y = (rng.random(n) < .45).astype(int)
    s = np.round(.3 * y + rng.uniform(0, .7, n), 1)  # rounded: many ties
    w = np.round(rng.uniform(0, 3, n), 2)
    w[rng.random(n) < .2] = 0
    w[rng.integers(0, n)] = 50
    cases["random"] = dict(y=y.tolist(), s=s.tolist(), w=w.tolist())
    for c in cases.values():
        c["auc"] = roc_auc_score(c["y"], c["s"], sample_weight=c["w"])
    with open(os.path.join(HERE, "weighted_roc_auc.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    main()
