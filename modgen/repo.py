"""The repository model every command shares.

Two kinds of repository hold models in transformers' style:

* transformers itself (a checkout, or the sdist): `src/transformers/models/<name>/`, relative imports;
* a project of one's own made by `modgen init`: `src/<package>/models/<name>/`, built on the installed
  transformers, which its models import absolutely.

A `TransformersTree` is a `transformers` package on disk (a checkout's `src/transformers`, or the installed
one): its models, their files, its auto mappings. A `Repository` is the folder the user works in: its root,
its kind, where its own models live, its settings, and the `TransformersTree` it builds on.

Nothing here imports transformers: reading its tree must stay fast and work on trees that do not import.
"""

from __future__ import annotations

import ast
import difflib
import enum
import importlib.util
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from modgen.errors import UsageError
from modgen.naming import folder_of


# The kinds of file a model folder holds, in the order transformers' converter knows them. `image_processing_pil`
# comes before `image_processing` so that the longer prefix wins when reading a file name.
FILE_TYPES = (
    "modeling",
    "configuration",
    "tokenization",
    "processing",
    "image_processing_pil",
    "image_processing",
    "video_processing",
    "feature_extraction",
)
MODULAR = "modular"

# Folders of `models/` that hold no model.
NOT_MODELS = frozenset({"auto", "deprecated", "__pycache__"})


def split_file_name(path: Path | str) -> tuple[str, str] | None:
    """`modeling_data2vec_audio.py` -> (`modeling`, `data2vec_audio`); None for other files.

    The model name comes from the file name, not the folder: `data2vec/` holds three models.
    """
    name = path.name if isinstance(path, Path) else os.path.basename(path)
    stem = name.removesuffix(".py")
    if stem == name:
        return None
    for file_type in (MODULAR, *FILE_TYPES):
        if stem.startswith(file_type + "_"):
            return file_type, stem[len(file_type) + 1 :]
    return None


@dataclass(frozen=True)
class ModelFiles:
    """One model folder and the files it holds, by file type."""

    name: str
    folder: Path
    files: tuple[Path, ...]

    def of_type(self, file_type: str) -> list[Path]:
        return [path for path in self.files if (split := split_file_name(path)) and split[0] == file_type]

    @property
    def modular_files(self) -> list[Path]:
        return self.of_type(MODULAR)

    @property
    def file_types(self) -> list[str]:
        """The generated-file types present in the folder, in `FILE_TYPES` order."""
        present = {split[0] for path in self.files if (split := split_file_name(path))}
        return [file_type for file_type in FILE_TYPES if file_type in present]


def scan_models(models_dir: Path) -> dict[str, ModelFiles]:
    """Every model folder under `models_dir` (a folder with an `__init__.py`), by folder name."""
    models = {}
    if not models_dir.is_dir():
        return models
    for folder in sorted(models_dir.iterdir()):
        if folder.name in NOT_MODELS or not (folder / "__init__.py").is_file():
            continue
        files = tuple(sorted(p for p in folder.glob("*.py") if p.name != "__init__.py"))
        models[folder.name] = ModelFiles(folder.name, folder, files)
    return models


def read_literal_mapping(path: Path, name: str) -> dict:
    """The literal `NAME = OrderedDict([...])` (or `{...}`) assigned at the top level of `path`, as a dict."""
    if not path.is_file():
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and value.args:  # OrderedDict([...])
                value = value.args[0]
            try:
                return dict(ast.literal_eval(value))
            except ValueError:
                return {}
    return {}


@dataclass(frozen=True)
class TransformersTree:
    """A `transformers` package on disk: a checkout's `src/transformers` or the installed package."""

    package_dir: Path

    @classmethod
    def installed(cls) -> TransformersTree:
        spec = importlib.util.find_spec("transformers")
        if spec is None or not spec.submodule_search_locations:
            raise UsageError("transformers is not installed", hint="pip install 'transformers==5.23.0'")
        return cls(Path(next(iter(spec.submodule_search_locations))).resolve())

    @classmethod
    def containing(cls, path: Path) -> TransformersTree | None:
        """The transformers tree `path` lies in (`.../transformers/models/x/modular_x.py`), if any."""
        for parent in Path(path).resolve().parents:
            if parent.name == "transformers" and (parent / "models" / "auto").is_dir():
                return cls(parent)
        return None

    @classmethod
    def for_file(cls, path: Path) -> TransformersTree:
        """The tree a file's `transformers.*` imports resolve in: the one it lies in, else the installed one."""
        return cls.containing(path) or cls.installed()

    @property
    def models_dir(self) -> Path:
        return self.package_dir / "models"

    @cached_property
    def models(self) -> dict[str, ModelFiles]:
        return scan_models(self.models_dir)

    @cached_property
    def config_mapping(self) -> dict[str, str]:
        """model type -> config class name, read from the auto mappings without importing them."""
        auto = self.models_dir / "auto"
        mapping = read_literal_mapping(auto / "auto_mappings.py", "CONFIG_MAPPING_NAMES")
        return mapping or read_literal_mapping(auto / "configuration_auto.py", "CONFIG_MAPPING_NAMES")

    @cached_property
    def special_model_types(self) -> dict[str, str]:
        """model type -> folder, for model types that live in another model's folder (`llama4_text`)."""
        auto = self.models_dir / "auto"
        mapping = read_literal_mapping(auto / "auto_mappings.py", "SPECIAL_MODEL_TYPE_TO_MODULE_NAME")
        return mapping or read_literal_mapping(auto / "configuration_auto.py", "SPECIAL_MODEL_TYPE_TO_MODULE_NAME")

    def folder_of_model_type(self, model_type: str) -> str:
        return self.special_model_types.get(model_type, folder_of(model_type))

    def model_types_in(self, folder: str) -> list[str]:
        """The model types whose code lives in `folder` (`llama4` -> `llama4`, `llama4_text`, ...)."""
        return [t for t in self.config_mapping if self.folder_of_model_type(t) == folder]

    def resolve_model(self, name: str) -> ModelFiles:
        """A model from its model type (`xlm-roberta`, `llama4_text`) or folder name (`xlm_roberta`)."""
        folder = self.folder_of_model_type(name) if name in self.config_mapping else folder_of(name)
        if folder in self.models:
            return self.models[folder]
        candidates = sorted({*self.models, *self.config_mapping})
        close = difflib.get_close_matches(name, candidates, n=3)
        raise UsageError(
            f"unknown model {name!r}: no model type or folder of that name in {self.models_dir}",
            hint=f"did you mean {', '.join(close)}?" if close else "give a model type such as 'llama' or 'bert'",
        )

    def module_file(self, dotted: str) -> Path | None:
        """The file of a dotted module name in this tree: `transformers.models.llama.modeling_llama`."""
        parts = dotted.split(".")
        if not parts or parts[0] != "transformers":
            return None
        base = self.package_dir.joinpath(*parts[1:])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def module_name(self, path: Path) -> str:
        """The dotted module name of a file of this tree: the inverse of `module_file`."""
        relative = Path(path).resolve().relative_to(self.package_dir).with_suffix("")
        parts = ["transformers", *relative.parts]
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def iter_python_files(self) -> Iterator[Path]:
        yield from sorted(self.package_dir.rglob("*.py"))


