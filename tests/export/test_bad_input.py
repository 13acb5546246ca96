"""Bad input: a clear message (file:line, what is wrong, how to fix it), exit 2, and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from tests.export.helpers import LLAMA, write_json
from tests.scaffold.helpers import modgen


pytestmark = pytest.mark.slow
HAND = Path("src/mymodels/models/hand")


@pytest.fixture
def copy(project, tmp_path) -> Path:
    return Path(shutil.copytree(project, tmp_path / "project"))


def fails(project: Path, *args, out: Path) -> str:
    result = modgen("export", *args, "--out", out, cwd=project)
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    assert not out.exists(), "nothing is written"
    assert not [p for p in out.parent.iterdir() if "modgen-export" in p.name], "no staging folder is left"
    return result.stderr


def add_line(path: Path, line: str, *, after: str) -> int:
    """Insert `line` after the first line starting with `after`; its line number."""
    lines = path.read_text().splitlines()
    index = next(i for i, text in enumerate(lines) if text.startswith(after)) + 1
    lines.insert(index, line)
    path.write_text("\n".join(lines) + "\n")
    return index + 1


def test_import_of_another_module_of_the_project(copy, tmp_path):
    (copy / "src/mymodels/common.py").write_text("def helper():\n    return 1\n")
    line = add_line(copy / HAND / "modeling_hand.py", "from mymodels.common import helper", after="from torch")
    error = fails(copy, "hand", out=tmp_path / "out")
    assert (
        f"src/mymodels/models/hand/modeling_hand.py:{line}: imports mymodels.common, a module of the project outside the model's folder"
        in error
    )
    assert "hint:" in error


def test_relative_import_out_of_the_folder(copy, tmp_path):
    (copy / "src/mymodels/models/common.py").write_text("def helper():\n    return 1\n")
    line = add_line(copy / HAND / "layers.py", "from ..common import helper", after="from torch")
    error = fails(copy, "hand", out=tmp_path / "out")
    assert f"src/mymodels/models/hand/layers.py:{line}: `from ..common import ...` reaches outside" in error


def test_local_file_that_is_not_installed(copy, tmp_path):
    (copy / "local_helpers.py").write_text("SCALE = 2\n")
    line = add_line(copy / HAND / "layers.py", "import local_helpers", after="from torch")
    error = fails(copy, "hand", out=tmp_path / "out")
    assert f"layers.py:{line}: imports local_helpers, a local module that is not installed" in error


def test_package_that_is_not_installed(copy, tmp_path):
    line = add_line(copy / HAND / "layers.py", "import surely_not_installed_pkg", after="from torch")
    error = fails(copy, "hand", out=tmp_path / "out")
    assert (
        "importing mymodels.models.hand failed: ModuleNotFoundError: No module named 'surely_not_installed_pkg'"
        in error
    )
    assert f"layers.py:{line}" in error


def test_from_dot_import_module(copy, tmp_path):
    path = copy / HAND / "modeling_hand.py"
    path.write_text(
        path.read_text().replace("from .layers import Block", "from . import layers\nBlock = layers.Block")
    )
    error = fails(copy, "hand", out=tmp_path / "out")
    assert "`from . import layers`: write `from .layers import ...`" in error


def test_registered_class_outside_the_folder(copy, tmp_path):
    (copy / "src/mymodels/heads.py").write_text(
        (copy / HAND / "modeling_hand.py")
        .read_text()
        .replace("class HandModel", "class _Unused")
        .replace("class HandForSequenceClassification", "class HandForTokenClassification")
        .replace("from .layers", "from mymodels.models.hand.layers")
    )
    init = copy / HAND / "__init__.py"
    init.write_text(
        init.read_text()
        + "from transformers import AutoModelForTokenClassification\n"
        + "from mymodels.heads import HandForTokenClassification\n"
        + "AutoModelForTokenClassification.register(HandConfig, HandForTokenClassification)\n"
    )
    error = fails(copy, "hand", out=tmp_path / "out")
    assert "registers mymodels.heads.HandForTokenClassification, which is not in the model's folder" in error


def test_unknown_model(project, tmp_path):
    error = fails(project, "no_such_model", out=tmp_path / "out")
    assert "no model 'no_such_model'" in error and "hand" in error


def test_out_not_empty_needs_force(project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("the user's")
    result = modgen("export", "hand", "--out", out, cwd=project)
    assert result.returncode == 2 and "is not empty" in result.stderr and "--force" in result.stderr
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    result = modgen("export", "hand", "--out", out, "--force", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (out / "mine.txt").exists() and (out / "model.safetensors").is_file()


def test_weights_that_do_not_match(project, tmp_path):
    weights = tmp_path / "w.pt"
    torch.save({"embed.weight": torch.zeros(50, 16), "something.else": torch.zeros(3)}, weights)
    error = fails(project, "hand", "--weights", weights, out=tmp_path / "out")
    assert "the state dict does not match" in error and "something.else" in error


def test_weights_that_are_not_a_state_dict(project, tmp_path):
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"not a checkpoint")
    error = fails(project, "hand", "--weights", weights, out=tmp_path / "out")
    assert f"{weights}: cannot read the state dict" in error
    error = fails(project, "hand", "--weights", tmp_path / "missing.safetensors", out=tmp_path / "out")
    assert "does not exist" in error


def test_random_weights_of_a_default_config_too_large(project, tmp_path):
    """like llama's default config is Llama's 7B: refused before anything is built, with what to pass."""
    error = fails(project, "tiny_llama", out=tmp_path / "out")
    assert "6.7B parameters" in error and "--config" in error


def test_config_of_another_model(project, tmp_path):
    config = write_json(tmp_path / "c.json", {"model_type": "llama", **LLAMA})
    error = fails(project, "tiny_llama", "--config", config, out=tmp_path / "out")
    assert "is a 'llama' config, not 'tiny_llama'" in error
