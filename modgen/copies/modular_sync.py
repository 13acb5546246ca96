"""Modular sync: each modular file's generated files must be what `modgen flatten` produces.

The flattener (`modgen.modular`) is imported lazily. A content-keyed cache remembers, for each modular file,
the hashes of the files it generates, keyed by the modular file, the parent files it imports from, the
flattener's own code and the marker setting: a warm full check only hashes files, it does not flatten.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from modgen.copies.cache import Cache, digest
from modgen.copies.findings import Finding
from modgen.errors import ModgenError
from modgen.parallel import run_jobs
from modgen.repo import MODULAR, Repository, TransformersTree, split_file_name


IMPORT_FROM = re.compile(r"^\s*from\s+(\.+[\w.]*|transformers\.[\w.]+)\s+import\b", re.MULTILINE)


@dataclass
class ModularResults:
    findings: list[Finding] = field(default_factory=list)
    expected: dict[Path, str] = field(default_factory=dict)  # generated path -> text, for files that differ
    checked: int = 0
    flattened: int = 0  # modular files the flattener had to run on (cache misses)


def modular_files(repo: Repository) -> list[Path]:
    return sorted(path for model in repo.models.values() for path in model.modular_files)


def generated_files(modular: Path) -> list[Path]:
    """The files next to `modular_bob.py` that it generated (`modeling_bob.py`, ...): their banner names it."""
    name = split_file_name(modular)[1]
    found = []
    for path in sorted(modular.parent.glob("*.py")):
        split = split_file_name(path)
        if split and split[0] != MODULAR and split[1] == name and names_modular(path, modular.name):
            found.append(path)
    return found


def names_modular(path: Path, modular_name: str) -> bool:
    """Whether the generated-file banner at the top of `path` names `modular_name`."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(2048)
    return "automatically generated from" in head and modular_name in head


def parent_files(modular: Path, text: str, tree: TransformersTree) -> list[Path]:
    """The model files a modular file imports from (what its generated code is taken from)."""
    found = []
    for module in IMPORT_FROM.findall(text):
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            base = modular.parent
            for _ in range(dots - 1):
                base = base.parent
            rest = module.lstrip(".")
            path = base.joinpath(*rest.split(".")).with_suffix(".py") if rest else None
        else:
            path = tree.module_file(module)
        if path is not None and path.is_file():
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


def cache_key(modular: Path, tree: TransformersTree, markers: bool) -> str:
    text = modular.read_text(encoding="utf-8")
    parents = parent_files(modular, text, tree)
    return "modular:" + digest(
        flattener_version(markers), str(markers), str(modular), text, *(p.read_bytes() for p in parents)
    )


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_modular(
    repo: Repository, paths: list[Path], *, jobs: int = 1, cache: Cache | None = None, fix: bool = False
) -> ModularResults:
    """Compare the generated files of `paths` (modular files) with the flattener's output.

    A cache entry holds, for the inputs of one modular file, the hash of each generated file as it was checked
    and the findings then: while those files are unchanged the findings stand, without flattening. `fix` needs
    the generated text, so it flattens again the modular files that have findings.
    """
    cache = cache or Cache(None)
    results = ModularResults(checked=len(paths))
    tree, markers = repo.transformers, repo.markers
    keys = {path: cache_key(path, tree, markers) for path in paths}
    misses = []
    for path in paths:
        entry = cache.get(keys[path])
        if entry is None or (fix and entry["findings"]):
            misses.append(path)
        elif "error" in entry or all(current_hash(Path(p)) == h for p, h in entry["checked"].items()):
            results.findings.extend(entry["findings"])
        else:
            misses.append(path)
    if not misses:
        return results
    results.flattened = len(misses)
    # A fix writes the outputs: children must then be generated from their parents' fresh output.
    outputs, failures = flatten_all(misses, markers=markers, jobs=jobs, tree=tree, in_place=fix)
    for path, error in failures.items():
        finding = failure_finding(path, str(error), getattr(error, "line", None))
        cache.set(keys[path], {"error": str(error), "findings": [finding]})
        results.findings.append(finding)
    for path in misses:
        if path in failures:
            continue
        produced = {p: t for p, t in outputs.items() if p in outputs_of(path, outputs)}
        findings = []
        for output, text in sorted(produced.items()):
            finding = compare_output(output, text, path)
            if finding is not None:
                results.expected[output] = text
                findings.append(finding)
        results.findings.extend(findings)
        cache.set(keys[path], {"checked": {str(p): current_hash(p) for p in produced}, "findings": findings})
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


def failure_finding(modular: Path, error: str, line: int | None) -> Finding:
    return Finding("modular", modular, line, f"the flattener failed: {error}", str(modular), fixable=False)


def outputs_of(modular: Path, outputs: dict[Path, str]) -> set[Path]:
    name = split_file_name(modular)[1]
    return {p for p in outputs if p.parent == modular.parent and (s := split_file_name(p)) and s[1] == name}


def current_hash(path: Path) -> str | None:
    return text_hash(path.read_text(encoding="utf-8")) if path.is_file() else None


def first_difference(old: str, new: str) -> int:
    for index, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=False)):
        if a != b:
            return index + 1
    return min(old.count("\n"), new.count("\n")) + 1


def flatten_all(
    paths: list[Path], *, markers: bool, jobs: int, tree: TransformersTree, in_place: bool = False
) -> tuple[dict[Path, str], dict[Path, Exception]]:
    """All outputs in one batch, and the modular files that failed, with why. Parents are read from disk, or
    with `in_place` (for a fix) from the fresh output of the parents in the batch, in dependency order."""
    batch = flattener("flatten_batch", required=False)
    if batch is not None:  # the batch driver can keep going past a failing file
        try:
            run = batch(paths, markers=markers, jobs=jobs, tree=tree, keep_going=True, in_place=in_place)
            return dict(run.outputs), {failure.path: failure.error for failure in run.failures}
        except Exception:  # the batch as a whole failed (formatting...): file by file, below
            pass
    else:
        try:
            return dict(flattener("flatten_files")(paths, markers=markers, jobs=jobs, tree=tree)), {}
        except Exception:  # one file failed the batch: find which, below
            pass
    outputs: dict[Path, str] = {}
    failures: dict[Path, Exception] = {}
    jobs_args = [(str(path), markers, str(tree.package_dir)) for path in paths]
    for path, produced, error in run_jobs(flatten_one, jobs_args, jobs=jobs, label="flattening"):
        if error is not None:
            failures[Path(path)] = error
        else:
            outputs.update(produced)
    return outputs, failures


def flattener(name: str, *, required: bool = True):
    """`modgen.modular.<name>` (the contract), imported only when modular sync runs."""
    import importlib

    for module in ("modgen.modular", "modgen.modular.batch"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    if not required:
        return None
    raise ModgenError(f"the flattener (modgen.modular.{name}) is not available", hint="use --no-modular")


def flatten_one(job: tuple[str, bool, str]) -> tuple[str, dict[Path, str], Exception | None]:
    """One modular file (a top-level function: it runs in worker processes)."""
    path, markers, package_dir = job
    try:
        flatten_files = flattener("flatten_files")
        return path, flatten_files([Path(path)], markers=markers, tree=TransformersTree(Path(package_dir))), None
    except ModgenError as error:
        return path, {}, error
    except Exception as error:  # the flattener's own bug: reported as a finding, not a crash of check
        return path, {}, ModgenError(f"{type(error).__name__}: {error}", path=path)
