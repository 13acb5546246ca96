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
from modgen.modularize.imports import read_bindings
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


def _dump(text: str) -> str | None:
    try:
        return ast.dump(ast.parse(text))
    except SyntaxError:
        return None


_TARGET_DUMPS: dict[int, tuple[TargetFile, str | None]] = {}


def _target_dump(target: TargetFile) -> str | None:
    """The target's syntax tree dump, once per target file."""
    cached = _TARGET_DUMPS.get(id(target))
    if cached is None or cached[0] is not target:
        cached = (target, _dump(comparable(target.text, generated=target.generated)))
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
        result.ast_identical = True
        return result
    expected = _target_dump(target)
    result.ast_identical = expected is not None and _dump(mine) == expected
    result.diff = "".join(
        difflib.unified_diff(
            theirs.splitlines(keepends=True), mine.splitlines(keepends=True), f"input/{name}", f"flattened/{name}"
        )
    )
    _locate(result, parse_target(target.path, produced), target)
    return result


def _locate(result: FileCheck, mine: TargetFile, theirs: TargetFile) -> None:
    """Which objects differ, are missing or extra, and where the order first goes wrong."""
    my_objects = {o.name: o for o in mine.objects}
    their_objects = {o.name: o for o in theirs.objects}
    result.missing = [name for name in their_objects if name not in my_objects]
    result.extra = [name for name in my_objects if name not in their_objects]
    for name, obj in their_objects.items():
        other = my_objects.get(name)
        if other is not None and other.text.strip("\n") != obj.text.strip("\n"):
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
