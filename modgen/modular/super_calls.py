"""Unrolling `super().method(...)` in a merged class: the parent's body goes where the call was.

`super().__init__(config)` as a statement of a modular method is replaced by the parent method's body, merged with
what follows the call: assignments to the same target replace the parent's in place, `del self.x` removes the
parent's `self.x = ...`, new statements are appended, `self.post_init()` stays last and `super().__init__` stays
first when the parent had it first. Calls such as `nn.Module.__init__(self)` before it become `super().__init__()`
when `nn.Module` is a base of the generated class: that is how a modular method skips unrolling.
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m


DOCSTRING = m.SimpleStatementLine(
    body=[m.Expr(value=m.SimpleString(value=m.MatchIfTrue(lambda value: re.search(r'"""[\s\S]*"""', value))))]
)


def is_docstring(node: cst.CSTNode) -> bool:
    return m.matches(node, DOCSTRING)


def full_attribute_name(node: cst.CSTNode) -> str | None:
    """`nn.Module` for `nn.Module`, `Llama` for `Llama`; None for anything else (a call, a subscript)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        value = full_attribute_name(node.value)
        return None if value is None else f"{value}.{node.attr.value}"
    return None


def _super_call(name: str) -> m.Call:
    return m.Call(func=m.Attribute(value=m.Call(func=m.Name("super")), attr=m.Name(name)))


def is_super_call_statement(node: cst.CSTNode, name: str) -> bool:
    call = _super_call(name)
    return m.matches(node, m.SimpleStatementLine(body=[m.Return(call)])) or m.matches(
        node, m.SimpleStatementLine(body=[m.Expr(call)])
    )


def parent_call_targets(bases: list[str]) -> set[str]:
    """Every `X` that `ParentCallToSuper` turns from `X.method(self, ...)` into `super()`."""
    targets = set(bases)
    if "GradientCheckpointingLayer" in bases:
        targets.add("nn.Module")
    if any("PreTrainedModel" in base for base in bases):
        targets.add("PreTrainedModel")
    return targets


class ParentCallToSuper(cst.CSTTransformer):
    """`Base.method(self, ...)` -> `super().method(...)` when `Base` is a base of the generated class."""

    def __init__(self, bases: list[str]):
        super().__init__()
        self.targets = parent_call_targets(bases)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = updated_node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, (cst.Name, cst.Attribute))):
            return updated_node
        if full_attribute_name(func.value) in self.targets:
            args = updated_node.args
            if args and m.matches(args[0].value, m.Name("self")):
                args = args[1:]
            return updated_node.with_changes(func=func.with_changes(value=cst.Call(func=cst.Name("super"))), args=args)
        return updated_node


class SuperCallUnroller:
    """Unroll the super calls of the modular methods of one merged class (one instance per class: like upstream,
    the override and `del` tables are shared by all methods of the class)."""

    def __init__(
        self,
        module: cst.Module,
        parent_methods: dict,
        modular_methods: dict,
        bases: list[str],
        where,
        used_names: set[str] | None = None,
    ):
        self.module = module
        # `used_names` (every name the modular class uses): when no base is among them, no statement can hold a
        # `Base.method(self)` call, and visiting every statement for one is skipped (a costly libcst pass).
        self.parent_calls = used_names is None or not {
            target.split(".")[-1] for target in parent_call_targets(bases)
        }.isdisjoint(used_names)
        self.parent_methods = parent_methods
        self.modular_methods = modular_methods
        self.bases = bases
        self.where = where  # callable(name) -> ModgenError for a super call with no parent method
        self._texts: dict[int, tuple[cst.CSTNode, str]] = {}
        self.overrides: dict[str, cst.CSTNode] = {}
        self.deleted: dict[str, cst.CSTNode] = {}

    def _text(self, node: cst.CSTNode) -> str:
        """The statement's code without comments or trailing spaces (computed once per statement)."""
        cached = self._texts.get(id(node))
        if cached is None or cached[0] is not node:
            code = re.sub(r"#.*", "", self.module.code_for_node(node)).strip()
            cached = (node, re.sub(r"\ *\n", "\n", code).strip())
            self._texts[id(node)] = cached
        return cached[1]

    def unroll(self, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        name = updated_node.name.value
        if name not in self.modular_methods:
            return updated_node
        statements = updated_node.body.body
        new_body = []
        for index, statement in enumerate(statements):
            if is_super_call_statement(statement, name):
                if name not in self.parent_methods:
                    raise self.where(name)
                parent_body = self.parent_methods[name].body.body
                new_body.extend(self._merge(parent_body, statements[index + 1 :]))
                new_body = self._keep_init_first(new_body, parent_body)
                break
            new_body.append(statement.visit(ParentCallToSuper(self.bases)) if self.parent_calls else statement)
        return updated_node.with_changes(body=updated_node.body.with_changes(body=new_body))

    def _merge(self, parent_body, new_statements) -> list:
        for node in new_statements:
            if m.matches(node, m.SimpleStatementLine(body=[m.Assign()])):
                self.overrides[self.module.code_for_node(node.body[0].targets[0].target)] = node
            if m.matches(node, m.SimpleStatementLine(body=[m.Del()])):
                self.deleted[self.module.code_for_node(node.body[0].target)] = node
        merged, seen = [], set()
        for statement in parent_body:
            if m.matches(statement, m.SimpleStatementLine(body=[m.Assign()])):
                target = self.module.code_for_node(statement.body[0].targets[0].target)
                if target in self.deleted:
                    continue
                statement = self.overrides.get(target, statement)
            elif m.matches(statement, m.SimpleStatementLine(body=[m.AnnAssign()])):
                # 5.23: `del self.x` also removes an annotated `self.x: T = ...`.
                if self.module.code_for_node(statement.body[0].target) in self.deleted:
                    continue
            elif is_docstring(statement):
                continue
            merged.append(statement)
        if new_statements:
            seen = {self._text(statement) for statement in merged}
        for node in new_statements:
            text = self._text(node)
            is_del = m.matches(node, m.SimpleStatementLine(body=[m.Del()]))
            if not any(node is kept for kept in merged) and text not in seen and not is_del:
                merged.append(node)
                seen.add(text)
        for index, node in enumerate(merged[:-1]):
            # Only simple statements are looked at: rendering every block would cost more than the whole merge.
            if isinstance(node, cst.SimpleStatementLine) and "self.post_init(" in self._text(node):
                merged.append(merged.pop(index))
                break
        return merged

    def _keep_init_first(self, body: list, parent_body) -> list:
        """Move `super().__init__` back to the top when the parent had it first (after its docstring)."""
        first = next((stmt for stmt in parent_body if not is_docstring(stmt)), None)
        if first is None or "super().__init__" not in self._text(first):
            return body
        start = 0
        for index, node in enumerate(body):
            if index == start and is_docstring(node):
                start += 1
                continue
            if "super().__init__" in self._text(node) and index > start:
                return body[:start] + [body[index]] + body[start:index] + body[index + 1 :]
        return body
