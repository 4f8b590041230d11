"""Sweep config validation: every error names the dotted field and the value,
before any work; the CLI prints it without a traceback."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml

from imbalance_lab import cli, rows
from imbalance_lab.errors import ConfigError, InvalidParameterError
from imbalance_lab.sweep import run_sweep
from imbalance_lab.sweep.config import load_config, parse_config

CONFIGS = Path(__file__).parents[1] / "configs"

BASE = {
    "name": "t",
    "seeds": [0, 1],
    "cv": {"folds": 3, "repeats": 1},
    "datasets": ["ecoli1"],
    "ratios": ["native", 5],
    "models": ["logistic_regression"],
    "schemes": ["none", {"weight": "balanced"}],
}


def _with(path: str, value, base=BASE):
    """BASE with the dotted ``path`` set to ``value`` (``None`` for DELETE)."""
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return data


class _Delete:
    """Marks a key to remove; its repr is the same in every process, so
    the test ids are too (pytest-xdist compares them across workers)."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()

# (dotted path to change, new value, field the error must name, value it must show)
CASES = [
    ("datsets", ["ecoli1"], "datsets", ["ecoli1"]),                 # unknown key (a typo)
    ("schemes", DELETE, "schemes", None),                           # required key missing
    ("cv.folds", 1, "cv.folds", 1),
    ("cv.folds", True, "cv.folds", True),
    ("cv.fold", 5, "cv.fold", 5),
    ("cv", [5, 1], "cv", [5, 1]),
    ("seeds", 3, "seeds", 3),
    ("seeds", [0, -1], "seeds[1]", -1),
    ("seeds", [0, 0], "seeds[1]", 0),
    ("seeds", [], "seeds", []),
    ("ratios", ["native", 0.5], "ratios[1]", 0.5),
    ("ratios", ["1:5"], "ratios[0]", "1:5"),
    ("ratios", [2, 2.0], "ratios[1]", 2.0),
    ("ratios", ["Native"], "ratios[0]", "Native"),
    ("ratios", [float("inf")], "ratios[0]", float("inf")),
    ("name", "../evil", "name", "../evil"),
    ("name", "/tmp/evil", "name", "/tmp/evil"),
    ("name", "a/b", "name", "a/b"),
    ("name", ".hidden", "name", ".hidden"),
    ("name", "..", "name", ".."),
    ("name", "equivalence", "name", "equivalence"),
    ("name", 7, "name", 7),
    ("description", ["x"], "description", ["x"]),
    ("metrics", ["balanced_acuracy"], "metrics[0]", "balanced_acuracy"),
    ("metrics", ["mcc", "mcc"], "metrics[1]", "mcc"),
    ("weight_normalisation", "max", "weight_normalisation", "max"),
    ("ece_binning", "adaptive", "ece_binning", "adaptive"),
    ("keep_n", "yes", "keep_n", "yes"),
    ("store_predictions", 1, "store_predictions", 1),
    ("unit_time_limit", 0, "unit_time_limit", 0),
    ("unit_time_limit", "5m", "unit_time_limit", "5m"),
    ("jobs", 0, "jobs", 0),
    ("jobs", 1.5, "jobs", 1.5),
    ("executor", "slurm", "executor", "slurm"),
    ("executor", {"dask": ""}, "executor.dask", ""),
    ("executor", {"dask": "foo"}, "executor.dask", "foo"),
    ("executor", {"dask": "tcp://h:99999"}, "executor.dask", "tcp://h:99999"),
    ("executor", {"dask": "http://h:8786"}, "executor.dask", "http://h:8786"),
    ("executor", {"dask": "tcp://h:8786", "retries": 2}, "executor.retries", 2),
    ("datasets", ["ecoli_one"], "datasets[0]", "ecoli_one"),
    ("datasets", ["ecoli1", "ecoli1"], "datasets[1]", "ecoli1"),
    ("datasets", "ecoli1", "datasets", "ecoli1"),
    ("models", ["logistic_regression", "random_forrest"], "models[1]", "random_forrest"),
    ("models", [{"name": "random_forest", "params": {"n_trees": 5}}], "models[0]", "n_trees"),
    ("schemes", ["none", {"weight": "balancd"}], "schemes[1]", "balancd"),
    ("schemes", [{"oversample": "smote", "k_neighbours": 5}], "schemes[0]", "k_neighbours"),
    ("schemes", [{"weight": "power", "alpha": [0.5, -1]}], "schemes[0]", -1),
    ("schemes", [{"split": "balanced", "size_share": []}], "schemes[0].size_share", []),
    ("schemes", ["none", {"weight": "balanced"}, {"weight": "balanced"}], "schemes[2]", None),
    ("schemes", ["none", {"weight": "balanced"}, {"weight": "balanced", "correct": False}], "schemes[2]", None),
    ("schemes", [{"split": "balanced", "size_share": [0, 0.0]}], "schemes[0]", None),
    ("models", ["knn", {"name": "knn"}], "models[1]", None),
]


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


