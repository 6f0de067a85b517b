#!/usr/bin/python3
"""The FastAPI + uvicorn peer of bench/http: the seed's scikit-learn pipeline behind POST /score.

  prepare:  fastapi_service.py prepare --train train.csv --label COL --out model.pkl \
                --db peer.db --token SECRET [--trees 300 --threads 2 --seed 42]
            fits median SimpleImputer -> StandardScaler -> imblearn SMOTE -> RandomForest (the
            pipeline of bench/ml_vs_sklearn/reference.py), sets the forest to n_jobs=1 and
            pickles it; creates the SQLite tables and stores the token's SHA-256.
  serve:    RISKLAB_PEER_MODEL=model.pkl RISKLAB_PEER_DB=peer.db \
                python3 -m uvicorn fastapi_service:app --app-dir bench/http --workers 2
            each worker loads the model once at start-up; POST /score checks the bearer token
            against the table, scores one row and commits it as an assessment, like risklab.
"""
import argparse
import datetime
import hashlib
import json
import os
import pickle
import sqlite3
import sys
from typing import Dict, Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assessments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  inputs_json TEXT NOT NULL, pd REAL NOT NULL);
"""


def prepare(argv):
    parser = argparse.ArgumentParser(prog="fastapi_service.py prepare")
    parser.add_argument("--train", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    import pandas as pd
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import Pipeline
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    train = pd.read_csv(args.train)
    train.columns = [c.strip() for c in train.columns]
    label = args.label.strip()
    features = [c for c in train.columns if c != label]
    model = Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
        ("smote", SMOTE(k_neighbors=5, random_state=args.seed)),
        ("forest", RandomForestClassifier(n_estimators=args.trees, n_jobs=args.threads,
                                          random_state=args.seed)),
    ]).fit(train[features].to_numpy(float), train[label].to_numpy(int))
    # Scoring one row per request: joblib workers would only add dispatch cost.
    model.named_steps["forest"].set_params(n_jobs=1)
    with open(args.out, "wb") as f:
        pickle.dump({"features": features, "model": model}, f, protocol=pickle.HIGHEST_PROTOCOL)

    db = sqlite3.connect(args.db)
    db.executescript(SCHEMA)
    db.execute("INSERT OR REPLACE INTO api_tokens VALUES (?, ?)",
               (hashlib.sha256(args.token.encode()).hexdigest(), "bench"))
    db.commit()
    db.close()


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "prepare":
        sys.exit(__doc__)
    prepare(sys.argv[2:])
    sys.exit(0)

import numpy as np  # noqa: E402
from fastapi import FastAPI, Header, HTTPException  # noqa: E402
from pydantic import BaseModel  # noqa: E402

with open(os.environ["RISKLAB_PEER_MODEL"], "rb") as _f:
    _loaded = pickle.load(_f)
FEATURES = _loaded["features"]
MODEL = _loaded["model"]
# One connection per worker process; the endpoint is async, so requests never share it at once.
DB = sqlite3.connect(os.environ["RISKLAB_PEER_DB"], isolation_level=None)
DB.execute("PRAGMA journal_mode = WAL")
DB.execute("PRAGMA synchronous = NORMAL")
DB.execute("PRAGMA busy_timeout = 30000")

app = FastAPI()


class ScoreRequest(BaseModel):
    features: Dict[str, Optional[float]]


@app.get("/healthz")
async def healthz():
    return {"status": "ok", "features": len(FEATURES)}


@app.post("/score", status_code=201)
async def score(body: ScoreRequest, authorization: str = Header("")):
    if not authorization.startswith("Bearer "):
        raise HTTPException(401, "send a bearer token")
    token_hash = hashlib.sha256(authorization[7:].encode()).hexdigest()
    user = DB.execute("SELECT user_name FROM api_tokens WHERE token_hash = ?",
                      (token_hash,)).fetchone()
    if user is None:
        raise HTTPException(401, "unknown token")
    missing = [name for name in FEATURES if name not in body.features]
    if missing:
        raise HTTPException(422, f"feature '{missing[0]}' is missing")
    row = np.array([[np.nan if body.features[n] is None else body.features[n] for n in FEATURES]],
                   dtype=float)
    pd_value = float(MODEL.predict_proba(row)[0, 1])
    created_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cursor = DB.execute(
        "INSERT INTO assessments (created_at, created_by, inputs_json, pd) VALUES (?, ?, ?, ?)",
        (created_at, user[0], json.dumps(body.features), pd_value))
    return {"assessment_id": cursor.lastrowid, "pd": pd_value, "created_at": created_at}
