"""From the filled file bodies to libcst modules: imports gathered and pruned, header kept, bodies in order."""

from __future__ import annotations

import ast
from collections.abc import Iterable

import libcst as cst

from modgen.modular.absolute import make_absolute
from modgen.modular.guards import guard_soft_imports
from modgen.modular.imports import names_used_by_blocks, needed_imports
from modgen.modular.mapper import EMPTY_MODULE, parse_units
from modgen.modular.modular_mapper import ModularMapper
from modgen.modular.output import GeneratedFiles, Placed, fill_files
from modgen.modular.pil import copy_into_pil, names_to_copy
from modgen.modular.sources import is_generated_file


# Files where torch and torchvision are soft dependencies: their imports get `is_*_available()` guards.
GUARDED_FILE_TYPES = ("image_processing_pil", "feature_extraction")


def import_candidates(modular: ModularMapper, files: GeneratedFiles, absolute: bool) -> list[cst.CSTNode]:
    """The modular file's imports, the cross-file imports, then each parent's imports; duplicates by text out.

    With `absolute`, the parents' relative imports of their package (`from ...modeling_utils import X`) become
    absolute (`from transformers.modeling_utils import X`): the output lives outside that package.
    """
    candidates = []
    seen = set()
    sources = [[(unit.source, unit.node) for unit in modular.imports]]
    sources.append([(EMPTY_MODULE.code_for_node(node), node) for node in files.cross_imports])
    parse_units(modular.imports)
    for key, mapper in modular.parent_mappers.items():
        if absolute:
            # The parent's helper files (`.generation_whisper`) stay the parent's: imported from it, unrenamed.
            units = [helper_original(unit) for unit in mapper.imports]
        else:
            units = mapper.imports
        units = [(unit.source, unit) for unit in units if unit.source.strip() not in seen]
        parse_units([unit for _, unit in units])
        sources.append([(code, make_absolute(unit.node, key) if absolute else unit.node) for code, unit in units])
    for nodes in sources:
        for code, node in nodes:
            code = code.strip()
            if code not in seen:
                seen.add(code)
                candidates.append(node)
    return candidates


def helper_original(unit):
    """The unrenamed import of a parent's helper sibling file (not a generated file type), else `unit`."""
    statement = unit.stmts[0]
    original = getattr(unit, "original", None)
    helper = isinstance(statement, ast.ImportFrom) and statement.level == 1
    if original is not None and helper and not is_generated_file(statement.module or ""):
        return original
    return unit


def _loaded_names(placed: Iterable[Placed]) -> set[str]:
    return set().union(*(p.loaded_names() for p in placed))


def build_modules(modular: ModularMapper, *, absolute: bool = False) -> dict[str, str]:
    """The text of each generated file (without banner), by file type."""
    files = fill_files(modular)
    candidates = import_candidates(modular, files, absolute)
    block_names = names_used_by_blocks(candidates)
    modules = {}
    for file_type, placed in files.files.items():
        if not placed:
            continue
        imports = needed_imports(candidates, _loaded_names(placed.values()), set(placed), block_names)
        pil_with_torchvision = file_type == "image_processing_pil" and "image_processing" in files.files
        if pil_with_torchvision and copy_into_pil(files, names_to_copy(imports, modular.model_name)):
            imports = needed_imports(candidates, _loaded_names(placed.values()), set(placed), block_names)
        body_code = "".join(p.code for p in sorted(placed.values(), key=lambda p: p.position))
        if file_type in GUARDED_FILE_TYPES:
            imports = guard_soft_imports(imports)
        modules[file_type] = cst.Module(body=imports, header=modular.header).code + body_code
    return modules