@pytest.mark.parametrize(("path", "value", "field", "shown"), CASES, ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_each_error_names_the_field_and_the_value(path, value, field, shown):
    with pytest.raises(ConfigError) as info:
        parse_config(_with(path, value), source="x.yaml")
    err = info.value
    message = str(err)
    assert message.startswith("x.yaml: ")
    assert err.name.startswith(field), (err.name, field)
    if shown is not None:
        assert repr(shown) in message or str(shown) in message, message
        if err.name == field:
            assert _same(err.value, shown) or isinstance(err.value, dict), (err.value, shown)


def test_unknown_names_suggest_the_close_ones():
    with pytest.raises(ConfigError) as info:
        parse_config(_with("metrics", ["balanced_acuracy"]))
    assert "'balanced_accuracy'" in str(info.value)


# Found by a fresh user: a scheme or model parameter error named the parent
# field, or showed the key where the value belongs, or gave no suggestion.
PARAMETER_MESSAGES = [
    ("schemes", [{"oversample": "smote", "k_neighbors": -1}],
     "x.yaml: schemes[0].k_neighbors=-1 is invalid: The 'k_neighbors' parameter of SMOTE must be an int "
     "in the range [1, inf) or an object implementing 'kneighbors' and 'kneighbors_graph'. Got -1 instead."),
    ("schemes", [{"oversample": "smote", "k_neighbours": 5}],
     "x.yaml: schemes[0].k_neighbours=5 is invalid: unknown parameter of sampler 'smote'; "
     "did you mean 'k_neighbors'?"),
    ("models", [{"name": "logistic_regression", "params": {"max_iterr": 5}}],
     "x.yaml: models[0].params.max_iterr=5 is invalid: unknown parameter of LogisticRegression; "
     "did you mean 'max_iter'?"),
    ("models", ["knn", {"name": "knn", "parms": {"n_neighbors": 3}}],
     "x.yaml: models[1].parms={'n_neighbors': 3} is invalid: unknown model key; did you mean 'params'?"),
    ("schemes", ["nonee"],
     "x.yaml: schemes[0]='nonee' is invalid: 'none' or a mapping with one of the keys "
     "('weight', 'oversample', 'undersample', 'sampler', 'split', 'threshold'); did you mean 'none'?"),
    ("schemes", ["none", {"weight": "power", "alpah": 0.5}],
     "x.yaml: schemes[1].alpah=0.5 is invalid: unknown parameter of scheme 'power'; did you mean 'alpha'?"),
    # config keys: the same form, with the same suggestions
    ("cv", {"fold": 5}, "x.yaml: cv.fold=5 is invalid: unknown key; did you mean 'folds'?"),
    ("executor", {"dask": "tcp://h:8786", "retries": 2},
     "x.yaml: executor.retries=2 is invalid: unknown key; choose one of 'dask'"),
]


@pytest.mark.parametrize(("path", "value", "message"), PARAMETER_MESSAGES)
def test_a_parameter_error_names_its_path_and_its_value(path, value, message):
    with pytest.raises(ConfigError) as info:
        parse_config(_with(path, value), source="x.yaml")
    assert str(info.value) == message


def test_an_unknown_top_level_key_suggests_the_close_ones():
    data = {**BASE, "seed": [3]}
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="x.yaml")
    assert str(info.value) == "x.yaml: seed=[3] is invalid: unknown key; did you mean 'seeds', 'schemes'?"


def test_a_valid_config_is_filled_with_defaults_and_scheme_axes_expanded():
    data = _with("schemes", ["none", {"split": "balanced", "size_share": [0, 0.613, 1]}])
    config = parse_config(data)
    assert config.schemes == (
        "none",
        {"split": "balanced", "size_share": 0},
        {"split": "balanced", "size_share": 0.613},
        {"split": "balanced", "size_share": 1},
    )
    assert config.metrics == tuple(rows.METRICS)
    assert (config.weight_normalisation, config.keep_n, config.store_predictions) == ("mean", False, True)
    assert config.executor == "local" and config.jobs is None
    assert config.ratios == ("native", 5) and config.seeds == (0, 1)
    assert config.to_dict()["schemes"][2] == {"split": "balanced", "size_share": 0.613}


