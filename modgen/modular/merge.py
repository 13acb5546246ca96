"""Merging a modular class into the (renamed) parent class it inherits from.

The result keeps the parent's body in the parent's order, with the modular file's attributes replacing the
parent's in place (or deleting them: `attr = AttributeError()`), its methods replacing the parent's (or deleting
them: a body that only raises `...Error(`), its new methods appended, and `super()` calls unrolled.
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m

from modgen.errors import ModgenError
from modgen.modular.casing import Casing, common_partial_suffix
from modgen.modular.mapper import EMPTY_MODULE
from modgen.modular.rename import NamePatterns, rename_docs
from modgen.modular.super_calls import SuperCallUnroller, full_attribute_name, is_docstring


_DELETED_METHOD = re.compile(r"\ndef .*\(.*\).*:[ \t]*(#.*)?\n    raise.*Error\(.*")
NO_INHERIT = "no_inherit_decorator"


def method_key(node: cst.CSTNode, module: cst.Module) -> str:
    """Methods by name (a property setter as `<name>_setter`), other statements by their source text."""
    if isinstance(node, cst.FunctionDef):
        setter = any(
            isinstance(d.decorator, cst.Attribute) and d.decorator.attr.value in ("setter", "deleter")
            for d in node.decorators
        )
        return node.name.value + ("_setter" if setter else "")
    if isinstance(node, cst.ClassDef):
        return node.name.value
    return f"<statement {id(node)}>"  # other statements only need a key that no method name can take


def attribute_key(node: cst.CSTNode, module: cst.Module) -> str | None:
    """The target of a class attribute (`x = ...` or `x: T = ...`), None for other statements."""
    if m.matches(node, m.SimpleStatementLine(body=[m.Assign()])):
        return module.code_for_node(node.body[0].targets[0].target)
    if m.matches(node, m.SimpleStatementLine(body=[m.AnnAssign()])):
        return module.code_for_node(node.body[0].target)
    return None


def is_attribute_deletion(node: cst.CSTNode) -> bool:
    """`attr = AttributeError()`: remove the parent's attribute."""
    return m.matches(
        node, m.SimpleStatementLine(body=[m.Assign(value=m.Call(func=m.Name("AttributeError")))])
    ) or m.matches(node, m.SimpleStatementLine(body=[m.AnnAssign(value=m.Call(func=m.Name("AttributeError")))]))


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


def merge_class(
    node: cst.ClassDef,
    parent_node: cst.ClassDef,
    parent_module: cst.Module,
    renamed_parent_class: str,
    parent_class: str,
    casing: Casing,
    error,
    used_names: set[str] | None = None,
) -> cst.ClassDef:
    """`node` (the modular class, inheriting `parent_class`) merged into `parent_node` (its renamed parent).

    `error(message)` builds the ModgenError to raise, pointing at the modular class; `used_names`, every name the
    modular class uses, when known (it saves work).
    """
    all_bases = [full_attribute_name(base.value) for base in node.bases]
    if None in all_bases:
        raise error(f"cannot read the bases of class {node.name.value}: use plain (dotted) names")
    name = node.name
    if name.value != renamed_parent_class:
        # `ColPaliForRetrieval(PaliGemmaForConditionalGeneration)`: rename the docs from the old suffix to the new.
        suffix = common_partial_suffix(name.value, renamed_parent_class)
        old, new = renamed_parent_class.replace(suffix, ""), name.value.replace(suffix, "")
        parent_node = rename_docs(parent_node, NamePatterns(casing.snake(old), casing.snake(new), casing))
    extra = [arg for arg, base in zip(node.bases, all_bases, strict=True) if base != parent_class]
    bases = merge_bases(parent_node, extra)

    modular_body = node.body.body
    parent_body = parent_node.body.body
    parent_methods = {method_key(f, parent_module): f for f in parent_body}
    modular_methods = {method_key(f, parent_module): f for f in modular_body}
    modular_attributes = {key for f in modular_body if (key := attribute_key(f, parent_module)) is not None}

    docstring: list = []
    attributes: dict[str, cst.CSTNode] = {}
    methods: list = []
    for statement in parent_body:
        key = method_key(statement, parent_module)
        if isinstance(statement, cst.FunctionDef):
            if statement.name.value in modular_attributes:
                continue  # 5.23: a modular attribute shadows the parent method of that name
            replacement = modular_methods.get(key)
            if isinstance(replacement, cst.FunctionDef):
                if _raises_first(replacement) and _DELETED_METHOD.match(parent_module.code_for_node(replacement)):
                    continue
                statement = _merge_method(statement, replacement, error)
            methods.append(statement)
        elif (target := attribute_key(statement, parent_module)) is not None:
            attributes[target] = statement
        elif is_docstring(statement):
            docstring = [statement]

    for statement in modular_body:
        if is_docstring(statement):
            value = cst.Expr(value=cst.SimpleString(value=statement.body[0].value.value))
            docstring = [docstring[0].with_changes(body=[value]) if docstring else cst.SimpleStatementLine([value])]
        elif isinstance(statement, cst.FunctionDef):
            if method_key(statement, parent_module) not in parent_methods:
                methods.append(statement)
        elif (target := attribute_key(statement, parent_module)) is not None:
            if is_attribute_deletion(statement):
                attributes.pop(target, None)
            else:
                attributes[target] = statement

    body = docstring + list(attributes.values()) + methods
    bases_names = [full_attribute_name(base.value) for base in bases]
    unroller = SuperCallUnroller(
        EMPTY_MODULE,
        parent_methods,
        modular_methods,
        bases_names,
        lambda method: error(
            f"{node.name.value}.{method} calls super().{method}(), but {parent_class} does not define {method} itself",
            hint=f"call the grandparent explicitly (`Base.{method}(self, ...)`), or write the method in full",
        ),
        used_names,
    )
    # Only the class's own methods are unrolled (upstream also visits nested functions, which never matters).
    body = [unroller.unroll(statement) if isinstance(statement, cst.FunctionDef) else statement for statement in body]
    decorators = merged_decorators(node, parent_node, error)
    return parent_node.with_changes(body=cst.IndentedBlock(body=body), decorators=decorators, bases=bases, name=name)


def _raises_first(method: cst.FunctionDef) -> bool:
    body = method.body.body
    return bool(body) and m.matches(body[0], m.SimpleStatementLine(body=[m.Raise()]))


def _merge_method(parent: cst.FunctionDef, modular: cst.FunctionDef, error) -> cst.FunctionDef:
    params = modular.params
    star_kwarg = modular.params.star_kwarg
    if isinstance(star_kwarg, cst.Param) and star_kwarg.name.value == "super_kwargs":
        # `**super_kwargs`: the parent's signature, with the modular parameters overriding or appended.
        merged = {p.name.value: p for p in parent.params.params}
        merged.update({p.name.value: p for p in modular.params.params[1:]})
        params = params.with_changes(params=list(merged.values()), star_kwarg=parent.params.star_kwarg)
    body = modular.body
    if body.body and not is_docstring(body.body[0]) and parent.body.body and is_docstring(parent.body.body[0]):
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
