"""Benchmark of `modgen closest`: leave-one-out over the models of transformers that have a modular file.

Query: a model's generated `modeling_*.py`. Left out of the index and of the prior's statistics: the model and
its descendants (the models whose modular files inherit from it, transitively: they did not exist when it was
added). Hit: a model its modular file imports from (`auto` aside).

The same queries again, alpha-renamed (definitions, arguments, locals, `self.*` attributes), show how much
of the result rests on names. Baseline, in the same run: token TF-IDF cosine between whole modeling files (the cheap signal upstream's
detector falls back to), on the same queries and exclusions. Figures are printed last.
"""

from __future__ import annotations

import ast
import math
import os
import re
import resource
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

# Research-style files (tests/similarity/fixtures, written after the papers' reference code, with their own
# names and structure) and the model each is an implementation of. Its family: that model and every model built
# from it (modular files, `# Copied from` comments).
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "similarity" / "fixtures"
RESEARCH = {
    "tiny_llama.py": "llama",
    "attention_only.py": "llama",
    "moe_block.py": "mixtral",
    "tiny_gpt2.py": "gpt2",
    "tiny_t5.py": "t5",
    "tiny_bert.py": "bert",
    "tiny_clip.py": "clip",
    "tiny_vit.py": "vit",
    "tiny_wav2vec2.py": "wav2vec2",
    "tiny_whisper.py": "whisper",
}


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


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the index builder's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class AlphaRenamer(ast.NodeTransformer):
    """Renames every definition, argument, local and `self.*` attribute (torch names and `config.*` fields
    kept): type-2 clones, the way a research re-implementation of the same model would differ."""

    def __init__(self, module: ast.Module):
        defined = {n.name for n in ast.walk(module) if isinstance(n, ast.ClassDef | ast.FunctionDef)}
        stored = {n.id for n in ast.walk(module) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        arguments = {n.arg for n in ast.walk(module) if isinstance(n, ast.arg)} - {"self", "cls", "config"}
        attributes = {
            n.attr
            for n in ast.walk(module)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
        } - {"config"}
        names = sorted((defined | stored | arguments) - {"__init__", "forward", "super"})
        self.names = {name: f"n{i}" for i, name in enumerate(names)}
        self.attributes = {name: f"a{i}" for i, name in enumerate(sorted(attributes))}

    def visit_ClassDef(self, node):
        node.name = self.names.get(node.name, node.name)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node):
        node.name = self.names.get(node.name, node.name)
        return self.generic_visit(node)

    def visit_arg(self, node):
        node.arg = self.names.get(node.arg, node.arg)
        return node

    def visit_Name(self, node):
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            node.attr = self.attributes.get(node.attr, node.attr)
        return node


def renamed_copy(query: Path, folder: Path) -> Path:
    module = ast.parse(query.read_text())
    module = AlphaRenamer(module).visit(module)
    target = folder / f"renamed_{query.stem.removeprefix('modeling_')}.py"
    target.write_text(ast.unparse(module))
    return target


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


def research_figures(index) -> list[tuple[str, str, int, float, float]]:
    """Per research file: its family's best rank, the share of the file the family's best model explains, and
    the share the best model outside the family explains."""
    figures = []
    for fixture, root in RESEARCH.items():
        family = {root} | descendants(index.history, {root})
        units = comparable(file_units(FIXTURES / fixture))
        matches = rank_units(units, index, top=len(index.models))
        position = next(i for i, m in enumerate(matches, 1) if m.model in family)
        wrong = next(m for m in matches if m.model not in family)
        figures.append((fixture, root, position, matches[position - 1].explained, wrong.explained))
    return figures


def main() -> None:
    tree = TransformersTree.installed()
    jobs = min(2, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MODGEN_CACHE_DIR"] = cache
        start, cpu = time.perf_counter(), cpu_seconds()
        build_index(tree, jobs=jobs)
        build_seconds, build_cpu = time.perf_counter() - start, cpu_seconds() - cpu
        start = time.perf_counter()
        index = build_index(tree)
        load_seconds = time.perf_counter() - start
    cases = queries(tree, modular_graph(tree))

    hits1 = hits5 = 0
    halves = [[0, 0], [0, 0]]
    misses = []
    start, cpu = time.perf_counter(), time.process_time()
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
    cpu_ours = 1000 * (time.process_time() - cpu) / len(cases)

    renamed1 = renamed5 = 0
    with tempfile.TemporaryDirectory() as folder:
        for _model, query, gold, excluded in cases:
            units = comparable(file_units(renamed_copy(query, Path(folder))))
            ranked = [m.model for m in rank_units(units, index, top=5, excluded=excluded)]
            renamed1 += ranked[0] in gold
            renamed5 += bool(gold & set(ranked))

    baseline = TokenTfidf(tree)
    base1 = base5 = 0
    start, cpu = time.perf_counter(), time.process_time()
    for _model, query, gold, excluded in cases:
        ranked = baseline.rank(query, excluded, top=5)
        base1 += ranked[0] in gold
        base5 += bool(gold & set(ranked))
    ms_base = 1000 * (time.perf_counter() - start) / len(cases)
    cpu_base = 1000 * (time.process_time() - cpu) / len(cases)

    research = research_figures(index)

    if "-v" in sys.argv:
        print("\n".join(misses))
    print(f"{'research file':20}{'family':>10}{'rank':>6}{'explained':>11}{'best wrong':>12}")
    for fixture, root, position, right, wrong in research:
        print(f"{fixture:20}{root:>10}{position:>6}{right:>11.0%}{wrong:>12.0%}")
    n = len(cases)
    print(f"queries: {n} modular models with a generated modeling file and a parent left in the index")
    print(
        f"index: cold build {build_seconds:.1f} s on {jobs} processes ({build_cpu:.1f} s of CPU), "
        f"warm load {1000 * load_seconds:.0f} ms"
    )
    print(f"{'':18}{'top-1':>8}{'top-5':>8}{'ms/query':>10}{'CPU ms':>8}")
    print(f"{'token TF-IDF':18}{base1 / n:>8.1%}{base5 / n:>8.1%}{ms_base:>10.1f}{cpu_base:>8.1f}")
    print(f"{'modgen closest':18}{hits1 / n:>8.1%}{hits5 / n:>8.1%}{ms_ours:>10.1f}{cpu_ours:>8.1f}")
    print(f"{'  renamed queries':18}{renamed1 / n:>8.1%}{renamed5 / n:>8.1%}")
    print(f"ratio to baseline: top-1 x{hits1 / max(base1, 1):.2f}, top-5 x{hits5 / max(base5, 1):.2f}")
    print(
        f"research files: family first in {sum(r[2] == 1 for r in research)}/{len(research)}, "
        f"in the top 3 in {sum(r[2] <= 3 for r in research)}/{len(research)}; mean explained by the family's best "
        f"{np.mean([r[3] for r in research]):.0%} vs the best wrong model {np.mean([r[4] for r in research]):.0%}"
    )
    print(
        f"top-1 on alternate halves (stability): {halves[0][0] / halves[0][1]:.1%} / {halves[1][0] / halves[1][1]:.1%}"
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
