"""`modgen like FILE.py --name NEW` on transformers-style code: the modular file states FILE's differences.

When FILE defines a `PreTrainedModel` or `PreTrainedConfig` subclass, it is a model already written in
transformers' style (a copy of the parent edited, Hub custom code, a legacy file): scaffolding empty subclasses
would throw its code away. Instead FILE (with the configuration file next to it, when it imports one) is renamed
to NEW and modularized against the parent `like` picked, verified by flattening it back; the parent's public
classes FILE does not define are added as `like` adds them, so that the registration, docs and tests `like` goes
on to write find every class they name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import libcst as cst

from modgen.errors import ModgenError
from modgen.formatting import ruff_config_for
from modgen.modular.absolute import make_absolute
from modgen.modular.convert import casing_for
from modgen.modular.rename import NamePatterns, rename_source
from modgen.modularize.engine import modularize_model
from modgen.modularize.target import TargetModel, parse_target
from modgen.repo import split_file_name


MODEL_BASES = re.compile(r"PreTrainedModel|Pre[Tt]rainedConfig")


def defines_model(text: str) -> bool:
    """Whether the code defines a `PreTrainedModel` or `PreTrainedConfig` subclass (transformers-style code)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.ClassDef) and any(MODEL_BASES.search(ast.unparse(base)) for base in node.bases)
        for node in tree.body
    )


def source_files(path: Path) -> list[Path]:
    """FILE, and the configuration file next to it when FILE imports its config from one."""
    files = [path]
    split = split_file_name(path)
    if split is not None and split[0] == "modeling":
        sibling = path.with_name(f"configuration_{split[1]}.py")
        if sibling.is_file() and f".configuration_{split[1]} import" in path.read_text(encoding="utf-8"):
            files.insert(0, sibling)
    return files


def _prefix(texts: list[str]) -> str | None:
    """The prefix of the model FILE defines: `Bob` for `BobConfig`, else for `BobPreTrainedModel`."""
    models = [
        node.name
        for text in texts
        for node in ast.parse(text).body
        if isinstance(node, ast.ClassDef) and any(MODEL_BASES.search(ast.unparse(base)) for base in node.bases)
    ]
    for suffix in ("Config", "PreTrainedModel"):
        for name in models:
            if name.endswith(suffix) and name != suffix:
                return name[: -len(suffix)]
    return None


def modular_like(context, classes) -> str | None:
    """The modular file of `like` for its transformers-style source file (`context.source`); None when the
    source is not transformers-style (then `like` scaffolds as usual). Raises ModgenError when the file cannot be
    modularized so that it flattens back."""
    files = source_files(Path(context.source))
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    if not any(defines_model(text) for text in texts.values()):
        return None
    casing = casing_for(context.tree)
    old = _prefix(list(texts.values()))
    targets = {}
    for path, text in texts.items():
        file_type = split_file_name(path)[0] if split_file_name(path) else "modeling"
        if old is not None and old != context.new_prefix:
            text = rename_source(text, NamePatterns(casing.snake(old), context.new_name, casing), context.new_name)
        text = imports_for(text, inside_transformers=context.in_transformers)
        virtual = context.model_dir / f"{file_type}_{context.new_name}.py"
        targets[file_type] = parse_target(virtual, text)
    target = TargetModel(context.new_name, context.model_dir, targets)
    parents = list(context.parent_files.values())
    result = modularize_model(target, parents, context.tree, ruff_config_for(context.repo.root))
    if result.check.error is not None or not (result.check.ast_identical or result.check.equivalent):
        raise ModgenError(
            f"{context.source} could not be made a modular file of {context.new_name} that flattens back to it",
            path=context.source,
            hint="modularize it first with `modgen modularize` to see what differs, or give a model name as PARENT",
        )
    return _with_like_classes(result.text, target, context, classes)


def _with_like_classes(text: str, target: TargetModel, context, classes) -> str:
    """The modular file, with the parent's public classes the source does not define added as `like` adds
    them (a subclass that changes nothing; a config with the new model type), and in `__all__`."""
    defined = {obj.name for file in target.files.values() for obj in file.objects}
    missing = [c for c in classes if c.name not in defined]
    if not missing:
        return text
    imports = "".join(f"from {_module(context, c.file_type)} import {c.parent}\n" for c in missing)
    added = "".join(
        f"\n\nclass {c.name}({c.parent}):\n    "
        + (f'model_type = "{c.model_type}"' if c.model_type else "pass")
        + "\n"
        for c in missing
    )
    text = _without_imports_of(text, {c.name for c in missing})
    tree = ast.parse(text)
    first = next((n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr))), None)
    lines = text.splitlines(keepends=True)
    cut = (min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))]) - 1) if first else len(lines)
    body = "".join(lines[cut:])
    names = [name for file in target.files.values() for name in file.all_names] + [c.name for c in missing]
    body = re.sub(r"\n*__all__ = \[[^\]]*\]\n?", "", body)
    listed = ", ".join(f'"{name}"' for name in dict.fromkeys(names))
    return "".join(lines[:cut]) + imports + "\n\n" + body.rstrip("\n") + "\n" + added + f"\n\n__all__ = [{listed}]\n"


def _without_imports_of(text: str, names: set[str]) -> str:
    """`text` without the imports of `names` (a config the source imports from its sibling file, which the
    modular file now defines)."""
    lines = text.splitlines(keepends=True)
    for node in reversed(ast.parse(text).body):
        if isinstance(node, ast.ImportFrom) and any(alias.name in names for alias in node.names):
            kept = [alias for alias in node.names if alias.name not in names]
            module = "." * node.level + (node.module or "")
            clause = ", ".join(ast.unparse(alias) for alias in kept)
            lines[node.lineno - 1 : node.end_lineno] = [f"from {module} import {clause}\n"] if kept else []
    return "".join(lines)


class _Spelling(cst.CSTTransformer):
    """transformers' imports spelt as the new model's place needs them: relatively inside transformers
    (`from ...modeling_utils import X`), absolutely in a project of one's own (`from transformers.modeling_utils`)."""

    def __init__(self, inside_transformers: bool):
        super().__init__()
        self.inside = inside_transformers

    def visit_FunctionDef(self, node) -> bool:
        return False  # imports inside functions stay as they are

    def visit_ClassDef(self, node) -> bool:
        return False

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        module = cst.Module([]).code_for_node(updated_node.module) if updated_node.module is not None else ""
        level = len(updated_node.relative)
        if self.inside and level == 0 and module.split(".")[0] == "transformers" and "." in module:
            parts = module.split(".")[1:]
            if parts[0] == "models" and len(parts) > 2:
                dots, parts = 2, parts[1:]
            else:
                dots = 3
            return updated_node.with_changes(relative=[cst.Dot()] * dots, module=cst.parse_expression(".".join(parts)))
        if not self.inside and level >= 2:
            absolute = make_absolute(
                cst.SimpleStatementLine([updated_node]), "transformers.models.source.modeling_source"
            )
            return absolute.body[0]
        return updated_node


def imports_for(text: str, *, inside_transformers: bool) -> str:
    """`text` with its imports of transformers spelt for where the new model lives."""
    return cst.parse_module(text).visit(_Spelling(inside_transformers)).code


def _module(context, file_type: str) -> str:
    module = context.parent_module(file_type)
    return ".." + module.removeprefix("transformers.models.") if context.in_transformers else module
