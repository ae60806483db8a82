"""Splits the UCI abalone dataset into train, validation and test CSVs for SageMaker's XGBoost.

Reads /opt/ml/processing/input/abalone.csv (no header) and writes CSVs with the label (rings) first and no header, the
format SageMaker's built-in XGBoost reads.
"""
import argparse
import os

import numpy as np
import pandas as pd
from features import FEATURES, LABEL, one_hot_sex

BASE = "/opt/ml/processing"

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-ratio", type=float, default=0.7)
    parser.add_argument("--validation-ratio", type=float, default=0.15)
    args = parser.parse_args()

    data = pd.read_csv(f"{BASE}/input/abalone.csv", header=None, names=FEATURES + [LABEL])
    data = pd.concat([data[[LABEL]], one_hot_sex(data.drop(columns=[LABEL]))], axis=1)
    data = data.sample(frac=1, random_state=42)

    n = len(data)
    cuts = [int(args.train_ratio * n), int((args.train_ratio + args.validation_ratio) * n)]
    for name, part in zip(["train", "validation", "test"], np.split(data, cuts)):
        os.makedirs(f"{BASE}/{name}", exist_ok=True)
        part.to_csv(f"{BASE}/{name}/{name}.csv", header=False, index=False)
