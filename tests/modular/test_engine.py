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

from modgen.errors import ModgenError
from modgen.modular import convert, flatten_file
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


# -- features of the spec, each shown by a real model of the wheel ------------------------------------------------
# feature -> model folder (modular_<folder>.py unless `folder/name`). Expected output: the wheel's generated files.
FEATURES = {
    "pure copy with renaming, implicit dependencies": "mistral",
    "renaming in identifiers, strings and comments; assignment override in place": "dinov2_with_registers",
    "all-upper-case parent name (CLIP)": "altclip",
    "config-mapping casing (XLMRoberta), configuration-only modular": "layoutxlm",
    "model name from the file name, method removal by raise": "data2vec/data2vec_audio",
    "multiple prefixes (AriaText), extra bases, __getattr__ shim": "aria",
    "different suffix (ColPaliForRetrieval), processor-only, protected imports": "colpali",
    "shared name endings (detr family)": "deformable_detr",
    "configuration-only modular, attr = AttributeError()": "internlm3",
    "six output files, video processor, __all__ split": "glm46v",
    "tokenization output": "siglip2",
    "feature extractor with torch guards": "kyutai_speech_to_text",
    "torch guards with the check already imported: no blank line above the imports": "neucodec",
    "image_processing_pil with copied kwargs": "llava_onevision",
    "del self.attr, statements before super(), non-statement super()": "bamba",
    "decorators re-declared, del removes parent assignment": "olmo2",
    "**super_kwargs and inherited return annotation": "gemma",
    "post_init kept last": "afmoe",
    "explicit parent call becomes super()": "cohere2",
    "GradientCheckpointingLayer replaces nn.Module": "sam2",
    "@no_inherit_decorator": "ernie4_5",
    "property setters": "modernbert",
    "modular helper functions override the parent's": "glm",
    "functions imported from another model (switch/add)": "kimi_linear",
    "global indexing follows its variable": "doge",
    "_DOCSTRING = None keeps the parent constant": "gpt_neox",
    "..auto imports kept, re-exports through a parent": "llava_next_video",
    "absolute transformers.models imports": "segformer",
    "mamba package names never renamed": "falcon_mamba",
    "5.23: VideoProcessorKwargs to video_processing": "molmo2",
    "5.23: del removes annotated assignments": "mistral_large4",
    "5.23: an attribute shadows a parent method": "pocket_tts_audio_tokenizer",
    "5.23: a base subsuming a parent base replaces it": "embedding_gemma2",
    "5.23: raising methods with return annotations are removed": "qianfan_ocr",
}


def _modular_path(models: Path, spec: str) -> Path:
    folder, _, name = spec.partition("/")
    return models / folder / f"modular_{name or folder}.py"


def _generated_siblings(modular: Path) -> dict[Path, str]:
    """The wheel's files generated from `modular` (their banner names it)."""
    found = {}
    for path in modular.parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if f"automatically generated from src/transformers/models/{modular.parent.name}/{modular.name}." in text[:700]:
            found[path] = text
    return found


@pytest.fixture(scope="module")
def feature_outputs(installed_tree) -> dict[Path, str]:
    from modgen.modular import flatten_files

    paths = sorted({_modular_path(installed_tree.models_dir, spec) for spec in FEATURES.values()})
    return flatten_files(paths, tree=installed_tree)


@pytest.mark.parametrize("feature", list(FEATURES))
def test_feature_matches_the_wheel(feature, feature_outputs, installed_tree):
    modular = _modular_path(installed_tree.models_dir, FEATURES[feature])
    expected = _generated_siblings(modular)
    assert expected, f"the wheel has no file generated from {modular.name}"
    produced = {path: text for path, text in feature_outputs.items() if path.parent == modular.parent}
    produced = {path: text for path, text in produced.items() if path.name.endswith(modular.name[len("modular") :])}
    assert sorted(produced) == sorted(expected)
    for path, text in expected.items():
        # Byte-identical apart from the banner's path line (it names the checkout path, ours the same).
        assert produced[path].splitlines() == text.splitlines(), f"{path.name} differs from the wheel"


# -- errors ----------------------------------------------------------------------------------------------------------
@pytest.fixture
def fake_models(tmp_path: Path) -> Path:
    """A transformers-shaped tree in tmp_path whose parents resolve in the installed wheel by absolute import."""
    models = tmp_path / "src" / "mylib" / "models"
    (models / "bob").mkdir(parents=True)
    return models


def test_syntax_error_names_file_and_line(fake_models: Path):
    modular = fake_models / "bob" / "modular_bob.py"
    modular.write_text(
        "from transformers.models.llama.modeling_llama import LlamaMLP\n\n\nclass BobMLP(LlamaMLP)\n    pass\n"
    )
    with pytest.raises(ModgenError) as error:
        convert(modular)
    assert error.value.path == modular and error.value.line == 4 and "syntax error" in error.value.message


def test_missing_parent_model(fake_models: Path):
    modular = fake_models / "bob" / "modular_bob.py"
    modular.write_text("import torch\nfrom transformers.models.notamodel.modeling_notamodel import XMLP\n")
    with pytest.raises(ModgenError) as error:
        convert(modular)
    assert error.value.line == 2 and "notamodel" in str(error.value)
    assert "no model folder 'notamodel'" in error.value.hint


