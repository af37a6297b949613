#!/usr/bin/python3
"""Writes logreg_onehot_train.csv, logreg_onehot_test.csv and
logreg_onehot.json for logreg_onehot_test.go: scikit-learn 1.2's

    Pipeline([("columns", ColumnTransformer([
                  ("num", Pipeline([("impute", SimpleImputer(...)),
                                    ("scale", StandardScaler())]), numeric),
                  ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])),
              ("model", LogisticRegression(...))])

fitted on the training file, against which ember logreg --categorical
--impute --standardize is checked: its coefficients (one per numeric column,
then one per column=value in sorted order) and its probabilities for the
rows of the test file, which hold a colour the training rows lack
("purple", one-hot encoded as no colour at all), a missing size and a
missing x2 (imputed from the training rows).

By default (--categorical-missing zeros) a missing categorical value sets
none of its column's features in ember (as an unseen one does);
OneHotEncoder would make a category of NaN, so the encoder of the first two
cases is given the training rows' present values as its categories, which
with handle_unknown="ignore" encodes a missing value as zeros too. The
other cases are scikit-learn's own ways with a missing category (the
training rows miss 5 colours and no size; the test rows miss a colour and
a size):

- "multinomial": target y (three classes), --impute median --standardize,
  colour listed in --categorical, size taken as categorical for its
  non-numeric values, y2 excluded;
- "binary": target y2, --impute constant --fill-value -1, no scaling
  (the numeric columns pass through the imputer alone), C=0.5, y excluded;
- "category": as "multinomial", with OneHotEncoder(handle_unknown="ignore")
  learning its categories itself: NaN is colour's last (colour=nan), and
  the test row's missing size, which no training row has, sets no size
  feature (--categorical-missing category);
- "most_frequent": as "binary" but standardised (--standardize), with
  SimpleImputer(strategy="most_frequent") before the encoder
  (--categorical-missing most_frequent);
- "constant": as "multinomial", with SimpleImputer(strategy="constant"),
  whose fill_value for strings is "missing_value", before the encoder:
  colour=missing_value is a category, and the missing size is filled with
  a value no training row has (--categorical-missing constant).

Both are solved to the optimum (newton-cg, tol 1e-8, the OPTIMUM of
models/logreg/testdata/make_reference.py): sklearn 1.2's lbfgs stops on
scipy's ftol before a tight tol.

Run with Debian's python3 and python3-sklearn:

    /usr/bin/python3 cmd/ember/testdata/make_logreg_onehot.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ["x1", "colour", "x2", "size", "y", "y2"]
NUMERIC = ["x1", "x2"]
CATEGORICAL = ["colour", "size"]  # colour listed, size detected: that order


def make_rows(rng, n, test):
    rows = []
    for i in range(n):
        x1 = round(rng.normal(10, 3), 3)
        x2 = round(rng.uniform(-2, 2), 4)
        colour = ["red", "green", "blue"][rng.integers(3)]
        size = ["S", "M", "L"][rng.integers(3)]
        z = 0.6 * (x1 - 10) + {"red": 1.0, "green": -0.5, "blue": 0.0}[colour] + 0.8 * x2 + rng.normal(0, 1)
        z += {"S": -0.4, "M": 0.0, "L": 0.5}[size]
        y = "lo" if z < -0.7 else ("mid" if z < 0.9 else "hi")
        y2 = "yes" if x2 + {"red": 0.5, "green": 0.0, "blue": -0.5}[colour] + rng.normal(0, 0.7) > 0 else "no"
        if i % 9 == 4:
            x2 = ""
        if i % 13 == 6:
            colour = ""
        if test and i == 2:
            colour = "purple"
        if test and i == 5:
            size = ""
        rows.append([x1, colour, x2, size, y, y2])
    return rows


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)


def arrays(rows):
    num = np.array([[np.nan if r[HEADER.index(c)] == "" else float(r[HEADER.index(c)]) for c in NUMERIC] for r in rows])
    cat = np.array([[np.nan if r[HEADER.index(c)] == "" else r[HEADER.index(c)] for c in CATEGORICAL] for r in rows],
                   dtype=object)
    return num, cat


def fit(name, train, test, target, num_steps, cat_steps=None, **model):
    num, cat = arrays(train)
    present = [sorted({v for v in cat[:, j] if isinstance(v, str)}) for j in range(len(CATEGORICAL))]
    if cat_steps is None:
        cat_steps = [("onehot", OneHotEncoder(categories=present, handle_unknown="ignore"))]
    X = np.empty((len(train), 4), dtype=object)
    X[:, :2], X[:, 2:] = num, cat
    tnum, tcat = arrays(test)
    Xt = np.empty((len(test), 4), dtype=object)
    Xt[:, :2], Xt[:, 2:] = tnum, tcat
    y = np.array([r[HEADER.index(target)] for r in train])
    pipe = Pipeline([
        ("columns", ColumnTransformer([
            ("num", Pipeline(num_steps), [0, 1]),
            ("cat", Pipeline(cat_steps), [2, 3]),
        ])),
        ("model", LogisticRegression(solver="newton-cg", tol=1e-8, max_iter=10000, **model)),
    ])
    pipe.fit(X, y)
    lr = pipe.named_steps["model"]
    encoder = pipe.named_steps["columns"].named_transformers_["cat"].named_steps["onehot"]
    # A NaN category is named "nan", as ember names it (and scikit-learn's
    # get_feature_names_out, "colour_nan").
    features = NUMERIC + [f"{c}={'nan' if not isinstance(v, str) else v}"
                          for c, vals in zip(CATEGORICAL, encoder.categories_) for v in vals]
    assert len(features) == lr.coef_.shape[1]
    cat_pipe = pipe.named_steps["columns"].named_transformers_["cat"]
    fills = {}
    if "impute" in cat_pipe.named_steps:
        fills = dict(zip(CATEGORICAL, (str(v) for v in cat_pipe.named_steps["impute"].statistics_)))
    return {
        "name": name,
        "category_fill": fills,
        "target": target,
        "features": features,
        "classes": [str(c) for c in lr.classes_],
        "coef": lr.coef_.tolist(),
        "intercept": lr.intercept_.tolist(),
        "test_proba": pipe.predict_proba(Xt).tolist(),
    }


def main():
    rng = np.random.default_rng(20240611)
    train, test = make_rows(rng, 60, False), make_rows(rng, 12, True)
    write(os.path.join(HERE, "logreg_onehot_train.csv"), train)
    write(os.path.join(HERE, "logreg_onehot_test.csv"), test)
    cases = [
        fit("multinomial", train, test, "y",
            [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
        fit("binary", train, test, "y2",
            [("impute", SimpleImputer(strategy="constant", fill_value=-1))], C=0.5),
        fit("category", train, test, "y",
            [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())],
            [("onehot", OneHotEncoder(handle_unknown="ignore"))]),
        fit("most_frequent", train, test, "y2",
            [("impute", SimpleImputer(strategy="constant", fill_value=-1)), ("scale", StandardScaler())],
            [("impute", SimpleImputer(strategy="most_frequent")), ("onehot", OneHotEncoder(handle_unknown="ignore"))],
            C=0.5),
        fit("constant", train, test, "y",
            [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())],
            [("impute", SimpleImputer(strategy="constant")), ("onehot", OneHotEncoder(handle_unknown="ignore"))]),
    ]
    out = {"sklearn": sklearn.__version__, "cases": cases}
    with open(os.path.join(HERE, "logreg_onehot.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
