#!/usr/bin/python3
"""Writes XGBoost's own SHAP values (Booster.predict(pred_contribs=True)) for
the committed XGBoost fixture models and rows, which TestXGBoostContributions
compares Ember's Contributions against.

Run with Debian's python3 and python3-xgboost (1.7), after make_xgboost.py and
make_multiclass.py:

    /usr/bin/python3 models/gbt/testdata/make_contribs.py

Files: xgb_binary_contribs.csv and xgb_reg_contribs.csv (the 800 rows of
xgb_rows.csv: 8 feature columns and the bias), xgb_multi_contribs.csv (the
first 300 rows of multi_rows.csv: for each of the 4 classes, 6 features and
the bias), each value the shortest text of its float32.
"""
import csv
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def rows(name, ncols):
    with open(os.path.join(HERE, name)) as f:
        recs = list(csv.reader(f))[1:]
    return np.array([[float(v) if v != "" else np.nan for v in r[:ncols]] for r in recs], dtype=np.float32)


def write(name, c, header):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in c.reshape(len(c), -1):
            w.writerow([repr(np.float32(v)) for v in r])  # the shortest text of the float32


def main():
    X = rows("xgb_rows.csv", 8)
    for model in ("binary", "reg"):
        b = xgb.Booster(model_file=os.path.join(HERE, "xgb_%s.json" % model))
        c = b.predict(xgb.DMatrix(X, missing=np.nan), pred_contribs=True)
        write("xgb_%s_contribs.csv" % model, c, ["f%d" % j for j in range(8)] + ["bias"])
    X = rows("multi_rows.csv", 6)[:300]  # the first 300 keep the file small
    b = xgb.Booster(model_file=os.path.join(HERE, "xgb_multi.json"))
    c = b.predict(xgb.DMatrix(X, missing=np.nan), pred_contribs=True)  # rows x 4 x 7
    write("xgb_multi_contribs.csv", c, ["c%d_%s" % (k, n) for k in range(4) for n in ["f%d" % j for j in range(6)] + ["bias"]])


if __name__ == "__main__":
    main()
