"""Verified by construction: the modular file is flattened with modgen's flattener and compared with the target.

The candidate is converted from its text (`convert_source`, as if it lay next to the target files), formatted with
the repository's ruff settings as `modgen flatten` formats, and each generated file compared with the target
file of its type: byte for byte (the banner's path line aside), else by syntax tree. Where a file differs, the
comparison says which objects differ, which are missing or extra, and the first one out of place: what the
engine repairs next.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import ModgenError
from modgen.formatting import format_sources
from modgen.modular.batch import without_banner_path
from modgen.modular.convert import convert_source
from modgen.modular.mapper import ast_loaded_names, ast_names
from modgen.modularize.imports import read_bindings
from modgen.modularize.respell import origin
from modgen.modularize.target import TargetFile, TargetModel, parse_target, strip_banner
from modgen.repo import TransformersTree, split_file_name


@dataclass
class FileCheck:
    """One generated file against the target file of its type."""

    name: str
    byte_identical: bool = False
    ast_identical: bool = False
    differing: list[str] = field(default_factory=list)  # objects whose code differs
    missing: list[str] = field(default_factory=list)  # in the target, not generated
    extra: list[str] = field(default_factory=list)  # generated, not in the target
    misplaced: list[str] = field(default_factory=list)  # (target order) the first objects out of place
    imports_differ: bool = False
    wrong_imports: list[str] = field(default_factory=list)  # names imported from elsewhere, or not at all
    diff: str = ""
    # Every object a modular file can carry comes back with the same syntax tree, imported alike, in an order the
    # converter allows (it puts what a class needs before the class); `dropped`: the objects it cannot carry.
    equivalent: bool = False
    dropped: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "identical" if self.byte_identical else "same AST" if self.ast_identical else "differs"


@dataclass
class Check:
    files: list[FileCheck]
    outputs: dict[str, str]
    error: str | None = None  # the flattener refused the candidate

    @property
    def byte_identical(self) -> bool:
        return self.error is None and all(f.byte_identical for f in self.files)

    @property
    def equivalent(self) -> bool:
        return self.error is None and all(f.equivalent for f in self.files)

    @property
    def ast_identical(self) -> bool:
        return self.error is None and all(f.ast_identical for f in self.files)


def flatten_text(text: str, modular_path: Path, tree: TransformersTree, config: Path) -> dict[str, str]:
    """The files the modular `text` generates, formatted, by file name."""
    outputs, _ = convert_source(text, modular_path, tree)
    return format_sources(outputs, config)


def format_modular(text: str, modular_path: Path, config: Path) -> str:
    """The modular file as ruff leaves it (`check --fix`, `format`), as transformers keeps its modular files."""
    return format_sources({modular_path.name: text}, config)[modular_path.name]


def check(text: str, target: TargetModel, tree: TransformersTree, config: Path) -> Check:
    try:
        outputs = flatten_text(text, target.modular_path, tree, config)
    except ModgenError as error:
        return Check([], {}, error=str(error))
    files = []
    for file in target.files.values():
        name = file.path.name
        produced = outputs.get(name)
        files.append(compare(file, produced))
    for name in outputs:
        if split_file_name(name)[0] not in target.files:
            files.append(FileCheck(name, extra=["the whole file"]))
    return Check(files, outputs)


def comparable(text: str, *, generated: bool) -> str:
    return without_banner_path(text) if generated else strip_banner(text)


def _dump(text: str, *, without_docstring: bool = False) -> str | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    first = tree.body[0] if tree.body else None
    if without_docstring and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        tree.body = tree.body[1:] if isinstance(first.value.value, str) else tree.body
    return ast.dump(tree)


_TARGET_DUMPS: dict[int, tuple[TargetFile, str | None]] = {}


def _target_dump(target: TargetFile) -> str | None:
    """The target's syntax tree dump, once per target file. A file written by hand is compared without its module
    docstring: the converter drops a modular file's, so no modular file can give one back."""
    cached = _TARGET_DUMPS.get(id(target))
    if cached is None or cached[0] is not target:
        text = comparable(target.text, generated=target.generated)
        cached = (target, _dump(text, without_docstring=not target.generated))
        _TARGET_DUMPS[id(target)] = cached
    return cached[1]


