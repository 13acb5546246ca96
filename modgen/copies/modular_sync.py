"""Modular sync: each modular file's generated files must be what `modgen flatten` produces.

The flattener (`modgen.modular`) is imported lazily. A content-keyed cache remembers, for each modular file,
the hashes of the files it generates, keyed by the modular file, the parent files it imports from, the
flattener's own code and the marker setting: a warm full check only hashes files, it does not flatten.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from modgen.copies.cache import Cache, digest
from modgen.copies.findings import Finding
from modgen.errors import ModgenError
from modgen.parallel import run_jobs
from modgen.repo import FILE_TYPES, MODULAR, Repository, TransformersTree, split_file_name


# `from ..llama.modeling_llama import`, `from transformers.models.x.y import`, `from mylib.models.x.y import`.
IMPORT_FROM = re.compile(r"^[ \t]*from[ \t]+(\.+[\w.]*|[A-Za-z_][\w.]*)[ \t]+import\b", re.MULTILINE)


@dataclass
class ModularResults:
    findings: list[Finding] = field(default_factory=list)
    expected: dict[Path, str] = field(default_factory=dict)  # generated path -> text, for files that differ
    checked: int = 0
    flattened: int = 0  # modular files the flattener had to run on (cache misses)


def is_modular(path: Path) -> bool:
    return path.name.startswith(MODULAR + "_") and path.suffix == ".py"


def is_model_file(path: Path) -> bool:
    """`.../models/<folder>/<type>_<name>.py`: a file a modular file can take code from."""
    split = split_file_name(path)
    return split is not None and split[0] in FILE_TYPES and path.parent.parent.name == "models"


class ModularGraph:
    """The modular files of a repository, and for each one the files it reads (its own text, the model files it
    imports from) and the files it generates. Built in one pass (each modular file read once, each folder listed
    once), so that finding the modular files a set of changed files affects is a lookup, not a scan."""

    def __init__(self, repo: Repository, modular: Iterable[Path]) -> None:
        self.repo = repo
        self.paths = sorted(set(modular))  # absolute, resolved
        self.parents: dict[Path, list[Path]] = {}
        self.generated: dict[Path, list[Path]] = {}
        listings: dict[Path, list[Path]] = {}
        for path in self.paths:
            if path.parent not in listings:
                listings[path.parent] = sorted(path.parent.glob("*.py"))
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):  # reported when the flattener reads it
                text = ""
            self.parents[path] = parent_files(path, text, repo)
            self.generated[path] = generated_among(path, listings[path.parent])
        # file -> the modular files that read or write it
        self.dependants: dict[Path, list[Path]] = {}
        for path in self.paths:
            for related in {path, *self.parents[path], *self.generated[path]}:
                self.dependants.setdefault(related, []).append(path)

    @classmethod
    def of_repository(cls, repo: Repository, files: Iterable[Path], extra: Iterable[Path] = ()) -> ModularGraph:
        """The modular files among `files` that lie in the repository's package, and those of `extra` (paths the
        user named, wherever they are)."""
        package = os.path.join(repo.package_dir, "")
        found = [p for p in files if is_modular(p) and str(p).startswith(package)]
        return cls(repo, [*found, *(p.resolve() for p in extra if is_modular(p) and p.is_file())])

    def selected(self, selection: set[Path]) -> list[Path]:
        """The modular files that are selected, or whose parents or generated files are."""
        found = {m for path in selection for m in self.dependants.get(path, ())}
        return [path for path in self.paths if path in found]

    def affected(self, selection: set[Path]) -> list[Path]:
        """`selected`, and the modular files whose parents those regenerate, and so on (a grandchild reads its
        parent's regenerated output): what a fix must regenerate once `selection` changed."""
        found: set[Path] = set()
        pending = list(selection)
        seen = set(pending)
        while pending:
            for modular in self.dependants.get(pending.pop(), ()):
                if modular in found:
                    continue
                found.add(modular)
                for output in self.generated[modular]:
                    if output not in seen:
                        seen.add(output)
                        pending.append(output)
        return [path for path in self.paths if path in found]


def generated_among(modular: Path, folder_files: list[Path]) -> list[Path]:
    """The files of `folder_files` (the modular file's folder) that `modular_bob.py` generated (`modeling_bob.py`,
    ...): their banner names it."""
    name = split_file_name(modular)[1]
    found = []
    for path in folder_files:
        split = split_file_name(path)
        if split and split[0] != MODULAR and split[1] == name and names_modular(path, modular.name):
            found.append(path)
    return found


def generated_files(modular: Path) -> list[Path]:
    """The files next to `modular_bob.py` that it generated."""
    return generated_among(modular, sorted(modular.parent.glob("*.py")))


def names_modular(path: Path, modular_name: str) -> bool:
    """Whether the generated-file banner at the top of `path` names `modular_name`."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(2048)
    return "automatically generated from" in head and modular_name in head


def parent_files(modular: Path, text: str, repo: Repository) -> list[Path]:
    """The model files a modular file imports from (what its generated code is taken from; `modular` resolved)."""
    found = []
    for module in IMPORT_FROM.findall(text):
        split = split_file_name(module.rsplit(".", 1)[-1] + ".py")
        if split is None or split[0] not in FILE_TYPES or ".auto." in module:
            continue  # not a parent: `from torch import nn`, `from ...utils import ...`, `from ..auto.modeling_auto`
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            base = modular.parent
            for _ in range(dots - 1):
                base = base.parent
            rest = module.lstrip(".")
            path = base.joinpath(*rest.split(".")).with_suffix(".py") if rest else None
        elif module.startswith("transformers."):
            path = repo.transformers.module_file(module)
        elif module.split(".")[0] == repo.package:  # a project's own models, imported absolutely
            path = repo.package_dir.parent.joinpath(*module.split(".")).with_suffix(".py")
        else:
            continue
        if path is not None and is_model_file(path) and path.is_file():
            found.append(path)
    return sorted(set(found))


@cache
def flattener_version(markers: bool) -> str:
    """A hash of the flattener's code (and the marker writer's when markers are on): a new modgen invalidates
    the cache."""
    import importlib.util

    sources = []
    packages = ("modgen.modular", "modgen.copies") if markers else ("modgen.modular",)
    for package in packages:  # found, not imported: importing libcst is slow
        spec = importlib.util.find_spec(package)
        for folder in spec.submodule_search_locations if spec else ():
            sources += sorted(Path(folder).glob("*.py"))
    return digest(*(p.read_bytes() for p in sources))


def cache_key(modular: Path, parents: list[Path], markers: bool, digests: dict[Path, str], names: str = "") -> str:
    """What the flattener's output for `modular` depends on: its text, its parents' texts, modgen's flattener, the
    marker setting, and `names` (the digest of the model names the tree registers, `naming_digest`). `digests`
    memoises the parents' hashes (one parent has many children)."""
    for parent in parents:
        if parent not in digests:
            digests[parent] = digest(parent.read_bytes())
    text = modular.read_text(encoding="utf-8")
    return "modular:" + digest(
        flattener_version(markers), str(markers), str(modular), text, names, *map(digests.get, parents)
    )


