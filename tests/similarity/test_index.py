"""The index: built from a tree's files, cached on disk, brought up to date when a file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from modgen.errors import ModgenError
from modgen.repo import TransformersTree
from modgen.similarity.index import build_index


def small_tree(root: Path, installed: TransformersTree, models=("llama", "mistral")) -> TransformersTree:
    """A transformers package holding a few real models (their modeling and modular files)."""
    package = root / "transformers"
    (package / "models" / "auto").mkdir(parents=True)
    for folder in (package, package / "models", package / "models" / "auto"):
        (folder / "__init__.py").write_text("")
    for name in models:
        target = package / "models" / name
        target.mkdir()
        (target / "__init__.py").write_text("")
        for path in installed.models[name].files:
            if path.name.startswith(("modeling_", "modular_")):
                shutil.copy(path, target / path.name)
    return TransformersTree(package)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODGEN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_index_is_cached_and_rebuilt_when_a_file_changes(tmp_path, installed_tree, cache):
    tree = small_tree(tmp_path, installed_tree)
    first = build_index(tree)
    assert first.models == ["llama", "mistral"]
    assert first.graph == {"mistral": frozenset({"llama"})}
    assert any(cache.iterdir())
    # Unchanged files: the index comes from the cache, the same units in the same order.
    again = build_index(tree)
    assert [r.name for r in again.refs] == [r.name for r in first.refs]
    # A changed file is read again.
    modeling = tree.models_dir / "mistral" / "modeling_mistral.py"
    modeling.write_text(modeling.read_text() + "\n\nclass MistralExtra(MistralMLP):\n    pass\n")
    updated = build_index(tree)
    assert "MistralExtra" in [r.name for r in updated.refs]
    assert "MistralExtra" not in [r.name for r in again.refs]


def test_a_corrupt_cache_is_rebuilt(tmp_path, installed_tree, cache):
    tree = small_tree(tmp_path, installed_tree)
    expected = [r.name for r in build_index(tree).refs]
    for path in cache.rglob("*.pkl"):
        path.write_bytes(b"not a pickle")
    assert [r.name for r in build_index(tree).refs] == expected


def test_a_file_that_does_not_parse_is_left_out_of_the_index(tmp_path, installed_tree, cache):
    tree = small_tree(tmp_path, installed_tree)
    (tree.models_dir / "llama" / "modeling_llama.py").write_text("class Broken(:\n")
    assert build_index(tree).models == ["mistral"]


def test_an_empty_index_is_an_error(tmp_path, installed_tree, cache):
    tree = small_tree(tmp_path, installed_tree, models=())
    with pytest.raises(ModgenError, match="index is empty"):
        build_index(tree)


def test_cli_uses_the_checkout_given_by_repo(tmp_path, installed_tree, cache):
    import json

    from click.testing import CliRunner

    from modgen.cli import main

    (tmp_path / "src").mkdir()
    small_tree(tmp_path / "src", installed_tree, models=("llama", "mistral", "qwen2"))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'transformers'\n")
    result = CliRunner().invoke(main, ["closest", "mistral", "--repo", str(tmp_path), "--json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert [m["model"] for m in json.loads(result.output)] == ["llama", "qwen2"]


def test_cli_repo_may_be_a_checkout_inside_another_repository(tmp_path, installed_tree, cache):
    from click.testing import CliRunner

    from modgen.cli import main
    from tests.conftest import git_init

    checkout = tmp_path / "outer" / "transformers-src"
    (checkout / "src").mkdir(parents=True)
    small_tree(checkout / "src", installed_tree, models=("llama", "mistral"))
    git_init(tmp_path / "outer")  # an unpacked sdist inside one's own git repository
    result = CliRunner().invoke(main, ["closest", "mistral", "--repo", str(checkout), "--top", "1", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1. ") and "llama" in result.output.splitlines()[0]