def compare(target: TargetFile, produced: str | None) -> FileCheck:
    """A generated file against the target file of its type."""
    name = target.path.name
    result = FileCheck(name)
    if produced is None:
        result.missing = ["the whole file"]
        return result
    mine = comparable(produced, generated=target.generated)
    theirs = comparable(target.text, generated=target.generated)
    result.byte_identical = mine == theirs
    if result.byte_identical:
        result.ast_identical = result.equivalent = True
        return result
    expected = _target_dump(target)
    result.ast_identical = expected is not None and _dump(mine) == expected
    result.diff = "".join(
        difflib.unified_diff(
            theirs.splitlines(keepends=True), mine.splitlines(keepends=True), f"input/{name}", f"flattened/{name}"
        )
    )
    produced_file = parse_target(target.path, produced)
    _locate(result, produced_file, target)
    result.equivalent = result.ast_identical or _equivalent(result, produced_file, target)
    return result


def _locate(result: FileCheck, mine: TargetFile, theirs: TargetFile) -> None:
    """Which objects differ, are missing or extra, and where the order first goes wrong."""
    my_objects = {o.name: o for o in mine.objects}
    their_objects = {o.name: o for o in theirs.objects}
    result.missing = [name for name in their_objects if name not in my_objects]
    result.extra = [name for name in my_objects if name not in their_objects]
    for name, obj in their_objects.items():
        other = my_objects.get(name)
        if other is not None and _object_text(other.text, theirs) != _object_text(obj.text, theirs):
            result.differing.append(name)
    mine_order = [name for name in my_objects if name in their_objects]
    their_order = [name for name in their_objects if name in my_objects]
    for one, other in zip(mine_order, their_order, strict=True):
        if one != other:
            result.misplaced = [other, one]
            break
    result.imports_differ = [u.text.strip() for u in mine.mapper.imports] != [
        u.text.strip() for u in theirs.mapper.imports
    ]
    if result.imports_differ:
        my_bindings, their_bindings = read_bindings(mine.mapper.imports), read_bindings(theirs.mapper.imports)
        result.wrong_imports = [name for name, b in their_bindings.items() if my_bindings.get(name) != b]


def _object_text(text: str, target: TargetFile) -> str:
    """An object's text as compared: for a hand-written target, without `# Copied from` markers (its copy comes
    back through inheritance without the marker; a generated file's marker came from the modular file, which can
    state it again)."""
    lines = text.strip("\n").splitlines(keepends=True)
    if target.generated:
        return "".join(lines)
    return "".join(line for line in lines if not line.lstrip().startswith("# Copied from"))


def _equivalent(result: FileCheck, mine: TargetFile, theirs: TargetFile) -> bool:
    """Whether `mine` has every object of `theirs` that some class needs (the converter drops the others: a
    logger nothing uses, a function defined and never called), each with the same syntax tree, and the imports
    those objects use, bound alike; in whatever order. Sets `result.dropped`."""
    objects = {o.name: o for o in theirs.objects if o.kind != "getattr"}
    needed = _needed(objects)
    result.dropped = [name for name in objects if name not in needed]
    my_objects = {o.name: o for o in mine.objects if o.kind != "getattr"}
    if set(my_objects) != needed:
        return False
    if any(_dump(my_objects[name].text.strip()) != _dump(objects[name].text.strip()) for name in needed):
        return False
    used = set().union(*(ast_loaded_names(ast.parse(objects[name].text.strip())) for name in needed))
    their_bindings = {n: origin(b, theirs.path) for n, b in read_bindings(theirs.mapper.imports).items() if n in used}
    my_bindings = {n: origin(b, mine.path) for n, b in read_bindings(mine.mapper.imports).items() if n in used}
    return my_bindings == their_bindings and theirs.all_names == mine.all_names


def _needed(objects: dict) -> set[str]:
    """The objects the classes need, by name tokens, as the converter follows them (the classes included)."""
    names = {name: ast_names(ast.parse(obj.text.strip())) for name, obj in objects.items()}
    needed = {name for name, obj in objects.items() if obj.kind == "class"}
    pending = list(needed)
    while pending:
        for other in names[pending.pop()] & objects.keys():
            if other not in needed:
                needed.add(other)
                pending.append(other)
    return needed
