"""A class cut into the pieces libcst gives it: a header, and one slice of source per body statement.

Merging a modular class into its parent changes few of the parent's statements (the methods the modular class
overrides); the others go to the output as they are. Cutting the class's source at the statements that `ast`
locates, and parsing with libcst only the statements that change, prints the same text as parsing the whole class
and printing it again, for a fraction of the cost (parsing parent classes was most of the flattener's time).

A statement's slice is what libcst prints for its node in a class body: the blank and comment lines above it (its
leading lines), the statement, and, for a block, the indented lines after it that libcst gives to the block's
footer. A class whose layout the cutting does not handle (not a top-level statement, a body not indented by four
spaces, a body on the header's line) is parsed whole, and cut from its libcst node instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping

import libcst as cst
import libcst.matchers as m

from modgen.modular.mapper import (
    EMPTY_MODULE,
    Entry,
    ast_name_sets,
    cached_ast_names,
    cached_loaded_names,
    statement_end,
    unit_first_line,
)
from modgen.modular.super_calls import is_docstring


BODY_INDENT = "    "  # the indentation libcst gives a new block: what printing a merged class uses
_PASS_BODY = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
_PASS_LINE = BODY_INDENT + "pass\n"

METHOD, CLASS, ATTRIBUTE, DOCSTRING, OTHER = "method", "class", "attribute", "docstring", "other"


def print_in_class(node: cst.CSTNode) -> str:
    """A body statement's code as printed in a class body."""
    code = EMPTY_MODULE.code_for_node(cst.ClassDef(name=cst.Name("_"), body=cst.IndentedBlock(body=[node])))
    return code[len("class _:\n") :]


def print_header(node: cst.ClassDef) -> str:
    """A class's leading lines, decorators and `class ...:` line, without its body."""
    return EMPTY_MODULE.code_for_node(node.with_changes(body=_PASS_BODY)).removesuffix(_PASS_LINE)


def class_code(header: str, statements: list[BodyStatement]) -> str:
    """A printed header and body statements as one class (an empty body gets `pass`, as libcst prints it)."""
    return header + ("".join(statement.text for statement in statements) or _PASS_LINE)


