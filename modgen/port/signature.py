"""The constructor's arguments sorted for a config: each JSON value becomes a field with the same name and default;
a class or function given for a parameter is written into the modeling code (a config holds JSON values);
checks the constructor makes on its arguments (`assert x in (...)`, `if x % y: raise`) become the config's
validation."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import inspect
import textwrap
from dataclasses import dataclass, field

from modgen.errors import UsageError
from modgen.port.example import Arguments, parameters
from modgen.port.target import Target


# torch's factory arguments: where and in which dtype to build, which `from_pretrained` decides.
FACTORY_ARGUMENTS = ("device", "dtype")


@dataclass
class ConfigField:
    name: str  # the config's field
    parameter: str  # the constructor's parameter
    value: object
    origin: str  # "default" or "example"

    @property
    def annotation(self) -> str:
        return annotation_of(self.value)


@dataclass
class FixedArgument:
    """A constructor argument written into the modeling code: `block=BasicBlock`."""

    parameter: str
    expression: str
    imports: list[tuple[str, str]]  # (module, name); module "" for the original's own module


@dataclass
class Check:
    violated: str  # over `self.<field>`: the config's validation raises when it is true
    requirement: str  # what must hold, over the original's names: `n_embd % n_head == 0`
    message: str | None  # the original's own message, if it wrote one
    line: int | None


@dataclass
class ConfigSpec:
    fields: list[ConfigField] = field(default_factory=list)
    fixed: list[FixedArgument] = field(default_factory=list)
    left_to_original: list[str] = field(default_factory=list)  # parameters whose non-JSON default is kept
    renamed: dict[str, str] = field(default_factory=dict)  # parameter -> field, where a name is the base config's
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_config_value(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return not (isinstance(value, float) and value != value)  # NaN does not survive JSON
    if isinstance(value, (list, tuple)):
        return all(is_config_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_config_value(v) for k, v in value.items())
    return False


def annotation_of(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "int | float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple)):
        return "list | tuple"
    if isinstance(value, dict):
        return "dict"
    return "Any"  # None: the original says nothing of the type


def reserved_names() -> set[str]:
    """Names the base config already uses (fields, properties, methods): a field may not shadow them."""
    from transformers import PreTrainedConfig

    return {f.name for f in dataclasses.fields(PreTrainedConfig)} | set(dir(PreTrainedConfig))


def config_spec(target: Target, arguments: Arguments) -> ConfigSpec:
    if arguments.missing:
        raise _missing(target, arguments.missing)
    spec = ConfigSpec()
    reserved = reserved_names()
    factory = []
    for parameter in parameters(target.cls):
        name = parameter.name
        if name not in arguments.values:
            continue
        value = arguments.values[name]
        if name in FACTORY_ARGUMENTS and value is None:
            factory.append(name)
            continue
        if is_config_value(value):
            field_name = f"original_{name}" if name in reserved else name
            if field_name != name:
                spec.renamed[name] = field_name
            spec.fields.append(ConfigField(field_name, name, _plain(value), arguments.origin[name]))
        elif arguments.origin[name] == "default":
            spec.left_to_original.append(name)
        else:
            spec.fixed.append(fixed_argument(target, name, value))
    if factory:
        names = " and ".join(f"`{n}`" for n in factory)
        spec.notes.append(f"{names}: not config fields (from_pretrained decides where and in which dtype to build)")
    for name in arguments.varargs:
        spec.notes.append(f"`{name}` (*args/**kwargs of {target.name}.__init__) is not a config field")
    spec.checks = constructor_checks(target, {f.parameter: f.name for f in spec.fields})
    return spec


def _plain(value):
    """Tuples stay tuples (immutable dataclass defaults); JSON gives them back as lists, which the code accepts."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def fixed_argument(target: Target, parameter: str, value) -> FixedArgument:
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    importable = inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value)
    if importable and module and qualname and "<" not in qualname:
        own = module == target.module.__name__
        return FixedArgument(parameter, qualname, [("" if own else module, qualname.split(".")[0])])
    raise UsageError(
        f"the value of `{parameter}` ({value!r}) is neither a JSON value a config can hold nor a class or function "
        "the modeling code can import",
        path=target.source_file,
        line=target.line_of(target.cls.__init__),
        hint=f"give `{parameter}` as a module-level class or function, or a number/string/list",
    )


def _missing(target: Target, missing: list[str]) -> UsageError:
    line = _parameter_line(target, missing[0])
    names = ", ".join(f"`{m}`" for m in missing)
    example = " ".join(f'--example "{m}=..."' for m in missing)
    return UsageError(
        f"{target.name}.__init__ has no default for {names}, and no --example gives "
        f"{'it' if len(missing) == 1 else 'them'}: the config needs the value the pretrained weights were built with",
        path=target.source_file,
        line=line,
        hint=f'{example}, or --example "{target.name}(...)" (or a factory call that builds it)',
    )


def _parameter_line(target: Target, name: str) -> int | None:
    """The line of the constructor where parameter `name` is written."""
    try:
        source, start = inspect.getsourcelines(target.cls.__init__)
    except (OSError, TypeError):
        return None
    function = ast.parse(textwrap.dedent("".join(source))).body[0]
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if argument.arg == name:
            return start + argument.lineno - 1
    return start


SAFE_NAMES = {"len", "isinstance", "int", "float", "str", "bool", "tuple", "list", "dict", "min", "max", "abs"}


def constructor_checks(target: Target, fields: dict[str, str]) -> list[Check]:
    """`assert COND` and `if COND: raise` at the top of the constructor, over the fields' parameters only."""
    try:
        source, start = inspect.getsourcelines(target.cls.__init__)
    except (OSError, TypeError):
        return []
    tree = ast.parse(textwrap.dedent("".join(source)))
    function = tree.body[0]
    checks = []
    for statement in function.body:
        if isinstance(statement, ast.Assert):
            test, negate, message = statement.test, True, statement.msg
        elif (
            isinstance(statement, ast.If)
            and not statement.orelse
            and len(statement.body) == 1
            and isinstance(statement.body[0], ast.Raise)
        ):
            test, negate = statement.test, False
            error = statement.body[0].exc
            message = error.args[0] if isinstance(error, ast.Call) and error.args else None
        else:
            continue
        names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
        if not names or not names <= set(fields) | SAFE_NAMES or names & set(dir(builtins)) - SAFE_NAMES:
            continue
        renamed = _OnSelf(fields).visit(ast.parse(ast.unparse(test), mode="eval")).body
        violated = ast.unparse(_negated(renamed) if negate else renamed)
        requirement = ast.unparse(test if negate else _negated(test))
        text = message.value if isinstance(message, ast.Constant) and isinstance(message.value, str) else None
        checks.append(Check(violated, requirement, text, start + statement.lineno - 1))
    return checks


_OPPOSITES = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


def _negated(test: ast.expr) -> ast.expr:
    """`a == b` -> `a != b`, `x in (...)` -> `x not in (...)`; anything else -> `not (...)`."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return ast.Compare(test.left, [_OPPOSITES[type(test.ops[0])]()], test.comparators)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return ast.UnaryOp(ast.Not(), test)


class _OnSelf(ast.NodeTransformer):
    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    def visit_Name(self, node: ast.Name):
        if node.id in self.fields:
            return ast.Attribute(ast.Name("self", ast.Load()), self.fields[node.id], ast.Load())
        return node
