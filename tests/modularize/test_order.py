"""The order of a generated file (what `modgen modularize` states so that the flattener puts every object where the
model has it), and which version of a function each file gets. Each case is a real model of the installed transformers, in a small tree of its own (the model's
generated files without their modular file, its parents, `auto`): modularized with the real command against the
parents its modular file names, flattened back with the real `modgen flatten`, byte for byte.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from modgen.modular.batch import banner_source
from modgen.repo import TransformersTree
from tests.modularize.helpers import classes_of, modgen, without_banner


pytestmark = pytest.mark.slow


def real_model(tmp_path: Path, model: str, *parents: str) -> tuple[Path, dict[str, str]]:
    """The model's folder in a tree holding only it, its parents and `auto`; its generated files by name."""
    installed = TransformersTree.installed().models_dir
    models = tmp_path / "repo" / "src" / "transformers" / "models"
    for name in ("auto", model, *parents):
        shutil.copytree(installed / name, models / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "repo" / "pyproject.toml").write_text('[project]\nname = "transformers"\n', encoding="utf-8")
    folder = models / model
    (folder / f"modular_{model}.py").unlink()
    files = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.py")}
    return folder, {name: text for name, text in files.items() if banner_source(text) is not None}


def modularized_and_back(tmp_path: Path, model: str, *parents: str) -> str:
    """Modularize the real model, flatten what was written: every generated file byte-identical; the modular file."""
    folder, generated = real_model(tmp_path, model, *parents)
    run = modgen("modularize", folder, *(f"--parent={parent}" for parent in parents))
    assert run.returncode == 0, run.stdout + run.stderr
    modular = folder / f"modular_{model}.py"
    out = tmp_path / "flattened"
    flatten = modgen("flatten", modular, "--out", out, "--no-markers")
    assert flatten.returncode == 0, flatten.stderr
    for name, text in generated.items():
        assert without_banner((out / model / name).read_text(encoding="utf-8")) == without_banner(text), name
    return modular.read_text(encoding="utf-8")


def test_class_that_pulls_in_too_early(tmp_path):
    # CLIP's `_init_weights` names `CLIPForImageClassification`: left to the flattener, metaclip_2's head class
    # comes in with the pretrained model's class, and with it the output classes the model has further down. The
    # head class is stated (where the model has it, as its modular file does), not each class it brought in.
    classes = classes_of(modularized_and_back(tmp_path, "metaclip_2", "clip"))
    assert "MetaClip2ForImageClassification" in classes
    assert not {"MetaClip2VisionModelOutput", "MetaClip2TextModelOutput", "MetaClip2Output"} & classes.keys()


def test_parent_constant_imported(tmp_path):
    # The image processor reads idefics3's `MAX_IMAGE_SIZE`: a constant written out in the modular file comes after
    # the parent's functions, so the modular file imports it (as ultravbert's does) to have it where the model has.
    modular = modularized_and_back(tmp_path, "ultravbert", "idefics3", "modernvbert", "ultrabert")
    tree = ast.parse(modular)
    assigned = {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets}
    imported = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert "MAX_IMAGE_SIZE" in imported
    assert "MAX_IMAGE_SIZE" not in assigned


def test_function_that_comes_too_late(tmp_path):
    # conditional_detr's `replace_batch_norm` comes, in DETR's order, right before `ConditionalDetrConvEncoder`,
    # which needs it: the encoder is stated where the model has it, so the function comes in right before it.
    classes = classes_of(modularized_and_back(tmp_path, "conditional_detr", "detr", "deformable_detr"))
    assert "ConditionalDetrConvEncoder" in classes


def test_function_with_a_version_per_file(tmp_path):
    # mask2former's image processors (torchvision and PIL) each have their own `binary_mask_to_rle`, from the
    # maskformer file of their type: one modular definition would replace both, so each is left to its parent.
    modular = modularized_and_back(tmp_path, "mask2former", "maskformer")
    tree = ast.parse(modular)
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    imported = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert "binary_mask_to_rle" not in functions | imported


def test_function_left_to_the_parent_that_pulls_it_first(tmp_path):
    # unlimited_ocr has CLIP's `eager_attention_forward` (CLIP's attention pulls it in first), and deepseek_ocr2's
    # `repeat_kv`, which only deepseek_ocr2's version of the function reads. Stated in the modular file, the
    # function would replace deepseek_ocr2's too, and `repeat_kv` would not come: it is left to the parents.
    modular = modularized_and_back(tmp_path, "unlimited_ocr", "clip", "deepseek_ocr2", "got_ocr2")
    names = {
        alias.name for node in ast.parse(modular).body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    defined = {node.name for node in ast.parse(modular).body if isinstance(node, ast.FunctionDef)}
    assert "eager_attention_forward" not in names | defined
