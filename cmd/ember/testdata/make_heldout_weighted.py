#!/usr/bin/python3
"""Writes heldout_weighted.json for heldout_weighted_test.go: scikit-learn
1.2's metrics with sample_weight, against which the weighted held-out
scores of ember logreg and ember gbt (--weight COLUMN) are checked.

Run with Debian's python3 and python3-sklearn (1.2):

    /usr/bin/python3 cmd/ember/testdata/make_heldout_weighted.py

It holds three kinds of case:

- "classes": made-up labels, predictions and weights (some 0, one large)
  of four classes, one never true and one predicted only in rows of
  weight 0, with confusion_matrix and precision_recall_fscore_support
  (per class, macro and weighted averages) and accuracy_score, all with
  sample_weight: the weighted confusion matrix and classification report.
- "regression": made-up targets, predictions and weights with RMSE, MAE
  and the mean Poisson, gamma, Tweedie (power 1.5) and pseudo-Huber
  (slope 1.5; numpy's weighted average, scikit-learn has no such metric)
  losses, weighted.
- "logreg_binary", "logreg_multi": a training and a test CSV with a weight
  column w, LogisticRegression(C=1, tol=1e-10) fitted with sample_weight,
  its test-set probabilities, and the weighted test scores (accuracy,
  log-loss, ROC AUC for two classes, one-vs-rest ROC AUC macro and
  weighted for three, confusion matrix, report). The data
  are drawn so that no test row is near a tie between its top two
  classes, nor two positive-class probabilities near each other, so that
  the discrete scores do not depend on the last digits of the fit.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, confusion_matrix, log_loss, mean_absolute_error, mean_gamma_deviance,
                             mean_poisson_deviance, mean_squared_error, mean_tweedie_deviance,
                             precision_recall_fscore_support, roc_auc_score)

HERE = os.path.dirname(os.path.abspath(__file__))


def weights(rng, n):
    w = np.round(rng.uniform(0, 3, n), 2)
    w[rng.random(n) < .15] = 0
    w[rng.integers(0, n)] = 40
    return w


def report(y, pred, w, k):
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(range(k)), sample_weight=w, zero_division=0)
    out = dict(precision=p.tolist(), recall=r.tolist(), f1=f.tolist(), support=s.tolist())
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(y, pred, labels=list(range(k)), sample_weight=w,
                                                        zero_division=0, average=avg)
        out[avg] = [ap, ar, af]
    out["accuracy"] = accuracy_score(y, pred, sample_weight=w)
    out["confusion"] = confusion_matrix(y, pred, labels=list(range(k)), sample_weight=w).tolist()
    return out


def csv(X, y, w, names):
    lines = ["x1,x2,w,label"]
    for (a, b), c, v in zip(X, y, w):
        lines.append(f"{a!r},{b!r},{v!r},{names[c]}")
    return "\n".join(lines) + "\n"


def logreg_case(rng, k, names, spread):
    centers = rng.normal(0, spread, (k, 2))
    while True:
        n_tr, n_te = 120, 50
        y = rng.integers(0, k, n_tr + n_te)
        X = np.round(centers[y] + rng.normal(0, 1, (len(y), 2)), 3)
        w = np.concatenate([weights(rng, n_tr), weights(rng, n_te)])
        m = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[:n_tr], y[:n_tr], sample_weight=w[:n_tr])
        P = m.predict_proba(X[n_tr:])
        top2 = np.sort(P, 1)[:, -2:]
        pos = np.sort(P[:, -1])
        if (top2[:, 1] - top2[:, 0]).min() > 1e-3 and (k > 2 or np.diff(pos).min() > 1e-6):
            break
    yte, wte = y[n_tr:], w[n_tr:]
    pred = P.argmax(1)
    case = dict(train=csv(X[:n_tr], y[:n_tr], w[:n_tr], names), test=csv(X[n_tr:], yte, wte, names),
                classes=names, proba=P.ravel().tolist(),
                log_loss=log_loss(yte, P, labels=list(range(k)), sample_weight=wte))
    case.update(report(yte, pred, wte, k))
    if k == 2:
        case["roc_auc"] = roc_auc_score(yte, P[:, 1], sample_weight=wte)
    else:
        case["roc_auc_ovr"] = {avg: roc_auc_score(yte, P, multi_class="ovr", average=avg, sample_weight=wte)
                               for avg in ("macro", "weighted")}
    return case


def main():
    print("sklearn", sklearn.__version__)
    rng = np.random.default_rng(20)
    out = {}

    n, k = 80, 4
    y = rng.integers(0, 3, n)  # class 3 never true
    pred = np.where(rng.random(n) < .7, y, rng.integers(0, k, n))
    w = weights(rng, n)
    w[pred == 2] = 0  # class 2 predicted only in rows that weigh nothing
    out["classes"] = dict(y=y.tolist(), pred=pred.tolist(), w=w.tolist(), k=k, **report(y, pred, w, k))

    n = 60
    y = rng.poisson(3, n).astype(float) + .5
    mu = np.exp(rng.normal(1, .4, n))
    w = weights(rng, n)
    a = (y - mu) / 1.5
    out["regression"] = dict(y=y.tolist(), mu=mu.tolist(), w=w.tolist(), scores={
        "rmse": mean_squared_error(y, mu, squared=False, sample_weight=w),
        "mae": mean_absolute_error(y, mu, sample_weight=w),
        "count:poisson": mean_poisson_deviance(y, mu, sample_weight=w),
        "reg:gamma": mean_gamma_deviance(y, mu, sample_weight=w),
        "reg:tweedie": mean_tweedie_deviance(y, mu, power=1.5, sample_weight=w),
        "reg:pseudohubererror": float(np.average(1.5 ** 2 * (np.sqrt(1 + a * a) - 1), weights=w)),
        "reg:absoluteerror": mean_absolute_error(y, mu, sample_weight=w),
    })

    out["logreg_binary"] = logreg_case(rng, 2, ["no", "yes"], .7)
    out["logreg_multi"] = logreg_case(rng, 3, ["a", "b", "c"], 1.6)
    with open(os.path.join(HERE, "heldout_weighted.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
