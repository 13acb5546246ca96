"""Reading a module into the top-level objects the flattener moves around, and the names each one uses.

A `ModuleMapper` records, for one module (the modular file, or a renamed parent module): its imports (plain, and
`if`-protected blocks), its top-level functions, assignments (`NAME = ...`, and `GLOBAL[...] = ...` statements that
follow their variable) and classes (nested ones too, as upstream), their source order, and for every function and
assignment the set of `Name` tokens inside it. Dependencies are token-level on purpose: upstream's converter pulls
in any top-level object whose name appears as a token, attribute names included, and the output must match.

Reading uses the standard `ast` module (fast); the libcst node of a statement, which keeps comments and layout
for the output, is parsed from its slice of the source only when the statement is actually emitted.
"""

from __future__ import annotations

import ast
import contextlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator

import libcst as cst


EMPTY_MODULE = cst.Module(body=[])


def ast_names(node: ast.AST) -> set[str]:
    """The values libcst's `Name` nodes would have inside `node`: identifiers, attribute, parameter, keyword,
    function, class and imported names (not `None`, `True` and `False`, which name no object)."""
    return ast_name_sets(node)[0]


def ast_loaded_names(node: ast.AST) -> set[str]:
    """Names the code of `node` reads (`torch` in `torch.nn`), inside string annotations too: what decides which
    imports a generated file keeps."""
    return ast_name_sets(node)[1]


def ast_name_sets(node: ast.AST) -> tuple[set[str], set[str]]:
    """`ast_names` and `ast_loaded_names` of `node`, in one walk."""
    # A hand-rolled walk: `ast.walk` with an `isinstance` ladder took three times as long, on every parent class.
    names: set[str] = set()
    loaded: set[str] = set()
    add, load, stack, annotations = names.add, loaded.add, [node], []
    while stack:
        child = stack.pop()
        kind = type(child)
        if kind is ast.Name:
            add(child.id)
            if type(child.ctx) is not ast.Store:
                load(child.id)
            continue
        if kind is ast.Attribute:
            add(child.attr)
            stack.append(child.value)
            continue
        if kind is ast.Constant:
            continue
        if kind is ast.arg:
            add(child.arg)
            if child.annotation is not None:
                annotations.append(child.annotation)
        elif kind is ast.keyword:
            if child.arg is not None:
                add(child.arg)
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            add(child.name)
            if child.returns is not None:
                annotations.append(child.returns)
        elif kind is ast.ClassDef:
            add(child.name)
        elif kind is ast.AnnAssign:
            annotations.append(child.annotation)
        elif kind is ast.alias:
            names.update(child.name.split("."))
            if child.asname:
                add(child.asname)
            continue
        elif kind is ast.ImportFrom:
            if child.module:
                names.update(child.module.split("."))
        elif kind is ast.ExceptHandler:
            if child.name:
                add(child.name)
        elif kind is ast.Global or kind is ast.Nonlocal:
            names.update(child.names)
            continue
        elif (kind is ast.MatchAs or kind is ast.MatchStar) and child.name:
            add(child.name)
        stack.extend(ast_children(child))
    for annotation in annotations:
        # A string annotation (`"LlamaConfig"`) reads the names in it too.
        for inner in ast.walk(annotation):
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                with contextlib.suppress(SyntaxError):
                    loaded |= ast_loaded_names(ast.parse(inner.value, mode="eval"))
    return names, loaded


