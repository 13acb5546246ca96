"""Guarding torch and torchvision imports in files where they are soft dependencies.

In `image_processing_pil_*.py` and `feature_extraction_*.py`, torch may be missing: every `import torch...` (plain,
or inside an `if is_torch_available():` block) is gathered into one `if is_torch_available():` block after the
other protected blocks, and the same for torchvision after it. The `is_*_available` checks are imported from
`...utils`.
"""

from __future__ import annotations

import libcst as cst

from modgen.modular.mapper import EMPTY_MODULE


# (package, availability check), torchvision first: `torchvision` starts with `torch`.
SOFT_PACKAGES = (("torchvision", "is_torchvision_available"), ("torch", "is_torch_available"))


def _code(node: cst.CSTNode) -> str:
    return EMPTY_MODULE.code_for_node(node).strip()


def _package_of(statement: cst.CSTNode) -> str | None:
    code = _code(statement)
    for package, _ in SOFT_PACKAGES:
        if code.startswith((f"import {package}", f"from {package}")):
            return package
    return None


def _guard_of(node: cst.If) -> str | None:
    test = _code(node.test)
    for package, check in SOFT_PACKAGES:
        if test == f"{check}()" and node.orelse is None:
            return package
    return None


def _is_utils_import(node: cst.CSTNode) -> bool:
    statement = node.body[0]
    if not isinstance(statement, cst.ImportFrom) or statement.module is None:
        return False
    module = "." * len(statement.relative) + _code(statement.module)
    return (bool(statement.relative) and module.lstrip(".") == "utils") or module == "transformers.utils"


def _imported_names(nodes: list[cst.CSTNode]) -> set[str]:
    return {
        alias.evaluated_alias or alias.evaluated_name
        for node in nodes
        if isinstance(node.body[0], cst.ImportFrom) and not isinstance(node.body[0].names, cst.ImportStar)
        for alias in node.body[0].names
    }


def _add_checks(plain: list[cst.CSTNode], checks: list[str]) -> list[cst.CSTNode]:
    """Import the `is_*_available` checks from the existing `...utils` import, or a new one."""
    utils_index = next((index for index, node in enumerate(plain) if _is_utils_import(node)), None)
    if utils_index is not None and set(checks) <= _imported_names([plain[utils_index]]):
        # The first `...utils` import has them all: upstream's output then has no blank line of the first import
        # above the imports (dots3_note, moss_transcribe_diarize and neucodec's feature extractors; not
        # nemotron_asr_streaming's, whose check comes from another import), as if it prepended its own import.
        return [plain[0].with_changes(leading_lines=[]), *plain[1:]]
    missing = [check for check in checks if check not in _imported_names(plain)]
    if not missing:
        return plain
    if utils_index is not None:
        node = plain[utils_index]
        statement = node.body[0]
        names = [*statement.names, *(cst.ImportAlias(cst.Name(check)) for check in missing)]
        names = [alias.with_changes(comma=cst.MaybeSentinel.DEFAULT) for alias in names]
        plain[utils_index] = node.with_changes(body=[statement.with_changes(names=names, lpar=None, rpar=None)])
        return plain
    return [cst.parse_statement(f"from ...utils import {', '.join(missing)}"), *plain]


def guard_soft_imports(imports: list[cst.CSTNode]) -> list[cst.CSTNode]:
    plain, blocks = [], []
    guarded: dict[str, list[cst.CSTNode]] = {package: [] for package, _ in SOFT_PACKAGES}
    for node in imports:
        if isinstance(node, cst.If):
            package = _guard_of(node)
            if package is None:
                blocks.append(node)
            else:
                guarded[package].extend(node.body.body)
        elif (package := _package_of(node)) is not None:
            guarded[package].append(node)
        else:
            plain.append(node)
    checks = []
    new_blocks = []
    for package, check in reversed(SOFT_PACKAGES):  # torch's block, then torchvision's
        statements, seen = [], set()
        for statement in guarded[package]:
            code = _code(statement)
            if code not in seen:
                seen.add(code)
                statements.append(statement.with_changes(leading_lines=[]))
        if statements:
            checks.append(check)
            new_blocks.append(cst.If(test=cst.parse_expression(f"{check}()"), body=cst.IndentedBlock(statements)))
    if checks:
        plain = _add_checks(plain, checks)
    return plain + blocks + new_blocks
