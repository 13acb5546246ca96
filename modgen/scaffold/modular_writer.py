"""`modular_NEW.py`: one class per public class of the parent, inheriting from it, renamed.

The configuration classes get the new model types (`model_type = "bob"`, `"bob_text_model"` for a sub-config with
its own type); every other class is a bare `pass` subclass that the user then edits. Parents are imported
relatively inside transformers (`from ..llama.modeling_llama import LlamaModel`) and absolutely in a project of
one's own (`from transformers.models.llama.modeling_llama import LlamaModel`).

Library classes (imported by the parent from outside `models/`) are never renamed, but inside transformers the
flattener renames every name holding the parent's, as upstream's converter does: `Wav2Vec2BaseModelOutput` from
`...modeling_outputs` would become `SpeechyBaseModelOutput`, which no module defines. So the modular file defines
that name as an alias of the library class, as upstream's modular files do
(`Data2VecAudioBaseModelOutput = Wav2Vec2BaseModelOutput`).
"""

from __future__ import annotations

import ast
import datetime
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from modgen.errors import ModgenError
from modgen.modular.casing import Casing
from modgen.modular.rename import NamePatterns
from modgen.scaffold.context import LikeContext


@dataclass(frozen=True)
class CopiedClass:
    file_type: str  # the parent file it comes from, and so the generated file it lands in
    parent: str  # `LlamaModel`
    name: str  # `BobModel`
    model_type: str | None = None  # the new model type of a config class


@dataclass(frozen=True)
class ParentClass:
    name: str
    model_type: str | None  # `model_type = "..."` in the class body, for configs
    defines_forward: bool
    # A deprecated alias (bart's `BartPretrainedModel`): its methods only warn. A new model does not copy it.
    deprecated: bool = False


def read_public_classes(path: Path) -> list[ParentClass]:
    """The classes of `path` listed in its `__all__`, in definition order."""
    try:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
    except cst.ParserSyntaxError as error:
        raise ModgenError.from_syntax_error(error, path, what="does not parse") from error
    public = set(_all_names(module))
    return [
        _parent_class(node) for node in module.body if isinstance(node, cst.ClassDef) and node.name.value in public
    ]


def _all_names(module: cst.Module) -> list[str]:
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and any(isinstance(t.target, cst.Name) and t.target.value == "__all__" for t in small.targets)
                and isinstance(small.value, cst.List | cst.Tuple)
            ):
                return [e.value.evaluated_value for e in small.value.elements if isinstance(e.value, cst.SimpleString)]
    return []


def _parent_class(node: cst.ClassDef) -> ParentClass:
    model_type = None
    defines_forward = False
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "forward":
            defines_forward = True
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                target = _assigned_name(small)
                if target == "model_type" and isinstance(small.value, cst.SimpleString):
                    model_type = small.value.evaluated_value
    return ParentClass(node.name.value, model_type, defines_forward, _only_warns(node))


_DEPRECATION_WARNINGS = {"FutureWarning", "DeprecationWarning"}


