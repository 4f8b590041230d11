"""Sweep configs: read a YAML file with a safe loader and validate all of it
before any work starts.

Every problem is a :class:`~imbalance_lab.errors.ConfigError` that names the
dotted field (``schemes[3].alpha``, ``cv.folds``) and the offending value, so
the message alone says what to fix. Names of data sets, models, schemes and
metrics are checked by the modules that own them (``datasets.validate_spec``,
``models.validate_model_spec``, ``schemes.parse_scheme``, ``metrics.METRICS``).
Two data sets that go by one name in results (``datasets.dataset_name``) are
refused: the report groups rows by that name and would merge them.

A config, field by field (``configs/quick.yaml`` is a small working example)::

    name: default               # results go to results/<name>/
    description: "..."          # optional, free text
    seeds: [0, 1]               # one unit per seed; the ratio subsample and folds follow it
    cv: {folds: 5, repeats: 2}  # repeated stratified k-fold
    datasets: [ecoli1, {synthetic: {...}}, {csv: data/x.csv}]
    ratios: [native, 1, 5, 20, 50]      # majority:minority, imposed by subsampling
    models: [logistic_regression, {name: random_forest, params: {n_estimators: 50}}]
    schemes: [none, {weight: balanced}, {split: balanced, size_share: [0, 0.613, 1]}]
    metrics: [balanced_accuracy, ...]   # default: every metric
    weight_normalisation: mean  # or none
    keep_n: false               # keep the data set's size when imposing a ratio
    ece_binning: uniform        # or quantile
    store_predictions: true     # keep out-of-fold scores
    unit_time_limit: 300        # seconds per unit, or null for none
    jobs: null                  # worker processes; null = all cores
    executor: local             # or {dask: "tcp://scheduler:8786"} (issue 8)

A list given for a field of a scheme is a sweep axis: ``{split: balanced,
size_share: [0, 0.613, 1]}`` stands for three schemes.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imbalance_lab import rows
from imbalance_lab.errors import ConfigError, InvalidParameterError, UnknownNameError

#: The optional keys of a slice spec (``experiment.run_slice``) with their
#: defaults; a config passes its value of each to every slice.
SLICE_DEFAULTS: dict[str, Any] = {
    "cv": {"folds": 5, "repeats": 1},
    "metrics": list(rows.METRICS),
    "weight_normalisation": "mean",
    "keep_n": False,
    "ece_binning": "uniform",
    "store_predictions": True,
    "unit_time_limit": None,  # run_slice alone: no limit
}
#: Every key a config may hold at its top level, with a default where optional.
DEFAULTS: dict[str, Any] = {
    "description": "",
    "seeds": [0],
    **SLICE_DEFAULTS,
    "unit_time_limit": 300,  # a sweep: a unit that hangs must not hold a worker for ever
    "jobs": None,
    "executor": "local",
}
REQUIRED = ("name", "datasets", "ratios", "models", "schemes")
KEYS = (*REQUIRED, *DEFAULTS)
CV_KEYS = ("folds", "repeats")
WEIGHT_NORMALISATIONS = ("mean", "none")
ECE_BINNINGS = ("uniform", "quantile")
EXECUTORS = ("local", "dask")

#: A name becomes a folder under results/: plain characters only, so that it
#: can never climb out of the results folder or hide as a dot-file.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
#: Folders under results/ that other commands write (`audit`, `calibration`).
RESERVED_NAMES = ("equivalence", "calibration")


@dataclass(frozen=True)
class Config:
    """A validated sweep config. Lists are expanded (scheme axes) and every
    value is plain JSON-able data, ready for the plan and the manifest."""

    name: str
    datasets: tuple
    ratios: tuple
    models: tuple
    schemes: tuple
    seeds: tuple[int, ...] = (0,)
    cv: dict = field(default_factory=lambda: dict(DEFAULTS["cv"]))
    metrics: tuple[str, ...] = tuple(rows.METRICS)
    weight_normalisation: str = "mean"
    keep_n: bool = False
    ece_binning: str = "uniform"
    store_predictions: bool = True
    unit_time_limit: float | None = 300
    jobs: int | None = None
    executor: Any = "local"
    description: str = ""
    #: The field each of ``schemes`` was written in (``schemes[1]`` for every
    #: scheme a list in ``schemes[1]`` expands to), for errors found later;
    #: empty when built directly, where ``schemes[i]`` is the i-th scheme.
    scheme_fields: tuple[str, ...] = ()
    #: The file the config came from (None when built from a mapping).
    source: str | None = None
    #: The YAML text as written, kept in the manifest for reproduction.
    text: str | None = None

    def to_dict(self) -> dict:
        """The validated config as JSON-able data (what the manifest records)."""
        return {
            "name": self.name,
            "description": self.description,
            "seeds": list(self.seeds),
            "cv": dict(self.cv),
            "datasets": list(self.datasets),
            "ratios": list(self.ratios),
            "models": list(self.models),
            "schemes": list(self.schemes),
            "metrics": list(self.metrics),
            "weight_normalisation": self.weight_normalisation,
            "keep_n": self.keep_n,
            "ece_binning": self.ece_binning,
            "store_predictions": self.store_predictions,
            "unit_time_limit": self.unit_time_limit,
            "jobs": self.jobs,
            "executor": self.executor,
        }


def load_config(path: str | Path) -> Config:
    """Read and validate a sweep config file (YAML, safe loader)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("CONFIG", source, "an existing YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("CONFIG", source, f"a readable UTF-8 YAML file ({exc})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(
                "CONFIG",
                source,
                "a config file with content, but it is empty (or holds only comments); a config "
                f"needs at least the keys {', '.join(REQUIRED)} (configs/quick.yaml is an example)",
            )
        _check_unique_keys(node, "", source)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError("CONFIG", source, f"valid YAML: {problem}{line}") from None
    finally:
        loader.dispose()
    return parse_config(data, source=source, text=text)


def parse_config(data: Any, *, source: str | None = None, text: str | None = None) -> Config:
    """Validate a config mapping (as loaded from YAML) and return a :class:`Config`.

    Raises :class:`ConfigError` for the first problem found, before any work.
    """
    check = _Checker(source)
    if not isinstance(data, Mapping):
        raise ConfigError("CONFIG", data, "a mapping of config keys at the top level", source)
    check.keys("", data, KEYS)
    for key in REQUIRED:
        if key not in data:
            raise ConfigError(key, None, "a value (this key is required)", source)
    values = {**DEFAULTS, **data}

    name = check.name(values["name"])
    description = values["description"]
    if description is None:
        description = ""
    if not isinstance(description, str):
        check.fail("description", description, "a string")

    seeds = tuple(check.unique_list("seeds", values["seeds"], check.seed))
    cv = check.cv(values["cv"])
    ratios = tuple(check.unique_list("ratios", values["ratios"], check.ratio))
    metrics = tuple(check.unique_list("metrics", values["metrics"], check.metric))
    weight_normalisation = check.choice(
        "weight_normalisation", values["weight_normalisation"], WEIGHT_NORMALISATIONS
    )
    keep_n = check.boolean("keep_n", values["keep_n"])
    ece_binning = check.choice("ece_binning", values["ece_binning"], ECE_BINNINGS)
    store_predictions = check.boolean("store_predictions", values["store_predictions"])
    unit_time_limit = check.time_limit("unit_time_limit", values["unit_time_limit"])
    jobs = None if values["jobs"] is None else check.integer("jobs", values["jobs"], minimum=1)
    executor = check.executor(values["executor"])

    # The names last: these checks import the modules that own them.
    datasets = tuple(check.unique_list("datasets", values["datasets"], check.dataset))
    check.dataset_names(datasets)
    models = tuple(check.unique_list("models", values["models"], check.model, check.model_identity))
    schemes, scheme_fields = check.schemes(values["schemes"])

    return Config(
        name=name,
        description=description,
        datasets=datasets,
        ratios=ratios,
        models=models,
        schemes=tuple(schemes),
        scheme_fields=tuple(scheme_fields),
        seeds=seeds,
        cv=cv,
        metrics=metrics,
        weight_normalisation=weight_normalisation,
        keep_n=keep_n,
        ece_binning=ece_binning,
        store_predictions=store_predictions,
        unit_time_limit=unit_time_limit,
        jobs=jobs,
        executor=executor,
        source=source,
        text=text,
    )


def canonical_json(value: Any) -> str:
    """One spelling of a JSON-able value: sorted keys (as strings), integral
    floats as ints, so that ``2`` and ``2.0`` or reordered mappings hash alike."""
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Checker:
    """The field checks, each raising ConfigError(field, value, expected, source)."""

    def __init__(self, source: str | None):
        self.source = source

    def fail(self, name: str, value: Any, expected: str):
        raise ConfigError(name, value, expected, self.source)

    def keys(self, prefix: str, mapping: Mapping, allowed: tuple[str, ...]) -> None:
        for key in mapping:
            if key not in allowed:
                # the close matches are looked up for the key; the message shows its value
                hint = UnknownNameError(f"{prefix}{key}", key, allowed, kind="key").expected
                self.fail(f"{prefix}{key}", mapping[key], hint)

    def name(self, value: Any) -> str:
        if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value) or value in (".", ".."):
            self.fail(
                "name",
                value,
                "a folder name under results/: letters, digits, '_', '.', '-', starting with "
                "a letter or digit, at most 100 characters (no '/', no '..')",
            )
        if value in RESERVED_NAMES:
            self.fail("name", value, f"a name not used by other commands ({', '.join(RESERVED_NAMES)})")
        return value

    def integer(self, name: str, value: Any, *, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, value, f"an integer >= {minimum}")
        if value < minimum:
            self.fail(name, value, f"an integer >= {minimum}")
        return value

    def seed(self, name: str, value: Any) -> int:
        return self.integer(name, value, minimum=0)

    def boolean(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.fail(name, value, "true or false")
        return value

    def choice(self, name: str, value: Any, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.fail(name, value, f"one of {', '.join(map(repr, choices))}")
        return value

    def time_limit(self, name: str, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            self.fail(name, value, "a number of seconds > 0, or null for no limit")
        return value

    def ratio(self, name: str, value: Any) -> str | int | float:
        if value == "native":
            return value
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 1
        ):
            self.fail(name, value, "'native' or a number >= 1 (majority:minority, e.g. 10 for 10:1)")
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def cv(self, value: Any) -> dict:
        if not isinstance(value, Mapping):
            self.fail("cv", value, "a mapping {folds: int >= 2, repeats: int >= 1}")
        self.keys("cv.", value, CV_KEYS)
        merged = {**DEFAULTS["cv"], **value}
        return {
            "folds": self.integer("cv.folds", merged["folds"], minimum=2),
            "repeats": self.integer("cv.repeats", merged["repeats"], minimum=1),
        }

    def executor(self, value: Any) -> Any:
        if value == "local":
            return value
        if isinstance(value, Mapping) and len(value) == 1 and "dask" in value:
            address = value["dask"]
            if not isinstance(address, str) or not address.strip():
                self.fail("executor.dask", address, "the address of a Dask scheduler, e.g. 'tcp://host:8786'")
            from imbalance_lab.sweep.dask_executor import ADDRESS_EXAMPLE, address_problem

            why = address_problem(address.strip())
            if why is not None:
                self.fail("executor.dask", address, f"{ADDRESS_EXAMPLE} ({why})")
            return {"dask": address}
        if isinstance(value, Mapping):
            self.keys("executor.", value, EXECUTORS[1:])
        self.fail("executor", value, "'local' or {dask: SCHEDULER_ADDRESS}")

    def metric(self, name: str, value: Any) -> str:
        from imbalance_lab import metrics

        if not isinstance(value, str) or value not in metrics.METRICS:
            err = UnknownNameError(name, value, metrics.METRICS, kind="metric")
            self.fail(name, value, err.expected)
        return value

    def dataset(self, name: str, value: Any) -> Any:
        from imbalance_lab import datasets

        self._delegate(datasets.validate_spec, value, name)
        return _plain(value)

    def dataset_names(self, specs: tuple) -> None:
        """Two data sets that go by one name in results would be merged by the
        report, which groups rows by the name: refuse the later one."""
        from imbalance_lab import datasets

        seen: dict[str, int] = {}
        for i, spec in enumerate(specs):
            name = datasets.dataset_name(spec)
            if name in seen:
                raise same_name_error(specs, i, seen[name], name, self.source)
            seen[name] = i

    def model(self, name: str, value: Any) -> Any:
        from imbalance_lab import models

        self._delegate(models.validate_model_spec, value, name)
        return _plain(value)

    def model_identity(self, value: Any) -> str:
        """Two spellings of one model (``knn`` and ``{name: knn}``) are one model."""
        from imbalance_lab import models

        spec = models.validate_model_spec(value)
        return canonical_json([spec.name, dict(spec.params), spec.scale])

    def schemes(self, value: Any) -> tuple[list, list[str]]:
        """The schemes, list-valued fields expanded, and the field of each."""
        from imbalance_lab import schemes

        if not isinstance(value, list) or not value:
            self.fail("schemes", value, "a non-empty list of schemes")
        expanded, fields = [], []
        seen: dict[str, str] = {}
        for i, spec in enumerate(value):
            for variant in self.scheme_axes(f"schemes[{i}]", spec):
                # Two spellings of one scheme share its canonical label.
                key = self._delegate(schemes.parse_scheme, variant, f"schemes[{i}]").label
                if key in seen:
                    self.fail(f"schemes[{i}]", variant, f"a scheme not already listed (same as {seen[key]})")
                seen[key] = f"schemes[{i}]"
                expanded.append(_plain(variant))
                fields.append(f"schemes[{i}]")
        return expanded, fields

    def scheme_axes(self, name: str, spec: Any) -> list:
        """Expand list-valued fields of a scheme mapping into one scheme each."""
        if not isinstance(spec, Mapping):
            return [spec]
        axes = {k: v for k, v in spec.items() if isinstance(v, list)}
        for key, values in axes.items():
            if not values:
                self.fail(f"{name}.{key}", values, "a non-empty list (each value is one scheme)")
        if not axes:
            return [dict(spec)]
        return [
            {**spec, **dict(zip(axes, combo, strict=True))}
            for combo in itertools.product(*axes.values())
        ]

    def unique_list(
        self,
        name: str,
        value: Any,
        check_item: Callable[[str, Any], Any],
        identity: Callable[[Any], str] = canonical_json,
    ) -> list:
        if not isinstance(value, list) or not value:
            self.fail(name, value, "a non-empty list")
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(value):
            checked = check_item(f"{name}[{i}]", item)
            key = identity(checked)
            if key in seen:
                self.fail(f"{name}[{i}]", item, f"a value not already listed (same as {name}[{seen[key]}])")
            seen[key] = i
            out.append(checked)
        return out

    def _delegate(self, validator: Callable, value: Any, name: str) -> Any:
        """Call another module's validator; give its error this config's source."""
        try:
            return validator(value, field=name)
        except ConfigError as exc:
            if exc.source or not self.source:
                raise
            raise ConfigError(exc.name, exc.value, exc.expected, self.source) from None
        except InvalidParameterError as exc:
            raise ConfigError(exc.name, exc.value, exc.expected, self.source) from None


def same_name_error(specs: tuple | list, later: int, earlier: int, name: str, source: str | None) -> ConfigError:
    """The error for ``datasets[later]``, which goes by ``name`` in results,
    as ``datasets[earlier]`` does: the report would merge their rows."""
    spec = specs[later]
    if isinstance(spec, Mapping) and "synthetic" in spec:
        fix = "give it a distinct 'name:' under 'synthetic:'"
    elif isinstance(spec, Mapping):
        fix = "give it a distinct 'name:'"
    elif isinstance(specs[earlier], Mapping):  # a registered name cannot be renamed; a mapping can
        under = " under 'synthetic:'" if "synthetic" in specs[earlier] else ""
        fix = f"give datasets[{earlier}] a distinct 'name:'{under}"
    else:  # two registered names that load under one (a loader's own name)
        fix = "give one of them a distinct name"
    return ConfigError(
        f"datasets[{later}]",
        spec,
        f"a data set with a name of its own, but it has the same name {name!r} as datasets[{earlier}], "
        f"and the report would merge their results; {fix}",
        source,
    )


def _plain(value: Any) -> Any:
    """A deep copy as plain dicts and lists (YAML gives plain data already)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _check_unique_keys(node: yaml.Node, path: str, source: str) -> None:
    """Refuse a key given twice in one mapping, naming its dotted path and both
    lines: plain YAML silently keeps the last one, hiding a typo. Runs on the
    composed node tree, before anything is constructed."""
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_unique_keys(item, f"{path}[{i}]", source)
    elif isinstance(node, yaml.MappingNode):
        first_seen: dict[tuple[str, str], str] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a complex key (SafeLoader reports it) or a << merge
            key = key_node.value
            field_path = f"{path}.{key}" if path else key
            mark = key_node.start_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}"
            if (key_node.tag, key) in first_seen:
                raise ConfigError(
                    field_path,
                    key,
                    f"a key given once per mapping, but {key!r} is given at "
                    f"{first_seen[key_node.tag, key]} and again at {where}: keep one",
                    source,
                )
            first_seen[key_node.tag, key] = where
            _check_unique_keys(value_node, field_path, source)
