"""Sweeps: config, planning, cache keys, executors, the papermill runner and the results store."""
