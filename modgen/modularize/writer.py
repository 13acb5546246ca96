"""The modular file's text from a plan: header, imports, what it states in the target's order, `__all__`."""

from __future__ import annotations

from modgen.modularize import imports
from modgen.modularize.plan import Plan


def render(plan: Plan) -> str:
    """The modular file (not formatted yet: ruff formats it as it does the generated files)."""
    header = next(iter(plan.target.files.values())).header
    pieces = [header, imports.render(plan.imports)]
    for _, obj in plan.objects():
        if obj.kind == "class":
            if obj.name in plan.written:
                pieces.append(plan.classes[obj.name].text)
        elif obj.kind in ("function", "assignment"):
            definition = plan.definitions[obj.name]
            if definition.mode == "define" and definition.file_type == _file_of(plan, obj):
                pieces.append("\n\n" + obj.text.lstrip("\n"))
        elif obj.kind == "getattr":
            pieces.append("\n\n" + obj.text.lstrip("\n"))
    names = [name for file in plan.target.files.values() for name in file.all_names]
    if names:
        pieces.append("\n\n__all__ = [" + ", ".join(f'"{name}"' for name in dict.fromkeys(names)) + "]\n")
    return "".join(pieces)


def _file_of(plan: Plan, obj) -> str:
    """The file a definition is written with: the first (in the modular file's order) that holds it."""
    for file_type, other in plan.objects():
        if other.name == obj.name and other.kind == obj.kind:
            return file_type
    return ""
