#!/usr/bin/python3
"""Writes the fixtures of survival_test.go: Ember's fits of survival:cox
and survival:aft against XGBoost 1.7's, and models of both saved by
XGBoost for LoadXGBoost to score.

Run with Debian's python3 and python3-xgboost (1.7), numpy and scipy:

    /usr/bin/python3 models/gbt/testdata/make_xgb_survival.py

surv_fit.csv: per training row the features f0..f3 (few distinct values,
so that XGBoost's max_bin 256 and Ember's 255 bins cut them alike; empty =
missing), a weight w, survival:cox's label cox (the time, negative when
censored; rounded, so that times tie, events and censored rows among
them), survival:aft's bounds lo and hi (equal: observed; hi inf:
right-censored; lo 0: left-censored; else an interval), and per case of
CASES XGBoost's margin m_<case> after ROUNDS rounds. surv_fit_metrics.json:
per case, XGBoost's default metric on the training rows after each round
(cox-nloglik, aft-nloglik), which Ember's History.ValidLoss should be, and
the starting margin.

survival:cox starts from XGBoost's own base_score 0.5 (margin log 0.5), as
Ember's does. survival:aft starts from Ember's start, the root of the
summed clipped gradient (aft_start below, a port of survival.go's
gradient), given to XGBoost as base_margin, so that the trees are compared
alone.

surv_aft_grads.csv: XGBoost's survival:aft gradient and hessian of single
rows, far from and at the margins where its limits and clipping take over
(every distribution and kind of censoring), read off the leaf value
-g/(h+lambda) of one-row fits at lambda 1 and 2 from a base_margin: g =
1/(1/leaf_1 - 1/leaf_2), h = -g/leaf_1 - 1 (float32 leaves: to about 1e-6;
h is not recoverable where g is 0, and is written empty).

surv_<objective>.json/.ubj: a model of each objective trained by XGBoost
with its default base_score; surv_xgb_expected.csv: XGBoost's predict() of
each (hazard ratios, times) on the rows of surv_fit.csv (float32 reprs).
"""
import csv
import json
import math
import os
import sys

import numpy as np
import xgboost as xgb
from scipy.optimize import brentq
from scipy.special import erf

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
from xgbref import HERE, four_features, write_predictions_csv  # noqa: E402  (this directory's)

COMMON = dict(tree_method="hist", max_bin=256, nthread=1, max_depth=3, eta=0.3, reg_lambda=1.0)
ROUNDS = 8

# name, objective, weighted, params (as TestSurvivalMatchesXGBoost sets them)
CASES = [
    ("cox", "survival:cox", False, dict(min_child_weight=0.1)),
    ("cox_w", "survival:cox", True, dict(min_child_weight=0.1)),
    ("aft_normal", "survival:aft", False, dict(min_child_weight=1.0)),
    ("aft_logistic", "survival:aft", False, dict(min_child_weight=1.0, aft_loss_distribution="logistic",
                                                 aft_loss_distribution_scale=0.8)),
    ("aft_extreme", "survival:aft", False, dict(min_child_weight=1.0, aft_loss_distribution="extreme",
                                                aft_loss_distribution_scale=1.5)),
    ("aft_normal_w", "survival:aft", True, dict(min_child_weight=1.0, aft_loss_distribution_scale=0.5)),
]


def dist_fns(name):
    if name == "normal":
        pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        cdf = lambda z: 0.5 * (1 + erf(z / math.sqrt(2)))
        gpdf = lambda z: -z * pdf(z)
    elif name == "logistic":
        def pdf(z):
            w = math.exp(min(z, 700))
            return w / ((1 + w) * (1 + w))
        cdf = lambda z: 1 / (1 + math.exp(-z))
        gpdf = lambda z: pdf(z) * (1 - math.exp(z)) / (1 + math.exp(z))
    else:
        pdf = lambda z: math.exp(z) * math.exp(-math.exp(z))
        cdf = lambda z: 1 - math.exp(-math.exp(z))
        gpdf = lambda z: (1 - math.exp(z)) * pdf(z)
    return pdf, cdf, gpdf


