"""Copying into the PIL image processor the nodes it would import from the torchvision one.

The torchvision image processor imports torchvision unguarded, so the PIL one must not import from it: what it
would import from `.image_processing_<model>` (typically the `...ImageProcessorKwargs` TypedDict) is copied in.
"""

from __future__ import annotations

import re

import libcst as cst

from modgen.modular.output import GeneratedFiles, Placed


_DEFINITION = re.compile(r"^(class |def |async def |@)")
_NOT_COUNTED = ("image_processing_backends", "utils", "outputs")


def _is_definition(code: str) -> bool:
    for line in code.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return bool(_DEFINITION.match(stripped))
    return False


def names_to_copy(pil_imports: list[cst.CSTNode], model_name: str) -> list[str]:
    """The names of the first import of the PIL file from `.image_processing_<model>`."""
    for node in pil_imports:
        if not isinstance(node, cst.SimpleStatementLine) or not isinstance(node.body[0], cst.ImportFrom):
            continue
        statement = node.body[0]
        if len(statement.relative) != 1 or not isinstance(statement.module, cst.Name):
            continue
        module = statement.module.value
        if module.startswith("image_processing") and not module.endswith(_NOT_COUNTED):
            if isinstance(statement.names, cst.ImportStar):
                return []
            return [alias.evaluated_name for alias in statement.names]
    return []


def copy_into_pil(files: GeneratedFiles, names: list[str]) -> bool:
    """Copy the torchvision file's nodes of `names` into the PIL file; True when something was copied."""
    source = files.files.get("image_processing", {})
    target = files.files["image_processing_pil"]
    copied = False
    for name in names:
        if name not in source or name in target:
            continue
        position = source[name].position
        here = [placed for placed in target.values() if placed.position == position]
        offset = -0.5 if here and _is_definition(here[0].code) else 0.5
        target[name] = Placed(position + offset, source[name].code, source[name].loaded)
        copied = True
    return copied
