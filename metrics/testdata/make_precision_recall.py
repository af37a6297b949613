#!/usr/bin/python3
"""Writes precision_recall.json for precisionrecall_test.go: scikit-learn
1.2's average_precision_score, precision_recall_curve, roc_auc_score and
roc_curve (drop_intermediate=False) on small made-up cases, against which
metrics.AveragePrecision, PrecisionRecallCurve, ROCAUC and ROCCurve are
checked.

Run with Debian's python3 and python3-sklearn (1.2):

    /usr/bin/python3 metrics/testdata/make_precision_recall.py

Each case holds labels y (0 or 1), scores s and sklearn's figures: ap,
the precision-recall curve (precision, recall, pr_thresholds) and, when
both classes are present, auc and the ROC curve (fpr, tpr,
roc_thresholds; sklearn's first threshold, max(s)+1, is written as null:
metrics.ROCCurve puts +Inf there). The cases have ties within a class and
across classes, a case where every score ties, one without negatives,
and float32-rounded probabilities like a network's, many tied.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, precision_recall_curve,
                             roc_auc_score, roc_curve)

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    print("sklearn", sklearn.__version__)
    rng = np.random.default_rng(7)
    cases = {
        # sklearn's docstring example: AP 0.8333.
        "docstring": dict(y=[0, 0, 1, 1], s=[0.1, 0.4, 0.35, 0.8]),
        # Ties at 0.4 across both classes, and within the positives at 0.9.
        "ties": dict(y=[0, 0, 1, 1, 0, 1, 1, 0, 1], s=[0.1, 0.4, 0.35, 0.9, 0.4, 0.4, 0.9, 0.2, 0.05]),
        "all tied": dict(y=[1, 0, 1, 0, 0], s=[0.5] * 5),
        "perfect": dict(y=[0, 1, 0, 1], s=[0.2, 0.7, 0.1, 0.9]),
        "reversed": dict(y=[1, 0, 1, 0], s=[0.2, 0.7, 0.1, 0.9]),
        "no negatives": dict(y=[1, 1, 1], s=[0.3, 0.3, 0.8]),
    }
    n = 60
    y = (rng.random(n) < .3).astype(int)
    s = np.float32(np.round(.35 * y + rng.uniform(0, .65, n), 2)).astype(float)
    cases["random, float32, tied"] = dict(y=y.tolist(), s=s.tolist())
    for c in cases.values():
        p, r, t = precision_recall_curve(c["y"], c["s"])
        c["ap"] = average_precision_score(c["y"], c["s"])
        c["precision"], c["recall"], c["pr_thresholds"] = p.tolist(), r.tolist(), t.tolist()
        if len(set(c["y"])) == 2:
            c["auc"] = roc_auc_score(c["y"], c["s"])
            fpr, tpr, rt = roc_curve(c["y"], c["s"], drop_intermediate=False)
            rt = rt.tolist()
            rt[0] = None
            c["fpr"], c["tpr"], c["roc_thresholds"] = fpr.tolist(), tpr.tolist(), rt
    with open(os.path.join(HERE, "precision_recall.json"), "w") as f:
        json.dump(cases, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
