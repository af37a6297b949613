#!/usr/bin/python3
"""Writes weighted_metrics.json for selection_test.go: scikit-learn 1.2's
metrics with sample_weight, on small made-up predictions, against which
the selection package's weighted metrics are checked.

Run with Debian's python3 and python3-sklearn (1.2):

    /usr/bin/python3 selection/testdata/make_weighted_metrics.py

Each case holds labels y, predictions p (a binary classifier's P(1), K
probabilities a row flattened row by row, or values), weights w (some 0,
some large) and sklearn's scores of them with and without the weights.
The binary scores are rounded to a few values so that tied scores, which
ROC AUC takes as one threshold, occur.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error, mean_poisson_deviance,
                             mean_squared_error, roc_auc_score)

HERE = os.path.dirname(os.path.abspath(__file__))


def weights(rng, n):
    w = np.round(rng.uniform(0, 3, n), 2)
    w[rng.random(n) < .15] = 0
    w[rng.integers(0, n)] = 40
    return w


def main():
    print("sklearn", sklearn.__version__)
    rng = np.random.default_rng(8)
    out = {}

    n = 60
    y = (rng.random(n) < .4).astype(int)
    p = np.clip(np.round(.35 * y + rng.uniform(0, .65, n), 1), 0, 1)  # ties, and some 0 and 1
    w = weights(rng, n)
    out["binary"] = dict(y=y.tolist(), p=p.tolist(), w=w.tolist(), scores={
        "roc_auc": [roc_auc_score(y, p), roc_auc_score(y, p, sample_weight=w)],
        "log_loss": [log_loss(y, p, eps=1e-15), log_loss(y, p, eps=1e-15, sample_weight=w)],
        "accuracy": [accuracy_score(y, p > .5), accuracy_score(y, p > .5, sample_weight=w)],
    })

    n, k = 50, 3
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    P = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    w = weights(rng, n)
    out["multiclass"] = dict(y=y.tolist(), p=P.ravel().tolist(), w=w.tolist(), scores={
        "log_loss": [log_loss(y, P, eps=1e-15), log_loss(y, P, eps=1e-15, sample_weight=w)],
        "accuracy": [accuracy_score(y, P.argmax(1)), accuracy_score(y, P.argmax(1), sample_weight=w)],
    })

    n = 70
    y = rng.poisson(3, n).astype(float)
    mu = np.exp(rng.normal(1, .4, n))
    w = weights(rng, n)
    out["regression"] = dict(y=y.tolist(), p=mu.tolist(), w=w.tolist(), scores={
        "rmse": [mean_squared_error(y, mu, squared=False), mean_squared_error(y, mu, squared=False, sample_weight=w)],
        "mae": [mean_absolute_error(y, mu), mean_absolute_error(y, mu, sample_weight=w)],
        "poisson_deviance": [mean_poisson_deviance(y, mu), mean_poisson_deviance(y, mu, sample_weight=w)],
    })
    with open(os.path.join(HERE, "weighted_metrics.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
