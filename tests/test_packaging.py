"""environment.yml, pyproject.toml and requirements.lock name the same packages."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def normalise(name: str) -> str:
    """PEP 503 name normalisation: PyYAML = pyyaml, scikit_learn = scikit-learn."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    reqs = [Requirement(spec) for spec in specs]
    by_name = {normalise(r.name): r for r in reqs}
    assert len(by_name) == len(reqs), "a package is listed twice in pyproject.toml"
    return by_name


def lock_pins() -> dict[str, Version]:
    pins = {}
    for number, line in enumerate((ROOT / "requirements.lock").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert match, f"requirements.lock line {number} is not an exact pin 'name==version': {line!r}"
        name = normalise(match.group(1))
        assert name not in pins, f"requirements.lock pins {name} twice"
        pins[name] = Version(match.group(2))
    return pins


def environment_specs() -> tuple[dict, dict[str, str]]:
    """(the parsed environment.yml, {normalised package name: its spec line})."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs: dict[str, str] = {}
    for entry in env["dependencies"]:
        lines = entry["pip"] if isinstance(entry, dict) else [entry]
        for line in lines:
            if line.startswith("-e ") or line in ("python", "pip") or line.startswith("python="):
                continue  # the project itself, the interpreter, the installer
            # conda's spelling "name>=1.0" / "name=1.0" and pip's "name>=1.0" both start with the name
            name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line).group(0)
            assert normalise(name) not in specs, f"environment.yml lists {name} twice"
            specs[normalise(name)] = line
    return env, specs


def test_lock_pins_every_pyproject_dependency_including_dev_extras():
    pins = lock_pins()
    missing = sorted(set(pyproject_requirements()) - set(pins))
    assert not missing, f"requirements.lock does not pin {missing}"


def test_lock_pins_satisfy_the_pyproject_lower_bounds():
    pins = lock_pins()
    outside = {
        name: (str(req.specifier), str(pins[name]))
        for name, req in pyproject_requirements().items()
        if name in pins and not req.specifier.contains(pins[name], prereleases=True)
    }
    assert not outside, f"locked versions outside the pyproject ranges: {outside}"


def test_environment_yml_lists_exactly_the_pyproject_dependencies():
    _, specs = environment_specs()
    required = pyproject_requirements()
    assert sorted(set(required) - set(specs)) == [], "environment.yml misses these pyproject dependencies"
    assert sorted(set(specs) - set(required)) == [], "environment.yml lists packages pyproject.toml does not"


def test_environment_yml_uses_the_same_version_ranges():
    _, specs = environment_specs()
    for name, req in pyproject_requirements().items():
        line = specs[name]
        assert line.endswith(str(req.specifier)) or (not req.specifier and normalise(line) == name), (
            f"environment.yml has {line!r}, pyproject.toml {req}"
        )


def test_environment_yml_installs_the_project_from_conda_forge_on_python_311():
    env, _ = environment_specs()
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"] and "pip" in env["dependencies"]
    pip_blocks = [entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict)]
    assert len(pip_blocks) == 1 and "-e ." in pip_blocks[0]


@pytest.mark.parametrize("spelling", ["PyYAML", "pyyaml", "py_yaml", "Py.Yaml"])
def test_name_normalisation(spelling):
    assert normalise(spelling) in ("pyyaml", "py-yaml")
    assert normalise("scikit_learn") == normalise("Scikit-Learn") == "scikit-learn"