def test_dask_executor_is_accepted_by_the_config():
    assert parse_config(_with("executor", {"dask": "tcp://h:8786"})).executor == {"dask": "tcp://h:8786"}


def _write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_yaml_is_read_safely(tmp_path):
    marker = tmp_path / "pwned"
    path = _write(tmp_path, f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert not marker.exists()
    assert info.value.name == "CONFIG" and "python/object/apply" in str(info.value)


def test_a_key_given_twice_is_an_error(tmp_path):
    text = yaml.safe_dump(BASE)
    path = _write(tmp_path, text + "ratios: [native]\n")
    first = 1 + text.splitlines().index(next(line for line in text.splitlines() if line.startswith("ratios:")))
    second = len(text.splitlines()) + 1
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.name == "ratios" and info.value.value == "ratios"
    assert f"'ratios' is given at line {first}, column 1 and again at line {second}, column 1" in str(info.value)


@pytest.mark.parametrize(
    ("text", "name", "where"),
    [
        ("cv:\n  folds: 3\n  folds: 5\n", "cv.folds", "line 2, column 3 and again at line 3, column 3"),
        ("schemes:\n  - none\n  - {weight: power, alpha: 1, alpha: 2}\n", "schemes[1].alpha",
         "line 3, column 21 and again at line 3, column 31"),
    ],
)
def test_a_nested_key_given_twice_is_named_by_its_path(tmp_path, text, name, where):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert info.value.name == name and where in str(info.value) and "keep one" in str(info.value)


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing but a comment\n"])
def test_an_empty_config_file_is_named_and_called_empty(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.name == "CONFIG" and info.value.value == str(path)
    assert "None" not in str(info.value) and "is empty" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("name: [unclosed\n", "line"), ("- just\n- a list\n", "mapping")],
)
def test_unreadable_yaml_is_a_config_error(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert info.value.name == "CONFIG" and expected in str(info.value)


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert info.value.name == "CONFIG" and "nope.yaml" in str(info.value)


def test_errors_come_before_any_work(tmp_path):
    # A Dask scheduler that does not answer is refused before the results folder
    # is created (the connect timeout comes from Dask's own config).
    import dask

    config = parse_config(_with("executor", {"dask": "tcp://127.0.0.1:9"}))
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        with pytest.raises(InvalidParameterError, match="executor.dask"):
            run_sweep(config, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_in_a_config_file_is_named_with_the_file(tmp_path):
    import dask

    path = tmp_path / "cluster.yaml"
    path.write_text("name: cluster\ndatasets: [ecoli1]\nratios: [native]\nmodels: [gaussian_nb]\n"
                    "schemes: [none]\nexecutor: {dask: 'tcp://127.0.0.1:9'}\n")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ConfigError) as info:
            run_sweep(path, out=tmp_path / "out")
    assert (info.value.name, info.value.value, info.value.source) == ("executor.dask", "tcp://127.0.0.1:9", str(path))
    assert str(info.value).startswith(f"{path}: executor.dask='tcp://127.0.0.1:9' is invalid")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("ratios: [native, 0.5]", "ratios[1]", "0.5"),
        ("name: ../../etc", "name", "'../../etc'"),
        ("models: [random_forrest]", "models[0]", "'random_forrest'"),
    ],
)
def test_the_cli_prints_config_errors_without_a_traceback(tmp_path, capsys, monkeypatch, text, field, value):
    base = {k: v for k, v in BASE.items() if k not in yaml.safe_load(text)}
    path = _write(tmp_path, yaml.safe_dump(base) + text + "\n")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["sweep", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("imbalance-lab sweep: error: ")
    assert field in err and value in err
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("name", ["quick", "default", "full"])
def test_shipped_configs_are_valid(name):
    config = load_config(CONFIGS / f"{name}.yaml")
    assert config.name == name
    assert config.source.endswith(f"{name}.yaml") and config.text


# -- data sets that go by one name (found by a fresh user: the report, which
# groups rows by the name, merged their results)

MINE = {"synthetic": {"counts": [90, 10], "name": "mine"}}
NAMED_ECOLI1 = {"synthetic": {"counts": [90, 10], "name": "ecoli1"}}


@pytest.mark.parametrize(
    ("datasets", "message"),
    [
        ([NAMED_ECOLI1, "ecoli1"],
         "datasets[1]='ecoli1' is invalid: a data set with a name of its own, but it has the same name 'ecoli1' "
         "as datasets[0], and the report would merge their results; give datasets[0] a distinct 'name:' "
         "under 'synthetic:'"),
        (["ecoli1", NAMED_ECOLI1],
         "datasets[1]={'synthetic': {'counts': [90, 10], 'name': 'ecoli1'}} is invalid: a data set with a name "
         "of its own, but it has the same name 'ecoli1' as datasets[0], and the report would merge their "
         "results; give it a distinct 'name:' under 'synthetic:'"),
        ([MINE, "ecoli1", {"synthetic": {"counts": [80, 20], "name": "mine"}}],
         "datasets[2]={'synthetic': {'counts': [80, 20], 'name': 'mine'}} is invalid: a data set with a name "
         "of its own, but it has the same name 'mine' as datasets[0], and the report would merge their "
         "results; give it a distinct 'name:' under 'synthetic:'"),
    ],
)
def test_two_data_sets_with_one_name_are_refused(datasets, message):
    with pytest.raises(ConfigError) as info:
        parse_config(_with("datasets", datasets))
    assert str(info.value) == message


def test_two_csv_files_with_one_stem_are_refused_and_a_name_tells_them_apart(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.csv").write_text("f,y\n" + "".join(f"{i},{int(i % 5 == 0)}\n" for i in range(20)))
    first = {"csv": str(tmp_path / "a" / "x.csv"), "target": "y", "positive": 1}
    second = {"csv": str(tmp_path / "b" / "x.csv"), "target": "y", "positive": 1}
    with pytest.raises(ConfigError) as info:
        parse_config(_with("datasets", [first, second]), source="x.yaml")
    assert (info.value.name, info.value.value, info.value.source) == ("datasets[1]", second, "x.yaml")
    assert str(info.value).endswith(
        "is invalid: a data set with a name of its own, but it has the same name 'x' as datasets[0], "
        "and the report would merge their results; give it a distinct 'name:'"
    )
    config = parse_config(_with("datasets", [first, {**second, "name": "x_b"}]))
    assert len(config.datasets) == 2


def test_the_cli_refuses_two_data_sets_with_one_name_before_any_work(tmp_path, capsys, monkeypatch):
    path = _write(tmp_path, yaml.safe_dump(_with("datasets", [MINE, {"synthetic": {"counts": [50, 10],
                                                                                     "name": "mine"}}])))
    monkeypatch.chdir(tmp_path)
    code = cli.main(["sweep", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"imbalance-lab sweep: error: {path}: datasets[1]=")
    assert "the same name 'mine' as datasets[0]" in err
    assert not (tmp_path / "results").exists()


# -- a scheme mapping keyed by roles and labels at once: every slice failed with
# TypeError ('<' between int and str) when its notebook was written

ROLES_OR_LABELS = "a mapping keyed by roles ('minority', 'majority') or by class labels, not both"


@pytest.mark.parametrize(
    ("scheme", "message"),
    [
        ({"weight": {"minority": 3, 0: 1}},
         f"schemes[1].weight={{'minority': 3, 0: 1}} is invalid: {ROLES_OR_LABELS}; it has the role "
         "'minority' and the label 0"),
        ({"oversample": "replicate", "factors": {"minority": 3, 0: 1}},
         f"schemes[1].factors={{'minority': 3, 0: 1}} is invalid: {ROLES_OR_LABELS}; it has the role "
         "'minority' and the label 0"),
        ({"sampler": "random_over", "params": {"sampling_strategy": {"minority": 100, 0: 259}}},
         f"schemes[1].params.sampling_strategy={{'minority': 100, 0: 259}} is invalid: {ROLES_OR_LABELS}; "
         "it has the role 'minority' and the label 0"),
        # a list of schemes is a sweep axis: the variant is named by its field as written
        ({"undersample": "random", "sampling_strategy": [{"majority": 40}, {0: 40, "majority": 50}]},
         f"schemes[1].sampling_strategy={{0: 40, 'majority': 50}} is invalid: {ROLES_OR_LABELS}; it has the "
         "role 'majority' and the label 0"),
    ],
)
def test_a_scheme_mapping_of_roles_and_labels_is_refused(tmp_path, scheme, message):
    path = _write(tmp_path, yaml.safe_dump(_with("schemes", ["none", scheme])))
    with pytest.raises(ConfigError) as info:
        run_sweep(path, out=tmp_path / "out")
    assert str(info.value) == f"{path}: {message}"
    assert not (tmp_path / "out").exists()