def test_missing_parent_class(fake_models: Path):
    modular = fake_models / "bob" / "modular_bob.py"
    modular.write_text(
        "from transformers.models.llama.modeling_llama import LlamaMLPX\n\n\nclass BobMLP(LlamaMLPX):\n    pass\n"
    )
    with pytest.raises(ModgenError) as error:
        convert(modular)
    assert error.value.line == 4 and "LlamaMLPX is not a class of transformers.models.llama.modeling_llama" in str(
        error.value
    )
    assert error.value.hint.startswith("did you mean LlamaMLP")  # the parent's names, as the user spells them


def test_import_cycle_names_the_chain(fake_models: Path):
    from modgen.modular import flatten_files

    for name, other in (("alice", "bob"), ("bob", "alice")):
        (fake_models / name).mkdir(exist_ok=True)
        (fake_models / name / f"modular_{name}.py").write_text(
            f"import torch\nfrom ..{other}.modeling_{other} import {other.title()}MLP\n\n\n"
            f"class {name.title()}MLP({other.title()}MLP):\n    pass\n"
        )
    paths = [fake_models / name / f"modular_{name}.py" for name in ("alice", "bob")]
    with pytest.raises(ModgenError) as error:
        flatten_files(paths)
    assert "modular_alice.py -> modular_bob.py -> modular_alice.py" in error.value.message
    assert error.value.line == 2


def test_config_imported_from_modeling_file(fake_models: Path):
    modular = fake_models / "bob" / "modular_bob.py"
    modular.write_text("from transformers.models.llama.modeling_llama import LlamaConfig\n")
    with pytest.raises(ModgenError) as error:
        convert(modular)
    assert error.value.line == 1 and "configuration_llama" in error.value.hint


# -- a sample of the corpus -----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_sample_of_the_wheel_is_byte_identical(installed_tree):
    """Every 11th modular file of the wheel (30 of 326), flattened in one batch, equals the shipped files."""
    from modgen.modular import flatten_files

    modulars = sorted(installed_tree.models_dir.glob("*/modular_*.py"))[::11]
    outputs = flatten_files(modulars, tree=installed_tree)
    differing = []
    for modular in modulars:
        for path, text in _generated_siblings(modular).items():
            if outputs.get(path, "").splitlines()[1:] != text.splitlines()[1:]:
                differing.append(path.name)
    assert len(modulars) >= 29 and not differing


def test_markers_are_comments_only(installed_tree):
    """With markers on, the output carries `# Copied from` lines and is otherwise the same program."""
    modular = installed_tree.models_dir / "mistral" / "modular_mistral.py"
    plain = flatten_file(modular, tree=installed_tree)
    marked = flatten_file(modular, markers=True, tree=installed_tree)
    assert sorted(plain) == sorted(marked)
    for path, text in plain.items():
        assert ast.dump(ast.parse(marked[path])) == ast.dump(ast.parse(text))
        assert "# Copied from transformers.models." in marked[path] and "# Copied from" not in text


def test_project_outputs_keep_transformers_names_and_helpers(tmp_path: Path, installed_tree):
    """Outside transformers, names imported from transformers' own modules (`OPENAI_CLIP_MEAN`) and the parent's
    helper files (`generation_whisper`) are not renamed: the new model has no such modules."""
    folder = tmp_path / "src" / "mylib" / "models" / "bob"
    folder.mkdir(parents=True)
    modular = folder / "modular_bob.py"
    modular.write_text(
        "from transformers.models.clip.image_processing_clip import CLIPImageProcessor\n"
        "from transformers.models.whisper.modeling_whisper import WhisperForConditionalGeneration\n\n\n"
        "class BobImageProcessor(CLIPImageProcessor):\n    pass\n\n\n"
        "class BobForConditionalGeneration(WhisperForConditionalGeneration):\n    pass\n"
    )
    texts = convert(modular)
    assert "OPENAI_CLIP_MEAN" in texts["image_processing_bob.py"]
    modeling = texts["modeling_bob.py"]
    assert "from transformers.models.whisper.generation_whisper import WhisperGenerationMixin" in modeling
    assert "class BobForConditionalGeneration(WhisperGenerationMixin, BobPreTrainedModel)" in modeling


# -- upstream defects fixed ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("parent", ["whisper", "bart", "wav2vec2", "clip"])
def test_classes_come_after_their_bases(parent: str, tmp_path: Path, installed_tree):
    # WhisperPreTrainedModel._init_weights names WhisperEncoder, a subclass of it: upstream pulls the encoder in
    # as a dependency of BobPreTrainedModel and places it first, and the file fails at import (NameError).
    folder = tmp_path / "src" / "mylib" / "models" / "bob"
    folder.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[tool.modgen]\npackage = "mylib"\n')
    modular = folder / "modular_bob.py"
    modular.write_text(pass_through_modular(installed_tree.models_dir, parent, "bob", absolute=True))
    modeling = convert(modular)["modeling_bob.py"]
    defined: set[str] = set()
    classes = [node for node in ast.parse(modeling).body if isinstance(node, ast.ClassDef)]
    names = {node.name for node in classes}
    for node in classes:
        local_bases = {ast.unparse(base) for base in node.bases} & names
        assert local_bases <= defined, f"{node.name} comes before its base(s) {local_bases - defined}"
        defined.add(node.name)