class BodyStatement:
    """One statement of a class body: its source slice, its ast statements, its libcst node (parsed on first use).

    A statement built from a libcst node (a merged method, a class parsed whole) has no ast; its text is printed
    on first use.
    """

    __slots__ = ("_text", "stmts", "_node", "rename", "_kind", "first_line", "_printed_names")

    def __init__(
        self,
        text: str | None = None,
        stmts: list[ast.stmt] | None = None,
        node: cst.BaseStatement | None = None,
        rename: Callable[[str], str] | None = None,
        first_line: int = 0,
    ):
        self._text = text
        self.stmts = stmts
        self._node = node
        self.rename = rename  # a parent's renaming, which its ast (read before renaming) has not seen
        self.first_line = first_line  # the line of its file where `text` starts
        self._kind: tuple[str, str] | None = None
        self._printed_names: tuple[set[str], set[str]] | None = None

    @classmethod
    def of_node(cls, node: cst.BaseStatement) -> BodyStatement:
        return cls(node=node)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = print_in_class(self._node)
        return self._text

    @property
    def node(self) -> cst.BaseStatement:
        if self._node is None:
            block = cst.parse_module("class _:\n" + self._text).body[0].body.body
            if len(block) != 1:
                raise AssertionError(f"a class body statement was cut wrong:\n{self._text}")
            self._node = block[0]
        return self._node

    @property
    def signature(self) -> cst.BaseStatement:
        """A method without its body: its leading lines, decorators, `def` line and docstring (or `pass`): all that
        merging an overridden method reads of the parent's and the modular one's, parsed without their bodies
        (only unrolling a `super()` call needs the parent's)."""
        stmt = self.stmts[0] if self._node is None and self.stmts and len(self.stmts) == 1 else None
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.node
        lines = self._text.splitlines(keepends=True)
        first = stmt.body[0]
        first_start = unit_first_line(first)
        indent_line = lines[first_start - self.first_line]
        indent = indent_line[: first.col_offset]
        if not indent or indent.strip():
            return self.node  # a body on the `def` line
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skeleton = lines[: first.end_lineno - self.first_line + 1]
        else:
            header_end = first_start - 1
            while _is_blank_or_comment(lines[header_end - self.first_line]):
                header_end -= 1
            skeleton = [*lines[: header_end - self.first_line + 1], indent + "pass\n"]
        block = cst.parse_module("class _:\n" + "".join(skeleton)).body[0].body.body
        return block[0]

    @property
    def leading_text(self) -> str:
        """The blank and comment lines above the statement (its decorators included in the statement)."""
        return "".join(self.text.splitlines(keepends=True)[: unit_first_line(self.stmts[0]) - self.first_line])

    def under(self, leading_text: str) -> BodyStatement:
        """This statement with other leading lines (the same code: the same ast)."""
        start = unit_first_line(self.stmts[0])
        code = "".join(self.text.splitlines(keepends=True)[start - self.first_line :])
        return BodyStatement(leading_text + code, self.stmts, None, self.rename, start - leading_text.count("\n"))

    @property
    def may_raise_first(self) -> bool:
        """Whether a method's body may start with a `raise` statement."""
        return self.stmts is None or len(self.stmts) != 1 or isinstance(self.stmts[0].body[0], ast.Raise)

    @property
    def is_modified(self) -> bool:
        """Built from a node (not a slice of source): printing it is needed."""
        return self.stmts is None

    # -- what the merge needs to know -----------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._classified()[0]

    @property
    def key(self) -> str:
        """Methods by name (a property setter as `<name>_setter`), nested classes by name; other statements by a
        key no name can take."""
        kind, name = self._classified()
        return name if kind in (METHOD, CLASS) else f"<statement {id(self)}>"

    @property
    def target(self) -> str | None:
        """An attribute's target (`x` for `x = ...` and `x: T = ...`)."""
        kind, name = self._classified()
        return name if kind == ATTRIBUTE else None

    def _classified(self) -> tuple[str, str | None]:
        if self._kind is None:
            self._kind = self._kind_from_ast() or self._kind_from_node()
        return self._kind

    @property
    def name(self) -> str | None:
        """A method's name."""
        if self.stmts is not None and isinstance(self.stmts[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._renamed(self.stmts[0].name)
        return self.node.name.value if isinstance(self.node, cst.FunctionDef) else None

    def _renamed(self, name: str) -> str:
        return name if self.rename is None else self.rename(name)

    def _kind_from_ast(self) -> tuple[str, str | None] | None:
        # Only the plain cases; anything else asks libcst, whose reading is the reference.
        if self.stmts is None or len(self.stmts) != 1:
            return None
        stmt = self.stmts[0]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            setter = any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") for d in stmt.decorator_list)
            return METHOD, self._renamed(stmt.name) + ("_setter" if setter else "")
        if isinstance(stmt, ast.ClassDef):
            return CLASS, self._renamed(stmt.name)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and not _parenthesized(stmt):
            return ATTRIBUTE, self._renamed(stmt.targets[0].id)
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and not _parenthesized(stmt):
            return ATTRIBUTE, self._renamed(stmt.target.id)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return None  # maybe a docstring: libcst says
        if isinstance(stmt, (ast.Expr, ast.Pass, ast.If, ast.For, ast.While, ast.With, ast.Try)):
            return OTHER, None
        return None

    def _kind_from_node(self) -> tuple[str, str | None]:
        node = self.node
        if isinstance(node, cst.FunctionDef):
            setter = any(
                isinstance(d.decorator, cst.Attribute) and d.decorator.attr.value in ("setter", "deleter")
                for d in node.decorators
            )
            return METHOD, node.name.value + ("_setter" if setter else "")
        if isinstance(node, cst.ClassDef):
            return CLASS, node.name.value
        target = attribute_target(node)
        if target is not None:
            return ATTRIBUTE, target
        if is_docstring(node):
            return DOCSTRING, None
        return OTHER, None

    @property
    def deletes_attribute(self) -> bool:
        """`attr = AttributeError()`: remove the parent's attribute."""
        if self.stmts is not None and len(self.stmts) == 1 and isinstance(self.stmts[0], (ast.Assign, ast.AnnAssign)):
            # (`AttributeError` has no model name in it: renaming cannot change this.)
            value = self.stmts[0].value
            return (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "AttributeError"
            )
        call = m.Call(func=m.Name("AttributeError"))
        return m.matches(self.node, m.SimpleStatementLine(body=[m.Assign(value=call)])) or m.matches(
            self.node, m.SimpleStatementLine(body=[m.AnnAssign(value=call)])
        )

    def may_call(self, method: str, bases: set[str]) -> bool:
        """Whether the statement may hold a `super().<method>(...)` statement, or a `Base.x(...)` call with `Base`
        among `bases`: only then can unrolling super calls change it. (A parent's statement, whose ast is not
        renamed, is assumed to.)"""
        if self.stmts is None or len(self.stmts) != 1 or self.rename is not None:
            return True
        stmt = self.stmts[0]
        for child in getattr(stmt, "body", ()):
            if isinstance(child, (ast.Expr, ast.Return)) and _is_super_call(child.value, method):
                return True
        return bool(bases) and any(
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _dotted(node.func.value) in bases
            for node in ast.walk(stmt)
        )

    def names(self) -> set[str]:
        """The `Name`-like tokens of the statement (see `ast_names`), as they read in its text."""
        if self.stmts is None or (self.rename is not None and _ABSOLUTE_IMPORT.search(self.text)):
            # Printed code, or a parent's absolute import (which renaming leaves alone): read the text.
            return self._name_sets_of_text()[0]
        return self._renamed_union(map(cached_ast_names, self.stmts))

    def loaded_names(self) -> set[str]:
        """The names the statement reads (see `ast_loaded_names`), as they read in its text."""
        if self.stmts is None:
            return self._name_sets_of_text()[1]
        return self._renamed_union(map(cached_loaded_names, self.stmts))

    def _name_sets_of_text(self) -> tuple[set[str], set[str]]:
        """`ast_name_sets` of the statement's text (for a statement whose own ast does not tell its names)."""
        if self._printed_names is None:
            sets = [ast_name_sets(stmt) for stmt in ast.parse("class _:\n" + self.text).body[0].body]
            self._printed_names = set().union(*(s[0] for s in sets)), set().union(*(s[1] for s in sets))
        return self._printed_names

    def _renamed_union(self, name_sets) -> set[str]:
        names = set().union(*name_sets)
        return names if self.rename is None else {self.rename(name) for name in names}


class DocsRenamedStatement(BodyStatement):
    """A statement whose strings and comments were renamed (`rename_docs`): the same code, so the same ast and
    names, but its string annotations are read from its new text."""

    __slots__ = ()

    def loaded_names(self) -> set[str]:
        return self._name_sets_of_text()[1]


def attribute_target(node: cst.CSTNode) -> str | None:
    """The target of a class attribute (`x = ...` or `x: T = ...`), None for other statements."""
    if m.matches(node, m.SimpleStatementLine(body=[m.Assign()])):
        return EMPTY_MODULE.code_for_node(node.body[0].targets[0].target)
    if m.matches(node, m.SimpleStatementLine(body=[m.AnnAssign()])):
        return EMPTY_MODULE.code_for_node(node.body[0].target)
    return None


class ClassPieces:
    """A class as its header (a libcst `ClassDef` whose body is `pass`) and its body statements."""

    def __init__(self, header: str | cst.ClassDef, statements: list[BodyStatement]):
        self._header = header
        self.statements = statements

    @property
    def header(self) -> cst.ClassDef:
        if isinstance(self._header, str):
            module = cst.parse_module(self._header + _PASS_LINE)
            node = module.body[0]
            # Comments above the class are the module's header when parsed alone: they belong to the class.
            self._header = node.with_changes(leading_lines=[*module.header, *node.leading_lines])
        return self._header

    @classmethod
    def of_node(cls, node: cst.ClassDef) -> ClassPieces:
        return cls(node.with_changes(body=_PASS_BODY), [BodyStatement.of_node(s) for s in node.body.body])

    @classmethod
    def of_entry(cls, entry: Entry, rename: Callable[[str], str] | None = None) -> ClassPieces:
        """The pieces of a class entry: cut from its source when its layout allows, else from its libcst node."""
        unit = entry.unit
        stmt = unit.stmts[0]
        text = unit.text if entry._node is None and len(unit.stmts) == 1 else None
        if text is not None and isinstance(stmt, ast.ClassDef) and stmt.name == entry.original_name:
            pieces = cut_class(text, unit.first_line, stmt, rename)
            if pieces is not None:
                return pieces
        return cls.of_node(entry.node)


def header_names(header: str) -> tuple[set[str], set[str]]:
    """The names (`ast_names`) and the loaded names (`ast_loaded_names`) of a printed class header (`print_header`):
    its name, bases, keywords and decorators."""
    return ast_name_sets(ast.parse(header + _PASS_LINE).body[0])


def cut_class(
    text: str, first_line: int, cls: ast.ClassDef, rename: Callable[[str], str] | None
) -> ClassPieces | None:
    """The pieces of class `cls`, a top-level statement whose unit source `text` starts at line `first_line`; None
    when its layout needs libcst (a body on the header's line, or not indented by four spaces)."""
    lines = text.splitlines(keepends=True)

    def line(number: int) -> str:
        return lines[number - first_line]

    groups = list(_statement_groups(cls.body))
    starts = [unit_first_line(group[0]) for group in groups]
    if cls.col_offset != 0 or starts[0] <= cls.lineno or cls.end_lineno - first_line >= len(lines):
        return None
    if any(not _starts_statement(line(start), BODY_INDENT) for start in starts):
        return None
    # The header ends at the last line before the first statement that is not blank or a comment (the colon's).
    header_end = starts[0] - 1
    while _is_blank_or_comment(line(header_end)):
        header_end -= 1
    statements = []
    begin = header_end + 1
    last_line = first_line + len(lines) - 1
    for index, group in enumerate(groups):
        limit = starts[index + 1] - 1 if index + 1 < len(groups) else last_line
        end = statement_end(group[-1], limit, line)
        text = "".join(lines[begin - first_line : end - first_line + 1])
        statements.append(BodyStatement(text, group, None, rename, begin))
        begin = end + 1
    header = "".join(lines[: header_end - first_line + 1])
    return ClassPieces(header, statements)


def _statement_groups(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Statements as libcst groups them: `a = 1; b = 2` on one line is one statement."""
    group: list[ast.stmt] = []
    for stmt in body:
        if group and unit_first_line(stmt) == group[-1].end_lineno:
            group.append(stmt)
            continue
        if group:
            yield group
        group = [stmt]
    if group:
        yield group


def _starts_statement(line: str, indent: str) -> bool:
    return line.startswith(indent) and line[len(indent) : len(indent) + 1] not in (" ", "\t")


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _parenthesized(stmt: ast.Assign | ast.AnnAssign) -> bool:
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
    return target.col_offset != stmt.col_offset


def _is_super_call(node: ast.AST | None, method: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "super"
    )


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        value = _dotted(node.value)
        return None if value is None else f"{value}.{node.attr}"
    return None


# `from package import x` in a method (or a docstring's example: reading the text is then merely slower).
_ABSOLUTE_IMPORT = re.compile(r"^\s*from\s+[A-Za-z_]", re.MULTILINE)


class NodeTable(Mapping):
    """Body statements by key, read as libcst nodes (each parsed when first read)."""

    def __init__(self, statements: dict[str, BodyStatement]):
        self.statements = statements

    def __getitem__(self, key: str) -> cst.BaseStatement:
        return self.statements[key].node

    def __contains__(self, key: object) -> bool:
        return key in self.statements

    def __iter__(self):
        return iter(self.statements)

    def __len__(self) -> int:
        return len(self.statements)
