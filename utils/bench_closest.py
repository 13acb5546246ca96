"""Benchmark of `modgen closest`: real research code, and leave-one-out over transformers' own modular models.

1. Research code: the corpus of real original implementations (`MODGEN_RESEARCH_CORPUS`, else the nearest
   `shared/corpora/research/` above this checkout; `--corpus DIR` adds others of the same layout). MANIFEST.tsv
   gives, per file, the transformers models that count as right; hit: the first model / one of the top 5 is one
   of them. Each file is queried under the name its authors gave it (the manifest's `path`), never the corpus's
   short name, which is the answer. Baseline, in the same run: token TF-IDF cosine between the whole file and
   each model's modeling files (the cheap signal upstream's detector falls back to).
2. Leave-one-out: a model's generated `modeling_*.py` is the query. Left out of the index and of the prior's
   statistics: the model and its descendants (the models whose modular files inherit from it, transitively: they
   did not exist when it was added). Hit: a model its modular file imports from (`auto` aside). The same queries
   again, alpha-renamed (definitions, arguments, locals, `self.*` attributes), show how much rests on names.
3. Times: the index built cold (a new cache, both cores), loaded warm, and `modgen closest FILE` in a new
   process on each research file, the index cached, as a user runs it.

Figures are printed last. `-v` lists every research file and every leave-one-out miss.
"""

from __future__ import annotations

import ast
import csv
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modgen.repo import TransformersTree  # noqa: E402
from modgen.similarity.index import build_index  # noqa: E402
from modgen.similarity.prior import descendants, imported_models, modular_graph  # noqa: E402
from modgen.similarity.ranking import load_target, rank_target  # noqa: E402


TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
JOBS = min(2, os.cpu_count() or 1)


@dataclass
class ResearchFile:
    corpus: str
    name: str  # the corpus's short name
    path: Path  # the file under its authors' name
    expected: frozenset[str]


def research_corpus() -> Path | None:
    """The research corpus: $MODGEN_RESEARCH_CORPUS, else shared/corpora/research in a folder above this one."""
    if os.environ.get("MODGEN_RESEARCH_CORPUS"):
        return Path(os.environ["MODGEN_RESEARCH_CORPUS"])
    return next(
        (
            p / "shared/corpora/research"
            for p in ROOT.parents
            if (p / "shared/corpora/research/MANIFEST.tsv").is_file()
        ),
        None,
    )


def research_files(corpus: Path, folder: Path) -> list[ResearchFile]:
    """The corpus's files, copied into `folder` under their original names. A corpus holds `<short>.py` or
    `files/<short>/<original name>` next to its MANIFEST.tsv (columns short_name, path, expected)."""
    files = []
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            original = Path(row["path"]).name
            source = corpus / f"{row['short_name']}.py"
            if not source.is_file():
                source = corpus / "files" / row["short_name"] / original
            target = folder / corpus.name / row["short_name"] / original
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            files.append(ResearchFile(corpus.name, row["short_name"], target, frozenset(row["expected"].split(","))))
    return files


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


def hits(ranked: list[str], gold: frozenset[str]) -> tuple[bool, bool]:
    return ranked[0] in gold, bool(gold & set(ranked[:5]))


