"""Making a parent's relative imports absolute, for output that lives outside the parent's package."""

from __future__ import annotations

import libcst as cst

from modgen.modular.sources import is_generated_file


def _absolute_module(node: cst.ImportFrom, parent_key: str) -> cst.ImportFrom:
    level = len(node.relative)
    module = cst.Module([]).code_for_node(node.module) if node.module is not None else ""
    if level == 0 or (level == 1 and is_generated_file(module)):
        return node  # absolute already, or a sibling file the new model also has (`.configuration_bob`)
    package = parent_key.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    tail = [cst.Module([]).code_for_node(node.module)] if node.module is not None else []
    dotted = ".".join(base + tail)
    return node.with_changes(relative=[], module=cst.parse_expression(dotted))


def make_absolute(node: cst.CSTNode, parent_key: str) -> cst.CSTNode:
    """`from ...modeling_utils import X` in `transformers.models.llama.modeling_llama` -> `from transformers....`."""
    if isinstance(node, cst.SimpleStatementLine) and isinstance(node.body[0], cst.ImportFrom):
        return node.with_changes(body=[_absolute_module(node.body[0], parent_key)])
    if isinstance(node, cst.If):
        return node.with_changes(
            body=node.body.with_changes(body=[make_absolute(statement, parent_key) for statement in node.body.body])
        )
    return node
