"""The abalone dataset's columns, shared by preprocess.py and evaluate.py."""
import pandas as pd

FEATURES = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]
LABEL = "rings"


def one_hot_sex(features: pd.DataFrame) -> pd.DataFrame:
    """Replaces the categorical `sex` column (M, F, I) by three 0/1 columns."""
    dummies = pd.get_dummies(features["sex"], prefix="sex").reindex(columns=["sex_F", "sex_I", "sex_M"], fill_value=0)
    return pd.concat([dummies.astype(float), features.drop(columns=["sex"])], axis=1)