def warm_cli_seconds(paths: list[Path], cache: str) -> list[float]:
    """Wall time of `modgen closest FILE` in a new process, the index cached, for each file."""
    env = os.environ | {"MODGEN_CACHE_DIR": cache}
    seconds = []
    for path in paths:
        start = time.perf_counter()
        command = [sys.executable, "-m", "modgen", "closest", str(path), "--top", "5"]
        subprocess.run(command, check=True, capture_output=True, env=env, cwd=tempfile.gettempdir())
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    verbose = "-v" in sys.argv
    extra = [Path(sys.argv[i + 1]) for i, arg in enumerate(sys.argv) if arg == "--corpus"]
    tree = TransformersTree.installed()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="bench-closest-"))
    os.environ["MODGEN_CACHE_DIR"] = cache = str(workdir / "cache")
    start, cpu = time.perf_counter(), cpu_seconds()
    build_index(tree, jobs=JOBS)
    build_seconds, build_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    start = time.perf_counter()
    index = build_index(tree)
    load_seconds = time.perf_counter() - start
    baseline = TokenTfidf(tree)

    # 1. Research code.
    corpora = [c for c in (research_corpus(), *extra) if c is not None]
    files = [f for corpus in corpora for f in research_files(corpus, workdir / "research")]
    research: dict[str, list[tuple[bool, bool, bool, bool]]] = {}
    lines, seconds = [], []
    for item in files:
        start = time.perf_counter()
        target = load_target(item.path, tree)
        matches = rank_target(target, index, top=5, excluded=target.own_models)
        seconds.append(time.perf_counter() - start)
        ranked = [m.model for m in matches]
        tfidf = baseline.rank(item.path, target.own_models, top=5)
        research.setdefault(item.corpus, []).append((*hits(ranked, item.expected), *hits(tfidf, item.expected)))
        position = next((i for i, m in enumerate(ranked, 1) if m in item.expected), "-")
        lines.append(
            f"  {item.corpus[:10]:10} {item.name:16} {position!s:>2}  {', '.join(ranked[:3]):44} "
            f"explains {matches[0].explained:4.0%}  (TF-IDF: {tfidf[0]})"
        )
    cli_seconds = warm_cli_seconds([item.path for item in files], cache)

    # 2. Leave-one-out.
    cases = queries(tree, modular_graph(tree))
    hits1 = hits5 = base1 = base5 = renamed1 = renamed5 = 0
    misses = []
    start, cpu = time.perf_counter(), time.process_time()
    for model, query, gold, excluded in cases:
        target = load_target(query, tree)
        ranked = [m.model for m in rank_target(target, index, top=5, excluded=excluded | target.own_models)]
        first, five = hits(ranked, gold)
        hits1, hits5 = hits1 + first, hits5 + five
        if not first:
            misses.append(f"  {model}: got {ranked[:3]}, gold {sorted(gold)}")
    ms_ours = 1000 * (time.perf_counter() - start) / len(cases)
    cpu_ours = 1000 * (time.process_time() - cpu) / len(cases)
    for _model, query, gold, excluded in cases:
        target = load_target(renamed_copy(query, workdir), tree)
        first, five = hits([m.model for m in rank_target(target, index, top=5, excluded=excluded)], gold)
        renamed1, renamed5 = renamed1 + first, renamed5 + five
    start = time.perf_counter()
    for _model, query, gold, excluded in cases:
        first, five = hits(baseline.rank(query, excluded, top=5), gold)
        base1, base5 = base1 + first, base5 + five
    ms_base = 1000 * (time.perf_counter() - start) / len(cases)
    shutil.rmtree(workdir, ignore_errors=True)

    if verbose:
        print("research files (rank of the first right model; the top 3):", *lines, sep="\n")
        print("leave-one-out top-1 misses:", *misses, sep="\n")
    print(f"load average (1 min): {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(
        f"index: cold build {build_seconds:.1f} s on {JOBS} processes ({build_cpu:.1f} s of CPU), warm load "
        f"{1000 * load_seconds:.0f} ms"
    )
    if seconds:
        print(
            f"warm query, {len(files)} research files: `modgen closest FILE` in a new process median "
            f"{statistics.median(cli_seconds):.2f} s, max {max(cli_seconds):.2f} s; in process median "
            f"{1000 * statistics.median(seconds):.0f} ms, max {1000 * max(seconds):.0f} ms"
        )
    print(f"{'':30}{'top-1':>10}{'top-5':>10}")
    for corpus, results in research.items():
        n = len(results)
        ours1, ours5, tf1, tf5 = (sum(r[i] for r in results) for i in range(4))
        print(f"{corpus + ' (' + str(n) + ' files)':30}")
        print(f"{'  token TF-IDF':30}{f'{tf1}/{n}':>10}{f'{tf5}/{n}':>10}")
        print(f"{'  modgen closest':30}{f'{ours1}/{n}':>10}{f'{ours5}/{n}':>10}")
    n = len(cases)
    print(f"leave-one-out ({n} modular models)   top-1     top-5  ms/query")
    print(f"{'  token TF-IDF':30}{base1 / n:>10.1%}{base5 / n:>10.1%}{ms_base:>10.1f}")
    print(f"{'  modgen closest':30}{hits1 / n:>10.1%}{hits5 / n:>10.1%}{ms_ours:>10.1f}  ({cpu_ours:.1f} ms CPU)")
    print(f"{'  renamed queries':30}{renamed1 / n:>10.1%}{renamed5 / n:>10.1%}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
