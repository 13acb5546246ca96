"""Merging a modular class into the (renamed) parent class it inherits from.

The result keeps the parent's body in the parent's order, with the modular file's attributes replacing the
parent's in place (or deleting them: `attr = AttributeError()`), its methods replacing the parent's (or deleting
them: a body that only raises `...Error(`), its new methods appended, and `super()` calls unrolled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from modgen.errors import ModgenError
from modgen.modular.casing import Casing, common_partial_suffix
from modgen.modular.class_body import (
    ATTRIBUTE,
    DOCSTRING,
    METHOD,
    BodyStatement,
    ClassPieces,
    DocsRenamedStatement,
    NodeTable,
    class_code,
    header_names,
    print_header,
)
from modgen.modular.mapper import EMPTY_MODULE
from modgen.modular.rename import NamePatterns, rename_docs
from modgen.modular.super_calls import SuperCallUnroller, full_attribute_name, is_docstring, parent_call_targets


_DELETED_METHOD = re.compile(r"\ndef .*\(.*\).*:[ \t]*(#.*)?\n    raise.*Error\(.*")
NO_INHERIT = "no_inherit_decorator"


def merged_decorators(modular: cst.CSTNode, parent: cst.CSTNode, error) -> tuple:
    """The modular node's decorators if any (`@no_inherit_decorator` alone: none at all), else the parent's."""
    names = [full_attribute_name(d.decorator) for d in modular.decorators]
    if NO_INHERIT in names:
        if len(names) > 1:
            raise error(f"@{NO_INHERIT} cannot be combined with other decorators")
        return ()
    return modular.decorators if modular.decorators else parent.decorators


def merge_bases(parent_node: cst.ClassDef, extra: list[cst.Arg]) -> list[cst.Arg]:
    """The parent's bases, where an extra modular base sharing a suffix with one replaces it; other extras appended."""
    used = set()
    bases = []
    for base in parent_node.bases:
        new_base = base
        if isinstance(base.value, cst.Name):
            for arg in extra:
                name = full_attribute_name(arg.value)
                suffix = common_partial_suffix(base.value.value, name)
                # 5.23: a base whose name ends with the parent base's (`OmniModalProcessorMixin` for
                # `ProcessorMixin`) subsumes it.
                if (suffix and suffix[0].isupper()) or name.endswith(base.value.value):
                    new_base = base.with_changes(value=base.value.with_changes(value=name))
                    used.add(name)
                    break
        bases.append(new_base)
    present = {full_attribute_name(base.value) for base in bases}
    for arg in extra:
        name = full_attribute_name(arg.value)
        if name not in used and name not in present:
            bases.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT))
            present.add(name)
    names = [full_attribute_name(base.value) for base in bases]
    if "nn.Module" in names and "GradientCheckpointingLayer" in names:
        bases = [base for base in bases if full_attribute_name(base.value) != "nn.Module"]
    if bases:
        bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return bases


@dataclass
class MergedClass:
    code: str
    names: set[str]  # every `Name`-like token of the code (see `ast_names`): what its dependencies are read from
    loaded: set[str]  # the names the code reads (see `ast_loaded_names`): what its file's imports are kept for


def merge_class(
    modular: ClassPieces,
    parent: ClassPieces,
    renamed_parent_class: str,
    parent_class: str,
    casing: Casing,
    error,
    used_names: set[str] | None = None,
) -> MergedClass:
    """`modular` (the modular class, inheriting `parent_class`) merged into `parent` (its renamed parent).

    `error(message)` builds the ModgenError to raise, pointing at the modular class; `used_names`, every name the
    modular class uses, when known (it saves work). Statements the merge does not change are copied as text.
    """
    own = modular.header  # the modular class's `class` line: its name, bases, decorators
    all_bases = [full_attribute_name(base.value) for base in own.bases]
    if None in all_bases:
        raise error(f"cannot read the bases of class {own.name.value}: use plain (dotted) names")
    name = own.name
    if name.value != renamed_parent_class:
        # `ColPaliForRetrieval(PaliGemmaForConditionalGeneration)`: rename the docs from the old suffix to the new.
        suffix = common_partial_suffix(name.value, renamed_parent_class)
        old, new = renamed_parent_class.replace(suffix, ""), name.value.replace(suffix, "")
        parent = _docs_renamed(parent, NamePatterns(casing.snake(old), casing.snake(new), casing))
    extra = [arg for arg, base in zip(own.bases, all_bases, strict=True) if base != parent_class]
    bases = merge_bases(parent.header, extra)

    parent_methods = {statement.key: statement for statement in parent.statements}
    modular_methods = {statement.key: statement for statement in modular.statements}
    modular_attributes = {statement.target for statement in modular.statements if statement.kind == ATTRIBUTE}

    docstring: list[BodyStatement] = []
    attributes: dict[str, BodyStatement] = {}
    methods: list[BodyStatement] = []
    for statement in parent.statements:
        if statement.kind == METHOD:
            if statement.name in modular_attributes:
                continue  # 5.23: a modular attribute shadows the parent method of that name
            replacement = modular_methods.get(statement.key)
            if replacement is not None and replacement.kind == METHOD:
                statement = merge_method(statement, replacement, error)
                if statement is None:
                    continue
            methods.append(statement)
        elif statement.kind == ATTRIBUTE:
            attributes[statement.target] = statement
        elif statement.kind == DOCSTRING:
            docstring = [statement]

    for statement in modular.statements:
        if statement.kind == DOCSTRING:
            value = cst.Expr(value=cst.SimpleString(value=statement.node.body[0].value.value))
            line = docstring[0].node.with_changes(body=[value]) if docstring else cst.SimpleStatementLine([value])
            docstring = [BodyStatement.of_node(line)]
        elif statement.kind == METHOD:
            if statement.key not in parent_methods:
                methods.append(statement)
        elif statement.kind == ATTRIBUTE:
            if statement.deletes_attribute:
                attributes.pop(statement.target, None)
            else:
                attributes[statement.target] = statement

    body = docstring + list(attributes.values()) + methods
    bases_names = [full_attribute_name(base.value) for base in bases]
    unroller = SuperCallUnroller(
        EMPTY_MODULE,
        NodeTable(parent_methods),
        modular_methods,
        bases_names,
        lambda method: error(
            f"{own.name.value}.{method} calls super().{method}(), but {parent_class} does not define {method} itself",
            hint=f"call the grandparent explicitly (`Base.{method}(self, ...)`), or write the method in full",
        ),
        used_names,
    )
    # Only the class's own methods are unrolled (upstream also visits nested functions, which never matters).
    calls = parent_call_targets(bases_names) if unroller.parent_calls else set()
    body = [
        BodyStatement.of_node(unroller.unroll(statement.node))
        if statement.kind == METHOD
        and statement.name in modular_methods
        and (statement.is_modified or statement.may_call(statement.name, calls))
        else statement
        for statement in body
    ]
    decorators = merged_decorators(own, parent.header, error)
    header = print_header(parent.header.with_changes(decorators=decorators, bases=bases, name=name))
    names, loaded = header_names(header)
    names = names.union(*(statement.names() for statement in body))
    loaded = loaded.union(*(statement.loaded_names() for statement in body))
    return MergedClass(class_code(header, body), names, loaded)


