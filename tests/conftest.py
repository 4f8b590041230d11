"""Shared test set-up.

Pins BLAS/OpenMP to one thread for steady timings-free tests on a 2-core
machine, and puts matplotlib on a non-interactive backend.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