def _only_warns(node: cst.ClassDef) -> bool:
    """Whether every statement of the class is a method that warns of a deprecation (docstrings aside)."""
    tree = ast.parse(cst.Module(body=[node]).code).body[0]
    body = [s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return bool(body) and all(
        isinstance(s, ast.FunctionDef)
        and any(
            isinstance(call, ast.Call)
            and ast.unparse(call.func) in ("warnings.warn", "warn")
            and any(ast.unparse(a) in _DEPRECATION_WARNINGS for a in [*call.args, *(k.value for k in call.keywords)])
            for call in ast.walk(s)
        )
        for s in body
    )


def _assigned_name(small: cst.BaseSmallStatement) -> str | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        return small.target.value
    return None


def deprecated_classes(context: LikeContext) -> list[str]:
    """The parent's public classes that only warn of their deprecation: not copied."""
    return [c.name for path in context.parent_files.values() for c in read_public_classes(path) if c.deprecated]


def copied_classes(context: LikeContext) -> list[CopiedClass]:
    """Every class the new model defines, by parent file, in the parent's definition order."""
    classes = []
    for file_type, path in context.parent_files.items():
        for parent in read_public_classes(path):
            if parent.deprecated:
                continue
            name = context.rename_class(parent.name)
            if name is None:
                continue  # not the parent's own class (re-exported from elsewhere): inherited as it is
            model_type = context.model_types.get(parent.model_type) if parent.model_type else None
            classes.append(CopiedClass(file_type, parent.name, name, model_type))
    if not any(c.file_type == "configuration" for c in classes):
        raise ModgenError(
            f"no public config class with the prefix {context.parent_prefix!r} in __all__",
            path=context.parent_files["configuration"],
            hint="modgen like needs a parent whose configuration file exports its config class",
        )
    return classes


@dataclass(frozen=True)
class LibraryAlias:
    """`SpeechyBaseModelOutput = Wav2Vec2BaseModelOutput`, with the library class imported from `module`."""

    module: str  # as the parent imports it: `...modeling_outputs`
    name: str  # `Wav2Vec2BaseModelOutput`
    alias: str  # `SpeechyBaseModelOutput`


def library_aliases(context: LikeContext) -> list[LibraryAlias]:
    """The aliases the modular file needs: one per name the parent imports from outside `models/` that the
    flattener would rename (only inside transformers; in a project it keeps such names as they are)."""
    if not context.in_transformers:
        return []
    casing = Casing({**context.tree.config_mapping, context.new_name: context.new_config_class})
    patterns = NamePatterns(context.parent.name, context.new_name, casing)
    aliases = {}
    for path in context.parent_files.values():
        for statement in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(statement, ast.ImportFrom) or not _is_library(statement):
                continue
            module = "." * statement.level + (statement.module or "")
            for imported in statement.names:
                name = imported.asname or imported.name
                renamed = patterns.replace(name)
                if renamed != name:
                    aliases.setdefault(name, LibraryAlias(module, name, renamed))
    return list(aliases.values())


def _is_library(statement: ast.ImportFrom) -> bool:
    """`from ...modeling_outputs import ...` in a model file: a module of transformers outside `models/`."""
    return statement.level >= 3 and not (statement.module or "").startswith("models.")


LICENSE = """\
# Copyright {year} {owner}. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""


def license_header(context: LikeContext) -> str:
    owner = "The HuggingFace Team" if context.in_transformers else f"The {context.repo.package} Authors"
    return LICENSE.format(year=datetime.date.today().year, owner=owner)


def _dotted(name: str) -> cst.Attribute | cst.Name:
    parts = name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _import(context: LikeContext, file_type: str, names: list[str]) -> cst.SimpleStatementLine:
    """`from ..llama.modeling_llama import ...` in transformers, `from transformers.models.llama...` elsewhere."""
    aliases = [cst.ImportAlias(cst.Name(n)) for n in names]
    if context.in_transformers:
        module, relative = (
            _dotted(context.parent_module(file_type).removeprefix("transformers.models.")),
            [cst.Dot()] * 2,
        )
    else:
        module, relative = _dotted(context.parent_module(file_type)), []
    return cst.SimpleStatementLine([cst.ImportFrom(module=module, names=aliases, relative=relative)])


def _class(copied: CopiedClass) -> cst.ClassDef:
    if copied.model_type is not None:
        body = [
            cst.SimpleStatementLine(
                [cst.Assign([cst.AssignTarget(cst.Name("model_type"))], cst.SimpleString(f'"{copied.model_type}"'))]
            )
        ]
    else:
        body = [cst.SimpleStatementLine([cst.Pass()])]
    return cst.ClassDef(
        name=cst.Name(copied.name),
        bases=[cst.Arg(cst.Name(copied.parent))],
        body=cst.IndentedBlock(body),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )


def _all(names: list[str]) -> cst.SimpleStatementLine:
    elements = [cst.Element(cst.SimpleString(f'"{n}"')) for n in names]
    value = cst.List(elements)
    assign = cst.Assign([cst.AssignTarget(cst.Name("__all__"))], value)
    return cst.SimpleStatementLine([assign], leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def _library_import(module: str, names: list[str]) -> cst.SimpleStatementLine:
    level = len(module) - len(module.lstrip("."))
    return cst.SimpleStatementLine(
        [
            cst.ImportFrom(
                module=_dotted(module[level:]),
                names=[cst.ImportAlias(cst.Name(n)) for n in names],
                relative=[cst.Dot()] * level,
            )
        ]
    )


def _alias(alias: LibraryAlias, first: bool) -> cst.SimpleStatementLine:
    assign = cst.Assign([cst.AssignTarget(cst.Name(alias.alias))], cst.Name(alias.name))
    return cst.SimpleStatementLine([assign], leading_lines=[cst.EmptyLine(), cst.EmptyLine()] if first else [])


def modular_source(context: LikeContext, classes: list[CopiedClass], aliases: list[LibraryAlias] = ()) -> str:
    """The text of `modular_NEW.py` (formatted later, with the rest, by ruff): the one place it is written."""
    if context.source is not None:  # `like FILE.py`: transformers-style code keeps its differences
        from modgen.modularize.like import modular_like

        text = modular_like(context, classes)
        if text is not None:
            return text
    by_module: dict[str, list[str]] = {}
    for alias in aliases:
        by_module.setdefault(alias.module, []).append(alias.name)
    by_file: dict[str, list[str]] = {}
    for copied in classes:
        by_file.setdefault(copied.file_type, []).append(copied.parent)
    imports = [_library_import(module, names) for module, names in by_module.items()]
    imports += [_import(context, file_type, names) for file_type, names in by_file.items()]
    definitions = [_alias(alias, index == 0) for index, alias in enumerate(aliases)]
    body = [*imports, *definitions, *(_class(c) for c in classes), _all([c.name for c in classes])]
    module = cst.Module(
        body=body, header=[cst.EmptyLine(comment=cst.Comment(line)) for line in _header_lines(context)]
    )
    return module.code


def _header_lines(context: LikeContext) -> list[str]:
    return [line.rstrip() for line in license_header(context).splitlines()]