def _docs_renamed(parent: ClassPieces, patterns: NamePatterns) -> ClassPieces:
    """`parent` renamed in its strings and comments only; statements where nothing matches stay as they are."""
    statements = [
        DocsRenamedStatement(
            None, statement.stmts, rename_docs(statement.node, patterns), statement.rename, statement.first_line
        )
        if patterns.regex.search(statement.text)
        else statement
        for statement in parent.statements
    ]
    return ClassPieces(rename_docs(parent.header, patterns), statements)


def merge_method(parent: BodyStatement, modular: BodyStatement, error) -> BodyStatement | None:
    """The parent's method overridden by the modular one; None when the modular one deletes it (its body only
    raises an error)."""
    if modular.may_raise_first:
        node = modular.node
        if _raises_first(node) and _DELETED_METHOD.match(EMPTY_MODULE.code_for_node(node)):
            return None
    parent_signature, modular_signature = parent.signature, modular.signature
    if (
        parent.stmts is not None
        and modular.stmts is not None
        and _keeps_modular_def(parent_signature, modular_signature)
    ):
        # The modular method as written, under the comments above the parent's: no need to parse its body.
        return modular.under(parent.leading_text)
    return BodyStatement.of_node(_merge_method(parent_signature, modular.node, error))


# The parts of a `def` line that merging takes from the parent (the name aside, which is the same).
_DEF_LINE_FIELDS = (
    "asynchronous",
    "whitespace_after_def",
    "whitespace_after_name",
    "whitespace_before_params",
    "whitespace_before_colon",
    "type_parameters",
    "whitespace_after_type_parameters",
)


def _keeps_modular_def(parent: cst.FunctionDef, modular: cst.FunctionDef) -> bool:
    """Whether `_merge_method` gives the modular method's code unchanged: it takes no decorator, return type or
    docstring from the parent, has no `**super_kwargs`, and both `def` lines are spaced alike."""
    decorators = [full_attribute_name(d.decorator) for d in modular.decorators]
    return (
        NO_INHERIT not in decorators
        and bool(modular.decorators or not parent.decorators)
        and not _has_super_kwargs(modular)
        and (modular.returns is not None or parent.returns is None)
        and not _takes_parent_docstring(parent, modular)
        and all(_same(getattr(parent, field), getattr(modular, field)) for field in _DEF_LINE_FIELDS)
    )


def _same(first: cst.CSTNode | None, second: cst.CSTNode | None) -> bool:
    return first is second or (first is not None and second is not None and first.deep_equals(second))


def _has_super_kwargs(method: cst.FunctionDef) -> bool:
    star_kwarg = method.params.star_kwarg
    return isinstance(star_kwarg, cst.Param) and star_kwarg.name.value == "super_kwargs"


def _takes_parent_docstring(parent: cst.FunctionDef, modular: cst.FunctionDef) -> bool:
    body, parent_body = modular.body.body, parent.body.body
    return bool(body) and not is_docstring(body[0]) and bool(parent_body) and is_docstring(parent_body[0])


def _raises_first(method: cst.FunctionDef) -> bool:
    body = method.body.body
    return bool(body) and m.matches(body[0], m.SimpleStatementLine(body=[m.Raise()]))


def _merge_method(parent: cst.FunctionDef, modular: cst.FunctionDef, error) -> cst.FunctionDef:
    params = modular.params
    if _has_super_kwargs(modular):
        # `**super_kwargs`: the parent's signature, with the modular parameters overriding or appended.
        merged = {p.name.value: p for p in parent.params.params}
        merged.update({p.name.value: p for p in modular.params.params[1:]})
        params = params.with_changes(params=list(merged.values()), star_kwarg=parent.params.star_kwarg)
    body = modular.body
    if _takes_parent_docstring(parent, modular):
        body = body.with_changes(body=[parent.body.body[0], *body.body])
    return parent.with_changes(
        body=body,
        params=params,
        decorators=merged_decorators(modular, parent, error),
        returns=modular.returns or parent.returns,
    )


def class_error(path, line):
    def error(message: str, hint: str | None = None) -> ModgenError:
        return ModgenError(message, path=path, line=line, hint=hint)

    return error
