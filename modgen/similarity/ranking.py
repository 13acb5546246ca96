"""Ranking the models of the index against a target: its code, its vocabulary, the names it gives, then history.

Three signals survive porting, and each model is scored on all three:

* code: every definition of the target is paired with its most similar unit of the model of the same kind
  (`classmap.alike`: modules with modules, functions with functions). The model's coverage is the similarity of
  those pairs averaged over the target's module code (weighted by statements): how much of it the model
  explains. A model never wins by being big, nor by summing many small matches: the coverage is tempered by the
  share of the model the target uses, so a large composite that also holds the target's code loses to the model
  that is mostly that code.
* vocabulary: the identifiers of the whole target against those of each whole model (`index.Index.vocabulary`),
  blind to how the code is cut into classes. A port keeps the names of the original weights, since checkpoints
  are converted (`c_attn`, `emb_layer_norm_after`), and of its configuration fields and helpers.
* names: research code often names its model (`ESM2`, `WavLM`), or the project it is built on (`from
  metaseq.modules import ...`, which OPT's port cites); a model the target names (`names.py`) has its score
  raised, by up to NAME_WEIGHT: one signal, that decides between models the code matches alike.

Then history (`prior.apply_prior`): among the models that explain the target about as well, the one the others
were built from is the one to inherit from, not its newer copy.

The models shown come with their class map (`classmap.py`): research class -> transformers class and verdict.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from modgen.errors import ModgenError
from modgen.repo import TransformersTree
from modgen.similarity.classmap import SAME, SMALL_DIFFERENCES, ClassMatch, alike, class_map, pair_similarities
from modgen.similarity.features import Unit, file_units, file_vocabulary, parse_file, read_source
from modgen.similarity.index import Index, build_index
from modgen.similarity.names import Name, given_names, named_share
from modgen.similarity.prior import apply_prior


# How much the share of a model the target uses counts next to the share of the target the model explains.
USAGE_EXPONENT = 0.2
# The share of the score given to the vocabulary (the rest is the code's coverage).
VOCABULARY_SHARE = 0.5
# A model the target names has its score multiplied by up to 1 + NAME_WEIGHT.
NAME_WEIGHT = 1.0


@dataclass(frozen=True)
class Match:
    """A model of the index, ranked against the target."""

    model: str
    rank: int  # 1 for the closest model
    score: float
    classes: list[ClassMatch]
    explained: float  # share of the target's module code with a counterpart in this model (classmap.class_map)

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "rank": self.rank,
            "score": round(self.score, 4),
            "explained": round(self.explained, 4),
            "classes": [c.to_json() for c in self.classes],
        }


@dataclass(frozen=True)
class Target:
    """What is compared: the units of one or more files, their vocabulary and the names they give, and the
    models they are (never their own match)."""

    units: list[Unit]
    own_models: frozenset[str]
    vocabulary: Counter = field(default_factory=Counter)
    names: list[Name] = field(default_factory=list)  # names.given_names


def load_target(target: Path | str, tree: TransformersTree) -> Target:
    """A Python file, or a model of the tree by name (its modeling files)."""
    path = Path(target)
    if path.suffix == ".py" or path.exists():
        if not path.is_file():
            problem = "is a folder" if path.is_dir() else "does not exist"
            raise ModgenError(f"{path} {problem}", hint="give a .py file or a model name such as 'llama'")
        own = _model_of_path(path, tree)
        files = [path]
    else:
        model = tree.resolve_model(str(target))
        files = model.of_type("modeling")
        if not files:
            raise ModgenError(f"model {model.name!r} has no modeling file to compare", path=model.folder)
        own = model.name
    units, vocabulary, names = [], Counter(), []
    for file in files:
        text = read_source(file)
        module = parse_file(file, text)
        names += given_names(module)  # before file_units changes the nodes
        units += file_units(file, module_name=tree.module_name(file) if own else "", module=module)
        vocabulary.update(file_vocabulary(text))
    if not any(unit.is_module for unit in units):
        raise ModgenError(
            "no torch module in the target: nothing to compare",
            path=files[0],
            hint="give the file that defines the model's torch modules (classes with a forward, deriving from "
            "nn.Module or a framework's module class)",
        )
    return Target(comparable(units), frozenset({own} if own else ()), vocabulary, names)


def comparable(units: list[Unit]) -> list[Unit]:
    """The definitions a model is made of: its modules, functions and outputs, not its configs."""
    return [unit for unit in units if unit.kind in ("module", "function", "output")]


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
    against: Sequence[str] = (),
    index: Index | None = None,
    jobs: int | None = None,
) -> list[Match]:
    """The `top` models of `tree` closest to `target`, best first.

    `target` is a Python file or a model name; `exclude` drops models (folder names or model types); `against`
    gives the models to show (a parent one has in mind: its class map, wherever it ranks). The index is built on
    first use on `jobs` processes (all cores by default) and cached; `index` gives a built one. `Match.score` is
    the similarity (0..1) times the name and history factors (at least 1), so it may pass 1.
    """
    loaded = load_target(target, tree)
    excluded = {tree.resolve_model(name).name for name in exclude} | loaded.own_models
    shown = [tree.resolve_model(name).name for name in against]
    index = index if index is not None else build_index(tree, jobs=jobs or os.cpu_count() or 1)
    return rank_target(loaded, index, top=top, excluded=frozenset(excluded), against=shown)


def rank_target(
    target: Target,
    index: Index,
    *,
    top: int = 5,
    excluded: frozenset[str] = frozenset(),
    against: Sequence[str] = (),
) -> list[Match]:
    """The ranking itself, on a loaded target and a built index (the benchmark calls it directly)."""
    units = target.units
    if all(model in excluded for model in index.models):
        raise ModgenError("the index is empty once the excluded models are left out", hint="exclude fewer models")
    similarities = index.similarities(units, excluded) * alike(units, index.kinds)
    sizes = np.array([unit.size if unit.is_module else 0 for unit in units], dtype=np.float32)
    weights = sizes / sizes.sum()
    best = np.maximum.reduceat(similarities, index.model_ptr[:-1], axis=1)  # targets x models
    score = (1 - VOCABULARY_SHARE) * model_scores(weights, best, similarities, index)
    score += VOCABULARY_SHARE * index.vocabulary_similarities(target.vocabulary, excluded)
    score *= 1 + NAME_WEIGHT * named_share(
        target.names, index.keys, len(index.models), ~index.model_mask(excluded), index.mentions
    )
    identical = weights @ (best >= SAME)
    ranked, scores = apply_prior(
        {m: float(score[i]) for i, m in enumerate(index.models) if m not in excluded},
        {m: float(identical[i]) for i, m in enumerate(index.models)},
        index.history,
        excluded,
    )
    shown = [model for model in ranked if model in against] if against else ranked[:top]
    pairs = pair_similarities(units, similarities, index, shown, excluded)
    position = {model: number for number, model in enumerate(ranked, 1)}
    return [Match(model, position[model], scores[model], *class_map(model, units, pairs, index)) for model in shown]


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
