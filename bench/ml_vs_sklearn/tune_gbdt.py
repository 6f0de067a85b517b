#!/usr/bin/python3
"""How the gbdt family's defaults (GbdtParams) were chosen: stratified cross-validation on the
TRAINING files only (never the test files the benchmark reports), with python3-xgboost 1.7 (the
same libxgboost RiskLab links), at the family's 300 rounds (`risklab ml train --trees` defaults to
300 for both families). The table shows the mean out-of-fold AUC per dataset and, last, the mean
over the datasets, which picks the defaults.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/ml_vs_sklearn/tune_gbdt.py \\
      [--grid shape|rate] [--repeats R] TRAIN.csv LABEL [TRAIN.csv LABEL ...]

  --grid shape  (default) tree shape at eta 0.05, subsample 0.8: max_depth x min_child_weight x
                colsample_bytree; one 5-fold split (seed 42)
  --grid xgboost-defaults  one cell: depth 4, everything else xgboost 1.7's defaults (eta 0.3,
                no sampling), R split seeds as for rate
  --grid rate   depth 4, min_child_weight 1: eta x subsample x colsample_bytree, including
                xgboost's own defaults (eta 0.3, no sampling); each cell averaged over R
                differently seeded 5-fold splits (default 3), because the cells differ by less
                than one split's fold-to-fold noise
"""
import itertools
import sys

import pandas as pd
import xgboost as xgb

GRIDS = {
    "shape": {
        "max_depth": [3, 4, 6],
        "min_child_weight": [1, 5],
        "colsample_bytree": [0.8, 0.5],
        "eta": [0.05],
        "subsample": [0.8],
    },
    "xgboost-defaults": {  # the issue's "300 trees of depth 4", all else xgboost 1.7's defaults
        "max_depth": [4],
        "min_child_weight": [1],
        "eta": [0.3],
        "subsample": [1.0],
        "colsample_bytree": [1.0],
    },
    "rate": {
        "max_depth": [4],
        "min_child_weight": [1],
        "eta": [0.05, 0.1, 0.3],
        "subsample": [0.8, 1.0],
        "colsample_bytree": [0.8, 1.0],
    },
}


def main(args):
    grid_name, repeats = "shape", None
    while args and args[0].startswith("--"):
        if args[0] == "--grid":
            grid_name = args[1]
        elif args[0] == "--repeats":
            repeats = int(args[1])
        else:
            sys.exit(f"tune_gbdt.py: unknown option {args[0]}")
        args = args[2:]
    grid = GRIDS[grid_name]
    repeats = repeats or (1 if grid_name == "shape" else 3)
    sets = []
    for path, label in zip(args[::2], args[1::2]):
        frame = pd.read_csv(path)
        x = frame.drop(columns=[label]).to_numpy(float)
        sets.append((path.rsplit("/", 1)[-1], xgb.DMatrix(x, label=frame[label].to_numpy(int))))
    names = [name for name, _ in sets]
    keys = list(grid)
    print(f"grid {grid_name}, 300 rounds, 5-fold stratified CV x {repeats} split seed(s)")
    print("| " + " | ".join(keys) + " | " + " | ".join(f"{n} CV AUC" for n in names) + " | mean AUC |")
    print("|" + "---|" * (len(keys) + len(names) + 1))
    for values in itertools.product(*grid.values()):
        params = {"objective": "binary:logistic", "tree_method": "hist", "eval_metric": "auc",
                  "nthread": 2, "seed": 42, **dict(zip(keys, values))}
        cells = []
        aucs = []
        for _, dtrain in sets:
            runs = [float(xgb.cv(params, dtrain, num_boost_round=300, nfold=5, stratified=True,
                                 seed=42 + r)["test-auc-mean"].iloc[-1]) for r in range(repeats)]
            aucs.append(sum(runs) / len(runs))
            cells.append(f"{aucs[-1]:.4f}")
        print("| " + " | ".join(str(v) for v in values) + " | " + " | ".join(cells)
              + f" | {sum(aucs) / len(aucs):.4f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
