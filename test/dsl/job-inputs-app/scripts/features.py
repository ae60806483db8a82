"""Test fixture: a module imported by preprocess.py."""


def columns():
    return ["sex", "length", "diameter"]
