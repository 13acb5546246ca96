"""Benchmark of `modgen closest`: leave-one-out over the models of transformers that have a modular file.

Query: a model's generated `modeling_*.py`. Left out of the index and of the prior's statistics: the model and
its descendants (the models whose modular files inherit from it, transitively: they did not exist when it was
added). Hit: a model its modular file imports from (`auto` aside).

Baseline, in the same run: token TF-IDF cosine between whole modeling files (the cheap signal upstream's
detector falls back to), on the same queries and exclusions. Figures are printed last.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modgen.repo import TransformersTree  # noqa: E402
from modgen.similarity.features import file_units  # noqa: E402
from modgen.similarity.index import build_index  # noqa: E402
from modgen.similarity.prior import descendants, imported_models, modular_graph  # noqa: E402
from modgen.similarity.ranking import comparable, rank_units  # noqa: E402


TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def queries(tree: TransformersTree, graph: dict) -> list[tuple[str, Path, frozenset[str], frozenset[str]]]:
    """(model, query file, gold parents, excluded models) for every modular file with a generated model file."""
    found = []
    for name, model in tree.models.items():
        for modular in model.modular_files:
            query = modular.with_name(modular.name.replace("modular_", "modeling_", 1))
            gold = imported_models(modular, tree)
            if not query.is_file() or not gold:
                continue
            excluded = frozenset({name} | descendants(graph, {name}))
            if gold - excluded:
                found.append((name, query, gold - excluded, excluded))
    return found


class TokenTfidf:
    """The baseline: identifiers of whole modeling files, TF-IDF weighted, cosine."""

    def __init__(self, tree: TransformersTree):
        self.models = [m for m, files in tree.models.items() if files.of_type("modeling")]
        self.bags = [
            Counter(TOKEN.findall("\n".join(p.read_text() for p in tree.models[m].of_type("modeling"))))
            for m in self.models
        ]
        df = Counter(token for bag in self.bags for token in bag)
        self.idf = {t: math.log((len(self.bags) + 1) / (n + 1)) + 1 for t, n in df.items()}
        self.vectors = [self._vector(bag) for bag in self.bags]

    def _vector(self, bag: Counter) -> dict[str, float]:
        vector = {t: (1 + math.log(n)) * self.idf.get(t, 1.0) for t, n in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1
        return {t: v / norm for t, v in vector.items()}

    def rank(self, query: Path, excluded: frozenset[str], top: int) -> list[str]:
        vector = self._vector(Counter(TOKEN.findall(query.read_text())))
        scores = {
            model: sum(w * other.get(t, 0.0) for t, w in vector.items())
            for model, other in zip(self.models, self.vectors, strict=True)
            if model not in excluded
        }
        return sorted(scores, key=scores.get, reverse=True)[:top]


def main() -> None:
    tree = TransformersTree.installed()
    jobs = min(2, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MODGEN_CACHE_DIR"] = cache
        start = time.perf_counter()
        build_index(tree, jobs=jobs)
        build_seconds = time.perf_counter() - start
        start = time.perf_counter()
        index = build_index(tree)
        load_seconds = time.perf_counter() - start
    cases = queries(tree, modular_graph(tree))

    hits1 = hits5 = 0
    halves = [[0, 0], [0, 0]]
    misses = []
    start = time.perf_counter()
    for number, (_model, query, gold, excluded) in enumerate(cases):
        units = comparable(file_units(query, module_name=tree.module_name(query)))
        ranked = [m.model for m in rank_units(units, index, top=5, excluded=excluded)]
        hits1 += ranked[0] in gold
        hits5 += bool(gold & set(ranked))
        halves[number % 2][0] += ranked[0] in gold
        halves[number % 2][1] += 1
        if ranked[0] not in gold:
            misses.append(f"{query.stem}: got {ranked[:3]}, gold {sorted(gold)}")
    ms_ours = 1000 * (time.perf_counter() - start) / len(cases)

    baseline = TokenTfidf(tree)
    base1 = base5 = 0
    start = time.perf_counter()
    for _model, query, gold, excluded in cases:
        ranked = baseline.rank(query, excluded, top=5)
        base1 += ranked[0] in gold
        base5 += bool(gold & set(ranked))
    ms_base = 1000 * (time.perf_counter() - start) / len(cases)

    if "-v" in sys.argv:
        print("\n".join(misses))
    n = len(cases)
    print(f"queries: {n} modular models with a generated modeling file and a parent left in the index")
    print(f"index: cold build {build_seconds:.1f} s on {jobs} processes, warm load {1000 * load_seconds:.0f} ms")
    print(f"{'':18}{'top-1':>8}{'top-5':>8}{'ms/query':>10}")
    print(f"{'token TF-IDF':18}{base1 / n:>8.1%}{base5 / n:>8.1%}{ms_base:>10.1f}")
    print(f"{'modgen closest':18}{hits1 / n:>8.1%}{hits5 / n:>8.1%}{ms_ours:>10.1f}")
    print(f"ratio to baseline: top-1 x{hits1 / max(base1, 1):.2f}, top-5 x{hits5 / max(base5, 1):.2f}")
    print(
        f"top-1 on alternate halves (stability): {halves[0][0] / halves[0][1]:.1%} / {halves[1][0] / halves[1][1]:.1%}"
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