class RepoKind(enum.Enum):
    TRANSFORMERS = "transformers"
    PROJECT = "project"


@dataclass(frozen=True)
class Settings:
    """`[tool.modgen]` of the repository's pyproject.toml."""

    # Write `# Copied from` markers in generated files. Off in transformers itself, whose CI compares the
    # generated text with its own converter's output; on in one's own project.
    markers: bool
    # The package of one's own project (`src/<package>/`).
    package: str | None = None
    raw: dict = field(default_factory=dict)


def read_pyproject(root: Path) -> dict:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"pyproject.toml does not parse: {error}", path=path) from error


@dataclass(frozen=True)
class Repository:
    """The repository the user works in, and the transformers it builds on."""

    root: Path
    kind: RepoKind
    package: str
    settings: Settings
    transformers: TransformersTree

    @property
    def package_dir(self) -> Path:
        return self.root / "src" / self.package

    @property
    def models_dir(self) -> Path:
        """Where new models go: `src/transformers/models` or `src/<package>/models`."""
        return self.package_dir / "models"

    @cached_property
    def models(self) -> dict[str, ModelFiles]:
        """The repository's own models (for transformers itself, all of them)."""
        if self.kind is RepoKind.TRANSFORMERS:
            return self.transformers.models
        return scan_models(self.models_dir)

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs" / "source" / "en"

    @property
    def markers(self) -> bool:
        return self.settings.markers

    def git(self):
        """The git repository at the root (gitpython), for changed files and the like."""
        import git

        return git.Repo(self.root)

    @classmethod
    def discover(cls, start: Path | str = ".") -> Repository:
        """The repository `start` lies in: its git root, or the nearest folder with a pyproject.toml."""
        start = Path(start).resolve()
        if not start.exists():
            raise UsageError(f"{start} does not exist")
        root = _find_root(start)
        if root is None:
            raise UsageError(
                f"{start} is not in a repository",
                hint="run modgen inside a transformers checkout or a project made by `modgen init`",
            )
        options = _modgen_options(root)
        if _is_transformers_checkout(root):
            settings = Settings(markers=bool(options.get("markers", False)), raw=options)
            tree = TransformersTree((root / "src" / "transformers").resolve())
            return cls(root, RepoKind.TRANSFORMERS, "transformers", settings, tree)
        package = options.get("package") or _guess_package(root)
        if package is None:
            raise UsageError(
                f"{root} is neither a transformers checkout (no src/transformers) "
                "nor a modgen project (no [tool.modgen] package in pyproject.toml, no src/<package>/models)",
                hint="create a project with `modgen init DIR --package NAME`, or pass --repo",
            )
        settings = Settings(markers=bool(options.get("markers", True)), package=package, raw=options)
        return cls(root, RepoKind.PROJECT, package, settings, TransformersTree.installed())


def _find_root(start: Path) -> Path | None:
    """The nearest enclosing transformers checkout or modgen project; else the git root; else a pyproject.

    The nearest one wins so that a checkout kept inside another git repository (an unpacked sdist in a cache
    folder, a vendored copy) is found as itself, not as the outer repository.
    """
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if _is_transformers_checkout(candidate) or "package" in _modgen_options(candidate):
            return candidate
    try:
        import git

        return Path(git.Repo(folder, search_parent_directories=True).working_tree_dir).resolve()
    except Exception:  # not a git repository, or git missing: fall back to pyproject.toml
        pass
    for candidate in (folder, *folder.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return None


def _is_transformers_checkout(root: Path) -> bool:
    return (root / "src" / "transformers" / "models" / "auto").is_dir()


def _modgen_options(root: Path) -> dict:
    return read_pyproject(root).get("tool", {}).get("modgen", {})


def _guess_package(root: Path) -> str | None:
    candidates = [p.parent.name for p in (root / "src").glob("*/models") if p.is_dir()]
    return candidates[0] if len(candidates) == 1 else None
