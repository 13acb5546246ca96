"""From the filled file bodies to libcst modules: imports gathered and pruned, header kept, bodies in order."""

from __future__ import annotations

import libcst as cst

from modgen.modular.absolute import make_absolute
from modgen.modular.guards import guard_soft_imports
from modgen.modular.imports import needed_imports
from modgen.modular.modular_mapper import ModularMapper
from modgen.modular.output import GeneratedFiles, fill_files
from modgen.modular.pil import copy_into_pil


# Files where torch and torchvision are soft dependencies: their imports get `is_*_available()` guards.
GUARDED_FILE_TYPES = ("image_processing_pil", "feature_extraction")


def import_candidates(modular: ModularMapper, files: GeneratedFiles, absolute: bool) -> list[cst.CSTNode]:
    """The modular file's imports, the cross-file imports, then each parent's imports; duplicates by text out.

    With `absolute`, the parents' relative imports of their package (`from ...modeling_utils import X`) become
    absolute (`from transformers.modeling_utils import X`): the output lives outside that package.
    """
    candidates = []
    seen = set()
    sources = [(modular.module, modular.imports), (cst.Module([]), files.cross_imports)]
    for key, mapper in modular.parent_mappers.items():
        imports = [make_absolute(node, key) for node in mapper.imports] if absolute else mapper.imports
        sources.append((mapper.module, imports))
    for module, nodes in sources:
        for node in nodes:
            code = module.code_for_node(node).strip()
            if code not in seen:
                seen.add(code)
                candidates.append(node)
    return candidates


def build_modules(modular: ModularMapper, *, absolute: bool = False) -> dict[str, cst.Module]:
    files = fill_files(modular)
    copy_into_pil(files, modular)
    candidates = import_candidates(modular, files, absolute)
    modules = {}
    for file_type, placed in files.files.items():
        if not placed:
            continue
        body = [p.node for p in sorted(placed.values(), key=lambda p: p.position)]
        imports = needed_imports(candidates, body, set(placed))
        if file_type in GUARDED_FILE_TYPES:
            imports = guard_soft_imports(imports)
        modules[file_type] = cst.Module(body=[*imports, *body], header=modular.module.header)
    return modules
