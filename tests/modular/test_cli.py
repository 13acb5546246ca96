"""`modgen flatten` on small real cases: a model inheriting from llama in a copy of the sdist, and in a project."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from modgen.cli import main
from modgen.modular.batch import (
    MARKERS_NOTICE,
    banner_source,
    dependency_waves,
    find_modular_files,
    flatten_files,
    read_modular_file,
)
from modgen.repo import TransformersTree


def modular_inheriting(name: str, parent: str = "llama") -> str:
    """A modular file for model `name` taking its config and MLP from `parent`."""
    new, old = name.capitalize(), parent.capitalize()
    return f"""\
# Copyright 2026 The {new} team. All rights reserved.
from ..{parent}.configuration_{parent} import {old}Config
from ..{parent}.modeling_{parent} import {old}MLP


class {new}Config({old}Config):
    model_type = "{name}"


class {new}MLP({old}MLP):
    pass
"""


BOB = modular_inheriting("bob")

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


def test_two_modular_files_of_one_folder_are_not_a_cycle(project: Path):
    """`modular_ann.py` uses the model `modular_ann_text.py` generates, which reads the hand-written
    `configuration_ann.py`: no cycle, since `modular_ann.py` defines no config class (blip and blip_text)."""
    models = project / "src/mylib/models"
    add_model(
        models, "ann", "from .modeling_ann_text import AnnTextModel\n\n\nclass AnnModel(AnnTextModel):\n    pass\n"
    )
    (models / "ann/configuration_ann.py").write_text("class AnnConfig:\n    pass\n")
    (models / "ann/modular_ann_text.py").write_text(
        "from torch import nn\n\nfrom .configuration_ann import AnnConfig\n\n\n"
        "class AnnTextModel(nn.Module):\n    config_class = AnnConfig\n"
    )
    result = flatten(models / "ann", "--no-markers")
    assert result.exit_code == 0, result.output
    written = files_of(models / "ann")
    assert "class AnnTextModel(nn.Module):" in written["modeling_ann_text.py"]
    assert "class AnnModel(AnnTextModel):" in written["modeling_ann.py"]  # an import of the model, not of code
    assert written["configuration_ann.py"] == "class AnnConfig:\n    pass\n"

    # Once `modular_ann.py` defines a config class, it writes `configuration_ann.py`: then it is a cycle.
    (models / "ann/modular_ann.py").write_text(
        "from .modeling_ann_text import AnnTextModel\n\n\nclass AnnConfig:\n    pass\n\n\n"
        "class AnnModel(AnnTextModel):\n    pass\n"
    )
    result = flatten(models / "ann", "--no-markers")
    assert result.exit_code == 2
    assert "import cycle between modular files: modular_ann.py -> modular_ann_text.py -> modular_ann.py" in (
        result.stderr
    )


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
    # Independent of the scan: a file that imports another model's generated module (its banner says so) with
    # plain `ast` (colmodernvbert imports colqwen2's hand-written configuration: no order needed).
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module and "." in node.module:
                folder, module = node.module.split(".")[:2]
                parent = module.split("_", 1)[-1] if module.startswith(("modeling_", "configuration_")) else None
                imported = installed_tree.models_dir / folder / f"{module}.py"
                if parent in wave_of and folder != path.parent.name and banner_source(imported.read_text()):
                    assert wave_of[parent] < wave_of[path.stem.removeprefix("modular_")], (path.name, node.module)


# Flattening (the engine at work) -----------------------------------------------------------------------------


def test_outputs_go_next_to_the_modular_file_and_check_finds_stale_ones(sdist_copy: Path):
    path = add_model(sdist_copy / "src/transformers/models", "bob", BOB)
    result = flatten(path, "--no-markers")
    assert result.exit_code == 0, result.output
    written = files_of(path.parent)
    assert {"configuration_bob.py", "modeling_bob.py"} <= written.keys()
    for name in ("configuration_bob.py", "modeling_bob.py"):
        assert banner_source(written[name]) == "src/transformers/models/bob/modular_bob.py"
        assert "# Copyright 2026 The Bob team." in written[name]  # the modular file's licence header is kept
        assert f"wrote {path.parent / name}" in result.stdout
    assert "class BobMLP(nn.Module):" in written["modeling_bob.py"]
    assert "class BobConfig(PreTrainedConfig):" in written["configuration_bob.py"]
    # The API gives what the CLI wrote.
    assert flatten_files([path]) == {p: p.read_text() for p in path.parent.glob("*_bob.py") if p != path}

    result = flatten(path, "--check")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""

    modeling = path.parent / "modeling_bob.py"
    modeling.write_text(written["modeling_bob.py"] + "EDITED_BY_HAND = 1\n")
    result = flatten(path.parent, "--check")
    assert result.exit_code == 1
    assert f"+++ {modeling}" in result.stdout
    assert "-EDITED_BY_HAND = 1" in result.stdout
    assert "1 of 2 generated files out of date" in result.stderr
    assert modeling.read_text().endswith("EDITED_BY_HAND = 1\n")  # --check writes nothing

    result = flatten(path, "--no-markers")
    assert result.exit_code == 0
    assert modeling.read_text() == written["modeling_bob.py"]
    assert "1 files written, 1 unchanged" in result.stderr


def test_out_writes_into_model_folders_of_dir(sdist_copy: Path, tmp_path: Path):
    path = add_model(sdist_copy / "src/transformers/models", "dave", modular_inheriting("dave"))
    result = flatten(path, "--out", tmp_path / "out", "--no-markers")
    assert result.exit_code == 0, result.output
    assert sorted(path.parent.iterdir()) == [path.parent / "__init__.py", path]
    outputs = flatten_files([path])
    assert files_of(tmp_path / "out" / "dave") == {p.name: text for p, text in outputs.items()}
    assert flatten(path, "--out", tmp_path / "out", "--check").exit_code == 0


def test_jobs_2_flattens_a_parent_of_the_batch_before_its_child(sdist_copy: Path):
    models = sdist_copy / "src/transformers/models"
    erin = add_model(models, "erin", modular_inheriting("erin"))
    fred = add_model(models, "fred", modular_inheriting("fred", parent="erin"))
    # fred's parent files do not exist yet: they come from erin, flattened first whatever the order given.
    result = flatten(fred, erin, "--jobs", "2", "--no-markers")
    assert result.exit_code == 0, result.output
    assert "class FredMLP(nn.Module):" in (fred.parent / "modeling_fred.py").read_text()

    erin.write_text(erin.read_text() + "\n    def scale(self):\n        return 2.0\n")
    result = flatten(fred, erin, "--jobs", "2", "--no-markers")
    assert result.exit_code == 0, result.output
    assert "def scale(self):" in (erin.parent / "modeling_erin.py").read_text()
    assert "def scale(self):" in (fred.parent / "modeling_fred.py").read_text()  # fred saw erin's fresh output


def test_a_failure_leaves_no_file_written(sdist_copy: Path):
    models = sdist_copy / "src/transformers/models"
    gina = add_model(models, "gina", modular_inheriting("gina"))
    hank = add_model(models, "hank", modular_inheriting("hank", parent="gina").replace("GinaMLP", "GinaNothing"))
    result = flatten(models / "gina", models / "hank", "--jobs", "2", "--no-markers")
    assert result.exit_code == 2
    assert f"error: {hank}:" in result.stderr
    assert "GinaNothing" in result.stderr
    # gina's files were put in place for hank to read, and taken away again when hank failed.
    assert sorted(p.name for p in gina.parent.iterdir()) == ["__init__.py", gina.name]
    assert sorted(p.name for p in hank.parent.iterdir()) == ["__init__.py", hank.name]
    assert not list(models.glob(".modgen-staging-*"))


def test_files_not_generated_are_not_overwritten_unless_forced(sdist_copy: Path):
    path = add_model(sdist_copy / "src/transformers/models", "jake", modular_inheriting("jake"))
    handwritten = path.parent / "modeling_jake.py"
    handwritten.write_text("# my own code\n")
    result = flatten(path, "--no-markers")
    assert result.exit_code == 2
    assert "was not generated from a modular file" in result.stderr
    assert handwritten.read_text() == "# my own code\n"
    assert not (path.parent / "configuration_jake.py").exists()
    assert flatten(path, "--no-markers", "--force").exit_code == 0
    assert "class JakeMLP(nn.Module):" in handwritten.read_text()


def test_markers_notice_in_transformers_and_markers_change_no_code(sdist_copy: Path, tmp_path: Path):
    path = add_model(sdist_copy / "src/transformers/models", "ivy", modular_inheriting("ivy"))
    pyproject = sdist_copy / "pyproject.toml"
    original = pyproject.read_text()
    assert flatten(path, "--out", tmp_path / "plain", "--no-markers").stderr.count(MARKERS_NOTICE) == 0
    assert flatten(path, "--out", tmp_path / "default").stderr.count(MARKERS_NOTICE) == 0  # off in transformers
    try:
        pyproject.write_text(original + "\n[tool.modgen]\nmarkers = true\n")
        result = flatten(path, "--out", tmp_path / "marked")
    finally:
        pyproject.write_text(original)
    assert result.exit_code == 0, result.output
    assert result.stderr.count(MARKERS_NOTICE) == 1
    plain, marked = files_of(tmp_path / "plain" / "ivy"), files_of(tmp_path / "marked" / "ivy")
    assert plain.keys() == marked.keys()
    assert all(ast.dump(ast.parse(plain[n])) == ast.dump(ast.parse(marked[n])) for n in plain)
    assert "# Copied from transformers.models.llama.modeling_llama.LlamaMLP" in marked["modeling_ivy.py"]


def test_project_model_imports_transformers_absolutely_and_runs(project: Path, monkeypatch):
    import torch
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaMLP

    path = add_model(project / "src/mylib/models", "bob", PROJECT_BOB)
    result = flatten(path, "--no-markers")
    assert result.exit_code == 0, result.output
    assert MARKERS_NOTICE not in result.stderr
    modeling = (path.parent / "modeling_bob.py").read_text()
    assert banner_source(modeling) == "src/mylib/models/bob/modular_bob.py"
    imports = [line for line in modeling.splitlines() if line.startswith(("from ", "import "))]
    assert any(line.startswith("from transformers.") for line in imports)
    assert not any(line.startswith("from .") and "configuration_bob" not in line for line in imports)

    monkeypatch.syspath_prepend(str(project / "src"))
    from mylib.models.bob.configuration_bob import BobConfig
    from mylib.models.bob.modeling_bob import BobMLP

    sizes = {"hidden_size": 16, "intermediate_size": 40, "num_attention_heads": 4, "num_key_value_heads": 2}
    bob, llama = BobMLP(BobConfig(**sizes)), LlamaMLP(LlamaConfig(**sizes))
    llama.load_state_dict(bob.state_dict())
    inputs = torch.randn(2, 3, 16)
    assert torch.equal(bob(inputs), llama(inputs))

    # Markers are on by default in a project (no notice there), and change no code.
    result = flatten(path, "--out", project / "marked")
    assert result.exit_code == 0, result.output
    assert MARKERS_NOTICE not in result.stderr
    marked = (project / "marked" / "bob" / "modeling_bob.py").read_text()
    assert ast.dump(ast.parse(marked)) == ast.dump(ast.parse(modeling))


def test_check_shows_missing_files_and_keep_going_writes_what_it_can(project: Path):
    models = project / "src/mylib/models"
    kim = add_model(models, "kim", PROJECT_BOB.replace("Bob", "Kim").replace('"bob"', '"kim"'))
    lou = add_model(
        models, "lou", PROJECT_BOB.replace("Bob", "Lou").replace('"bob"', '"lou"').replace("MLP", "Nothing")
    )

    result = flatten(kim, "--check", "--no-markers")
    assert result.exit_code == 1
    assert "--- /dev/null" in result.stdout
    assert f"+++ {kim.parent / 'modeling_kim.py'}" in result.stdout
    assert not (kim.parent / "modeling_kim.py").exists()

    result = flatten(models, "--no-markers")
    assert result.exit_code == 2
    assert f"error: {lou}:" in result.stderr
    assert not (kim.parent / "modeling_kim.py").exists()

    result = flatten(models, "--no-markers", "--keep-going")
    assert result.exit_code == 2
    assert f"error: {lou}:" in result.stderr
    assert "1 modular files failed" in result.stderr
    assert "class KimMLP(nn.Module):" in (kim.parent / "modeling_kim.py").read_text()
    assert sorted(p.name for p in lou.parent.iterdir()) == ["__init__.py", lou.name]
