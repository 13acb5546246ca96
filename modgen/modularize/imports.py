"""The imports of the modular file: each name its own code uses, bound as the target files bind it.

The flattener takes a generated file's imports from the modular file first and then from the parents, each
name from the first import that binds it, and keeps those the file's code uses. So the modular file imports
what its own code reads (a modular file must not read undefined names, nor import unused ones: transformers
runs ruff on it), spelled as the target imports it, so that it comes back from the same module.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass

from modgen.modular.mapper import Unit


@dataclass(frozen=True)
class Binding:
    """One imported name: `from <module> import <name> as <alias>` or `import <name> as <alias>`, under an
    `if <guard>:` when the target imports it so."""

    module: str | None  # with its leading dots; None for `import name`
    name: str
    alias: str | None = None
    guard: str | None = None
    # Imported for the generated files only (their code, pulled from a parent, reads it; the modular file's does
    # not): marked for ruff (F401) after its comma, where the flattener drops the comment.
    kept: bool = False

    @property
    def bound(self) -> str:
        return self.alias or self.name.split(".")[0]

    @property
    def clause(self) -> str:
        return f"{self.name} as {self.alias}" if self.alias else self.name


def read_bindings(units: list[Unit]) -> dict[str, Binding]:
    """The names the import statements (and `if`-protected import blocks) of a module bind; the first wins."""
    found: dict[str, Binding] = {}
    for unit in units:
        for stmt in unit.stmts:
            if isinstance(stmt, ast.If):
                guard = ast.unparse(stmt.test)
                for inner in stmt.body:
                    _add(found, inner, guard)
            else:
                _add(found, stmt, None)
    return found


def submodule_imports(units: list[Unit]) -> list[Binding]:
    """The `import a.b` statements of a module (no alias, unguarded): they bind `a` as `import a` does, so
    `read_bindings` keeps only the first; the generated file keeps each, as the modular file has them."""
    return [
        Binding(None, alias.name)
        for unit in units
        for stmt in unit.stmts
        if isinstance(stmt, ast.Import)
        for alias in stmt.names
        if "." in alias.name and alias.asname is None
    ]


def guard_order(units: list[Unit]) -> list[str]:
    """The tests of the `if`-protected import blocks among `units`, in order."""
    return [ast.unparse(stmt.test) for unit in units for stmt in unit.stmts if isinstance(stmt, ast.If)]


def _add(found: dict[str, Binding], stmt: ast.stmt, guard: str | None) -> None:
    if isinstance(stmt, ast.ImportFrom):
        module = "." * stmt.level + (stmt.module or "")
        for alias in stmt.names:
            binding = Binding(module, alias.name, alias.asname, guard)
            found.setdefault(binding.bound, binding)
    elif isinstance(stmt, ast.Import):
        for alias in stmt.names:
            binding = Binding(None, alias.name, alias.asname, guard)
            found.setdefault(binding.bound, binding)


def render(bindings: list[Binding], guard_order: list[str] = ()) -> str:
    """Import statements for `bindings`: plain ones first (ruff sorts them), then one block per guard, in
    `guard_order` (the generated files keep the blocks in the order the modular file has them)."""
    plain: dict[str | None, list[Binding]] = defaultdict(list)
    guarded: dict[str, list[Binding]] = defaultdict(list)
    for binding in dict.fromkeys(bindings):
        (guarded[binding.guard] if binding.guard else plain[binding.module]).append(binding)
    lines = [_statement(module, group) for module, group in plain.items()]
    text = "".join(line for group in lines for line in group)
    ranked = {guard: index for index, guard in enumerate(guard_order)}
    for guard, group in sorted(guarded.items(), key=lambda item: ranked.get(item[0], len(ranked))):
        by_module: dict[str | None, list[Binding]] = defaultdict(list)
        for binding in group:
            by_module[binding.module].append(binding)
        text += f"\nif {guard}:\n" + "".join(
            "    " + line for module, items in by_module.items() for line in _statement(module, items)
        )
    return text


def _statement(module: str | None, bindings: list[Binding]) -> list[str]:
    if module is None:
        return [f"import {binding.clause}{'  # noqa: F401' if binding.kept else ''}\n" for binding in bindings]
    if any(binding.kept for binding in bindings):
        aliases = "".join(f"    {b.clause},{'  # noqa: F401' if b.kept else ''}\n" for b in bindings)
        return [f"from {module} import (\n{aliases})\n"]
    return [f"from {module} import {', '.join(binding.clause for binding in bindings)}\n"]