def aft_grad(lo, hi, pred, sigma, dist):
    """AFTLoss::Gradient of survival_util.h, clipped to ±15 (the limits at
    an infinite margin are not reached at a starting margin)."""
    pdf, cdf, gpdf = dist_fns(dist)
    if lo == hi:
        z = (math.log(lo) - pred) / sigma
        g = gpdf(z) / (sigma * pdf(z))
    else:
        pu, cu = (0.0, 1.0) if math.isinf(hi) else (pdf((math.log(hi) - pred) / sigma), cdf((math.log(hi) - pred) / sigma))
        pl, cl = (0.0, 0.0) if lo <= 0 else (pdf((math.log(lo) - pred) / sigma), cdf((math.log(lo) - pred) / sigma))
        g = (pu - pl) / (sigma * (cu - cl))
    return min(max(g, -15.0), 15.0)


def aft_loss(lo, hi, pred, sigma, dist):
    """AFTLoss::Loss of survival_util.h: the likelihood floored at 1e-12."""
    pdf, cdf, _ = dist_fns(dist)
    if lo == hi:
        z = (math.log(lo) - pred) / sigma
        return -math.log(max(pdf(z) / (sigma * lo), 1e-12))
    cu = 1.0 if math.isinf(hi) else cdf((math.log(hi) - pred) / sigma)
    cl = 0.0 if lo <= 0 else cdf((math.log(lo) - pred) / sigma)
    return -math.log(max(cu - cl, 1e-12))


def aft_curve(b, dm, lo, hi, w, sigma, dist):
    """aft-nloglik after each round, at the objective's distribution and
    scale, from XGBoost's float32 margins."""
    sigma = float(np.float32(sigma))
    lo32, hi32 = lo.astype(np.float32).astype(float), hi.astype(np.float32).astype(float)
    curve = []
    for r in range(1, ROUNDS + 1):
        m = b.predict(dm, output_margin=True, iteration_range=(0, r)).astype(float)
        curve.append(sum(wi * aft_loss(a, c, p, sigma, dist) for a, c, p, wi in zip(lo32, hi32, m, w)) / sum(w))
    return curve


def aft_start(lo, hi, w, sigma, dist):
    sigma = float(np.float32(sigma))
    lo32, hi32 = lo.astype(np.float32).astype(float), hi.astype(np.float32).astype(float)
    f = lambda m: sum(wi * aft_grad(a, b, m, sigma, dist) for a, b, wi in zip(lo32, hi32, w))
    bounds = [math.log(v) for v in np.concatenate([lo32, hi32]) if v > 0 and not math.isinf(v)]
    return brentq(f, min(bounds), max(bounds), xtol=1e-14, rtol=1e-15)


def data():
    rng = np.random.default_rng(11)
    n = 200
    X, (x0, x1, x2, x3) = four_features(rng, n)
    eta = 1.5 + .12 * x0 - .4 * x1 + .3 * np.sin(x2) + .2 * np.nan_to_num(x3)
    w = np.round(rng.uniform(0.3, 2.5, n), 2)
    # Cox: times rounded to 0.5 (ties), about a third censored (negative).
    t = np.exp(eta + rng.normal(size=n) * .6)
    c = rng.uniform(0.5, 1.0, n) * t
    censored = rng.random(n) < .35
    cox = np.maximum(np.round(np.where(censored, c, t) * 2) / 2, 0.5) * np.where(censored, -1, 1)
    # AFT: observed, right-, interval- and left-censored times.
    kind = rng.choice(4, n, p=[.4, .3, .15, .15])
    lo = np.where(kind == 0, t, np.where(kind == 1, t * rng.uniform(.3, 1, n),
                                         np.where(kind == 2, t * rng.uniform(.5, .9, n), 0.0)))
    hi = np.where(kind == 0, t, np.where(kind == 1, np.inf,
                                         np.where(kind == 2, t * rng.uniform(1.1, 2, n), t * rng.uniform(1, 2, n))))
    lo = np.array([float("%.5g" % v) for v in lo])
    hi = np.array([v if math.isinf(v) else float("%.5g" % v) for v in hi])
    hi[kind == 0] = lo[kind == 0]
    return X, w, cox, lo, hi


