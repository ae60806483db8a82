"""Evaluates the trained XGBoost model on the test split and writes evaluation.json (read by the pipeline's condition).

Inputs: /opt/ml/processing/model/model.tar.gz (the training job's artifacts) and /opt/ml/processing/test/test.csv.
"""
import json
import os
import tarfile

import numpy as np
import pandas as pd
import xgboost

BASE = "/opt/ml/processing"

if __name__ == "__main__":
    with tarfile.open(f"{BASE}/model/model.tar.gz") as archive:
        archive.extractall(path=".")
    model = xgboost.Booster()
    model.load_model("xgboost-model")

    test = pd.read_csv(f"{BASE}/test/test.csv", header=None)
    labels, features = test.iloc[:, 0].to_numpy(), test.iloc[:, 1:]
    predictions = model.predict(xgboost.DMatrix(features.values))
    mse = float(np.mean((labels - predictions) ** 2))

    os.makedirs(f"{BASE}/evaluation", exist_ok=True)
    with open(f"{BASE}/evaluation/evaluation.json", "w") as f:
        json.dump({"regression_metrics": {"mse": {"value": mse, "standard_deviation": float(np.std(labels - predictions))}}}, f)
