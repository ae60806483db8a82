# The processing script of compat/app/stack.ts: staged as an asset at synth time, never run here.
print("preprocess")
