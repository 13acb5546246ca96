"""A renamed parent module, with the modular file's definitions merged in.

The modular file's functions replace the parent's of the same name (a redefined `apply_rotary_pos_emb` is what
every pulled-in class then uses); its assignments replace the parent's only for doc constants; its new classes
become known names. Then each parent class gets its dependency set, and `relative_order` says in which order a
set of the parent's objects goes into the output.
"""

from __future__ import annotations

import ast
import re

from modgen.modular.casing import FILE_TYPE_PATTERN
from modgen.modular.mapper import ModuleMapper, Unit


# Modular assignments that always replace the parent's, and those that do unless their value is `None`.
ASSIGNMENTS_TO_KEEP = re.compile(r"_CHECKPOINT|_EXPECTED|_FOR_DOC|_HIDDEN_STATES_START_POSITION")
ASSIGNMENTS_TO_KEEP_IF_NOT_NONE = re.compile(r"_DOCSTRING")
_SIBLING_MODULE = re.compile(rf"^\.({FILE_TYPE_PATTERN})_.*")


class ParentMapper(ModuleMapper):
    def __init__(self, units: list[Unit], rename, rename_text):
        # Names the parent imports from its own model's other files (`from .configuration_x import XConfig`):
        # they stay imports, never copied dependencies.
        self.sibling_imports: set[str] = set()
        super().__init__(units, rename=rename, rename_text=rename_text)
        self.modular_positions: dict[str, int] = {}

    def read_import(self, unit: Unit) -> None:
        super().read_import(unit)
        statement = unit.stmts[0]
        if isinstance(statement, ast.ImportFrom) and statement.module is not None:
            module = "." * statement.level + statement.module
            if _SIBLING_MODULE.search(module):
                for alias in statement.names:
                    self.sibling_imports.add(self.rename(alias.asname or alias.name))

    # -- merging the modular definitions --------------------------------------------------------------------------
    def merge_modular(self, modular: ModuleMapper) -> None:
        for name, node in modular.functions.items():
            self.functions[name] = node
            if name in modular.dependencies:
                self.dependencies[name] = set(modular.dependencies[name])
        for name, node in modular.assignments.items():
            if modular_value_wins(name, node.unit.stmts[0].value) or name not in self.assignments:
                self.assignments[name] = node
                if name in modular.dependencies:
                    self.dependencies[name] = set(modular.dependencies[name])
        self.global_nodes.update(self.functions)
        self.global_nodes.update(self.assignments)
        # New modular classes only need to be discoverable names: they get no dependencies here.
        for name, node in modular.classes.items():
            if name not in self.classes and name not in self.sibling_imports:
                self.global_nodes[name] = node
        self.modular_positions = modular.positions
        self.restrict_dependencies()
        self.compute_recursive_dependencies()
        known = self.global_nodes.keys()
        self.class_dependency_mapping = {
            name: self.augment({dep for dep in self.class_names[name] if dep != name and dep in known})
            for name in self.classes
        }

    # -- ordering -------------------------------------------------------------------------------------------------
    def relative_order(self, missing: set[str]) -> dict[str, int]:
        """Order for parent objects: class by class in parent order, each after its own not-yet-placed dependencies
        (the parent's first, by parent position; then the modular's, by modular position); then the rest."""
        order: dict[str, int] = {}
        remaining = set(missing)
        classes = sorted((dep for dep in missing if dep in self.classes), key=lambda name: self.positions[name])
        for class_name in classes:
            class_deps = self.class_dependency_mapping[class_name] & remaining
            for dep in self._sorted(class_deps, modular_first=False):
                remaining.discard(dep)
                order[dep] = len(order)
            if class_name in remaining:
                remaining.discard(class_name)
                order[class_name] = len(order)
        for dep in self._sorted(remaining, modular_first=True):
            order[dep] = len(order)
        return order

    def _sorted(self, names: set[str], *, modular_first: bool) -> list[str]:
        # Inside a class's dependencies, "merged" means unknown to the parent; for the rest, known to the modular.
        if modular_first:
            merged = [name for name in names if name in self.modular_positions]
        else:
            merged = [name for name in names if name not in self.positions]
        original = [name for name in names if name not in set(merged)]
        # Unknown positions sort last, in descending name order (upstream pre-sorts in reverse, then sorts stably).
        original = sorted(sorted(original, reverse=True), key=lambda name: self.positions.get(name, 1e10))
        merged.sort(key=lambda name: self.modular_positions.get(name, 1e10))
        return original + merged


def modular_value_wins(name: str, value: ast.expr | None) -> bool:
    """Whether a modular file's assignment of `name` replaces a parent's of the same name (else the parent's
    stays): always for `_CHECKPOINT`-like names, for `_DOCSTRING`-like ones unless the value is `None`."""
    if ASSIGNMENTS_TO_KEEP.search(name):
        return True
    is_none = isinstance(value, ast.Constant) and value.value is None
    return bool(ASSIGNMENTS_TO_KEEP_IF_NOT_NONE.search(name)) and not is_none
