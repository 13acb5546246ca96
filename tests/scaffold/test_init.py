"""`modgen init DIR --package NAME`: a fresh project that works as it is."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from modgen.formatting import ruff_binary
from modgen.repo import RepoKind, Repository
from tests.scaffold.helpers import make, modgen


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("init") / "my-project"
    result = modgen("init", root, "--package", "mylib")
    assert result.returncode == 0, result.stderr
    return root


def test_layout(project: Path):
    for relative in (
        "pyproject.toml",
        "Makefile",
        ".pre-commit-config.yaml",
        "README.md",
        "src/mylib/__init__.py",
        "src/mylib/models/__init__.py",
        "tests/__init__.py",
    ):
        assert (project / relative).is_file(), relative


def test_pyproject(project: Path):
    settings = tomllib.loads((project / "pyproject.toml").read_text())
    assert settings["tool"]["modgen"] == {"package": "mylib", "markers": True}
    # The same transformers range as modgen's own requirement.
    modgen_requirement = next(
        r for r in importlib.metadata.requires("modgen") if r.startswith("transformers") and "extra" not in r
    )
    (dependency,) = [d for d in settings["project"]["dependencies"] if d.startswith("transformers")]
    assert sorted(dependency.removeprefix("transformers").split(",")) == sorted(
        modgen_requirement.removeprefix("transformers").split(",")
    )
    assert settings["tool"]["ruff"]["line-length"] == 119
    assert settings["tool"]["ruff"]["lint"]["isort"]["known-first-party"] == ["mylib"]


def test_repository_model_sees_a_project(project: Path):
    repo = Repository.discover(project)
    assert repo.kind is RepoKind.PROJECT
    assert repo.package == "mylib"
    assert repo.markers is True
    assert repo.models_dir == project.resolve() / "src" / "mylib" / "models"


def test_ruff_accepts_the_settings_and_the_files(project: Path):
    result = subprocess.run(
        [ruff_binary(), "check", "--no-cache", "src", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [ruff_binary(), "format", "--check", "--no-cache", "src", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_targets(project: Path):
    targets = ("fix-copies", "repo-consistency", "style", "quality", "test")
    dry = subprocess.run(["make", "-n", *targets], cwd=project, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    run = make(project, "test")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_pre_commit_runs_the_modgen_hook(project: Path):
    config = (project / ".pre-commit-config.yaml").read_text()
    hook = yaml.safe_load(config)["repos"][0]["hooks"][0]
    assert hook["id"] == "modgen-check" and hook["entry"] == "modgen check"
    # The staged files, as the published hook: a commit checks what it touches and its dependents, not the tree.
    assert hook["pass_filenames"] and hook["types"] == ["python"]


def test_force_writes_into_a_non_empty_folder(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine\n")
    result = modgen("init", tmp_path, "--package", "otherlib", "--force")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert (tmp_path / "src" / "otherlib" / "models" / "__init__.py").is_file()


def test_relative_directory(tmp_path: Path):
    # DIR is relative to where the user runs modgen, not to DIR itself.
    result = subprocess.run(
        [sys.executable, "-m", "modgen", "init", "proj", "--package", "mylib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "proj" / "pyproject.toml").is_file()
    assert not (tmp_path / "proj" / "proj").exists()
