"""Extents of copied code and their split into named blocks (spec §1.3(3), §1.4, §1.5).

Everything here works on lists of lines (no line ends), like transformers' checker, so that its results on
existing markers are the same; the differences are fixes of its defects: any class layout is accepted (no
structure check), `async def` is a definition, multi-line headers are found by tokenising the header rather
than by looking for `):`, and decorators between a marker and its `def` are skipped instead of crashing.
"""

from __future__ import annotations

import ast
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache


DEFINITION = re.compile(r"^(\s*)(?:async\s+)?(class|def)\s+(\w+)")
CLOSING_PAREN = re.compile(r"^\s*\)\s*(->.*)?:\s*$")
END_COPY = re.compile(r"^\s*# End copy")


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def definition(line: str) -> tuple[str, str, str] | None:
    """(indent, `class` or `def`, name) when `line` opens a class or function."""
    match = DEFINITION.match(line)
    return match.groups() if match else None


def belongs(line: str, body_indent: str) -> bool:
    """Whether a line continues a block whose body is at `body_indent` (the upstream rule)."""
    return line.startswith(body_indent) or not line.strip() or bool(CLOSING_PAREN.match(line))


def trim_blank_end(lines: list[str], start: int, end: int) -> int:
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def header_end(lines: list[str], start: int) -> int:
    """Index one past the last line of the (possibly multi-line) header starting at `start`."""
    first = lines[start]
    if first.rstrip().endswith(":") and not any(c in first for c in "\"'#") and balanced(first):
        return start + 1  # the common case, without tokenising
    readline = iter(line + "\n" for line in lines[start:]).__next__
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.NEWLINE:
                return start + token.end[0]
    except (tokenize.TokenError, IndentationError, SyntaxError, StopIteration):
        pass
    return start + 1


def balanced(line: str) -> bool:
    return all(line.count(a) == line.count(b) for a, b in ("()", "[]", "{}"))


class DefinitionEnds:
    """Where each class and def of a file ends as Python sees it (from `ast`), parsed on first use.

    Upstream's line rule ends a block at the first line less indented than its body, which Python does not do
    inside a string: docstring text at column 0 would cut the block short, and `--fix` would then rewrite half an
    object and leave the other half in place. `block_end` asks here only in that case.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._ends: dict[int, int] | None = None
        self._error: SyntaxError | None = None
        self.unsure: set[int] = set()  # headers asked about while the file does not parse

    def _parse(self) -> None:
        self._ends = {}
        try:
            module = ast.parse("\n".join(self.lines))
        except SyntaxError as error:
            self._error = error
            return
        for node in ast.walk(module):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                self._ends[node.lineno - 1] = node.end_lineno

    def get(self, header: int) -> int | None:
        """One past the last line of the class/def whose header is at index `header`, or None."""
        if self._ends is None:
            self._parse()
        if self._error is not None:
            self.unsure.add(header)
        return self._ends.get(header)

    @property
    def syntax_error(self) -> SyntaxError | None:
        if self._ends is None:
            self._parse()
        return self._error


def is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def body_goes_on(lines: list[str], index: int, body_indent: str) -> bool:
    """Whether, past the comment and blank lines from `index`, the block's body goes on."""
    while index < len(lines) and (not lines[index].strip() or is_comment(lines[index])):
        index += 1
    return index < len(lines) and lines[index].startswith(body_indent)


def inside_string(lines: list[str], start: int, end: int) -> bool:
    """Whether line `end` may be inside a triple-quoted string opened after line `start` (a cheap test: an odd
    number of triple quotes; `DefinitionEnds` has the last word)."""
    text = "\n".join(lines[start:end])
    return text.count('"""') % 2 == 1 or text.count("'''") % 2 == 1


def block_end(
    lines: list[str], header: int, *, stop_at_end_copy: bool = False, ends: DefinitionEnds | None = None
) -> int:
    """Index one past the last line of the class/def whose header is at `header` (trailing blanks trimmed).

    The line rule is upstream's (§1.3(3)) where it agrees with Python. It does not where Python does not end a
    block: at a less-indented comment after which the body goes on, and (with `ends`, the file's) inside a
    string; there the block goes on.
    """
    body_indent = indent_of(lines[header]) + "    "
    end = header_end(lines, header)
    python_end = 0  # lines before it belong whatever their indentation (inside a string, as the file's tree says)
    while end < len(lines):
        line = lines[end]
        if (
            end < python_end
            or belongs(line, body_indent)
            or (is_comment(line) and body_goes_on(lines, end, body_indent))
        ):
            if stop_at_end_copy and line.startswith(body_indent) and END_COPY.match(line):
                break
            end += 1
            continue
        if ends is not None and not python_end and inside_string(lines, header, end):
            python_end = ends.get(header) or 0
            if python_end > end:
                continue
        break
    return trim_blank_end(lines, header, end)


@dataclass
class Block:
    """A run of lines of a copied object: its header, one inner definition, or the code between them."""

    name: str | None  # `def forward`, `class Inner`, the header's `class X` or None for other code
    lines: list[str]
    is_header: bool = False

    @property
    def blank(self) -> bool:
        return not any(line.strip() for line in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def split_blocks(lines: list[str]) -> list[Block]:
    """Split one object's lines (header first) into its header, its inner definitions and the code between.

    An inner definition takes the comments and decorators right above it, so an `# Ignore copy` written
    there belongs to it. (The blocks are shared between calls on the same lines: they are read, never changed.)
    """
    return list(_split_blocks(tuple(lines)))


@lru_cache(maxsize=4096)
def _split_blocks(frozen: tuple[str, ...]) -> tuple[Block, ...]:
    # Writing markers tries each generated object against several parents and renamings: the same lines, again.
    lines = list(frozen)
    head_end = header_end(lines, 0)
    kind_name = definition(lines[0])
    blocks = [Block(f"{kind_name[1]} {kind_name[2]}" if kind_name else None, lines[:head_end], is_header=True)]
    body_indent = indent_of(lines[0]) + "    "
    gap: list[str] = []
    index = head_end
    while index < len(lines):
        line = lines[index]
        found = definition(line) if line.startswith(body_indent) else None
        if found is None or found[0] != body_indent:
            gap.append(line)
            index += 1
            continue
        # Comments and decorators directly above belong to the definition.
        above = 0
        while above < len(gap) and gap[-1 - above].strip() and indent_of(gap[-1 - above]) == body_indent:
            above += 1
        taken = gap[len(gap) - above :]
        del gap[len(gap) - above :]
        if gap:
            blocks.append(Block(None, gap))
            gap = []
        end = block_end(lines, index)
        blocks.append(Block(f"{found[1]} {found[2]}", taken + lines[index:end]))
        index = end
    if gap:
        blocks.append(Block(None, gap))
    return tuple(blocks)


def reindent(lines: list[str], old: str, new: str) -> list[str]:
    """Move lines indented under `old` to `new` (a method copied as a function, or the reverse)."""
    if old == new:
        return list(lines)
    return [new + line[len(old) :] if line.startswith(old) else line for line in lines]