def grads():
    rows = []
    bounds = [(5.0, 5.0), (2.0, math.inf), (0.0, 3.0), (1.5, 4.0)]
    for dist, sigma in [("normal", 1.0), ("logistic", 0.7), ("extreme", 1.3)]:
        for lo, hi in bounds:
            for pred in [-60.0, -8.0, -1.0, 0.5, 1.2, 3.0, 9.0, 60.0]:
                leaves = []
                for lam in (1.0, 2.0):
                    dm = xgb.DMatrix(np.zeros((1, 1), np.float32))
                    dm.set_float_info("label_lower_bound", np.array([lo]))
                    dm.set_float_info("label_upper_bound", np.array([hi]))
                    dm.set_base_margin(np.array([pred], np.float32))
                    b = xgb.train(dict(tree_method="hist", nthread=1, max_depth=1, eta=1.0, reg_lambda=lam,
                                       min_child_weight=0, objective="survival:aft", aft_loss_distribution=dist,
                                       aft_loss_distribution_scale=sigma), dm, num_boost_round=1)
                    leaves.append(float(json.loads(b.get_dump(dump_format="json")[0])["leaf"]))
                l1, l2 = leaves
                if l1 == 0:
                    g, h = 0.0, ""
                else:
                    g = 1 / (1 / l1 - 1 / l2)
                    h = "%.9g" % (-g / l1 - 1)
                rows.append([dist, sigma, lo, "inf" if math.isinf(hi) else hi, pred, "%.9g" % g, h])
    with open(os.path.join(HERE, "surv_aft_grads.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["dist", "sigma", "lo", "hi", "pred", "g", "h"])
        wr.writerows(rows)


def main():
    print("xgboost", xgb.__version__)
    X, w, cox, lo, hi = data()
    n = len(w)
    cols = {}
    metrics = {}
    for name, obj, weighted, extra in CASES:
        ww = w if weighted else np.ones(n)
        dm = xgb.DMatrix(X, weight=ww if weighted else None, missing=np.nan)
        start = math.log(0.5)
        if obj == "survival:cox":
            dm.set_label(cox)
        else:
            dm.set_float_info("label_lower_bound", lo)
            dm.set_float_info("label_upper_bound", hi)
            start = aft_start(lo, hi, ww, extra.get("aft_loss_distribution_scale", 1.0),
                              extra.get("aft_loss_distribution", "normal"))
            dm.set_base_margin(np.full(n, np.float32(start)))
        ev = {}
        b = xgb.train(dict(COMMON, objective=obj, **extra), dm, num_boost_round=ROUNDS,
                      evals=[(dm, "train")], evals_result=ev, verbose_eval=False)
        (metric, curve), = ev["train"].items()
        if obj == "survival:aft":
            # XGBoost 1.7.4's default aft-nloglik evaluates the normal
            # distribution at scale 1 whatever the objective's are (its
            # saved config says so); Ember's is the loss fitted, computed
            # here from XGBoost's margins, and checked against XGBoost's
            # where the two agree.
            dist, sigma = extra.get("aft_loss_distribution", "normal"), extra.get("aft_loss_distribution_scale", 1.0)
            mine = aft_curve(b, dm, lo, hi, ww, sigma, dist)
            if (dist, sigma) == ("normal", 1.0):
                assert np.allclose(mine, curve, rtol=1e-9, atol=0), (mine, curve)
            else:
                metric, curve = "aft-nloglik at %s, scale %g (numpy)" % (dist, sigma), mine
        metrics[name] = {"metric": metric, "curve": curve, "start": start}
        cols["m_" + name] = b.predict(dm, output_margin=True)
        print(name, metric, curve[0], curve[-1], "start", start)
    with open(os.path.join(HERE, "surv_fit.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["f0", "f1", "f2", "f3", "w", "cox", "lo", "hi"] + list(cols))
        for i in range(n):
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in X[i]] + ["%g" % w[i], "%g" % cox[i], "%.5g" % lo[i],
                                                                                "inf" if math.isinf(hi[i]) else "%.5g" % hi[i]] +
                        ["%.8g" % cols[c][i] for c in cols])
    with open(os.path.join(HERE, "surv_fit_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)

    grads()

    # Models saved by XGBoost, from its default base_score.
    preds = {}
    for name, obj, extra in [("survival_cox", "survival:cox", {}),
                             ("survival_aft", "survival:aft", dict(aft_loss_distribution="logistic",
                                                                   aft_loss_distribution_scale=1.3))]:
        dm = xgb.DMatrix(X, missing=np.nan)
        if obj == "survival:cox":
            dm.set_label(cox)
        else:
            dm.set_float_info("label_lower_bound", lo)
            dm.set_float_info("label_upper_bound", hi)
        b = xgb.train(dict(tree_method="hist", nthread=1, max_depth=2, eta=0.3, objective=obj, **extra), dm,
                      num_boost_round=4)
        b.save_model(os.path.join(HERE, f"surv_{name}.json"))
        b.save_model(os.path.join(HERE, f"surv_{name}.ubj"))
        p = b.predict(dm)
        assert p.dtype == np.float32
        preds[name] = p
    write_predictions_csv("surv_xgb_expected.csv", preds)


if __name__ == "__main__":
    main()
