"""The index of every model of a transformers tree: the units of its `modeling_*.py` files (their lexical
features, their structural signatures, their kinds and roles), each model's vocabulary, and the models' names.

Built on first use (both cores), cached on disk, and brought up to date from the files' sizes and mtimes: only
changed files are read again. A warm query loads a few numpy arrays and a pickle.

Vectors are TF-IDF over the features (sub-linear term frequency, each namespace weighed), compared by cosine.
The IDF and the norms are recomputed without the excluded models, so that a left-out model leaves no trace in
the statistics either.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modgen.errors import ModgenError
from modgen.parallel import run_jobs
from modgen.repo import TransformersTree
from modgen.similarity.canonical import NAMESPACES, feature_id
from modgen.similarity.features import Unit, file_units, file_vocabulary, read_source
from modgen.similarity.names import model_keys
from modgen.similarity.prior import copied_models, imported_models
from modgen.similarity.sparse import TfidfMatrix


# Bump when features change: old caches are then ignored.
FORMAT_VERSION = 22

# How much each kind of feature counts, per matrix (a namespace not named weighs 0 there). Lexical features:
# statements and node pairs are many and say little one by one; API calls, config fields and the layer
# structure are what a model is made of.
NAMESPACE_WEIGHTS = dict.fromkeys(NAMESPACES, 0.0) | {
    "api": 2.0,
    "cfg": 1.5,
    "attr": 1.0,
    "call": 1.5,
    "m": 1.0,
    "kw": 1.0,
    "seq": 1.0,
    "s": 1.0,
    "t": 0.5,
    "def": 1.0,
    "base": 1.0,
    "name": 1.5,
    "n": 0.5,
    "x": 1.0,
}
# The structural signature (structure.py): what a unit is and computes, names aside.
STRUCTURE_WEIGHTS = dict.fromkeys(NAMESPACES, 0.0) | {"role": 3.0, "layer": 1.5, "layers": 1.0, "op": 1.0, "flow": 1.0}
# A file's vocabulary against a model's (features.file_vocabulary).
VOCABULARY_WEIGHTS = dict.fromkeys(NAMESPACES, 0.0) | {"tok": 1.0}


def cache_dir() -> Path:
    root = os.environ.get("MODGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "modgen"
    )
    return Path(root) / "closest"


@dataclass
class UnitRef:
    """Where an index unit comes from."""

    model: str
    file: str  # relative to the tree's package dir
    name: str
    line: int


@dataclass
class Index:
    """Every unit of every model of a tree as TF-IDF rows, every model's vocabulary, and the models' names."""

    models: list[str]  # folder names, in row order
    model_ptr: np.ndarray  # units of models[i] are rows model_ptr[i]:model_ptr[i + 1]
    refs: list[UnitRef]
    sizes: np.ndarray
    canonical: np.ndarray
    kinds: np.ndarray  # what each unit is: module, function, output... (features.KINDS)
    roles: np.ndarray  # what each unit is (structure.py): "norm", "attention", "mlp"...
    units: TfidfMatrix
    structures: TfidfMatrix  # the units' structural signatures
    vocabulary: TfidfMatrix  # one row per model: the identifiers of its modeling files
    keys: dict[str, frozenset[int]]  # the models' name keys -> their rows (names.py)
    graph: dict[str, frozenset[str]]  # the modular inheritance graph (prior.py)
    copies: dict[str, frozenset[str]]  # model -> the models its `# Copied from` comments copy from

    @property
    def history(self) -> dict[str, frozenset[str]]:
        """Who was built from whom: modular inheritance, and the copies of the models written before modular."""
        return {
            m: self.graph.get(m, frozenset()) | self.copies.get(m, frozenset()) for m in {*self.graph, *self.copies}
        }

    @property
    def unit_count(self) -> int:
        return len(self.refs)

    def model_mask(self, excluded: frozenset[str]) -> np.ndarray:
        return np.array([model not in excluded for model in self.models], dtype=bool)

    def unit_mask(self, excluded: frozenset[str]) -> np.ndarray:
        return np.repeat(self.model_mask(excluded), np.diff(self.model_ptr))

    def similarities(self, units: list[Unit], excluded: frozenset[str] = frozenset()) -> np.ndarray:
        """Cosine similarity of each target unit with each index unit (rows: targets); excluded units get 0.

        Definitions identical after renaming get exactly 1.
        """
        keep = self.unit_mask(excluded)
        result = self.units.cosine([unit.features for unit in units], keep, NAMESPACE_WEIGHTS)
        for row, unit in enumerate(units):
            result[row][(self.canonical == unit.canonical) & keep] = 1.0
        return result

    def structural_similarities(self, units: list[Unit], excluded: frozenset[str] = frozenset()) -> np.ndarray:
        """Cosine similarity of the target units' structural signatures with the index units' (rows: targets)."""
        return self.structures.cosine([unit.structure for unit in units], self.unit_mask(excluded), STRUCTURE_WEIGHTS)

    def structural_containment(
        self, units: list[Unit], rows: np.ndarray, excluded: frozenset[str] = frozenset()
    ) -> np.ndarray:
        """How much of each target unit's structural signature each of the index's `rows` holds."""
        return self.structures.containment(
            [unit.structure for unit in units], rows, self.unit_mask(excluded), STRUCTURE_WEIGHTS
        )

    def mentions(self, word: str) -> np.ndarray:
        """The rows of the models whose modeling files hold `word`."""
        colptr, rows, _ = self.vocabulary.csc
        column = np.searchsorted(self.vocabulary.vocabulary, feature_id("tok", word))
        if column >= len(self.vocabulary.vocabulary) or self.vocabulary.vocabulary[column] != feature_id("tok", word):
            return np.zeros(0, dtype=np.int64)
        return rows[colptr[column] : colptr[column + 1]]

    def vocabulary_similarities(self, vocabulary: Counter, excluded: frozenset[str] = frozenset()) -> np.ndarray:
        """Cosine similarity of a file's vocabulary with each model's: blind to how code is cut in classes."""
        return self.vocabulary.cosine([vocabulary], self.model_mask(excluded), VOCABULARY_WEIGHTS)[0]


def _units_of(item: tuple[str, str]) -> tuple[list[Unit], frozenset[str], Counter] | str:
    """Job: the units of one file, the models it copies from and its vocabulary (an error message for a file
    that does not parse: it is left out)."""
    path, module_name = item
    try:
        text = read_source(Path(path))
        units = file_units(Path(path), text, module_name=module_name)
    except ModgenError as error:
        return str(error)
    return units, copied_models(text, Path(path).parent.name), file_vocabulary(text)


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _compile(
    tree: TransformersTree, per_file: dict[str, tuple[list[Unit], Counter]], graph: dict, copies: dict
) -> Index:
    models, refs, rows, vocabularies = [], [], [], []
    model_ptr = [0]
    for name, model in tree.models.items():
        count, vocabulary = 0, Counter()
        for path in model.of_type("modeling"):
            relative = str(path.relative_to(tree.package_dir))
            units, words = per_file.get(relative, ([], Counter()))
            vocabulary.update(words)
            for unit in units:
                refs.append(UnitRef(name, relative, unit.name, unit.line))
                rows.append(unit)
                count += 1
        if count:
            models.append(name)
            model_ptr.append(model_ptr[-1] + count)
            vocabularies.append(vocabulary)
    if not rows:
        raise ModgenError(
            f"the index is empty: no modeling_*.py file with a class or function in {tree.models_dir}",
            hint="point --repo at a transformers checkout, or install transformers",
        )
    prefixes = {
        model: [r.name.removesuffix("PreTrainedModel") for r in refs[begin:end] if r.name.endswith("PreTrainedModel")]
        for model, begin, end in zip(models, model_ptr, model_ptr[1:], strict=False)
    }
    index = Index(
        models=models,
        model_ptr=np.array(model_ptr, dtype=np.int64),
        refs=refs,
        sizes=np.array([u.size for u in rows], dtype=np.float32),
        canonical=np.array([u.canonical for u in rows], dtype=np.int64),
        kinds=np.array([u.kind for u in rows]),
        roles=np.array([u.role for u in rows]),
        units=TfidfMatrix.from_bags([u.features for u in rows]),
        structures=TfidfMatrix.from_bags([u.structure for u in rows]),
        vocabulary=TfidfMatrix.from_bags(vocabularies),
        keys=model_keys(models, prefixes),
        graph=graph,
        copies=copies,
    )
    # Cached with the index: a warm query neither sorts a million entries nor weighs them again.
    everything = np.ones(len(models), dtype=bool)
    for matrix, weights, keep in (
        (index.units, NAMESPACE_WEIGHTS, index.unit_mask(frozenset())),
        (index.structures, STRUCTURE_WEIGHTS, index.unit_mask(frozenset())),
        (index.vocabulary, VOCABULARY_WEIGHTS, everything),
    ):
        _ = matrix.csc
        matrix.weights(keep, weights)
    return index


def _sources(tree: TransformersTree) -> dict[str, tuple[int, int]]:
    """Every file the index depends on (modeling and modular files) -> its stamp."""
    stamps = {}
    for model in tree.models.values():
        for path in (*model.of_type("modeling"), *model.modular_files):
            stamps[str(path.relative_to(tree.package_dir))] = _stamp(path)
    return stamps


def build_index(tree: TransformersTree, *, jobs: int = 1, use_cache: bool = True) -> Index:
    """The index of `tree`, from the cache when no file changed since it was written."""
    tree_key = hashlib.sha1(str(tree.package_dir).encode()).hexdigest()[:16]
    folder = cache_dir()
    compiled_path = folder / f"{tree_key}.v{FORMAT_VERSION}.index.pkl"
    units_path = folder / f"{tree_key}.v{FORMAT_VERSION}.units.pkl"
    stamps = _sources(tree)
    cached = _read(compiled_path) if use_cache else None
    if isinstance(cached, tuple) and cached[0] == stamps:
        return cached[1]
    old = (_read(units_path) if use_cache else None) or {}
    per_file: dict[str, tuple[list[Unit], frozenset[str], Counter]] = {}
    graph_parts: dict[str, frozenset[str]] = {}
    todo = []
    for relative, stamp in stamps.items():
        if relative in old and old[relative][0] == stamp:
            kind, value = old[relative][1]
            (per_file if kind == "units" else graph_parts)[relative] = value
        else:
            todo.append(relative)
    modular = [r for r in todo if Path(r).name.startswith("modular_")]
    modeling = [r for r in todo if not Path(r).name.startswith("modular_")]
    for relative in modular:
        graph_parts[relative] = imported_models(tree.package_dir / relative, tree)
    items = [(str(tree.package_dir / r), tree.module_name(tree.package_dir / r)) for r in modeling]
    for relative, units in zip(modeling, run_jobs(_units_of, items, jobs=jobs, label="indexing models"), strict=True):
        per_file[relative] = units if isinstance(units, tuple) else ([], frozenset(), Counter())
    index = _compile(
        tree,
        {relative: (units, words) for relative, (units, _, words) in per_file.items()},
        _by_model(graph_parts),
        _by_model({relative: copied for relative, (_, copied, _) in per_file.items()}),
    )
    if use_cache:
        entries = {r: (stamps[r], ("units", per_file[r])) for r in per_file}
        entries |= {r: (stamps[r], ("graph", graph_parts[r])) for r in graph_parts}
        for stale in folder.glob(f"{tree_key}.v*.pkl"):  # caches of older versions of modgen
            if stale not in (units_path, compiled_path):
                stale.unlink(missing_ok=True)
        _write(units_path, entries)
        _write(compiled_path, (stamps, index))
    return index


def _by_model(per_file: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    graph: dict[str, frozenset[str]] = {}
    for relative, parents in per_file.items():
        if parents:
            model = Path(relative).parent.name
            graph[model] = graph.get(model, frozenset()) | parents
    return graph


def _read(path: Path):
    """A cache file's content; None when it is missing or unreadable (another version, a partial write)."""
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except Exception:  # unpickling can raise nearly anything; the cache is only ever a shortcut
        return None


def _write(path: Path, value) -> None:
    """Write a cache file whole or not at all (another process may read it meanwhile)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        pass  # a read-only cache only costs time
