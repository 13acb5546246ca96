"""The class map: which class of a model each definition of the target is, and how far from it.

What a porter needs: research class -> transformers class, with a verdict. Pairs are made only of like with like
(modules with modules, functions with functions, outputs with outputs: `features.KINDS`), one to one (no two
target classes claim the same class), greedily by decreasing similarity, and never below NO_COUNTERPART: a
definition the model has nothing like is told so ("none"), not given the least unlike class.

A pair's similarity is the closer of the lexical one (the same code, renamed) and the structural one
(`structure.py`: what a class builds and computes, names aside), so that research code's `FeedForward` with
`w1/w2/w3` is told to be `LlamaMLP`, and an attention with a fused `qkv` and `einsum` is told to be an
attention with small differences. Research code often holds part of a class (the core of an attention, not
its cache paths): how much of the research class the model's class holds counts too.

`explained` is the share of the target's module code (statements in `nn.Module` classes) paired with at least
"small differences": what a modular file could inherit rather than rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modgen.similarity.features import Unit
from modgen.similarity.index import Index
from modgen.similarity.names import words


SAME = 0.9995  # equal canonical forms (the index sets their lexical similarity to exactly 1)
# A pair at least this similar differs by little: an override of a few lines in a modular file.
SMALL_DIFFERENCES = 0.7
# Below this, a model has no counterpart for the definition.
NO_COUNTERPART = 0.3
# Equal structural signatures are not equal code: at best "small differences".
STRUCTURE_CAP = 0.99
# How much agreeing names count in the order pairs are assigned in (not in their similarity).
NAME_TIE = 0.1


@dataclass(frozen=True)
class ClassMatch:
    """A definition of the target, the unit of a model it corresponds to (None: no counterpart), how closely."""

    target: str
    kind: str  # features.KINDS
    match: str | None
    similarity: float

    @property
    def verdict(self) -> str:
        if self.match is None:
            return "none"
        if self.similarity >= SAME:
            return "same"
        if self.similarity >= SMALL_DIFFERENCES:
            return "small differences"
        return "different"

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "kind": self.kind,
            "match": self.match,
            "similarity": round(self.similarity, 4),
            "verdict": self.verdict,
        }


def alike(units: list[Unit], kinds: np.ndarray) -> np.ndarray:
    """Which target unit may stand for which index unit (targets x index units): like for like only."""
    return np.array([unit.kind for unit in units])[:, None] == kinds[None, :]


def pair_similarities(
    units: list[Unit], lexical: np.ndarray, index: Index, models: list[str], excluded: frozenset[str]
) -> np.ndarray:
    """Targets x index units: the closer of the lexical and the structural similarity, like with like only;
    for the units of `models`, with how much of the target unit they hold. `lexical`: `Index.similarities`."""
    structural = index.structural_similarities(units, excluded)
    for model in models:
        column = index.models.index(model)
        rows = np.arange(index.model_ptr[column], index.model_ptr[column + 1])
        held = index.structural_containment(units, rows, excluded)
        structural[:, rows] = np.maximum(structural[:, rows], np.sqrt(structural[:, rows] * held))
    return np.maximum(lexical, np.minimum(structural, STRUCTURE_CAP)) * alike(units, index.kinds)


def class_map(model: str, units: list[Unit], pairs: np.ndarray, index: Index) -> tuple[list[ClassMatch], float]:
    """Which unit of `model` each unit of the target corresponds to, one to one, and the share of the target's
    module code that has a counterpart with at most small differences. `pairs`: from `pair_similarities`."""
    column = index.models.index(model)
    begin, end = index.model_ptr[column], index.model_ptr[column + 1]
    block = np.where(pairs[:, begin:end] >= NO_COUNTERPART, pairs[:, begin:end], 0)
    # Names that agree decide between counterparts alike (LeViT's `Attention` is `LevitAttention`, its
    # `AttentionSubsample` is `LevitAttentionSubsample`): they order the assignment, not the similarity shown.
    own = {key for key, rows in index.keys.items() if column in rows}
    theirs = [name_words(index.refs[row].name, own) for row in range(begin, end)]
    agreement = np.array([[agree(name_words(unit.name), other) for other in theirs] for unit in units])
    assigned = one_to_one(block + NAME_TIE * agreement * (block > 0))
    classes = [
        ClassMatch(unit.name, unit.kind, index.refs[begin + j].name, float(block[i, j]))
        if j >= 0
        else ClassMatch(unit.name, unit.kind, None, 0.0)
        for i, (unit, j) in enumerate(zip(units, assigned, strict=True))
    ]
    code = sum(unit.size for unit in units if unit.is_module)
    held = sum(
        unit.size
        for unit, pair in zip(units, classes, strict=True)
        if unit.is_module and pair.verdict in ("same", "small differences")
    )
    return classes, held / code if code else 0.0


def name_words(name: str, keys: set[str] = frozenset()) -> frozenset[str]:
    """The words of a class's name, its model's name aside (`LevitAttention` -> {"attention"})."""
    return frozenset(words(name)) - {part for key in keys for part in words(key)} - set(keys)


def agree(first: frozenset[str], second: frozenset[str]) -> float:
    """How much two names' words agree (Jaccard), a word agreeing with its abbreviation (`embed`, `embeddings`)."""
    if not first or not second:
        return 0.0
    shared = sum(any(a.startswith(b) or b.startswith(a) for b in second if min(len(a), len(b)) >= 3) for a in first)
    return shared / (len(first) + len(second) - shared)


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
