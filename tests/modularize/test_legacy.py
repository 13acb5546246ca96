"""Models written the old way (a modeling file with `# Copied from` markers, no modular file): each a real model of
the installed transformers in a small tree of its own (the model's folder, the models its markers name, `auto`),
modularized with the real command against those models, flattened back with the real `modgen flatten`, and
compared object by object with plain `ast` (a hand-written file's module docstring and comments cannot all come
back: the converter writes neither).
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from modgen.repo import TransformersTree
from tests.modularize.helpers import bases_of, classes_of, modgen


pytestmark = pytest.mark.slow


def legacy_model(tmp_path: Path, model: str, *parents: str) -> Path:
    """The model's folder in a tree holding only it, its parents and `auto`."""
    installed = TransformersTree.installed().models_dir
    models = tmp_path / "repo" / "src" / "transformers" / "models"
    for name in dict.fromkeys(("auto", model, *parents)):
        shutil.copytree(installed / name, models / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "repo" / "pyproject.toml").write_text('[project]\nname = "transformers"\n', encoding="utf-8")
    return models / model


def top_level(text: str) -> dict[str, str]:
    """name -> syntax tree dump of each top-level class, function and assignment."""
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            found[node.name] = ast.dump(node)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.dump(node)
    return found


def imported(text: str) -> dict[str, str]:
    """name -> the module a top-level `from ... import` takes it from."""
    return {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in ast.parse(text).body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def modularized_and_back(tmp_path: Path, model: str, *parents: str) -> tuple[str, str, str, dict]:
    """(the modeling file, its flattening, the modular file, modularize's JSON report); every object the modeling
    file's classes need comes back with the same syntax tree."""
    folder = legacy_model(tmp_path, model, *parents)
    modeling = (folder / f"modeling_{model}.py").read_text(encoding="utf-8")
    run = modgen("modularize", folder / f"modeling_{model}.py", *(f"--parent={p}" for p in parents), "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    modular = (folder / f"modular_{model}.py").read_text(encoding="utf-8")
    out = tmp_path / "flattened"
    flatten = modgen("flatten", folder / f"modular_{model}.py", "--out", out, "--no-markers")
    assert flatten.returncode == 0, flatten.stderr
    flattened = (out / model / f"modeling_{model}.py").read_text(encoding="utf-8")
    theirs, mine = top_level(modeling), top_level(flattened)
    assert set(theirs) - set(mine) <= {"logger"}  # a logger no class uses: the converter drops it
    for name, dump in mine.items():
        assert dump == theirs[name], name
    return modeling, flattened, modular, json.loads(run.stdout)[0]


def test_a_marked_copy_inherits(tmp_path):
    # `BitDropPath` is marked `# Copied from transformers.models.swin.modular_swin.SwinDropPath`: the marker is no
    # difference from swin's class. And bit's `import collections` comes back as swin's `import collections.abc`,
    # which binds the same name to the same package.
    modeling, flattened, modular, _ = modularized_and_back(tmp_path, "bit", "swin")
    assert bases_of(classes_of(modular)["BitDropPath"]) == ["SwinDropPath"]
    assert "import collections\n" in modeling and "import collections.abc\n" in flattened


def test_imports_the_converter_would_drop_are_stated_otherwise(tmp_path):
    # llama4 imports its own vision config absolutely, musicgen `AutoConfig` from `..auto.configuration_auto`: the
    # converter takes both for parents to copy code from and drops the import. Stated as a sibling import and from
    # the `auto` package, they bind the same objects.
    modeling, flattened, modular, report = modularized_and_back(tmp_path, "llama4", "llama")
    assert imported(modeling)["Llama4VisionConfig"] == "transformers.models.llama4.configuration_llama4"
    assert imported(modular)["Llama4VisionConfig"] == ".configuration_llama4"
    assert imported(flattened)["Llama4VisionConfig"] == ".configuration_llama4"
    assert any(
        "Llama4VisionConfig imported from .configuration_llama4" in line for line in report["imports_stated_otherwise"]
    )

    modeling, flattened, modular, _ = modularized_and_back(tmp_path / "musicgen", "musicgen", "bert")
    assert imported(modeling)["AutoConfig"] == "..auto.configuration_auto"
    assert imported(flattened)["AutoConfig"] == "..auto"


def test_a_prefix_read_off_a_lowercase_suffix(tmp_path):
    # `AlignTextIntermediate` is bert's `BertIntermediate` "with Bert->AlignText"; the flattener reads no prefix
    # off `tIntermediate`, renames bert `align`, and the class still flattens back under its own name.
    _, _, modular, _ = modularized_and_back(tmp_path, "align", "bert", "efficientnet")
    classes = classes_of(modular)
    for name in ("AlignTextSelfOutput", "AlignTextIntermediate", "AlignTextOutput", "AlignTextPooler"):
        assert bases_of(classes[name]) == [name.replace("AlignText", "Bert")], name


def test_a_parent_whose_constant_would_replace_the_models(tmp_path):
    # seamless_m4t, renamed `seamless_m4t_v2`, has its own `SEAMLESS_M4T_V2_COMMON_CUSTOM_ARGS` (the class names in
    # it renamed, unlike the model's), and the converter keeps a parent's constant over the modular file's: no
    # class may inherit from seamless_m4t, and each says why.
    modeling, flattened, _, report = modularized_and_back(tmp_path, "seamless_m4t_v2", "seamless_m4t")
    name = "SEAMLESS_M4T_V2_COMMON_CUSTOM_ARGS"
    assert top_level(flattened)[name] == top_level(modeling)[name]
    reasons = [c["kept_whole_because"] for c in report["classes"] if c["parent"] is None]
    assert f"seamless_m4t renamed puts its own {name} in the target's place" in reasons


def test_an_import_no_modular_file_can_state_is_said_and_nothing_written(tmp_path):
    # vision_text_dual_encoder uses CLIP's `CLIPOutput`, imported from `..clip.modeling_clip`: the converter drops
    # that import (it reads a parent to copy from), and the clip package does not export the class. No modular
    # file gives the model back: exit 1, nothing written, and the report says which import.
    folder = legacy_model(tmp_path, "vision_text_dual_encoder", "clip")
    run = modgen("modularize", folder / "modeling_vision_text_dual_encoder.py", "--parent=clip", "--json")
    assert run.returncode == 1, run.stdout + run.stderr
    assert not (folder / "modular_vision_text_dual_encoder.py").exists()
    [report] = json.loads(run.stdout)
    assert any("imports CLIPOutput from another model's file" in line for line in report["cannot_express"])
    # The other imports of CLIP's objects have a spelling the converter keeps: the package's exports.
    assert any("CLIPVisionConfig imported from ..clip" in line for line in report["imports_stated_otherwise"])
