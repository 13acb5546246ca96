"""The modular file's text from a plan: header, imports, what it states in the target's order, `__all__`.

Layout carries over to the generated files in two places, which the writer reproduces:

* blank lines above a simple statement (an assignment, `__all__`) stay as the modular file has them when the
  statement follows another simple statement in the generated file;
* the blank line between the licence comments and the imports: a modular file's leading comment lines are every
  generated file's header, blank lines included; only when a module docstring stands between them does the
  blank line go with the first import instead, into just the files that keep that import. `header_variant`
  chooses the layout that gives each target file its own.
"""

from __future__ import annotations

import ast

from modgen.modularize import imports
from modgen.modularize.imports import read_bindings
from modgen.modularize.plan import Plan
from modgen.modularize.target import TargetFile


def render(plan: Plan) -> str:
    """The modular file (not formatted yet: ruff formats it as it does the generated files)."""
    pieces = [_comment_header(plan) + "\n" * _shared_blanks(plan)]
    pieces.append(imports.render(plan.imports))
    written_definitions = set()
    for _, obj in plan.objects():
        if obj.kind == "class":
            if obj.name in plan.written:
                pieces.append(plan.classes[obj.name].text)
        elif obj.kind in ("function", "assignment"):
            if plan.definitions[obj.name].mode == "define" and obj.name not in written_definitions:
                written_definitions.add(obj.name)
                pieces.append(_simple(obj.text) if obj.kind == "assignment" else "\n\n" + obj.text.lstrip("\n"))
        elif obj.kind == "getattr":
            pieces.append(_simple(obj.text))
    names = [name for file in _files(plan) for name in file.all_names]
    if names:
        pieces.append(_all_leading(plan) + "__all__ = [" + ", ".join(f'"{n}"' for n in dict.fromkeys(names)) + "]\n")
    return "".join(pieces)


def _files(plan: Plan) -> list[TargetFile]:
    return list(plan.target.files.values())


def _simple(text: str) -> str:
    """A simple statement with the blank lines the target has above it (ruff puts two after a definition)."""
    return text


def _all_leading(plan: Plan) -> str:
    """The blank lines above `__all__`: as a target file has them after a simple statement, else two."""
    for file in _files(plan):
        unit = file.mapper.all_unit
        objects = file.objects
        if unit is not None and objects and objects[-1].kind in ("assignment", "getattr"):
            text = unit.text
            return "\n" * (len(text) - len(text.lstrip("\n")) + 1)
    return "\n\n\n"


def _comment_header(plan: Plan) -> str:
    """The licence comments of the target files, without the blank lines after them."""
    return _comment_header_of(_files(plan)[0].header)


def _comment_header_of(header: str) -> str:
    lines = header.splitlines(keepends=True)
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(lines)


def _blanks_after_header(file: TargetFile) -> int:
    """The blank lines between the file's leading comments and its code."""
    if not file.header.strip():
        return 0
    lines = file.header.splitlines()
    return len(lines) - len(_comment_header_of(file.header).splitlines())


def _shared_blanks(plan: Plan) -> int:
    """The blank lines every target file has after its licence: the modular file's header ends with them."""
    return min(_blanks_after_header(f) for f in _files(plan))


def header_variant(plan: Plan, formatted: str) -> str:
    """`formatted` (the rendered modular file, formatted), with a module docstring between the licence and the
    imports when that gives more target files their blank lines after the licence than a plain header does:
    the first import then brings one more blank line into the files that keep it."""
    files = _files(plan)
    shared = _shared_blanks(plan)
    extra = [_blanks_after_header(f) - shared for f in files]
    header = _comment_header(plan)
    if not any(extra) or not header:
        return formatted
    tree = ast.parse(formatted)
    first = next((s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))), None)
    if first is None:
        return formatted
    first_names = {binding.bound for binding in read_bindings_of(first)}
    predicted = [int(bool(first_names & read_bindings(f.mapper.imports).keys())) for f in files]
    if sum(p == e for p, e in zip(predicted, extra)) <= sum(e == 0 for e in extra):
        return formatted
    rest = formatted[len(header) :].lstrip("\n")
    return f"{header}{chr(10) * shared}{_docstring(plan)}\n\n{rest}"


def read_bindings_of(statement: ast.stmt):
    from modgen.modular.mapper import Unit

    return read_bindings([Unit([statement])]).values()


def _docstring(plan: Plan) -> str:
    for file in _files(plan):
        tree = ast.parse(file.body_text)
        if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
            return ast.get_source_segment(file.body_text, tree.body[0])
    cased = plan.parents.casing.cased(plan.target.name)
    return f'"""PyTorch {cased} model."""' if "modeling" in plan.target.files else f'"""{cased}."""'
