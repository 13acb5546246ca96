"""The flattening engine against real parents: transformers 5.23.0's sdist and installed wheel.

Expected outputs come from the wheel itself: for each feature of the spec, a real model shows it, and flattening
that model's modular file must give the generated file transformers ships (the banner's path line aside).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modgen.modular import flatten_file
from modgen.repo import TransformersTree


def _public_classes(path: Path) -> list[str]:
    """The classes of `__all__` of a generated file, in source order (an independent list: the wheel's own)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = next(
        [e.value for e in node.value.elts]
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
    )
    order = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    return sorted(exported, key=order.index)


def pass_through_modular(models: Path, parent: str, new: str, *, absolute: bool, files=("configuration", "modeling")):
    """A modular file made of `class NewX(ParentX): pass` for every public class of the parent's files."""
    cased_parent = TransformersTree.installed().config_mapping[parent].removesuffix("Config")
    cased_new = new.capitalize()
    lines, names = [], []
    for file_type in files:
        classes = _public_classes(models / parent / f"{file_type}_{parent}.py")
        module = f"transformers.models.{parent}" if absolute else f"..{parent}"
        lines.append(f"from {module}.{file_type}_{parent} import {', '.join(classes)}")
        for name in classes:
            new_name = name.replace(cased_parent, cased_new)
            names.append(new_name)
            body = f'model_type = "{new}"' if name.endswith("Config") else "pass"
            lines.append(f"\n\nclass {new_name}({name}):\n    {body}")
    lines.append(f"\n\n__all__ = {names!r}\n")
    return "\n".join(lines)


RUN_BOB = textwrap.dedent(
    """
    import torch
    from {package}.models.bob.configuration_bob import BobConfig
    from {package}.models.bob.modeling_bob import BobForCausalLM

    config = BobConfig(vocab_size=99, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2)
    assert config.model_type == "bob"
    logits = BobForCausalLM(config)(torch.tensor([[1, 2, 3]])).logits
    assert logits.shape == (1, 3, 99), logits.shape
    print("ok")
    """
)


def _write_all(outputs: dict[Path, str]) -> None:
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_llama_pass_through_in_sdist_imports_and_runs(sdist_repo: Path):
    models = sdist_repo / "src" / "transformers" / "models"
    (models / "bob").mkdir()
    (models / "bob" / "__init__.py").write_text("")
    modular = models / "bob" / "modular_bob.py"
    modular.write_text(pass_through_modular(models, "llama", "bob", absolute=False))
    outputs = flatten_file(modular)
    assert sorted(p.name for p in outputs) == ["configuration_bob.py", "modeling_bob.py"]
    assert "from ...modeling_utils import" in outputs[models / "bob" / "modeling_bob.py"]
    _write_all(outputs)
    result = subprocess.run(
        [sys.executable, "-c", RUN_BOB.format(package="transformers")],
        cwd=sdist_repo,
        env={"PYTHONPATH": str(sdist_repo / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().endswith("ok"), result.stderr[-2000:]


def test_llama_pass_through_in_project_imports_transformers_absolutely(tmp_path: Path, installed_tree):
    package = tmp_path / "src" / "mylib"
    folder = package / "models" / "bob"
    folder.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mylib"\n\n[tool.modgen]\npackage = "mylib"\n')
    for init in (package, package / "models", folder):
        (init / "__init__.py").write_text("")
    modular = folder / "modular_bob.py"
    modular.write_text(pass_through_modular(installed_tree.models_dir, "llama", "bob", absolute=True))
    outputs = flatten_file(modular)
    modeling = outputs[folder / "modeling_bob.py"]
    assert "from transformers.modeling_utils import" in modeling
    assert "from ..." not in modeling and "from .configuration_bob import BobConfig" in modeling
    assert "generated from src/mylib/models/bob/modular_bob.py." in modeling
    _write_all(outputs)
    result = subprocess.run(
        [sys.executable, "-c", RUN_BOB.format(package="mylib")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().endswith("ok"), result.stderr[-2000:]
