"""Helper modules of a parent: files beside its model files that its code imports (`generation_whisper.py`).

The flattener keeps `from .generation_whisper import WhisperGenerationMixin` as an import, renamed to
`from .generation_bob import BobGenerationMixin`, so the new model needs that module too: a copy of the parent's
helper with the names it defines renamed, and its own imports pointed back at where they resolve from the new
folder (the parent's sibling files it does not copy, such as the reused tokenizer; absolute `transformers.` imports
in a project of one's own).
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from modgen.repo import FILE_TYPES, split_file_name
from modgen.scaffold.context import LikeContext


def helper_modules(context: LikeContext) -> list[Path]:
    """The parent's helper modules its copied files import (`from .generation_whisper import ...`)."""
    helpers = {}
    for path in context.parent_files.values():
        for statement in cst.parse_module(path.read_text(encoding="utf-8")).body:
            module = _sibling_import(statement)
            if module is None:
                continue
            split = split_file_name(f"{module}.py")
            helper = path.parent / f"{module}.py"
            if (split is None or split[0] not in FILE_TYPES) and helper.is_file():
                helpers[helper] = None
    return list(helpers)


def _sibling_import(statement: cst.BaseStatement) -> str | None:
    if (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(node := statement.body[0], cst.ImportFrom)
        and len(node.relative) == 1
        and isinstance(node.module, cst.Name)
    ):
        return node.module.value
    return None


def imported_siblings(sources) -> set[str]:
    """The sibling modules (`generation_bob`) that generated files import with `from .X import ...`."""
    return {module for source in sources for s in cst.parse_module(source).body if (module := _sibling_import(s))}


def helper_name(context: LikeContext, helper: Path) -> str:
    """`generation_whisper.py` -> `generation_bob.py`, as the flattener renames the import."""
    stem = helper.name.removesuffix(".py")
    suffix = f"_{context.parent_file_stem}"
    return (stem[: -len(suffix)] + f"_{context.new_name}" if stem.endswith(suffix) else stem) + ".py"


class CopyHelper(cst.CSTTransformer):
    """Rename what the helper defines; point its imports at where they resolve from the new model's folder."""

    def __init__(self, context: LikeContext, renamed: dict[str, str]) -> None:
        self.context = context
        self.renamed = renamed

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.renamed[original.value]) if original.value in self.renamed else updated

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        level = len(original.relative)
        module = cst.Module([]).code_for_node(original.module) if original.module else ""
        if level == 1:  # a sibling file of the parent the new model does not copy: import the parent's
            target = f"{self.context.parent.name}.{module}"
            if self.context.in_transformers:
                return updated.with_changes(module=cst.parse_expression(target), relative=[cst.Dot()] * 2)
            return _absolute(updated, f"transformers.models.{target}")
        if level == 3 and not self.context.in_transformers:  # `...generation` -> `transformers.generation`
            return _absolute(updated, f"transformers.{module}" if module else "transformers")
        return updated


def _absolute(node: cst.ImportFrom, dotted: str) -> cst.ImportFrom:
    return node.with_changes(module=cst.parse_expression(dotted), relative=[])


def copy_helper(context: LikeContext, helper: Path) -> str:
    """The text of the new model's copy of `helper`."""
    module = cst.parse_module(helper.read_text(encoding="utf-8"))
    renamed = {}
    for name in _defined_names(module):
        new = context.rename_class(name)
        if new is not None:
            renamed[name] = new
    # The renames must not touch names imported into the helper (they are another module's).
    renamed = {k: v for k, v in renamed.items() if k not in _imported_names(module)}
    return module.visit(CopyHelper(context, renamed)).code


def _defined_names(module: cst.Module) -> set[str]:
    names = set()
    for statement in module.body:
        if isinstance(statement, cst.ClassDef | cst.FunctionDef):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    names.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
    return names


def _imported_names(module: cst.Module) -> set[str]:
    names = set()
    for statement in module.body:
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and isinstance(node := statement.body[0], cst.ImportFrom)
            and not isinstance(node.names, cst.ImportStar)
        ):
            names.update((a.asname.name if a.asname else a.name).value for a in node.names)
    return names
