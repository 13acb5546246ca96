"""Ranking the models of the index against a target: coverage of the target's code, then the history prior.

For each model, every class or function of the target is paired with its most similar unit of that model
(many target classes may pair with one: two MLPs of a research file both come from `LlamaMLP`). The model's
coverage is the similarity of those pairs averaged over the target's code (weighted by statements): how much
of the target the model explains. A model never wins by being big, nor by summing many small matches: the
coverage is tempered by the share of the model the target uses, so a large composite that also holds the
target's code loses to the model that is mostly that code.

Research code cuts a model into other classes than transformers (attention in one class, not a class plus
`eager_attention_forward`), so half of the score compares the whole target with each whole model.

Then history: among the models that explain the target about as well, the one the others were built from (a
canonical ancestor in the modular graph or of `# Copied from` comments) is the one to inherit from, not its
newer copy. Its constants were tuned on the leave-one-out benchmark (utils/bench_closest.py), where results
are flat around them (top-1 within about a point for ratios 0.8-0.9 and boosts 0.05-0.1).

What is reported for the top models is another pairing (`class_map`): one to one, on the closer of the lexical
and the structural similarity (`structure.py`: what a class builds and computes, names aside), so that research
code's `FeedForward` with `w1/w2/w3` is told to be `LlamaMLP`, and no two target classes claim the same class.
`explained` is the share of the target's code in classes so paired with at least "small differences".
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modgen.errors import ModgenError
from modgen.repo import TransformersTree
from modgen.similarity.features import Unit, file_units
from modgen.similarity.index import Index, build_index
from modgen.similarity.prior import ancestors, offspring_counts, without


# A pair at least this similar differs by little: an override of a few lines in a modular file.
SMALL_DIFFERENCES = 0.7
IDENTICAL = 0.9995  # equal canonical forms (the index sets them to exactly 1)
# Equal structural signatures are not equal code: at best "small differences".
STRUCTURE_CAP = 0.99
# The history prior: a model gets 1 + CANONICAL_BOOST x log(1 + models built from it) times its score; an
# ancestor of the best model is preferred to it when it scores at least ANCESTOR_RATIO of the best one's and
# holds all the code the best one holds verbatim.
CANONICAL_BOOST = 0.05
ANCESTOR_RATIO = 0.85
# How much the share of a model the target uses counts next to the share of the target the model explains.
USAGE_EXPONENT = 0.2
# The share of the score given to the whole target against whole models (unit boundaries aside): research code
# cuts its model in other classes than transformers does.
WHOLE_MODEL_SHARE = 0.5


@dataclass(frozen=True)
class ClassMatch:
    """A class (or function) of the target, the unit of a model it matches best, and how closely."""

    target: str
    match: str | None
    similarity: float

    @property
    def verdict(self) -> str:
        if self.similarity >= IDENTICAL:
            return "identical after renaming"
        if self.similarity >= SMALL_DIFFERENCES:
            return "small differences"
        return "different"

    def to_json(self) -> dict:
        return {"target": self.target, "match": self.match, "similarity": round(self.similarity, 4)}


@dataclass(frozen=True)
class Match:
    """A model of the index, ranked against the target."""

    model: str
    score: float
    classes: list[ClassMatch]
    explained: float  # share of the target's statements in definitions this model matches closely

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "score": round(self.score, 4),
            "classes": [c.to_json() for c in self.classes],
            "explained": round(self.explained, 4),
        }


@dataclass(frozen=True)
class Target:
    """What is compared: the units of one or more files, and the models they are (never their own match)."""

    units: list[Unit]
    own_models: frozenset[str]


def load_target(target: Path | str, tree: TransformersTree) -> Target:
    """A `.py` file, or a model of the tree by name (its modeling files)."""
    path = Path(target)
    if path.suffix == ".py" or path.exists():
        if not path.is_file():
            problem = "is a folder" if path.is_dir() else "does not exist"
            raise ModgenError(f"{path} {problem}", hint="give a .py file or a model name such as 'llama'")
        own = _model_of_path(path, tree)
        module_name = tree.module_name(path) if own else ""
        units = file_units(path, module_name=module_name)
        files = [path]
    else:
        model = tree.resolve_model(str(target))
        files = model.of_type("modeling")
        if not files:
            raise ModgenError(f"model {model.name!r} has no modeling file to compare", path=model.folder)
        own = model.name
        units = [unit for file in files for unit in file_units(file, module_name=tree.module_name(file))]
    if not any(unit.is_module for unit in units):
        raise ModgenError(
            "no nn.Module in the target: nothing to compare",
            path=files[0],
            hint="give the file that defines the model's torch modules (classes deriving from nn.Module)",
        )
    return Target(comparable(units), frozenset({own} if own else ()))


def comparable(units: list[Unit]) -> list[Unit]:
    """The units a model is made of: its modules and functions (rotary helpers...), not data classes or configs."""
    return [unit for unit in units if unit.is_module or unit.kind == "function"]


def _model_of_path(path: Path, tree: TransformersTree) -> str | None:
    """The model of the tree a file belongs to, if it lies in the tree: excluded by path, never by name."""
    try:
        relative = path.resolve().relative_to(tree.models_dir)
    except ValueError:
        return None
    return relative.parts[0] if len(relative.parts) > 1 else None


def rank(
    target: Path | str,
    tree: TransformersTree,
    *,
    top: int = 5,
    exclude: Sequence[str] = (),
    index: Index | None = None,
    jobs: int | None = None,
) -> list[Match]:
    """The `top` models of `tree` closest to `target`, best first.

    `target` is a `.py` file or a model name; `exclude` drops models (folder names or model types). The index
    is built on first use on `jobs` processes (all cores by default) and cached; `index` gives a built one.
    `Match.score` is the similarity (0..1) times the history prior (at least 1), so it may pass 1.
    """
    loaded = load_target(target, tree)
    excluded = {tree.resolve_model(name).name for name in exclude} | loaded.own_models
    index = index if index is not None else build_index(tree, jobs=jobs or os.cpu_count() or 1)
    return rank_units(loaded.units, index, top=top, excluded=frozenset(excluded))


def rank_units(
    units: list[Unit], index: Index, *, top: int = 5, excluded: frozenset[str] = frozenset()
) -> list[Match]:
    """The ranking itself, on target units and a built index (the benchmark calls it directly)."""
    if all(model in excluded for model in index.models):
        raise ModgenError("the index is empty once the excluded models are left out", hint="exclude fewer models")
    similarities = index.similarities(units, excluded)
    sizes = np.array([unit.size for unit in units], dtype=np.float32)
    weights = sizes / sizes.sum()
    best = np.maximum.reduceat(similarities, index.model_ptr[:-1], axis=1)  # targets x models
    score = model_scores(weights, best, similarities, index)
    score = (1 - WHOLE_MODEL_SHARE) * score + WHOLE_MODEL_SHARE * index.model_similarities(units, excluded)
    identical = weights @ (best >= IDENTICAL)
    ranked, scores = apply_prior(
        {m: float(score[i]) for i, m in enumerate(index.models) if m not in excluded},
        {m: float(identical[i]) for i, m in enumerate(index.models)},
        index.history,
        excluded,
    )
    # Structure tells which class is which, not which model is closest: blended into the model scores, it cost
    # benchmark top-1 and research ranks alike (utils/bench_closest.py, shares 0.1-0.3 of the score).
    structural = index.structural_similarities(units, excluded)
    shown = ranked[:top]
    for model in shown:  # research code often holds part of a class: how much of it the class holds counts too
        column = index.models.index(model)
        rows = np.arange(index.model_ptr[column], index.model_ptr[column + 1])
        held = index.structural_containment(units, rows, excluded)
        structural[:, rows] = np.maximum(structural[:, rows], np.sqrt(structural[:, rows] * held))
    pairs = np.maximum(similarities, np.minimum(structural, STRUCTURE_CAP))
    return [class_map(model, scores[model], units, weights, pairs, index) for model in shown]


def model_scores(weights: np.ndarray, best: np.ndarray, similarities: np.ndarray, index: Index) -> np.ndarray:
    """Per model: the share of the target it explains, tempered by the share of the model the target uses.

    Of two models that explain the target alike, the one that is mostly the target (not a large composite that
    also holds it) is the closer.
    """
    starts = index.model_ptr[:-1]
    coverage = weights @ best
    used = (similarities.max(axis=0) >= SMALL_DIFFERENCES) * index.sizes
    usage = np.add.reduceat(used, starts) / np.add.reduceat(index.sizes, starts)
    return coverage * np.power(np.maximum(usage, 1e-3), USAGE_EXPONENT)


def class_map(
    model: str, score: float, units: list[Unit], weights: np.ndarray, similarities: np.ndarray, index: Index
) -> Match:
    """Which unit of `model` each unit of the target corresponds to, one to one, and how much of the target
    that explains.

    `similarities`: targets x index units, the closer of the lexical and the structural similarity (research
    code names and writes things its own way; what it builds and computes is what it shares with a model).
    """
    column = index.models.index(model)
    begin, end = index.model_ptr[column], index.model_ptr[column + 1]
    pairs = similarities[:, begin:end] * compatible(units, index.is_module[begin:end], index.roles[begin:end])
    assigned = one_to_one(pairs)
    classes = [
        ClassMatch(unit.name, index.refs[begin + j].name, float(pairs[i, j]))
        if j >= 0
        else ClassMatch(unit.name, None, 0.0)
        for i, (unit, j) in enumerate(zip(units, assigned, strict=True))
    ]
    explained = sum(float(w) for w, c in zip(weights, classes, strict=True) if c.similarity >= SMALL_DIFFERENCES)
    return Match(model, score, classes, explained)


def compatible(units: list[Unit], is_module: np.ndarray, roles: np.ndarray) -> np.ndarray:
    """Which target unit may stand for which model unit: modules for modules, functions for functions, and
    positional encodings for positional encodings (a function in research code, a class in transformers)."""
    target_module = np.array([unit.is_module for unit in units])
    target_roles = np.array([unit.role for unit in units])
    same_role = (target_roles[:, None] == roles[None, :]) & (target_roles[:, None] == "position")
    return (target_module[:, None] == is_module[None, :]) | same_role


def one_to_one(pairs: np.ndarray) -> list[int]:
    """For each row, its column in a one-to-one assignment (-1 for none), greedily by decreasing similarity.

    Not scipy's Hungarian method: importing scipy.optimize alone costs more than half a warm query, and on
    these small matrices (a file's classes against a model's) the greedy assignment rarely differs.
    """
    assigned = [-1] * pairs.shape[0]
    taken: set[int] = set()
    for flat in np.argsort(-pairs, axis=None, kind="stable"):
        row, column = divmod(int(flat), pairs.shape[1])
        if pairs[row, column] <= 0 or len(taken) == min(pairs.shape):
            break
        if assigned[row] < 0 and column not in taken:
            assigned[row] = column
            taken.add(column)
    return assigned


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
