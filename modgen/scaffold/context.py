"""Who is copied and what it becomes: the parent model, the new name, and how one's names map to the other's.

`modgen like PARENT --name NEW` needs, before writing anything, a parent that exists in the transformers in use
and a new name that is valid and free. Everything the later steps need to rename (class prefixes, model types of
the config and its sub-configs) is worked out here once.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from modgen.errors import UsageError
from modgen.naming import cased_name, folder_of, is_valid_model_name, prefix_of_config
from modgen.repo import ModelFiles, RepoKind, Repository, TransformersTree, split_file_name


# Parent file types a new model gets its own classes for. Tokenizers are reused (the new model type is mapped to
# the parent's tokenizer in the auto mappings), as transformers does for most models added "like" another.
COPIED_FILE_TYPES = (
    "configuration",
    "modeling",
    "processing",
    "image_processing",
    "image_processing_pil",
    "video_processing",
    "feature_extraction",
)
REUSED_FILE_TYPES = ("tokenization",)


@dataclass(frozen=True)
class LikeContext:
    """A parent model of `repo.transformers` and the new model made like it in `repo`."""

    repo: Repository
    parent: ModelFiles
    parent_model_type: str
    parent_prefix: str  # `Llama`, `CLIP`: the prefix of the parent's classes
    new_name: str  # `bob`: folder, module suffix and model type
    new_prefix: str  # `Bob`
    source: Path | None = None  # the .py file PARENT was found from (`like FILE.py`): its code is kept

    @property
    def tree(self) -> TransformersTree:
        return self.repo.transformers

    @property
    def in_transformers(self) -> bool:
        return self.repo.kind is RepoKind.TRANSFORMERS

    @property
    def model_dir(self) -> Path:
        return self.repo.models_dir / self.new_name

    @property
    def modular_path(self) -> Path:
        return self.model_dir / f"modular_{self.new_name}.py"

    def generated_path(self, file_type: str) -> Path:
        return self.model_dir / f"{file_type}_{self.new_name}.py"

    @property
    def parent_file_stem(self) -> str:
        """The model part of the parent's file names: `llama`, `data2vec_audio` (in folder `data2vec`)."""
        return folder_of(self.parent_model_type)

    @cached_property
    def parent_files(self) -> dict[str, Path]:
        """The parent's files this model copies, by file type, in `COPIED_FILE_TYPES` order."""
        own = {}
        for path in self.parent.files:
            split = split_file_name(path)
            if split and split[0] in COPIED_FILE_TYPES and split[1] == self.parent_file_stem:
                own[split[0]] = path
        return {file_type: own[file_type] for file_type in COPIED_FILE_TYPES if file_type in own}

    def parent_module(self, file_type: str) -> str:
        """`transformers.models.llama.modeling_llama`."""
        return f"transformers.models.{self.parent.name}.{file_type}_{self.parent_file_stem}"

    def rename_class(self, name: str) -> str | None:
        """`LlamaModel` -> `BobModel`; None for a name without the parent's prefix."""
        if name.startswith(self.parent_prefix):
            return self.new_prefix + name[len(self.parent_prefix) :]
        return None

    @cached_property
    def model_types(self) -> dict[str, str]:
        """The parent's model types living in its folder -> the new model's: `clip_text_model` -> `bob_text_model`."""
        renamed = {self.parent_model_type: self.new_name}
        # `blip-2` keeps its sub-configs' types in folder spelling: `blip_2_vision_model`.
        stems = dict.fromkeys((self.parent_model_type, self.parent_file_stem))
        for model_type in self.tree.model_types_in(self.parent.name):
            stem = next((s for s in stems if model_type.startswith(s + "_")), None)
            if model_type != self.parent_model_type and stem is not None:
                renamed[model_type] = self.new_name + model_type[len(stem) :]
        return renamed

    @property
    def new_config_class(self) -> str:
        return f"{self.new_prefix}Config"


def main_model_type(tree: TransformersTree, name: str, folder: str) -> str:
    """The model type a user means by `name`: itself if it is one, else the folder's own model type."""
    if name in tree.config_mapping:
        return name
    types = tree.model_types_in(folder)
    for model_type in types:
        if folder_of(model_type) == folder:
            return model_type
    if types:
        return types[0]
    raise UsageError(
        f"model folder {folder!r} has no model type in the auto config mapping of {tree.package_dir}",
        hint="pick a model registered with AutoConfig, e.g. 'llama' or 'bert'",
    )


def snake_suggestion(name: str) -> str:
    """`My-Model` -> `my_model`: the snake_case name a user probably meant."""
    parts = "".join(c if c.isalnum() else "_" for c in name.lower()).split("_")
    return "_".join(part for part in parts if part)


def check_new_name(repo: Repository, name: str, prefix: str) -> None:
    """A new model name (and its class prefix) must be snake_case and free everywhere it would be used."""
    if not is_valid_model_name(name):
        suggestion = snake_suggestion(name)
        raise UsageError(
            f"invalid model name {name!r}: a new model name is snake_case (lower-case letters, digits, "
            "single underscores) and starts with a letter",
            hint=f"try --name {suggestion}" if is_valid_model_name(suggestion) else "e.g. --name my_model",
        )
    tree = repo.transformers
    taken = None
    if (repo.models_dir / name).exists():
        taken = f"{repo.models_dir / name} exists"
    elif name in tree.models or name in tree.config_mapping or name.replace("_", "-") in tree.config_mapping:
        taken = f"transformers already has a model {name!r}"
    elif f"{prefix}Config" in tree.config_mapping.values():
        taken = f"transformers already has a config class {prefix}Config"
    elif repo.kind is RepoKind.PROJECT and _importable(f"transformers.models.{name}"):
        taken = f"transformers.models.{name} is importable"
    if taken:
        raise UsageError(f"model name {name!r} is taken: {taken}", hint="choose another --name")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def build_context(repo: Repository, parent: str, new_name: str) -> LikeContext:
    """Check PARENT and NEW and work out every name the new model needs."""
    tree = repo.transformers
    files = tree.resolve_model(parent)
    model_type = main_model_type(tree, parent, files.name)
    parent_prefix = prefix_of_config(tree.config_mapping[model_type])
    new_prefix = cased_name(new_name, folder_of(model_type), parent_prefix)
    check_new_name(repo, new_name, new_prefix)
    context = LikeContext(
        repo=repo,
        parent=files,
        parent_model_type=model_type,
        parent_prefix=parent_prefix,
        new_name=new_name,
        new_prefix=new_prefix,
    )
    if "configuration" not in context.parent_files or "modeling" not in context.parent_files:
        raise UsageError(
            f"model {parent!r} has no configuration_{context.parent_file_stem}.py and "
            f"modeling_{context.parent_file_stem}.py in {files.folder}",
            hint="modgen like copies a model with a configuration and a modeling file",
        )
    return context
