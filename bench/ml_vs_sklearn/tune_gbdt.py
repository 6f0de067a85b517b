#!/usr/bin/python3
"""How the gbdt family's defaults (GbdtParams) were chosen: 5-fold stratified cross-validation
on the TRAINING files only (never the test files the benchmark reports), with python3-xgboost
1.7 (the same libxgboost RiskLab links), over a small grid at the family's 300 rounds and eta 0.05
(`risklab ml train --trees` defaults to 300 for both families). The table shows the mean
out-of-fold AUC per dataset and, last, the mean over the datasets, which picks the defaults.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/ml_vs_sklearn/tune_gbdt.py \\
      TRAIN.csv LABEL [TRAIN.csv LABEL ...]
"""
import itertools
import sys

import pandas as pd
import xgboost as xgb

GRID = {
    "max_depth": [3, 4, 6],
    "min_child_weight": [1, 5],
    "colsample_bytree": [0.8, 0.5],
}


def main(args):
    sets = []
    for path, label in zip(args[::2], args[1::2]):
        frame = pd.read_csv(path)
        x = frame.drop(columns=[label]).to_numpy(float)
        sets.append((path.rsplit("/", 1)[-1], xgb.DMatrix(x, label=frame[label].to_numpy(int))))
    names = [name for name, _ in sets]
    print("| max_depth | min_child_weight | colsample | " + " | ".join(f"{n} CV AUC" for n in names)
          + " | mean AUC |")
    print("|---|---|---|" + "---|" * len(names) + "---|")
    for depth, mcw, colsample in itertools.product(*GRID.values()):
        params = {"objective": "binary:logistic", "tree_method": "hist", "eval_metric": "auc", "eta": 0.05,
                  "max_depth": depth, "min_child_weight": mcw, "subsample": 0.8, "colsample_bytree": colsample,
                  "nthread": 2, "seed": 42}
        cells = []
        aucs = []
        for _, dtrain in sets:
            cv = xgb.cv(params, dtrain, num_boost_round=300, nfold=5, stratified=True, seed=42)
            aucs.append(float(cv["test-auc-mean"].iloc[-1]))
            cells.append(f"{aucs[-1]:.4f}")
        print(f"| {depth} | {mcw} | {colsample} | " + " | ".join(cells) + f" | {sum(aucs) / len(aucs):.4f} |",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
