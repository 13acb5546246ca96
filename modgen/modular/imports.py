"""The imports of one generated file: the candidates of the modular file and its parents, pruned to what the
file's body uses, plain imports first and `if`-protected blocks after.

Upstream decides "used" with libcst's scope analysis; reading the body with `ast` gives the same answer for the
names imports bind (loaded names, string annotations included) at a fraction of the cost.
"""

from __future__ import annotations

import ast

import libcst as cst

from modgen.modular.mapper import ast_loaded_names


def loaded_names(code: str) -> set[str]:
    """Names the code reads (`torch` in `torch.nn`), including inside string annotations."""
    return ast_loaded_names(ast.parse(code))


def _bound_name(alias: cst.ImportAlias) -> str:
    return alias.evaluated_alias or alias.evaluated_name


def _kept_aliases(line: cst.SimpleStatementLine, used, added: set[str]) -> cst.SimpleStatementLine | None:
    statement = line.body[0]
    if isinstance(statement, cst.ImportFrom) and isinstance(statement.names, cst.ImportStar):
        return line
    kept = []
    for alias in statement.names:
        name = _bound_name(alias)
        if used(name) and name not in added:
            kept.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
            added.add(name)
    return line.with_changes(body=[statement.with_changes(names=kept)]) if kept else None


def names_used_by_blocks(candidates: list[cst.CSTNode]) -> set[str]:
    """Names the `if` blocks among the candidates read: upstream analyses the candidates together with the body,
    so a name an `if` test (or `elif` test) uses counts as used. The same for every file of a modular file."""
    names: set[str] = set()
    for node in candidates:
        if isinstance(node, cst.If):
            names |= loaded_names(cst.Module([]).code_for_node(node))
    return names


def needed_imports(
    candidates: list[cst.CSTNode], body_names: set[str], defined: set[str], block_names: set[str] | None = None
) -> list[cst.CSTNode]:
    """The candidate imports a body reading `body_names` (`loaded_names`) needs, each name imported once (first
    candidate wins).

    `block_names`: `names_used_by_blocks(candidates)`, when the caller computed it already."""
    if block_names is None:
        block_names = names_used_by_blocks(candidates)
    loaded = body_names | block_names

    def used(name: str) -> bool:
        # `import torch.nn` binds `torch.nn`, used through `torch`.
        return name not in defined and name.split(".")[0] in loaded

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
                if is_import and (kept := _kept_aliases(statement, used, added)) is not None:
                    statements.append(kept)
            statements = [s for s in statements if str(s) not in emitted_protected]
            if statements:
                protected.append(node.with_changes(body=node.body.with_changes(body=statements)))
                emitted_protected.update(str(s) for s in statements)
        elif (kept := _kept_aliases(node, used, added)) is not None:
            plain.append(kept)
    return plain + protected
