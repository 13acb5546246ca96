"""Imports a modular file cannot state as the target states them: how it states them instead, and what an
import binds (to tell that the other spelling binds the same object).

The converter takes an import from a model's file (`from ..clip.modeling_clip import X`, `from
transformers.models.llama4.configuration_llama4 import X`) for a parent to copy code from: it drops the import
(`auto.modeling_auto` aside). A hand-written model that imports such an object to use it is stated the way the
converter passes through: the model's own files as siblings (`from .configuration_llama4 import X`), another
model's object from that model's package (`from ..auto import AutoConfig`), when the package exports it.
"""

from __future__ import annotations

import ast
import dataclasses
from functools import lru_cache
from pathlib import Path

from modgen.errors import UsageError
from modgen.modular.sources import is_model_specific
from modgen.modularize.imports import Binding
from modgen.repo import TransformersTree


MAX_HOPS = 6


def respell(binding: Binding, importer: Path) -> Binding | None:
    """The spelling of `binding` (an import of the file `importer`) that the converter keeps, if it needs one
    and has one: None when the binding is fine as it is, or when no other import binds the same object."""
    if binding.module is None or not is_model_specific(binding.module):
        return None
    module_path = _module_path(binding.module, importer)
    if module_path is None:
        return None
    if module_path.parent == importer.resolve().parent:  # the model's own file, named absolutely
        return dataclasses.replace(binding, module="." + module_path.stem)
    if binding.name not in _exported(module_path.parent):
        return None
    return dataclasses.replace(binding, module=binding.module.rsplit(".", 1)[0])  # the model's package


def origin(binding: Binding, importer: Path) -> tuple:
    """What a name is bound to, as a key: the file that defines it and its name there, following imports and a
    model package's exports (the guard too); for `import a.b`, the package `a`. A module outside the tree
    (`torch`) keys itself."""
    if binding.module is None:
        return (None, binding.name if binding.alias else binding.name.split(".")[0], binding.guard)
    key = (binding.module, binding.name)
    path, name = _module_path(binding.module, importer), binding.name
    for _ in range(MAX_HOPS):
        if path is None:
            break
        if path.name == "__init__.py" and name in _exported(path.parent):
            path = _exported(path.parent)[name]
        key = (str(path), name)
        found = _binding_in(path, name)
        if found is None:
            break
        path, name = _module_path(found.module, path), found.name
    return (*key, binding.guard)


def _module_path(module: str, importer: Path) -> Path | None:
    """The file of a module named in `importer` (relative, or `transformers.` in the tree it lies in)."""
    stripped = module.lstrip(".")
    level = len(module) - len(stripped)
    if level:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
    elif stripped.split(".")[0] == "transformers":
        try:
            base = TransformersTree.for_file(importer).package_dir.parent
        except UsageError:  # no transformers: nothing to resolve
            return None
    else:
        return None
    target = base.joinpath(*stripped.split(".")) if stripped else base
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


@lru_cache(maxsize=512)
def _exported(package: Path) -> dict[str, Path]:
    """name -> file, for the names a model package exports: those in its files' `__all__` (what transformers'
    lazy `__init__` serves); none for a package whose `__init__` is not lazy."""
    exported: dict[str, Path] = {}
    init = package / "__init__.py"
    if not init.is_file() or "define_import_structure" not in init.read_text(encoding="utf-8"):
        return exported
    for path in sorted(package.glob("*.py")):
        for name in _all_names(path):
            exported.setdefault(name, path)
    return exported


@lru_cache(maxsize=2048)
def _module(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _all_names(path: Path) -> list[str]:
    module = _module(path)
    for stmt in module.body if module is not None else []:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets)
            and isinstance(stmt.value, (ast.List, ast.Tuple))
        ):
            return [e.value for e in stmt.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _binding_in(path: Path, name: str) -> Binding | None:
    """The top-level `from ... import` of `path` that binds `name`, if that is how the file has it."""
    module = _module(path)
    for stmt in module.body if module is not None else []:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) == name:
                    return Binding("." * stmt.level + (stmt.module or ""), alias.name)
    return None
