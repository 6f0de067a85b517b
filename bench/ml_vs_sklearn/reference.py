#!/usr/bin/python3
"""Python side of bench/ml_vs_sklearn: the seed's stack and a peer, timed like risklab_ml_bench.

  --engine sklearn   median imputer -> StandardScaler -> imblearn SMOTE -> RandomForestClassifier
                     (scikit-learn 1.2 + imbalanced-learn 0.10, Debian python3-sklearn/-imblearn)
  --engine xgboost   XGBClassifier(tree_method="hist", max_depth 4, eta 0.05, subsample 0.8,
                     colsample 1.0: the gbdt family's defaults) on the raw features (python3-xgboost), the
                     gradient-boosting peer a user might pick instead; TreeSHAP via pred_contribs

Prints one JSON object with the same keys as risklab_ml_bench.
"""
import argparse
import json
import resource
import time

import numpy as np
import pandas as pd


def ece(y, p, bins=10):
    idx = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(p[idx == b].sum() - y[idx == b].sum()) for b in range(bins)) / len(p))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sklearn", "xgboost"], default="sklearn")
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-depth", type=int, default=4, help="xgboost only")
    parser.add_argument("--learning-rate", type=float, default=0.05, help="xgboost only")
    parser.add_argument("--subsample", type=float, default=0.8, help="xgboost only")
    parser.add_argument("--colsample", type=float, default=1.0, help="xgboost only")
    parser.add_argument("--single-rows", type=int, default=200, help="test rows timed one at a time")
    args = parser.parse_args()

    from sklearn.metrics import brier_score_loss, roc_auc_score

    train = pd.read_csv(args.train)
    test = pd.read_csv(args.test)
    features = [c for c in train.columns if c != args.label]
    x_train, y_train = train[features].to_numpy(float), train[args.label].to_numpy(int)
    x_test, y_test = test[features].to_numpy(float), test[args.label].to_numpy(int)

    start = time.perf_counter()
    if args.engine == "sklearn":
        from imblearn.over_sampling import SMOTE
        from imblearn.pipeline import Pipeline
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.impute import SimpleImputer
        from sklearn.preprocessing import StandardScaler
        model = Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
            ("smote", SMOTE(k_neighbors=5, random_state=args.seed)),
            ("forest", RandomForestClassifier(n_estimators=args.trees, n_jobs=args.threads,
                                              random_state=args.seed)),
        ]).fit(x_train, y_train)
        engine = "scikit-learn + imbalanced-learn"
    else:
        from xgboost import XGBClassifier
        # The parameters of `risklab ml train --family gbdt` (GbdtParams defaults).
        model = XGBClassifier(n_estimators=args.trees, tree_method="hist", n_jobs=args.threads,
                              max_depth=args.max_depth, learning_rate=args.learning_rate,
                              subsample=args.subsample, colsample_bytree=args.colsample,
                              random_state=args.seed).fit(x_train, y_train)
        engine = "xgboost"
    fit_seconds = time.perf_counter() - start

    batch_times = []
    for _ in range(5):  # median of 5 calls, as risklab_ml_bench does
        start = time.perf_counter()
        pd_test = model.predict_proba(x_test)[:, 1]
        batch_times.append(time.perf_counter() - start)
    batch_seconds = float(np.median(batch_times))

    latency = []
    rows = min(args.single_rows, len(x_test))
    for row in range(rows):
        one = x_test[row:row + 1]
        start = time.perf_counter()
        model.predict_proba(one)
        latency.append((time.perf_counter() - start) * 1e6)

    shap_ms = []
    if args.engine == "xgboost":
        import xgboost
        booster = model.get_booster()
        for row in range(rows):
            start = time.perf_counter()
            booster.predict(xgboost.DMatrix(x_test[row:row + 1]), pred_contribs=True)
            shap_ms.append((time.perf_counter() - start) * 1e3)

    out = {
        "engine": engine,
        "trees": args.trees,
        "threads": args.threads,
        "train_rows": len(x_train),
        "test_rows": len(x_test),
        "fit_seconds": fit_seconds,
        "batch_rows_per_second": len(x_test) / batch_seconds,
        "single_row_p50_us": float(np.percentile(latency, 50)),
        "single_row_p99_us": float(np.percentile(latency, 99)),
        "shap_p50_ms": float(np.percentile(shap_ms, 50)) if shap_ms else None,
        "shap_p99_ms": float(np.percentile(shap_ms, 99)) if shap_ms else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "auc": float(roc_auc_score(y_test, pd_test)),
        "ece": ece(y_test, pd_test),
        "brier": float(brier_score_loss(y_test, pd_test)),
        "mean_pd": float(pd_test.mean()),
        "base_rate": float(y_test.mean()),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
