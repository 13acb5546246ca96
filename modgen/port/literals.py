"""Hyper-parameters left in code: numbers written into the constructors of the model's own modules
(`nn.LayerNorm(n_embd, eps=1e-5)`, `nn.Linear(d, 4 * d)`). They are listed for the user, never moved into the
config silently: whether a number is a hyper-parameter or a fact of the architecture is the user's call."""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from pathlib import Path

import torch


# Numbers that are rarely hyper-parameters: identities, halves, the usual axes.
PLAIN_NUMBERS = {0, 1, -1, 2, 0.5}


def hyper_parameter_literals(model: torch.nn.Module, root: type, limit: int = 12) -> list[str]:
    """`file:line: code` for each call with a number in the constructors of the root and of the module classes
    defined in the root's module that the model uses."""
    classes = [root] + sorted(
        {type(m) for m in model.modules() if type(m).__module__ == root.__module__ and type(m) is not root},
        key=lambda c: c.__name__,
    )
    found: dict[tuple[str, str], list[int]] = {}  # (file, code) -> lines, the same call written in several places
    for cls in classes:
        for file, line, code in _calls_with_numbers(cls):
            found.setdefault((file, code), []).append(line)
    ordered = sorted(found.items(), key=lambda item: (item[0][0], min(item[1])))
    lines = [f"{file}:{','.join(map(str, sorted(set(at))))}: `{code}`" for (file, code), at in ordered]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more"]
    return lines


def _calls_with_numbers(cls: type):
    init = cls.__dict__.get("__init__")
    if init is None:
        return
    try:
        source, start = inspect.getsourcelines(init)
        file = Path(inspect.getsourcefile(init))
    except (OSError, TypeError):
        return
    tree = ast.parse(textwrap.dedent("".join(source)))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if any(_has_number(a) for a in arguments):
            code = ast.unparse(node)
            if len(code) > 90:
                code = code[:87] + "..."
            yield _shown(file), start + node.lineno - 1, code


def _has_number(node: ast.AST) -> bool:
    """A number in an argument, not inside a nested call (which is reported on its own)."""
    if isinstance(node, ast.Call):
        return False
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float) and node.value not in PLAIN_NUMBERS
    return any(_has_number(child) for child in ast.iter_child_nodes(node))


def _shown(path: Path) -> str:
    """Relative to the working folder, or to the import path it is found on (`timm/models/resnet.py`)."""
    path = path.resolve()
    for base in [Path.cwd(), *sorted((Path(p).resolve() for p in sys.path if p), key=lambda p: -len(p.parts))]:
        if base in path.parents:
            return str(path.relative_to(base))
    return str(path)
