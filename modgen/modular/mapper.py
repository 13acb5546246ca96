"""Reading a module into the top-level objects the flattener moves around, and the names each one uses.

A `ModuleMapper` records, for one module (the modular file, or a renamed parent module): its imports (plain, and
`if`-protected blocks), its top-level functions, assignments (`NAME = ...`, and `GLOBAL[...] = ...` statements that
follow their variable) and classes (nested ones too, as upstream), their source order, and for every function
and assignment the set of `Name` tokens inside it. Dependencies are token-level on purpose: upstream's converter
pulls in any top-level object whose name appears as a token, attribute names included, and the output must match.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

import libcst as cst


class NameCollector(cst.CSTVisitor):
    """Every `Name` value inside a node, and per nested class the names inside that class."""

    def __init__(self):
        self.names: set[str] = set()
        self.class_stack: list[set[str]] = []
        self.classes: list[tuple[cst.ClassDef, set[str]]] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
        for names in self.class_stack:
            names.add(node.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        names: set[str] = set()
        self.class_stack.append(names)
        self.classes.append((node, names))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()


def names_in(node: cst.CSTNode) -> set[str]:
    collector = NameCollector()
    node.visit(collector)
    return collector.names


def is_import_line(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and isinstance(node.body[0], (cst.Import, cst.ImportFrom))


def is_protected_import(node: cst.CSTNode) -> bool:
    """A top-level `if` guarding at least one import (`if is_torch_available(): import torch`)."""
    return isinstance(node, cst.If) and any(
        isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and is_import_line(stmt)
        for stmt in node.body.body
    )


def simple_assigned_name(node: cst.CSTNode) -> str | None:
    """`NAME` for a top-level `NAME = value` (one target, a plain name)."""
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 and isinstance(node.body[0], cst.Assign):
        targets = node.body[0].targets
        if len(targets) == 1 and isinstance(targets[0].target, cst.Name):
            return targets[0].target.value
    return None


def indexed_global(node: cst.CSTNode) -> str | None:
    """`GLOBAL` for `GLOBAL[key] = value` or `GLOBAL.attr = value`: a statement that follows its variable."""
    if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 and isinstance(node.body[0], cst.Assign):
        targets = node.body[0].targets
        if len(targets) == 1 and isinstance(targets[0].target, (cst.Subscript, cst.Attribute)):
            value = targets[0].target.value
            if isinstance(value, cst.Name):
                return value.value
    return None


class ModuleMapper:
    """The top-level objects of one module, their source order and their token-level dependencies."""

    def __init__(self, module: cst.Module):
        self.module = module
        self.imports: list[cst.CSTNode] = []
        self.classes: dict[str, cst.ClassDef] = {}
        self.class_names: dict[str, set[str]] = {}  # names used anywhere inside each class
        self.functions: dict[str, cst.CSTNode] = {}
        self.assignments: dict[str, cst.CSTNode] = {}
        self.dependencies: dict[str, set[str]] = defaultdict(set)
        self.positions: dict[str, int] = {}
        self.all_node: cst.SimpleStatementLine | None = None
        self.getattr_node: cst.SimpleStatementLine | None = None
        self._read(module.body)
        self.global_nodes: dict[str, cst.CSTNode] = {**self.assignments, **self.classes, **self.functions}

    # -- reading ------------------------------------------------------------------------------------------------
    def _read(self, body: Iterable[cst.CSTNode]) -> None:
        for node in body:
            if isinstance(node, cst.SimpleStatementLine):
                self._read_statement(node)
            elif isinstance(node, cst.FunctionDef):
                collector = self._collect(node)
                self._record(self.functions, node.name.value, node)
                self.dependencies[node.name.value] |= collector.names
            elif isinstance(node, cst.ClassDef):
                self._collect(node)
            elif is_protected_import(node):
                self.imports.append(node)
            else:
                self._collect(node)  # classes nested in other statements are recorded too, as upstream

    def _read_statement(self, node: cst.SimpleStatementLine) -> None:
        first = node.body[0]
        if isinstance(first, (cst.Import, cst.ImportFrom)):
            self.read_import(node)
            return
        if (name := simple_assigned_name(node)) is not None:
            if name == "__all__":
                self.all_node = node
            elif name == "__getattr__":
                self.getattr_node = node
                self.dependencies[name] |= names_in(node)
            else:
                self._record(self.assignments, name, node)
                self.dependencies[name] |= names_in(node)
        elif (variable := indexed_global(node)) is not None:
            # Recorded under its own source text, as a dependency of the variable it indexes.
            key = self.module.code_for_node(node)
            self._record(self.assignments, key, node)
            self.dependencies[variable] |= names_in(node) | {key}

    def read_import(self, node: cst.SimpleStatementLine) -> None:
        self.imports.append(node)

    def _record(self, table: dict, name: str, node: cst.CSTNode) -> None:
        table[name] = node
        self.positions[name] = len(self.positions)

    def _collect(self, node: cst.CSTNode) -> NameCollector:
        collector = NameCollector()
        node.visit(collector)
        for class_node, names in collector.classes:
            self._record(self.classes, class_node.name.value, class_node)
            self.class_names[class_node.name.value] = names
        return collector

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
