"""environment.yml (Binder, conda) and the JupyterHub single-user environment list everything
pyproject.toml needs."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ._util import ROOT

# conda-forge package names that differ from the PyPI names in pyproject.toml
CONDA_ALIASES = {"matplotlib-base": "matplotlib"}


def norm(name: str) -> str:
    name = re.sub(r"[-_.]+", "-", name).lower()
    return CONDA_ALIASES.get(name, name)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def required() -> set[str]:
    return {norm(Requirement(d).name) for d in pyproject()["project"]["dependencies"]}


def conda_env(path) -> tuple[dict, set[str], list[str]]:
    env = yaml.safe_load(path.read_text(encoding="utf-8"))
    names, pip = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep.get("pip", [])
        else:
            names.add(norm(re.split(r"[\s=<>!~]", dep.strip(), maxsplit=1)[0]))
    return env, names, pip


def python_spec(env: dict) -> str:
    for dep in env["dependencies"]:
        if isinstance(dep, str) and re.match(r"^python\b", dep.strip()) and not dep.startswith("python-"):
            return dep.strip()[len("python"):].strip()
    return ""


def test_environment_yml_lists_every_dependency_of_pyproject() -> None:
    _, names, _ = conda_env(ROOT / "environment.yml")
    missing = required() - names
    assert not missing, f"environment.yml lacks: {', '.join(sorted(missing))} (see pyproject.toml)"


def test_environment_yml_installs_the_kit_and_uses_conda_forge() -> None:
    env, names, pip = conda_env(ROOT / "environment.yml")
    assert "conda-forge" in env["channels"]
    assert "pip" in names
    assert any(line.strip() in ("-e .", "--editable .", ".") for line in pip), "pip: [-e .] installs the kit"


def test_environment_python_satisfies_requires_python() -> None:
    env, _, _ = conda_env(ROOT / "environment.yml")
    spec = python_spec(env)
    assert spec, "environment.yml names no python version"
    exact = re.fullmatch(r"=?=?\s*(\d+\.\d+)(\.\*)?", spec)
    requires = SpecifierSet(pyproject()["project"]["requires-python"])
    if exact:  # python=3.12: Binder reads this form
        assert Version(exact.group(1)) in requires, f"python {spec} does not satisfy {requires}"
    else:
        lowest = re.search(r">=\s*(\d+\.\d+)", spec)
        assert lowest and Version(lowest.group(1)) in requires, f"python {spec} vs {requires}"


def test_singleuser_environment_lists_the_kit_postgres_and_hub() -> None:
    _, names, _ = conda_env(ROOT / "deploy" / "jupyterhub" / "singleuser-environment.yml")
    postgres = {norm(Requirement(d).name) for d in pyproject()["project"]["optional-dependencies"]["postgres"]}
    missing = (required() | postgres | {"jupyterhub-singleuser"}) - names
    assert not missing, f"singleuser-environment.yml lacks: {', '.join(sorted(missing))}"