def ast_children(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` (`ast.iter_child_nodes` without the `Load`/`Store` markers, as a list)."""
    children = []
    for field in node._fields:
        value = getattr(node, field, None)
        if type(value) is list:
            children.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
            children.append(value)
    return children


_NAME_SETS: dict[int, tuple[ast.AST, frozenset[str], frozenset[str]]] = {}


def cached_name_sets(node: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    """`ast_name_sets`, once per node object (parents' trees are kept per process, so their names are read once).
    A class's are its statements' (which merging reads one by one) and its header's."""
    cached = _NAME_SETS.get(id(node))
    if cached is None or cached[0] is not node:
        if isinstance(node, ast.ClassDef):
            header = [*node.bases, *node.keywords, *node.decorator_list, *getattr(node, "type_params", ())]
            parts = [ast_name_sets(part) for part in header] + [cached_name_sets(stmt) for stmt in node.body]
            names = {node.name}.union(*(part[0] for part in parts))
            loaded = set().union(*(part[1] for part in parts))
        else:
            names, loaded = ast_name_sets(node)
        cached = (node, frozenset(names), frozenset(loaded))
        _NAME_SETS[id(node)] = cached
    return cached[1], cached[2]


def cached_ast_names(node: ast.AST) -> frozenset[str]:
    return cached_name_sets(node)[0]


def cached_loaded_names(node: ast.AST) -> frozenset[str]:
    return cached_name_sets(node)[1]


def nested_classes(node: ast.AST) -> Iterator[ast.ClassDef]:
    """Every class inside statement `node` (itself included), in source order; function bodies are not searched."""
    if isinstance(node, ast.ClassDef):
        yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    for field in ("body", "orelse", "finalbody", "handlers"):
        for child in getattr(node, field, ()):
            yield from nested_classes(child)


def unit_first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def _last_block(stmt: ast.stmt) -> list[ast.stmt] | None:
    """The statements of the last indented block of a compound statement (None for a simple statement)."""
    if isinstance(stmt, ast.If):
        if (
            len(stmt.orelse) == 1
            and isinstance(stmt.orelse[0], ast.If)
            and stmt.orelse[0].col_offset == stmt.col_offset
        ):
            return _last_block(stmt.orelse[0])  # `elif`
        return stmt.orelse or stmt.body
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return stmt.orelse or stmt.body
    if isinstance(stmt, (ast.Try, ast.TryStar)):
        return stmt.finalbody or stmt.orelse or stmt.handlers[-1].body
    if isinstance(stmt, ast.Match):
        return stmt.cases[-1].body
    return getattr(stmt, "body", None) if isinstance(getattr(stmt, "body", None), list) else None


def statement_end(stmt: ast.stmt, limit: int, line: Callable[[int], str]) -> int:
    """The last line libcst gives statement `stmt`, which no later than line `limit` is followed by another (or
    ends its block): its own last line, or for a compound statement, the last line up to `limit` indented as its
    last block (libcst's block footer: the comments after the block, mostly)."""
    end = stmt.end_lineno
    block = _last_block(stmt)
    if not block:
        return end
    first = line(unit_first_line(block[0]))
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    if len(indent) != block[0].col_offset:
        return end  # a block on its header's line has no footer
    for number in range(end + 1, limit + 1):
        if line(number).startswith(indent):
            end = number
    return end


class Unit:
    """One top-level statement line or compound statement: its ast statements, its source (which starts at line
    `first_line` of its file) and its libcst node."""

    __slots__ = ("stmts", "text", "_node", "first_line")

    def __init__(
        self, stmts: list[ast.stmt], text: str | None = None, node: cst.CSTNode | None = None, first_line: int = 0
    ):
        self.stmts = stmts
        self.text = text
        self._node = node
        self.first_line = first_line

    def renamed(self, rename_text, rename=None) -> Unit:
        """This statement seen through a rename of its text (done on first use of the text); `rename`, the same
        rename of one name."""
        return RenamedUnit(self, rename_text, rename) if rename_text is not None else self

    def loaded_names(self) -> set[str]:
        """The names the statement reads (see `ast_loaded_names`), as they read in its text."""
        return set().union(*map(cached_loaded_names, self.stmts))

    @property
    def node(self) -> cst.CSTNode:
        if self._node is None:
            module = cst.parse_module(self.text)
            statement = module.body[0]
            # Comments and blank lines above the statement are the slice's header: they belong to the statement.
            self._node = statement.with_changes(leading_lines=[*module.header, *statement.leading_lines])
        return self._node

    @property
    def source(self) -> str:
        return self.text if self.text is not None else EMPTY_MODULE.code_for_node(self._node)


class RenamedUnit(Unit):
    """A parent's statement renamed to the new model: the text is renamed only when it is emitted."""

    __slots__ = ("original", "rename_text", "rename")

    def __init__(self, original: Unit, rename_text, rename):
        self.original = original
        self.rename_text = rename_text
        self.rename = rename
        self.stmts = original.stmts
        self._node = None
        self.first_line = original.first_line  # renaming keeps the lines where they are

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.rename_text(self.original.text)

    def loaded_names(self) -> set[str]:
        # The ast is the original's: its names are renamed as the text is (string annotations included).
        return {self.rename(name) for name in super().loaded_names()}


class Entry:
    """A top-level object (class, function, assignment): its libcst node, parsed on first use."""

    __slots__ = ("kind", "name", "unit", "_node", "original_name")

    def __init__(self, kind: str, name: str, unit: Unit | None, original_name: str | None = None):
        self.kind = kind
        self.name = name
        self.unit = unit
        self._node = None
        self.original_name = original_name or name

    @property
    def node(self) -> cst.CSTNode:
        if self._node is None:
            node = self.unit.node
            if self.kind == "class" and not (isinstance(node, cst.ClassDef) and node.name.value == self.name):
                node = _find_class(node, self.name)
            self._node = node
        return self._node

    @property
    def is_class(self) -> bool:
        return self.kind == "class"

    @property
    def code(self) -> str:
        """The source of the object: its own slice when it is a whole top-level statement (no parsing needed)."""
        if self._node is None and self._is_whole_unit() and (text := self.unit.text) is not None:
            return text
        return EMPTY_MODULE.code_for_node(self.node)

    def loaded_names(self) -> set[str] | None:
        """The names the object's code reads; None when only its printed code tells (a nested class)."""
        return self.unit.loaded_names() if self._node is None and self._is_whole_unit() else None

    def _is_whole_unit(self) -> bool:
        stmt = self.unit.stmts[0]
        return self.kind != "class" or (isinstance(stmt, ast.ClassDef) and stmt.name == self.original_name)


def _find_class(node: cst.CSTNode, name: str) -> cst.ClassDef:
    for child in node.children:
        if isinstance(child, cst.ClassDef) and child.name.value == name:
            return child
        try:
            return _find_class(child, name)
        except LookupError:
            continue
    raise LookupError(name)


_PARSED: dict[tuple[str, int], list[Unit]] = {}


def parent_units(path_key: str, source: str) -> list[Unit]:
    """The units of a parent file, parsed once per process (parents are shared by many modular files)."""
    key = (path_key, hash(source))
    if key not in _PARSED:
        _PARSED[key] = split_units(source, ast.parse(source), None)
    return _PARSED[key]


def split_units(source: str, tree: ast.Module, module: cst.Module | None) -> list[Unit]:
    """Top-level statements grouped as libcst groups them (`a = 1; b = 2` is one line), with their libcst nodes
    (from `module` when given, else parsed lazily from their source slices)."""
    groups: list[list[ast.stmt]] = []
    for stmt in tree.body:
        if groups and unit_first_line(stmt) == groups[-1][-1].end_lineno and not isinstance(stmt, ast.ClassDef):
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    if module is not None:
        return [Unit(stmts, node=node) for stmts, node in zip(groups, module.body, strict=True)]
    lines = source.splitlines(keepends=True)
    units = []
    previous_end = 0
    for index, stmts in enumerate(groups):
        start = previous_end + 1 if index else unit_first_line(stmts[0])
        limit = unit_first_line(groups[index + 1][0]) - 1 if index + 1 < len(groups) else len(lines)
        end = statement_end(stmts[-1], limit, lambda number: lines[number - 1])
        units.append(Unit(stmts, text="".join(lines[start - 1 : end]), first_line=start))
        previous_end = end
    return units


class ModuleMapper:
    """The top-level objects of one module, their source order and their token-level dependencies.

    `rename` (a parent's `NamePatterns.replace`) renames every name read; `rename_text` renames a statement's
    source when it is emitted.
    """

    def __init__(self, units: list[Unit], module: cst.Module | None = None, rename=None, rename_text=None):
        self.module = module or EMPTY_MODULE
        self.rename = rename or (lambda name: name)
        self.rename_text = rename_text
        self.imports: list[Unit] = []
        self.classes: dict[str, Entry] = {}
        self.class_names: dict[str, set[str]] = {}  # names used anywhere inside each class
        self.class_asts: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, Entry] = {}
        self.assignments: dict[str, Entry] = {}
        self.dependencies: dict[str, set[str]] = defaultdict(set)
        self.positions: dict[str, int] = {}
        self.all_unit: Unit | None = None
        self.getattr_unit: Unit | None = None
        for unit in units:
            self._read(unit.renamed(rename_text, rename))
        self.global_nodes: dict[str, Entry] = {**self.assignments, **self.classes, **self.functions}

    def names(self, node: ast.AST) -> set[str]:
        return {self.rename(name) for name in cached_ast_names(node)}

    # -- reading ------------------------------------------------------------------------------------------------
    def _read(self, unit: Unit) -> None:
        stmt = unit.stmts[0]
        single = len(unit.stmts) == 1
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = self.rename(stmt.name)
            self._record(self.functions, Entry("function", name, unit, stmt.name))
            self.dependencies[name] |= self.names(stmt)
            self._record_classes(unit, stmt)
        elif isinstance(stmt, ast.ClassDef):
            self._record_classes(unit, stmt)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if single:
                self.read_import(unit)
        elif isinstance(stmt, ast.If) and any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in stmt.body):
            self.imports.append(unit)
        elif isinstance(stmt, ast.Assign) and single and len(stmt.targets) == 1:
            self._read_assignment(unit, stmt)
        else:
            for other in unit.stmts:
                self._record_classes(unit, other)

    def _read_assignment(self, unit: Unit, stmt: ast.Assign) -> None:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            name = self.rename(target.id)
            if name == "__all__":
                self.all_unit = unit
            elif name == "__getattr__":
                self.getattr_unit = unit
                self.dependencies[name] |= self.names(stmt)
            else:
                self._record(self.assignments, Entry("assignment", name, unit))
                self.dependencies[name] |= self.names(stmt)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and isinstance(target.value, ast.Name):
            # `GLOBAL[key] = value`: recorded under its own source text, as a dependency of the variable.
            key = unit.source.strip()
            self._record(self.assignments, Entry("assignment", key, unit))
            self.dependencies[self.rename(target.value.id)] |= self.names(stmt) | {key}

    def read_import(self, unit: Unit) -> None:
        self.imports.append(unit)

    def _record(self, table: dict, entry: Entry) -> None:
        table[entry.name] = entry
        self.positions[entry.name] = len(self.positions)

    def _record_classes(self, unit: Unit, stmt: ast.stmt) -> None:
        for class_node in nested_classes(stmt):
            name = self.rename(class_node.name)
            self._record(self.classes, Entry("class", name, unit, class_node.name))
            self.class_names[name] = self.names(class_node)
            self.class_asts[name] = class_node

    # -- dependencies -------------------------------------------------------------------------------------------
    def restrict_dependencies(self) -> None:
        """Keep only the names that are top-level objects (not built-ins, not imports)."""
        known = self.global_nodes.keys()
        for name, names in self.dependencies.items():
            self.dependencies[name] = {dep for dep in names if dep in known}

    def compute_recursive_dependencies(self) -> None:
        self.recursive_dependencies = {
            name: find_all_dependencies(self.dependencies, self.dependencies[name]) for name in list(self.dependencies)
        }

    def augment(self, dependencies: set[str]) -> set[str]:
        """`dependencies` plus everything the functions and assignments among them need, recursively."""
        augmented = set(dependencies)
        for dep in dependencies:
            augmented |= self.recursive_dependencies.get(dep, set())
        return augmented

    def class_dependencies(self, name: str, names: set[str], excluded: set[str] = frozenset()) -> set[str]:
        """The top-level objects a class (of name `name`, using `names`) needs, augmented."""
        known = self.global_nodes
        direct = {dep for dep in names if dep != name and dep in known and dep not in excluded}
        return self.augment(direct)


def find_all_dependencies(
    mapping: dict[str, set[str]], initial: Iterable[str], already_checked: Iterable[str] = ()
) -> set[str]:
    """Breadth-first closure of `initial` over `mapping`, not entering `already_checked`."""
    queue = deque(initial)
    checked = set(already_checked)
    found = set()
    while queue:
        current = queue.popleft()
        if current in checked:
            continue
        found.add(current)
        checked.add(current)
        queue.extend(mapping.get(current, ()))
    return found


_NODES_BY_TEXT: dict[str, cst.CSTNode] = {}


def parse_units(units: list[Unit]) -> None:
    """Parse many statements' nodes with one libcst call (one parse per statement costs far more); each text once
    per process (the same imports open most modular files and their parents)."""
    pending = []
    for unit in units:
        if unit._node is None:
            unit._node = _NODES_BY_TEXT.get(unit.text)
            if unit._node is None:
                pending.append(unit)
    if len(pending) < 2:
        return
    texts = [unit.text if unit.text.endswith("\n") else unit.text + "\n" for unit in pending]
    module = cst.parse_module("".join(texts))
    if len(module.body) != len(pending):  # a statement that does not stand alone: parse one by one
        return
    for index, (unit, statement) in enumerate(zip(pending, module.body, strict=True)):
        if index == 0:
            statement = statement.with_changes(leading_lines=[*module.header, *statement.leading_lines])
        unit._node = _NODES_BY_TEXT[unit.text] = statement
