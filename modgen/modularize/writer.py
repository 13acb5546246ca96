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
import re

from modgen.modularize import imports
from modgen.modularize.imports import read_bindings
from modgen.modularize.plan import Plan
from modgen.modularize.target import TargetFile


def render(plan: Plan) -> str:
    """The modular file (not formatted yet: ruff formats it as it does the generated files)."""
    pieces = [_comment_header(plan) + "\n" * _shared_blanks(plan)]
    pieces.append(imports.render(plan.imports, plan.guards))
    written_definitions = set()
    for _, obj in plan.objects():
        if obj.kind == "class" and obj.name in plan.written:
            pieces.append(plan.classes[obj.name].text)
        elif obj.kind in ("function", "assignment") and _first_definition(plan, obj.name, written_definitions):
            pieces.append(_simple(obj.text) if obj.kind == "assignment" else "\n\n" + obj.text.lstrip("\n"))
    # The `__getattr__` shim goes right before `__all__` in the generated file: so it does here, for the blank
    # lines between them.
    pieces += [_simple(obj.text) for _, obj in plan.objects() if obj.kind == "getattr"]
    names = [name for file in _files(plan) for name in file.all_names]
    if names:
        pieces.append(_all_leading(plan) + "__all__ = [" + ", ".join(f'"{n}"' for n in dict.fromkeys(names)) + "]\n")
    return "".join(pieces)


def _first_definition(plan: Plan, name: str, written: set[str]) -> bool:
    """Whether a function or assignment is written here: the modular file defines it, and not yet (the first
    file that has it)."""
    if plan.definitions[name].mode != "define" or name in written:
        return False
    written.add(name)
    return True


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
            return "\n" * (len(text) - len(text.lstrip("\n")))
    return "\n\n"


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
    """`formatted` (the rendered modular file, formatted) with the layout above its imports that gives the most
    target files their blank lines after the licence.

    A generated file gets the modular file's leading comment lines with the blank lines after them, then the
    blank lines above its first import: an import that opens an isort section has one above it, and so has the
    first import after a module docstring. So the choice is the number of blank lines after the licence, and
    whether a docstring stands between it and the imports.
    """
    files = _files(plan)
    wanted = [_blanks_after_header(f) for f in files]
    header = _comment_header(plan)
    if not header:
        return formatted
    tree = _import_part(formatted)
    lines = formatted.splitlines()
    statements = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    opens = [i > 0 and not lines[s.lineno - 2].strip() for i, s in enumerate(statements)]
    names = [{b.bound for b in read_bindings_of(s)} for s in statements]
    best = None
    for docstring in (False, True):
        leads = []
        for file in files:
            used = read_bindings(file.mapper.imports).keys()
            first = next((i for i, bound in enumerate(names) if bound & used), None)
            leads.append(None if first is None else int(opens[first] or (docstring and first == 0)))
        shared = [n - lead for n, lead in zip(wanted, leads, strict=True) if lead is not None and n >= lead]
        blanks = max(set(shared), key=shared.count) if shared else min(wanted)
        score = sum(lead is None or n - lead == blanks for n, lead in zip(wanted, leads, strict=True))
        if best is None or score > best[0]:
            best = (score, docstring, blanks)
    _, docstring, blanks = best
    rest = formatted[len(header) :].lstrip("\n")
    if docstring:
        return f"{header}{chr(10) * blanks}{_docstring(plan)}\n\n{rest}"
    return f"{header}{chr(10) * blanks}{rest}"


_FIRST_DEFINITION = re.compile(r"^(?:class|def|async\s+def|@)\b", re.MULTILINE)


def _import_part(text: str) -> ast.Module:
    """The module's statements above its first class or function (parsing a tenth of it)."""
    first = _FIRST_DEFINITION.search(text)
    if first is not None:
        try:
            return ast.parse(text[: first.start()])
        except SyntaxError:
            pass
    return ast.parse(text)


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
