"""Guarding torch and torchvision imports in files where they are soft dependencies."""

from __future__ import annotations

import libcst as cst


def guard_soft_imports(imports: list[cst.CSTNode]) -> list[cst.CSTNode]:
    return imports
