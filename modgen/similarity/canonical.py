"""The canonical form of a definition: what is left of it once renaming cannot change it.

Two copies of a class that differ only by the model's prefix (`LlamaMLP` / `MistralMLP`), by local or argument
names, by docstrings, comments or type hints, have the same canonical form. The similarity features are read
from it, and equal canonical forms mean "identical after renaming".
"""

from __future__ import annotations

import ast
import re
import zlib
from collections.abc import Iterable


def name_key(text: str) -> str:
    """`Qwen2_5_VL` -> `qwen25vl`: how a model name is compared with the start of an identifier."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def prefix_keys(file_stem: str, class_names: Iterable[str]) -> tuple[str, ...]:
    """The model prefixes a file's identifiers may start with, longest first.

    From the file name (`modeling_qwen2_5_vl` -> `qwen25vl`) and from the class that names the model's
    base (`Qwen2_5_VLPreTrainedModel` -> `qwen25vl`): a fork that kept upstream names is recognised too.
    """
    stem = file_stem
    for head in ("modeling_", "modular_"):
        stem = stem.removeprefix(head)
    keys = {name_key(stem)}
    for name in class_names:
        for suffix in ("PreTrainedModel", "PretrainedModel", "Config"):
            if name.endswith(suffix) and len(name) > len(suffix):
                keys.add(name_key(name[: -len(suffix)]))
    return tuple(sorted((k for k in keys if len(k) >= 2), key=len, reverse=True))


def strip_prefix(identifier: str, keys: tuple[str, ...]) -> str:
    """`LlamaDecoderLayer` -> `DecoderLayer`, at a CamelCase or `_` boundary only (never `logits` -> `loModels`)."""
    for key in keys:
        end = _prefix_end(identifier, key)
        if end is None:
            continue
        rest = identifier[end:].lstrip("_")
        if not rest:
            return "Model"
        if identifier[end] == "_" or rest[0].isupper() or rest[0].isdigit():
            return rest
    return identifier


def _prefix_end(identifier: str, key: str) -> int | None:
    """The index in `identifier` right after the characters that spell `key` (underscores skipped), if any."""
    matched = 0
    for index, char in enumerate(identifier):
        if matched == len(key):
            return index
        if char == "_":
            continue
        if char.lower() != key[matched]:
            return None
        matched += 1
    return len(identifier) if matched == len(key) else None


# Names research code and transformers give to a model's configuration object.
CONFIG_NAMES = frozenset({"config", "cfg", "conf", "args", "params", "hparams", "model_args", "model_config"})


class _Canonicalizer(ast.NodeTransformer):
    """Strips docstrings, annotations and model prefixes; renames arguments and locals by order of appearance."""

    def __init__(self, keys: tuple[str, ...], module_names: frozenset[str]):
        self.keys = keys
        self.module_names = module_names
        self.local_names: list[dict[str, str]] = []

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        if docstring and isinstance(body[0].value.value, str):
            body = body[1:] or [ast.Pass()]
        return body

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.name = strip_prefix(node.name, self.keys)
        node.body = self._body(node.body)
        self.generic_visit(node)
        return node

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef):
        node.name = strip_prefix(node.name, self.keys)
        node.body = self._body(node.body)
        node.returns = None
        node.type_comment = None
        self.local_names.append(_locals_of(node, self.module_names))
        self.generic_visit(node)
        self.local_names.pop()
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        node.arg = self._rename(node.arg)
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.keyword:
        self.generic_visit(node)  # keyword names are the callee's argument names: kept
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        self.generic_visit(node)
        if node.value is None:  # a dataclass field: keep its name, drop its type
            return ast.Expr(value=node.target)
        return ast.Assign(targets=[node.target], value=node.value)

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._rename(node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.Attribute:
        self.generic_visit(node)
        node.attr = strip_prefix(node.attr, self.keys)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a string statement is a comment
        if isinstance(node.value, ast.Constant) and node.value.value is Ellipsis:
            return ast.Pass()
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str) and node.value.isidentifier():  # `_no_split_modules = ["LlamaDecoderLayer"]`
            node.value = strip_prefix(node.value, self.keys)
        return node

    def _rename(self, name: str) -> str:
        for scope in reversed(self.local_names):
            if name in scope:
                return scope[name]
        return strip_prefix(name, self.keys)


def _locals_of(function: ast.FunctionDef | ast.AsyncFunctionDef, module_names: frozenset[str]) -> dict[str, str]:
    """Arguments and assigned names of a function -> `a0`, `a1`, ... in order of first appearance."""
    names: list[str] = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
    names += [a.arg for a in (function.args.vararg, function.args.kwarg) if a is not None]
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.arg) and node not in (function.args.vararg, function.args.kwarg):
            names.append(node.arg)
    renamed: dict[str, str] = {}
    for name in names:
        if name in ("self", "cls") or name in module_names or name in renamed:
            continue
        # However a config is called (`config`, `args`, `params`), its fields are a strong signal: keep it findable.
        renamed[name] = "config" if name in CONFIG_NAMES else f"a{len(renamed)}"
    return renamed


def canonicalize(node: ast.stmt, keys: tuple[str, ...], module_names: frozenset[str]) -> ast.stmt:
    """The canonical form of a top-level definition (the node is changed in place and returned)."""
    return _Canonicalizer(keys, module_names).visit(node)


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (the index is built by several)."""
    return zlib.crc32(text.encode("utf-8"))


# Feature namespaces, in the top bits of a feature's id so that the ranking can weigh them.
NAMESPACES = ("api", "cfg", "attr", "call", "m", "kw", "seq", "s", "t", "def", "base", "name", "n", "x")
# The structural signature's (structure.py), kept apart from the lexical features above.
NAMESPACES += ("role", "layer", "layers", "op", "flow")
# A file's vocabulary: every identifier of its text, comments included (features.file_vocabulary).
NAMESPACES += ("tok",)
NAMESPACE_SHIFT = 27


def feature_id(namespace: str, text: str) -> int:
    return (NAMESPACES.index(namespace) << NAMESPACE_SHIFT) | (stable_hash(text) & ((1 << NAMESPACE_SHIFT) - 1))


def fingerprint(node: ast.AST) -> int:
    return stable_hash(ast.dump(node, annotate_fields=False, include_attributes=False))


def dotted_chain(node: ast.AST) -> list[str] | None:
    """`nn.functional.silu` -> ['nn', 'functional', 'silu']; None for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]
