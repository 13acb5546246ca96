"""The inheritance graph of transformers' modular files: which model was built from which.

A model whose modular file imports from `llama` was built from llama. Models many others were built from are
the canonical ancestors a new model should inherit from too, rather than one of their newer copies.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from modgen.repo import TransformersTree
from modgen.similarity.features import import_aliases


def imported_models(modular_path: Path, tree: TransformersTree) -> frozenset[str]:
    """The model folders a modular file imports from (`auto` and its own folder aside)."""
    try:
        module = ast.parse(modular_path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return frozenset()  # a broken modular file says nothing about history
    own = modular_path.parent.name
    models = set()
    for dotted in import_aliases(module, tree.module_name(modular_path)).values():
        parts = dotted.split(".")
        if parts[:2] == ["transformers", "models"] and len(parts) > 3:
            models.add(parts[2])
    return frozenset(models - {"auto", own})


COPIED_FROM = re.compile(r"^\s*# Copied from transformers\.models\.(\w+)\.", re.MULTILINE)


def copied_models(text: str, own: str) -> frozenset[str]:
    """The models a file copies code from, by its `# Copied from transformers.models.X...` comments.

    Models written before modular files existed record their history this way (`roberta` copies `bert`).
    """
    return frozenset(COPIED_FROM.findall(text)) - {own}


def modular_graph(tree: TransformersTree) -> dict[str, frozenset[str]]:
    """model folder -> the folders its modular files import from."""
    graph = {}
    for name, model in tree.models.items():
        parents = frozenset().union(*(imported_models(path, tree) for path in model.modular_files))
        if parents:
            graph[name] = parents
    return graph


def descendants(graph: Mapping[str, Iterable[str]], roots: Iterable[str]) -> set[str]:
    """The models built, directly or not, from any of `roots` (the roots not included)."""
    children: dict[str, set[str]] = {}
    for child, parents in graph.items():
        for parent in parents:
            children.setdefault(parent, set()).add(child)
    found: set[str] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found - set(roots)


def ancestors(graph: Mapping[str, Iterable[str]], model: str) -> set[str]:
    found: set[str] = set()
    stack = [model]
    while stack:
        for parent in graph.get(stack.pop(), ()):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found - {model}


def without(graph: Mapping[str, Iterable[str]], excluded: Iterable[str]) -> dict[str, frozenset[str]]:
    """The graph as if the `excluded` models did not exist (the prior must not know a left-out model)."""
    excluded = set(excluded)
    return {
        child: frozenset(parents) - excluded
        for child, parents in graph.items()
        if child not in excluded and set(parents) - excluded
    }


def offspring_counts(graph: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """model -> how many models were built from it, directly or not: how canonical it is."""
    counts: dict[str, int] = {}
    for model in graph:
        for ancestor in ancestors(graph, model):
            counts[ancestor] = counts.get(ancestor, 0) + 1
    return counts
