#!/usr/bin/python3
"""The README's count:poisson comparison (ember gbt's "Counts, amounts and
heavy-tailed targets"): the credit-default data's first payment amount,
PAY_AMT1, held out by one random quarter, 100 trees of depth 6. Writes the
split as train.csv and test.csv into OUTDIR and prints XGBoost's held-out
mean Poisson deviance from its default base_score 0.5 and from the mean
label; then, from the same folder:

    /usr/bin/python3 benchmarks/xgboost/poisson_payamt1.py ../shared/data/tabular/UCI_Credit_Card.csv OUTDIR
    ember gbt --data OUTDIR/train.csv --test OUTDIR/test.csv --target PAY_AMT1 \\
        --objective count:poisson --trees 100 --max-depth 6 --exclude ID,default.payment.next.month

The deviance is scikit-learn's mean_poisson_deviance, as ember gbt reports it.
"""
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import mean_poisson_deviance

data, out = sys.argv[1], sys.argv[2]
d = pd.read_csv(data)
idx = np.random.RandomState(0).permutation(len(d))
n = len(d) // 4
test, train = d.iloc[idx[:n]], d.iloc[idx[n:]]
os.makedirs(out, exist_ok=True)
train.to_csv(os.path.join(out, "train.csv"), index=False)
test.to_csv(os.path.join(out, "test.csv"), index=False)
features = [c for c in d.columns if c not in ("ID", "PAY_AMT1", "default.payment.next.month")]
for name, base in (("0.5, XGBoost 1.7's default", 0.5), ("the mean label", train.PAY_AMT1.mean())):
    m = xgb.XGBRegressor(objective="count:poisson", n_estimators=100, max_depth=6, learning_rate=0.1,
                         tree_method="hist", max_bin=255, base_score=base, n_jobs=2)
    m.fit(train[features], train.PAY_AMT1)
    p = m.predict(test[features]).astype(np.float64)
    print(f"XGBoost from base_score {name}: held-out mean Poisson deviance {mean_poisson_deviance(test.PAY_AMT1, p):.2f}")
