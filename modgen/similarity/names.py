"""The models a file names: research code often calls its classes after its model (`ESM2`, `WavLM`, `Informer`).

A model's names are the keys of its folder and of its classes' prefix (`deberta_v2`, `DebertaV2PreTrainedModel`
-> `debertav2`). A definition of the target names a model when a run of the words of its name spells one of
them (`DPT_DINOv2` names `dpt` and `dinov2`; `LeViT_128` names `levit`, not the `vit` inside it). A trailing
version is part of the name (`SwinTransformerV2` is `swinv2`; `ResNetV2` names no model when there is no
`resnetv2`). Short keys (`opt`, `bit`, `git`) are words of ordinary code: they count in class names only.

What a file is about is its roots, the definitions no other one uses (the model class, its factory
functions); the parts it borrows from other models (`DPTHead` in Depth Anything) count for less, as do the
packages it imports from (its project's own: `from esm.modules import TransformerLayer`). A package its modules
are built from that names no model points to the models whose code cites it: ports credit their origin (OPT's
cites metaseq), so far as the package singles them out.
"""

from __future__ import annotations

import ast
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

import numpy as np

from modgen.similarity.canonical import dotted_chain, name_key


WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# How much a definition other definitions of the file use (a part), or an imported package, counts next to a root.
PART_WEIGHT = 1 / 3
SHORT_KEY = 3


def words(identifier: str) -> list[str]:
    """`DPT_DINOv2` -> ['dpt', 'di', 'nov', '2']... CamelCase, `_`, digit boundaries; lower-cased."""
    return [part.lower() for part in WORD.findall(identifier)]


def model_keys(models: Iterable[str], class_prefixes: Mapping[str, Iterable[str]]) -> dict[str, frozenset[int]]:
    """name key -> the indices of the models it names (`models` in order; `class_prefixes`: model -> prefixes)."""
    keys: dict[str, set[int]] = {}
    for position, model in enumerate(models):
        for key in {name_key(model), *(name_key(prefix) for prefix in class_prefixes.get(model, ()))}:
            if len(key) >= 2:
                keys.setdefault(key, set()).add(position)
    return {key: frozenset(found) for key, found in keys.items()}


def named_keys(identifier: str, keys: Mapping[str, object], *, is_class: bool) -> set[str]:
    """The model keys an identifier spells with whole runs of its words, the longest runs only."""
    parts = words(identifier)
    version = "v" + parts[-1] if len(parts) >= 3 and parts[-2] == "v" and parts[-1].isdigit() else ""
    if version:  # `SwinTransformerV2`: the version belongs to the name, wherever the name starts
        parts = parts[:-2]
    runs = []
    for start in range(len(parts)):
        spelled = ""
        for end in range(start, len(parts)):
            spelled += parts[end]
            key = spelled + version
            if version and key not in keys and spelled in keys:
                runs.append((start, end + 1, None))  # a name of another version: no model
            elif key in keys and (is_class or len(key) > SHORT_KEY):
                runs.append((start, end + 1, key))
    longest = [run for run in runs if not any(o != run and o[0] <= run[0] and run[1] <= o[1] for o in runs)]
    return {key for *_, key in longest if key is not None}


class Name(NamedTuple):
    text: str
    is_class: bool
    weight: float
    builds: bool = False  # a package the file's modules are built from (a base class, a layer): its origin


def given_names(module: ast.Module) -> list[Name]:
    """The names a file gives: its top-level definitions, roots counting most, and the packages it imports from
    (its own project's, `from esm.modules import ...`), as parts."""
    definitions = {
        node.name: node
        for node in module.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    }
    used = set()
    for name, node in definitions.items():
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and child.id in definitions and child.id != name:
                used.add(child.id)
    names = [
        Name(name, isinstance(node, ast.ClassDef), PART_WEIGHT if name in used else 1.0)
        for name, node in definitions.items()
    ]
    packages: dict[str, str] = {}  # a name the file imports -> the package it comes from
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            packages |= {alias.asname or alias.name: node.module.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Import):
            packages |= {alias.asname or alias.name.split(".")[0]: alias.name.split(".")[0] for alias in node.names}
    builders = {packages[root] for root in _layer_roots(definitions.values()) if root in packages}
    return names + [
        Name(package, False, PART_WEIGHT, package in builders)
        for package in dict.fromkeys(packages.values())
        if package not in sys.stdlib_module_names
    ]


def _layer_roots(definitions) -> set[str]:
    """The first names of what classes derive from and of what they build in `self.x = ...(...)`."""
    roots = set()
    for node in definitions:
        if not isinstance(node, ast.ClassDef):
            continue
        chains = [dotted_chain(base) for base in node.bases]
        for child in ast.walk(node):
            if isinstance(child, ast.Assign) and isinstance(child.value, ast.Call):
                target = dotted_chain(child.targets[0]) if len(child.targets) == 1 else None
                if target and target[0] == "self":
                    chains.append(dotted_chain(child.value.func))
        roots |= {chain[0] for chain in chains if chain}
    return roots


def named_share(
    names: list[Name],
    keys: Mapping[str, frozenset[int]],
    count: int,
    excluded: np.ndarray,
    mentions: Callable[[str], np.ndarray] | None = None,
) -> np.ndarray:
    """Per model (`count` of them): the share of the file's naming (`given_names`) that names it.

    A name gives its weight to each model it names. An imported package that names no model points to the
    models whose code cites it (`mentions`: ports credit the project they come from, `metaseq` in OPT's), as
    much as it singles them out (its inverse document frequency, 1 for a package one model cites): a package
    many models cite (`timm`, `utils`) says next to nothing, and what it says is shared among them.

    `excluded` (a mask over models) are not candidates, but their names still take their runs: a file of
    `qwen2_moe` names `qwen2moe`, not the `qwen2` inside it.
    """
    share = np.zeros(count, dtype=np.float32)
    total = 0.0
    for name in names:
        named = named_keys(name.text, keys, is_class=name.is_class)
        for key in named:
            share[list(keys[key])] += name.weight
        if named:
            total += name.weight
        elif name.builds and mentions is not None and len(cited := mentions(name.text)):
            said = name.weight * math.log(count / len(cited)) / math.log(count) if count > 1 else name.weight
            share[cited] += said / len(cited)
            total += said
    share[excluded] = 0
    return np.minimum(share / total, 1) if total else share
