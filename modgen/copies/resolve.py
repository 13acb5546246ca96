"""From an object path (`models.bert.modeling_bert.BertIntermediate.forward`) to its source lines.

Resolution follows transformers' checker (spec §1.3): the module is the shortest prefix of the path that is a
`.py` file under the root's base folder (`src/transformers` or `tests`), and each remaining name is found by a
line scan for `class NAME`/`def NAME` one indentation level deeper than the last. Unlike upstream, the scan for a
member stays inside its parent, `async def` counts, and a miss is an error that says what does exist.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from modgen.copies.blocks import DefinitionEnds, block_end, definition


class ResolveError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Source:
    """A resolved object: lines `start:end` of `path`."""

    path: Path
    start: int  # 0-based index of the header line
    end: int
    block: tuple[str, ...]


class Files:
    """File texts, read once (and split into lines only when needed); `fix` overlays rewritten texts."""

    def __init__(self) -> None:
        self._texts: dict[Path, str] = {}
        self._lines: dict[Path, list[str]] = {}
        self._ends: dict[Path, DefinitionEnds] = {}

    def text(self, path: Path) -> str:
        text = self._texts.get(path)
        if text is None:
            text = self._texts[path] = path.read_text(encoding="utf-8")
        return text

    def lines(self, path: Path) -> list[str]:
        lines = self._lines.get(path)
        if lines is None:
            lines = self._lines[path] = self.text(path).split("\n")
        return lines

    def ends(self, path: Path) -> DefinitionEnds:
        """Where the file's definitions end as Python sees it (parsed only if a block needs it)."""
        ends = self._ends.get(path)
        if ends is None:
            ends = self._ends[path] = DefinitionEnds(self.lines(path))
        return ends

    def set_text(self, path: Path, text: str) -> None:
        self._texts[path] = text
        self._lines.pop(path, None)
        self._ends.pop(path, None)


def module_path(base: Path, object_path: str) -> tuple[Path, list[str]] | None:
    """The module file of an object path and the names left inside it, or None."""
    parts = object_path.split(".")
    for k in range(1, len(parts)):
        candidate = base.joinpath(*parts[:k]).with_suffix(".py")
        if candidate.is_file():
            return candidate, parts[k:]
    return None


def find_object(lines: list[str], names: list[str], ends: DefinitionEnds | None = None) -> tuple[int, int] | None:
    """(header index, end index) of the nested object `names` in a file's lines, scanning like upstream."""
    start, end, indent = 0, len(lines), ""
    for name in names:
        pattern = re.compile(rf"^{indent}(?:async\s+)?(?:class|def)\s+{re.escape(name)}\s*[(:]")
        for index in range(start, end):
            if pattern.match(lines[index]):
                start, end = index, block_end(lines, index, ends=ends)
                indent += "    "
                break
        else:
            return None
        start += 1
    return start - 1, end


def names_at(lines: list[str], indent: str, start: int = 0, end: int | None = None) -> list[str]:
    found = []
    for line in lines[start:end]:
        if (d := definition(line)) and d[0] == indent:
            found.append(d[2])
    return found


def resolve(files: Files, base: Path, root: str, object_path: str) -> Source:
    located = module_path(base, object_path)
    if located is None:
        parts = object_path.split(".")
        folder = base.joinpath(*parts[:-2]) if len(parts) > 2 else base
        known = [p.stem for p in folder.glob("*.py")] if folder.is_dir() else []
        close = difflib.get_close_matches(parts[-2] if len(parts) > 1 else parts[0], known, n=3)
        raise ResolveError(
            f"{root}.{object_path} does not begin with a module of {base}",
            f"did you mean {', '.join(close)}?" if close else "check the module path",
        )
    path, names = located
    if not names:
        raise ResolveError(f"{root}.{object_path} names a module, not a class or function")
    lines = files.lines(path)
    found = find_object(lines, names, files.ends(path))
    if found is None:
        close = difflib.get_close_matches(names[-1], names_at(lines, "    " * (len(names) - 1)), n=3)
        raise ResolveError(
            f"{root}.{object_path}: no class or function {'.'.join(names)} in {path.name}",
            f"did you mean {', '.join(close)}?" if close else "the source was renamed or removed: update the marker",
        )
    return Source(path, found[0], found[1], tuple(lines[found[0] : found[1]]))
