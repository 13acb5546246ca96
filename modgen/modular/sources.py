"""Where a modular file's parents live, and reading them once per process.

A parent import is `from ..llama.modeling_llama import X` (relative to the modular file), `from ...models.llama...`,
or `from transformers.models.llama.modeling_llama import X` (in the transformers tree the file lives in, else the
installed one). Each resolves to a file on disk, read once per process (until it changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from modgen.errors import ModgenError
from modgen.repo import FILE_TYPES, TransformersTree, split_file_name


# Imports from these modules stay imports even though they look model-specific.
IMPORTS_TO_SKIP = ("auto.modeling_auto",)
_MODEL_FILE = re.compile(rf"^({'|'.join(FILE_TYPES)})_\w+$")


@dataclass(frozen=True)
class ParentModule:
    """A model file a modular file imports from."""

    key: str  # dotted name, `transformers.models.llama.modeling_llama`
    path: Path
    model: str  # the folder name, which is the name renamed from: `llama`
    file_type: str  # `modeling`


def is_generated_file(module: str) -> bool:
    """`configuration_x`, `modeling_x`, ...: a file type the flattener generates (not `generation_x`)."""
    return bool(_MODEL_FILE.match(module))


def is_model_specific(module: str) -> bool:
    """`..llama.modeling_llama`, `...models.llama.modeling_llama`, `transformers.models.llama.modeling_llama`."""
    if any(skip in module for skip in IMPORTS_TO_SKIP):
        return False
    parts = module.lstrip(".").split(".")
    if len(parts) < 2 or not _MODEL_FILE.match(parts[-1]):
        return False
    if module.startswith("."):
        return len(module) - len(module.lstrip(".")) >= 2
    return module.startswith("transformers.models.")


def resolve_parent(module: str, modular_path: Path, tree: TransformersTree, line: int | None) -> ParentModule:
    """The file a model-specific import names, or a ModgenError saying which import is broken."""
    parts = module.lstrip(".").split(".")
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        base = modular_path.resolve().parent
        for _ in range(level - 1):
            base = base.parent
        path = base.joinpath(*parts).with_suffix(".py")
        key = _dotted_key(path, tree)
    else:
        key = module
        path = tree.module_file(module) or tree.package_dir.joinpath(*parts[1:]).with_suffix(".py")
    if not path.is_file():
        folder = path.parent
        hint = (
            f"there is no model folder {folder.name!r} in {folder.parent}"
            if not folder.is_dir()
            else f"{folder.name!r} has no {path.name}: flatten its own modular file first, or import another file"
        )
        raise ModgenError(
            f"cannot find the parent module {module!r} ({path})", path=modular_path, line=line, hint=hint
        )
    file_type, _ = split_file_name(path)
    return ParentModule(key=key, path=path, model=path.parent.name, file_type=file_type)


def _dotted_key(path: Path, tree: TransformersTree) -> str:
    try:
        return tree.module_name(path)
    except ValueError:
        # A model of one's own project: `NAME.models.alice.modeling_alice`, from the nearest `models` folder.
        parts = path.resolve().with_suffix("").parts
        index = len(parts) - 1 - parts[::-1].index("models") if "models" in parts else len(parts) - 2
        return ".".join(parts[max(index - 1, 0) :])


_READ: dict[tuple[Path, float], str] = {}


def read_file(path: Path) -> str:
    """The source of a parent file, read once per process (until the file changes)."""
    path = Path(path)
    key = (path.resolve(), path.stat().st_mtime)
    if key not in _READ:
        _READ[key] = path.read_text(encoding="utf-8")
    return _READ[key]
