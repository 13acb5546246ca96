"""`modgen flatten` on small real cases: a model inheriting from llama in a copy of the sdist, and in a project."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from modgen.cli import main
from modgen.modular.batch import dependency_waves, find_modular_files, read_modular_file
from modgen.repo import TransformersTree


BOB = """\
# Copyright 2026 The Bob team. All rights reserved.
from ..llama.configuration_llama import LlamaConfig
from ..llama.modeling_llama import LlamaMLP


class BobConfig(LlamaConfig):
    model_type = "bob"


class BobMLP(LlamaMLP):
    pass
"""

# Inherits from bob, whose own files are generated from a modular file.
CARL = """\
from ..bob.configuration_bob import BobConfig
from ..bob.modeling_bob import BobMLP


class CarlConfig(BobConfig):
    model_type = "carl"


class CarlMLP(BobMLP):
    pass
"""

PROJECT_BOB = """\
from transformers.models.llama.configuration_llama import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaMLP


class BobConfig(LlamaConfig):
    model_type = "bob"


class BobMLP(LlamaMLP):
    pass
"""


@pytest.fixture(scope="module")
def sdist_copy(sdist_dir: Path, tmp_path_factory) -> Path:
    """A writable copy of the sdist shared by this module's tests; each test adds models of its own names."""
    copy = tmp_path_factory.mktemp("sdist") / "transformers"
    shutil.copytree(sdist_dir, copy, symlinks=True)
    return copy


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project in the layout `modgen init` makes: `[tool.modgen] package`, `src/mylib/models/`."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mylib"\n\n[tool.modgen]\npackage = "mylib"\n')
    models = tmp_path / "src" / "mylib" / "models"
    models.mkdir(parents=True)
    (tmp_path / "src" / "mylib" / "__init__.py").write_text("")
    (models / "__init__.py").write_text("")
    return tmp_path


def add_model(models_dir: Path, name: str, modular: str) -> Path:
    folder = models_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").touch()
    path = folder / f"modular_{name}.py"
    path.write_text(textwrap.dedent(modular))
    return path


def flatten(*args) -> object:
    return CliRunner().invoke(main, ["flatten", *map(str, args)])


def files_of(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.py"))}


# Bad input: exit 2, file:line, nothing written ---------------------------------------------------------------


def test_a_path_without_modular_files(tmp_path: Path):
    (tmp_path / "modeling_x.py").write_text("x = 1\n")
    result = flatten(tmp_path)
    assert result.exit_code == 2
    assert f"no modular_*.py file under {tmp_path}" in result.stderr
    result = flatten(tmp_path / "modeling_x.py")
    assert result.exit_code == 2
    assert "is not a modular file" in result.stderr
    assert flatten(tmp_path / "nowhere").exit_code == 2


def test_syntax_error_names_file_and_line(project: Path):
    path = add_model(project / "src/mylib/models", "bob", PROJECT_BOB + "\n\ndef broken(:\n    pass\n")
    result = flatten(path.parent)
    assert result.exit_code == 2
    line = PROJECT_BOB.count("\n") + 3
    assert f"error: {path}:{line}: syntax error" in result.stderr
    assert files_of(path.parent) == {"__init__.py": "", "modular_bob.py": path.read_text()}


def test_missing_parent_model_suggests_the_close_one(sdist_copy: Path):
    path = add_model(
        sdist_copy / "src/transformers/models", "dora", BOB.replace("..llama.modeling_llama", "..lama.modeling_lama")
    )
    result = flatten(path)
    assert result.exit_code == 2
    assert f"{path}:3: cannot import from ..lama.modeling_lama" in result.stderr
    assert "did you mean llama" in result.stderr
    assert not list(path.parent.glob("modeling_*.py"))


def test_import_cycle_names_the_chain(project: Path):
    models = project / "src/mylib/models"
    first = add_model(models, "ann", "from ..ben.modeling_ben import BenMLP\n\n\nclass AnnMLP(BenMLP):\n    pass\n")
    second = add_model(
        models, "ben", "import torch\nfrom ..ann.modeling_ann import AnnMLP\n\n\nclass BenMLP(AnnMLP):\n    pass\n"
    )
    result = flatten(models)
    assert result.exit_code == 2
    assert "import cycle between modular files: modular_ann.py -> modular_ben.py -> modular_ann.py" in result.stderr
    assert f"{first}:1 imports ..ben.modeling_ben (generated from modular_ben.py)" in result.stderr
    assert f"{second}:2 imports ..ann.modeling_ann (generated from modular_ann.py)" in result.stderr
    assert not list(models.glob("*/modeling_*.py"))


# Dependency order --------------------------------------------------------------------------------------------


def test_waves_of_the_wheel_follow_inheritance(installed_tree: TransformersTree):
    paths = find_modular_files([installed_tree.models_dir])
    assert len(paths) == len(list(installed_tree.models_dir.glob("*/modular_*.py")))
    waves = dependency_waves([read_modular_file(p, installed_tree) for p in paths])
    wave_of = {f.model: number for number, wave in enumerate(waves) for f in wave}
    assert sorted(wave_of) == sorted(p.name.removeprefix("modular_").removesuffix(".py") for p in paths)
    # The orderings upstream's own test asserts (tests/repo_utils/modular/test_conversion_order.py).
    for child, parent in [("mixtral", "mistral"), ("gemma2", "gemma"), ("cohere2", "gemma2"), ("cohere2", "cohere")]:
        assert wave_of[child] > wave_of[parent], (child, parent)
    assert wave_of["glm4"] > wave_of["glm"]
    # Independent of the scan: a file that imports another model's generated module with plain `ast`.
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module and "." in node.module:
                folder, module = node.module.split(".")[:2]
                parent = module.split("_", 1)[-1] if module.startswith(("modeling_", "configuration_")) else None
                if parent in wave_of and folder != path.parent.name:
                    assert wave_of[parent] < wave_of[path.stem.removeprefix("modular_")], (path.name, node.module)
