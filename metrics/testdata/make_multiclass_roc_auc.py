#!/usr/bin/python3
"""Writes multiclass_roc_auc.json for multiclassroc_test.go: scikit-learn
1.2's one-vs-rest multi-class roc_auc_score, macro and weighted, with and
without sample_weight, against which metrics.MultiClassROCAUC and
WeightedMultiClassROCAUC are checked.

Run with Debian's python3 and python3-sklearn (1.2):

    /usr/bin/python3 metrics/testdata/make_multiclass_roc_auc.py

Each case holds labels y (0..k-1), probability rows p (each summing to 1),
weights w (null: unweighted) and sklearn's roc_auc_score(y, p,
multi_class="ovr", average=...) as "macro" and "weighted" (null where
sklearn gives NaN). Probabilities are rounded to two places, so many tie
within a class's column; the last column is 1 minus the others.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))


def probabilities(rng, y, k):
    """Rows leaning towards each sample's class, rounded (ties)."""
    logits = rng.normal(0, 1, (len(y), k))
    logits[np.arange(len(y)), y] += 1.0
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p = np.round(p, 2)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)
    return p


def score(y, p, w, average):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = roc_auc_score(y, p, multi_class="ovr", average=average, sample_weight=w)
    return None if np.isnan(v) else float(v)


def main():
    print("sklearn", sklearn.__version__)
    rng = np.random.default_rng(11)
    cases = {}
    y = rng.integers(0, 3, 30)
    cases["three classes"] = dict(y=y, p=probabilities(rng, y, 3), w=None)
    y = np.array([0, 1, 1, 2, 3, 3, 3, 3, 3, 3, 2, 0, 1, 3, 3, 2])  # imbalanced
    cases["four imbalanced classes"] = dict(y=y, p=probabilities(rng, y, 4), w=None)
    y = rng.integers(0, 4, 40)
    w = np.round(rng.uniform(0, 3, 40), 2)
    w[rng.random(40) < .2] = 0
    w[3] = 25
    cases["four classes weighted"] = dict(y=y, p=probabilities(rng, y, 4), w=w)
    # Class 1's samples all weigh 0: the weighted average leaves it out,
    # the macro one is NaN.
    y = rng.integers(0, 3, 20)
    y[:2] = 1
    w = np.round(rng.uniform(.5, 2, 20), 2)
    w[y == 1] = 0
    cases["a class weighing 0"] = dict(y=y, p=probabilities(rng, y, 3), w=w)
    out = {}
    for name, c in cases.items():
        w = c["w"]
        out[name] = dict(
            y=c["y"].tolist(), p=c["p"].tolist(), w=None if w is None else w.tolist(),
            macro=score(c["y"], c["p"], w, "macro"), weighted=score(c["y"], c["p"], w, "weighted"))
    with open(os.path.join(HERE, "multiclass_roc_auc.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
