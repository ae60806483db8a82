"""Test fixture: a processing script that imports a file beside it."""
from features import columns

print(columns())
