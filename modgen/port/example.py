"""The constructor arguments the port is built from: the class's defaults, completed or overridden by `--example`.

An `--example` is either `NAME=EXPR` (one argument) or an expression that builds the model, such as
`ResNet(BasicBlock, [2, 2, 2, 2])` or a factory, `timm.create_model("resnet18")`: the arguments the target class's
constructor received while it ran are recorded. Expressions are evaluated with the target module's names, `torch`
and `nn` in scope.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import inspect
from dataclasses import dataclass, field

import torch

from modgen.errors import UsageError
from modgen.port.target import Target


@dataclass
class Arguments:
    """Each constructor parameter's value, and where it came from ("default", "example")."""

    values: dict[str, object] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    built: torch.nn.Module | None = None  # the module an example expression built, if it built one
    missing: list[str] = field(default_factory=list)
    varargs: list[str] = field(default_factory=list)  # *args / **kwargs: never config fields


def parameters(cls: type) -> list[inspect.Parameter]:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def constructor_arguments(target: Target, examples: tuple[str, ...]) -> Arguments:
    arguments = Arguments()
    given: dict[str, object] = {}
    for text in examples:
        name, expression = _split(text)
        if name is None:
            recorded, built = _record(target, expression, text)
            given.update(recorded)
            arguments.built = built
        else:
            given[name] = _evaluate(target, expression, text)
    signature = parameters(target.cls)
    known = {p.name for p in signature}
    for name in given:
        if name not in known and not any(p.kind is p.VAR_KEYWORD for p in signature):
            raise UsageError(
                f"--example gives {name!r}, which {target.name}.__init__ does not take",
                path=target.source_file,
                line=target.line_of(target.cls.__init__),
                hint=f"its parameters: {', '.join(p.name for p in signature)}",
            )
    for parameter in signature:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            arguments.varargs.append(parameter.name)
        elif parameter.name in given:
            arguments.values[parameter.name] = given[parameter.name]
            arguments.origin[parameter.name] = "example"
        elif parameter.default is not parameter.empty:
            arguments.values[parameter.name] = parameter.default
            arguments.origin[parameter.name] = "default"
        else:
            arguments.missing.append(parameter.name)
    return arguments


def _split(text: str) -> tuple[str | None, str]:
    """`name=expr` -> ("name", "expr"); an expression -> (None, expr)."""
    try:
        tree = ast.parse(text.strip())
    except SyntaxError as error:
        raise UsageError(
            f"--example {text!r} is not Python: {error.msg}", hint='e.g. --example "vocab_size=512"'
        ) from None
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign):
        (assign,) = tree.body
        if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name):
            return assign.targets[0].id, ast.unparse(assign.value)
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        return None, text.strip()
    raise UsageError(f"--example {text!r} is neither NAME=EXPR nor an expression that builds the model")


def namespace(target: Target) -> dict:
    scope = {"torch": torch, "nn": torch.nn}
    scope.update(vars(target.module))
    scope.setdefault(target.name, target.cls)
    for package in ("timm",):  # factories name their package: `timm.create_model(...)`
        if package in scope:
            continue
        with contextlib.suppress(ImportError):
            scope[package] = importlib.import_module(package)
    return scope


def _evaluate(target: Target, expression: str, text: str):
    try:
        return eval(compile(expression, "<--example>", "eval"), namespace(target))  # the user's own expression
    except Exception as error:
        raise UsageError(f"--example {text!r} failed: {type(error).__name__}: {error}") from error


def _record(target: Target, expression: str, text: str) -> tuple[dict[str, object], torch.nn.Module | None]:
    """Evaluate an expression that builds the model; the arguments the outermost target constructor received."""
    calls: list[tuple[object, dict]] = []
    original_init = target.cls.__init__
    signature = inspect.signature(original_init)

    @functools.wraps(original_init)
    def recording_init(self, *args, **kwargs):
        if type(self) is target.cls:
            bound = signature.bind(self, *args, **kwargs)
            calls.append((self, {k: v for k, v in bound.arguments.items() if k != "self"}))
        original_init(self, *args, **kwargs)

    target.cls.__init__ = recording_init
    try:
        built = _evaluate(target, expression, text)
    finally:
        target.cls.__init__ = original_init
    if not calls:
        raise UsageError(
            f"--example {text!r} did not build a {target.name}",
            hint=f"give an expression that builds {target.name} (directly or through a factory), or NAME=VALUE",
        )
    chosen = next((c for c in calls if c[0] is built), calls[0])
    recorded = dict(chosen[1])
    for name, parameter in signature.parameters.items():  # **kwargs received are arguments in their own right
        if parameter.kind is parameter.VAR_KEYWORD:
            recorded.update(recorded.pop(name, {}))
    return recorded, built if isinstance(built, torch.nn.Module) and built is chosen[0] else None
