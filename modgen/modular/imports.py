"""The imports of one generated file: the candidates of the modular file and its parents, pruned to what the
file's body uses (libcst scope analysis, as upstream), plain imports first and `if`-protected blocks after.
"""

from __future__ import annotations

from collections import defaultdict

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider


def unused_import_names(imports: list[cst.CSTNode], body: list[cst.CSTNode], defined: set[str]) -> set[str]:
    """Names bound by an import that nothing references (or that the body defines itself)."""
    wrapper = MetadataWrapper(cst.Module(body=[*imports, *body]), unsafe_skip_copy=True)
    references: dict[str, int] = defaultdict(int)
    for scope in set(wrapper.resolve(ScopeProvider).values()):
        if scope is None:
            continue
        for assignment in scope.assignments:
            if isinstance(assignment, cst.metadata.Assignment) and isinstance(
                assignment.node, (cst.Import, cst.ImportFrom)
            ):
                references[assignment.name] = max(len(assignment.references), references[assignment.name])
    return {name for name, count in references.items() if count <= 0 or name in defined}


def _kept_aliases(line: cst.SimpleStatementLine, unused: set[str], added: set[str]) -> cst.SimpleStatementLine | None:
    statement = line.body[0]
    if isinstance(statement, cst.ImportFrom) and isinstance(statement.names, cst.ImportStar):
        return line
    kept = []
    for alias in statement.names:
        name = alias.evaluated_alias or alias.evaluated_name
        if name not in unused and name not in added:
            kept.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
            added.add(name)
    return line.with_changes(body=[statement.with_changes(names=kept)]) if kept else None


def needed_imports(candidates: list[cst.CSTNode], body: list[cst.CSTNode], defined: set[str]) -> list[cst.CSTNode]:
    """The candidate imports `body` needs, each name imported once (first candidate wins)."""
    unused = unused_import_names(candidates, body, defined)
    plain, protected = [], []
    added: set[str] = set()
    emitted_protected: set[str] = set()
    for node in candidates:
        if isinstance(node, cst.If):
            statements = []
            for statement in node.body.body:
                is_import = isinstance(statement, cst.SimpleStatementLine) and isinstance(
                    statement.body[0], (cst.Import, cst.ImportFrom)
                )
                if is_import and (kept := _kept_aliases(statement, unused, added)) is not None:
                    statements.append(kept)
            statements = [s for s in statements if str(s) not in emitted_protected]
            if statements:
                protected.append(node.with_changes(body=node.body.with_changes(body=statements)))
                emitted_protected.update(str(s) for s in statements)
        elif (kept := _kept_aliases(node, unused, added)) is not None:
            plain.append(kept)
    return plain + protected