def naming_digest(models_dir: Path) -> str:
    """The auto mappings' files: the flattener spells model names as their config classes do (`GPTNeoX`), so a
    model registered or renamed there changes its output."""
    auto = models_dir / "auto"
    return digest(
        *(p.read_bytes() for p in (auto / "auto_mappings.py", auto / "configuration_auto.py") if p.is_file())
    )


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_modular(
    graph: ModularGraph, paths: list[Path], *, jobs: int = 1, cache: Cache | None = None, fix: bool = False
) -> ModularResults:
    """Compare the generated files of `paths` (modular files of `graph`) with the flattener's output.

    A cache entry holds, for the inputs of one modular file, the hash of each generated file as it was checked
    and the findings then: while those files are unchanged the findings stand, without flattening. `fix` needs
    the generated text, so it flattens again the modular files that have findings.
    """
    cache = cache or Cache(None)
    results = ModularResults(checked=len(paths))
    tree, markers = graph.repo.transformers, graph.repo.markers
    digests: dict[Path, str] = {}
    names = naming_digest(tree.models_dir)
    keys = {path: cache_key(path, graph.parents[path], markers, digests, names) for path in paths}
    hits = {}
    for path in paths:
        entry = cache.get(keys[path])
        if entry is None or (fix and entry["findings"]):
            continue
        if "error" in entry or all(current_hash(Path(p)) == h for p, h in entry["checked"].items()):
            hits[path] = entry["findings"]
    misses = [path for path in paths if path not in hits]
    if fix and misses:  # a fix regenerates children from their parents' fresh output, not from the disk's
        regenerated = set(graph.affected({output for path in misses for output in graph.generated[path]}))
        misses = [path for path in paths if path not in hits or path in regenerated]
    missed = set(misses)
    for path in paths:
        if path not in missed:
            results.findings.extend(hits[path])
    if not misses:
        return results
    results.flattened = len(misses)
    # A fix writes the outputs: children must then be generated from their parents' fresh output.
    produced, failures = flatten_all(misses, markers=markers, jobs=jobs, tree=tree, in_place=fix)
    for path in misses:
        if path in failures:
            error = failures[path]
            finding = failure_finding(path, error)
            if not fix:
                cache.set(keys[path], {"error": str(error), "findings": [finding]})
            results.findings.append(finding)
            continue
        findings = []
        for output, text in sorted(produced[path].items()):
            finding = compare_output(output, text, path)
            if finding is not None:
                results.expected[output] = text
                findings.append(finding)
        results.findings.extend(findings)
        # A fix generates children from their parents' fresh output, not from the files the key was made of.
        if not fix:
            cache.set(keys[path], {"checked": {str(p): current_hash(p) for p in produced[path]}, "findings": findings})
    return results


