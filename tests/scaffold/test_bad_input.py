"""Bad input to `modgen like` and `modgen init`: a clear message, exit 2, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scaffold.helpers import commit_all, git_copy, git_status, modgen


@pytest.fixture(scope="module")
def untouched_repo(sdist_dir: Path, tmp_path_factory) -> Path:
    """One copy of the sdist for the tests that must not change it (each checks that it did not)."""
    return git_copy(sdist_dir, tmp_path_factory.mktemp("untouched") / "transformers")


def test_unknown_parent_suggests_close_names(untouched_repo: Path):
    result = modgen("like", "lama", "--name", "bob", cwd=untouched_repo)
    assert result.returncode == 2, result.stderr
    assert "unknown model 'lama'" in result.stderr
    assert "did you mean" in result.stderr and "llama" in result.stderr
    assert git_status(untouched_repo) == ""


@pytest.mark.parametrize("taken", ["mistral", "xlm_roberta", "gpt2"])
def test_taken_name(untouched_repo: Path, taken: str):
    result = modgen("like", "llama", "--name", taken, cwd=untouched_repo)
    assert result.returncode == 2, result.stderr
    assert f"model name '{taken}' is taken" in result.stderr
    assert "hint: choose another --name" in result.stderr
    assert git_status(untouched_repo) == ""


@pytest.mark.parametrize("invalid", ["Bob", "my-model", "2bob", "bob__x", "class"])
def test_invalid_name(untouched_repo: Path, invalid: str):
    result = modgen("like", "llama", "--name", invalid, cwd=untouched_repo)
    assert result.returncode == 2, result.stderr
    assert f"invalid model name {invalid!r}" in result.stderr
    assert git_status(untouched_repo) == ""


def test_folder_that_is_no_repository(tmp_path: Path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "plain"\n')
    result = modgen("like", "llama", "--name", "bob", "--repo", folder)
    assert result.returncode == 2
    assert "neither a transformers checkout" in result.stderr
    assert "modgen init" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["pyproject.toml"]


def test_missing_folder(tmp_path: Path):
    result = modgen("like", "llama", "--name", "bob", "--repo", tmp_path / "nowhere")
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_existing_doc_page_is_not_overwritten(sdist_repo: Path):
    page = sdist_repo / "docs" / "source" / "en" / "model_doc" / "bob.md"
    page.parent.mkdir(parents=True)
    page.write_text("my own notes\n")
    before = git_status(sdist_repo)
    result = modgen("like", "llama", "--name", "bob", cwd=sdist_repo)
    assert result.returncode == 2
    assert "docs/source/en/model_doc/bob.md already exists" in result.stderr
    assert page.read_text() == "my own notes\n"
    assert git_status(sdist_repo) == before


def test_dry_run_writes_nothing(untouched_repo: Path):
    result = modgen("like", "llama", "--name", "bob", "--dry-run", cwd=untouched_repo)
    assert result.returncode == 0, result.stderr
    assert "create src/transformers/models/bob/modular_bob.py" in result.stdout
    assert "modify src/transformers/models/auto/modeling_auto.py" in result.stdout
    assert git_status(untouched_repo) == ""


@pytest.mark.slow
def test_failure_half_way_leaves_the_repository_as_it_was(sdist_repo: Path):
    """The repository's ruff settings are broken: ruff fails after the modular file and more were staged."""
    pyproject = sdist_repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.ruff.format]\nquote-style = "sideways"\n')
    commit_all(sdist_repo, "broken ruff settings")
    result = modgen("like", "llama", "--name", "bob", cwd=sdist_repo)
    assert result.returncode == 2, result.stderr
    assert "ruff" in result.stderr
    assert git_status(sdist_repo) == ""
    assert not (sdist_repo / "src" / "transformers" / "models" / "bob").exists()


def test_init_refuses_a_non_empty_folder(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine\n")
    result = modgen("init", tmp_path, "--package", "mylib")
    assert result.returncode == 2
    assert "is not empty" in result.stderr and "--force" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("package", ["My-Lib", "torch", "json"])
def test_init_refuses_bad_package_names(tmp_path: Path, package: str):
    result = modgen("init", tmp_path / "project", "--package", package)
    assert result.returncode == 2
    assert "package name" in result.stderr
    assert not (tmp_path / "project").exists()
