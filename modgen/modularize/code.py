"""Reading code as modularize compares it: statements of a block with their comments, "the same code", sizes.

Two pieces of code are the same when their text is, blank lines aside, or else when their syntax trees and their
comments are: a parent's statement renamed to the new model may exceed the line length and be wrapped by ruff in
the generated file, which is still the parent's statement.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache

from modgen.modular.mapper import unit_first_line


CLASS_PREFIX = "class _:\n"
_DOCSTRING_QUOTES = re.compile(r'"""[\s\S]*"""')


def normalized(text: str) -> str:
    """`text` as ruff may leave it: no trailing spaces, no blank lines at either end, runs of blank lines as one."""
    lines, blank = [], False
    for line in text.splitlines():
        if line.strip():
            if blank and lines:
                lines.append("")
            lines.append(line.rstrip())
            blank = False
        else:
            blank = True
    return "\n".join(lines)


@lru_cache(maxsize=65536)
def _fingerprint(text: str, in_class: bool) -> tuple[str, tuple[str, ...], tuple[bool, ...]] | None:
    """The syntax tree (as a dump), the comments, and which statements have a blank line above them: what stays
    of a statement when ruff wraps its lines anew."""
    source = CLASS_PREFIX + text if in_class else text
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return ast.dump(tree), comments(source), blank_lines_above(tree, source)


def blank_lines_above(tree: ast.AST, source: str) -> tuple[bool, ...]:
    """For each statement inside a function (in walk order), whether a blank line stands above it (above its
    comments). Blank lines between the statements of a module or class body are mostly ruff's to set."""
    lines = source.splitlines()
    outer = set(map(id, getattr(tree, "body", [])))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            outer.update(map(id, node.body))
    marks = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or id(node) in outer:
            continue
        number = unit_first_line(node) - 2
        while number >= 0 and lines[number].lstrip().startswith("#"):
            number -= 1
        marks.append(number >= 0 and not lines[number].strip())
    return tuple(marks)


def comments(source: str) -> tuple[str, ...]:
    """The comments of `source`, in order (`# Copied from` markers aside: the flattener drops a parent's)."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and "# Copied from" not in token.string:
                found.append(token.string.rstrip())
    except (tokenize.TokenError, SyntaxError):
        return ()
    return tuple(found)


def same_code(first: str, second: str, *, in_class: bool = True) -> bool:
    """Whether two statements (class body statements when `in_class`) are the same code, layout aside."""
    if first == second or normalized(first) == normalized(second):
        return True
    one, other = _fingerprint(first, in_class), _fingerprint(second, in_class)
    return one is not None and one == other


def is_docstring(statement: ast.stmt, text: str) -> bool:
    """A docstring as the converter sees one: a string statement written with triple double quotes."""
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
        and bool(_DOCSTRING_QUOTES.search(text))
    )


@dataclass(frozen=True)
class Statement:
    """One statement of a block (several when on one line with `;`): its text with the comment and blank lines
    above it, and its syntax tree."""

    text: str
    stmts: tuple[ast.stmt, ...]

    @property
    def node(self) -> ast.stmt:
        return self.stmts[0]

    @property
    def blank_above(self) -> bool:
        """Whether a blank line stands above the statement (ruff keeps one inside a function)."""
        return not self.text.split("\n", 1)[0].strip()

    def same(self, other: Statement) -> bool:
        return self.blank_above == other.blank_above and same_code(self.text, other.text, in_class=False)

    @property
    def code(self) -> str:
        """The text without the comment and blank lines above it."""
        lines = self.text.splitlines(keepends=True)
        while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
            lines.pop(0)
        return "".join(lines)


def block_statements(lines: list[str], body: list[ast.stmt], begin: int, end: int) -> list[Statement]:
    """The statements of a block whose lines run from `begin` to `end` (1-based numbers into `lines`): each with
    the blank and comment lines above it back to the previous statement (as libcst gives a statement its leading
    lines); the last one also with the lines after it up to `end` (the block's trailing comments)."""
    groups: list[list[ast.stmt]] = []
    for stmt in body:
        if groups and unit_first_line(stmt) == groups[-1][-1].end_lineno:
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    statements = []
    for index, group in enumerate(groups):
        last = group[-1].end_lineno if index + 1 < len(groups) else end
        statements.append(Statement("".join(lines[begin - 1 : last]), tuple(group)))
        begin = last + 1
    return statements


# Sizes --------------------------------------------------------------------------------------------------------

_SIGNIFICANT = {tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING}
for _kind in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"):
    if hasattr(tokenize, _kind):
        _SIGNIFICANT.add(getattr(tokenize, _kind))


def code_lines(text: str) -> int:
    """Lines that are neither blank nor only a comment (how transformers counts a modular file's size)."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def code_tokens(text: str) -> int:
    """Names, operators, numbers and strings: the tokens of the code, comments and layout aside."""
    try:
        return sum(1 for token in tokenize.generate_tokens(io.StringIO(text).readline) if token.type in _SIGNIFICANT)
    except (tokenize.TokenError, SyntaxError):
        return len(text.split())
