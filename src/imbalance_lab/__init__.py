"""imbalance-lab: when does class weight k equal k copies, and which way of
handling class imbalance works best, at which ratio, for which model?"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("imbalance-lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

#: Name of the Jupyter kernel that `make setup` registers inside the venv.
KERNEL_NAME = "imbalance-lab"
