"""The inheritance graph of transformers' modular files: which model was built from which.

A model whose modular file imports from `llama` was built from llama. Models many others were built from are
the canonical ancestors a new model should inherit from too, rather than one of their newer copies.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from modgen.repo import TransformersTree
from modgen.similarity.features import import_aliases


# A model gets 1 + CANONICAL_BOOST x log(1 + models built from it) times its score; an ancestor of the best model
# is preferred to it when it scores at least ANCESTOR_RATIO of the best one's and holds all the code the best one
# holds verbatim. Tuned on the leave-one-out benchmark (utils/bench_closest.py), where results are flat around
# them (top-1 within about a point for ratios 0.8-0.9 and boosts 0.05-0.1).
CANONICAL_BOOST = 0.05
ANCESTOR_RATIO = 0.85


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


def apply_prior(
    scores: dict[str, float], identical: dict[str, float], graph: dict, excluded: frozenset[str]
) -> tuple[list[str], dict[str, float]]:
    """Models best first, and their scores: similarity, then history (canonical ancestors before copies).

    `identical`: the share of the target each model holds identical after renaming. An ancestor replaces the
    best model only if it matches alike: nearly as high a score, and all the code the best holds verbatim (what
    a modular file inherits without overriding it).
    """
    history = without(graph, excluded)
    offspring = offspring_counts(history)
    boosted = {m: s * (1 + CANONICAL_BOOST * math.log1p(offspring.get(m, 0))) for m, s in scores.items()}
    ranked = sorted(boosted, key=lambda m: (-boosted[m], m))
    best = ranked[0]
    candidates = [
        a
        for a in ancestors(history, best)
        if a in boosted and boosted[a] >= ANCESTOR_RATIO * boosted[best] and identical[a] >= identical[best]
    ]
    if candidates:
        promoted = max(candidates, key=lambda a: (offspring.get(a, 0), boosted[a]))
        ranked.remove(promoted)
        ranked.insert(0, promoted)
        boosted[promoted] = boosted[best]  # as good, and the one the others were built from
    return ranked, boosted
