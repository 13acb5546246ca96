"""The repository model, against the real installed transformers and the real sdist."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from modgen.errors import UsageError
from modgen.repo import FILE_TYPES, RepoKind, Repository, TransformersTree, split_file_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("modeling_llama.py", ("modeling", "llama")),
        ("modular_data2vec_audio.py", ("modular", "data2vec_audio")),
        ("image_processing_pil_clip.py", ("image_processing_pil", "clip")),
        ("image_processing_clip.py", ("image_processing", "clip")),
        ("feature_extraction_whisper.py", ("feature_extraction", "whisper")),
        ("convert_llama_weights_to_hf.py", None),
        ("__init__.py", None),
    ],
)
def test_split_file_name(name, expected):
    assert split_file_name(name) == expected


def test_installed_tree_models(installed_tree: TransformersTree):
    import transformers

    # Independent source: the package's own location and folders on disk.
    package_dir = Path(transformers.__file__).parent
    assert installed_tree.package_dir == package_dir.resolve()
    folders = {p.parent.name for p in package_dir.glob("models/*/__init__.py")} - {"auto", "deprecated"}
    assert set(installed_tree.models) == folders
    assert sum(len(m.modular_files) for m in installed_tree.models.values()) == len(
        list(package_dir.glob("models/*/modular_*.py"))
    )
    clip = installed_tree.models["clip"]
    assert set(clip.file_types) <= set(FILE_TYPES)
    assert {p.name for f in clip.file_types for p in clip.of_type(f)} == {
        p.name for p in (package_dir / "models" / "clip").glob("*.py") if split_file_name(p)
    }


def test_model_types_resolve_like_transformers(installed_tree: TransformersTree):
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES, model_type_to_module_name

    assert installed_tree.config_mapping.keys() <= CONFIG_MAPPING_NAMES.keys()
    for model_type in ["xlm-roberta", "llama4_text", "data2vec-audio", "blip-2", "llama", "clip_vision_model"]:
        assert installed_tree.resolve_model(model_type).name == model_type_to_module_name(model_type)


def test_unknown_model_suggests(installed_tree: TransformersTree):
    with pytest.raises(UsageError) as raised:
        installed_tree.resolve_model("lamma")
    assert "unknown model 'lamma'" in str(raised.value)
    assert "llama" in str(raised.value.hint)


def test_module_file_round_trip(installed_tree: TransformersTree):
    path = installed_tree.module_file("transformers.models.llama.modeling_llama")
    assert path is not None and path.name == "modeling_llama.py"
    assert installed_tree.module_name(path) == "transformers.models.llama.modeling_llama"
    assert installed_tree.module_file("transformers.models.llama.nope") is None
    assert TransformersTree.containing(path) == installed_tree


def test_discover_sdist_repo(sdist_repo: Path):
    repo = Repository.discover(sdist_repo / "src" / "transformers" / "models")
    assert repo.root == sdist_repo.resolve()
    assert repo.kind is RepoKind.TRANSFORMERS
    assert repo.transformers.package_dir == (sdist_repo / "src" / "transformers").resolve()
    assert repo.markers is False
    assert "llama" in repo.models


def test_discover_project(tmp_path: Path):
    (tmp_path / "src" / "mylib" / "models").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[tool.modgen]\npackage = "mylib"\n')
    repo = Repository.discover(tmp_path)
    assert repo.kind is RepoKind.PROJECT
    assert repo.package == "mylib"
    assert repo.markers is True
    assert repo.models_dir == tmp_path.resolve() / "src" / "mylib" / "models"


def test_discover_rejects_other_folders(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(UsageError, match="is neither a transformers checkout"):
        Repository.discover(tmp_path)


def test_discover_prefers_the_nearest_checkout(sdist_repo: Path):
    # A checkout inside another git repository (here: a copy of the sdist inside the sdist's own git repo)
    # is found as itself.
    inner = sdist_repo / "vendored"
    shutil.copytree(sdist_repo / "src" / "transformers" / "models" / "llama", inner / "src/transformers/models/llama")
    (inner / "src" / "transformers" / "models" / "auto").mkdir()
    repo = Repository.discover(inner / "src" / "transformers" / "models" / "llama")
    assert repo.root == inner.resolve()
    assert repo.transformers.package_dir == (inner / "src" / "transformers").resolve()