def compare_output(output: Path, text: str, modular: Path) -> Finding | None:
    """A finding when the generated file `output` is not `text`, what `modular` generates."""
    current = output.read_text(encoding="utf-8") if output.is_file() else None
    if current == text:
        return None
    diff = difflib.unified_diff(
        (current or "").splitlines(keepends=True),
        text.splitlines(keepends=True),
        f"{output} (on disk)",
        f"{output} (generated from {modular.name})",
        n=2,
    )
    message = (
        f"differs from what {modular.name} generates"
        if current is not None
        else f"is missing: {modular.name} generates it"
    )
    return Finding(
        "modular",
        output,
        first_difference(current or "", text),
        message,
        str(modular),
        diff="".join(diff),
        hint="run `modgen check --fix` (or `modgen flatten`) to regenerate",
    )


def failure_finding(modular: Path, error: ModgenError) -> Finding:
    """A modular file the flattener cannot convert, at the place the error names (file:line)."""
    where = Path(error.path) if error.path is not None else modular
    return Finding(
        "modular",
        where,
        error.line,
        f"the flattener failed: {error.message}",
        str(modular),
        hint=error.hint,
        fixable=False,
    )


def current_hash(path: Path) -> str | None:
    return text_hash(path.read_text(encoding="utf-8")) if path.is_file() else None


def first_difference(old: str, new: str) -> int:
    for index, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=False)):
        if a != b:
            return index + 1
    return min(old.count("\n"), new.count("\n")) + 1


def flatten_all(
    paths: list[Path], *, markers: bool, jobs: int, tree: TransformersTree, in_place: bool = False
) -> tuple[dict[Path, dict[Path, str]], dict[Path, ModgenError]]:
    """What each modular file generates ({output path: text}), in one batch, and the files that failed, with why.

    Parents are read from disk, or with `in_place` (for a fix) from the fresh output of the parents in the
    batch, in dependency order. The batch keeps going past files that fail; if it fails as a whole (ruff
    rejecting an output), each file is flattened alone so that the failure is pinned on its modular file.
    """
    from modgen.modular.batch import flatten_batch

    produced: dict[Path, dict[Path, str]] = {path: {} for path in paths}
    try:
        run = flatten_batch(paths, markers=markers, jobs=jobs, tree=tree, keep_going=True, in_place=in_place)
    except ModgenError:
        failures = {}
        jobs_args = [(str(path), markers, str(tree.package_dir)) for path in paths]
        for path, outputs, error in run_jobs(flatten_one, jobs_args, jobs=jobs, label="flattening"):
            if error is not None:
                failures[Path(path)] = error
            else:
                produced[Path(path)] = outputs
        return produced, failures
    for output, text in run.outputs.items():
        produced[run.sources[output]][output] = text
    return produced, {failure.path: failure.error for failure in run.failures}


def flatten_one(job: tuple[str, bool, str]) -> tuple[str, dict[Path, str], ModgenError | None]:
    """One modular file (a top-level function: it runs in worker processes)."""
    from modgen.modular.batch import flatten_files

    path, markers, package_dir = job
    try:
        return path, flatten_files([Path(path)], markers=markers, tree=TransformersTree(Path(package_dir))), None
    except ModgenError as error:
        return path, {}, error
    except Exception as error:  # the flattener's own bug: reported as a finding, not a crash of check
        return path, {}, ModgenError(f"{type(error).__name__}: {error}", path=path, exit_code=3)
