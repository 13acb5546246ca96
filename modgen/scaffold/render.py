"""modgen's own tests of a new model: `templates/test_modeling.py` filled in with what the parent is.

The template is a real test module written for a placeholder pair of models (`BrandNew`, made like `Llama`). Its
constants are replaced by the parent's facts (`parent_model`): the tiny config, each model class with its
parent, the Auto classes, the inputs and output shapes of each class, the classes that generate. Its one
`test_forward` becomes a test per model class (`test_forward_for_causal_lm`), its imports name the classes at
hand, and the placeholders are then renamed to NEW and PARENT by scope (`rename.py`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from modgen.errors import ModgenError
from modgen.scaffold.parent_model import ParentFacts
from modgen.scaffold.probe import source_of
from modgen.scaffold.rename import Rename, dotted_name, rename_module


# The template's placeholder pair: the new model `BrandNew` (folder `brand_new`) made like `Llama`.
PLACEHOLDER_NEW = ("brand_new", "BrandNew")
PLACEHOLDER_PARENT = ("llama", "Llama")
TEMPLATE = "test_modeling.py"


def templates_dir() -> Path:
    """`templates/` of a checkout (or an editable install), else the copy a wheel installs in `share/modgen/`."""
    import site

    candidates = [Path(__file__).resolve().parents[2] / "templates"]
    candidates += [Path(prefix) / "share" / "modgen" / "templates" for prefix in (sys.prefix, site.USER_BASE or "")]
    for candidate in candidates:
        if (candidate / TEMPLATE).is_file():
            return candidate
    raise ModgenError(
        "modgen's test templates are missing", hint="reinstall modgen: pip install --force-reinstall modgen"
    )


@dataclass(frozen=True)
class Names:
    """The parent's class names in the placeholder pair's: `LlamaForCausalLM` -> `BrandNewForCausalLM`."""

    parent_prefix: str

    def placeholder(self, parent_class: str, prefix: str) -> str:
        if not parent_class.startswith(self.parent_prefix):
            raise ModgenError(f"{parent_class} does not start with the parent's prefix {self.parent_prefix}")
        return prefix + parent_class[len(self.parent_prefix) :]

    def new(self, parent_class: str) -> str:
        return self.placeholder(parent_class, PLACEHOLDER_NEW[1])

    def old(self, parent_class: str) -> str:
        return self.placeholder(parent_class, PLACEHOLDER_PARENT[1])


def forward_test_suffix(parent_class: str, parent_prefix: str) -> str:
    """`LlamaForCausalLM` -> `for_causal_lm`: what a class's own test is named after (no model name in it)."""
    rest = parent_class[len(parent_prefix) :] or "Model"
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", rest).lower()


def render(
    facts: ParentFacts,
    *,
    model_type: str,
    parent_prefix: str,
    parent_folder: str,
    new_name: str,
    new_prefix: str,
    project_package: str | None = None,
    folder: Path | None = None,
) -> str:
    """The template filled in with `facts` and renamed for NEW made like PARENT."""
    names = Names(parent_prefix)
    folder = folder or templates_dir()
    module = cst.parse_module((folder / TEMPLATE).read_text(encoding="utf-8"))
    classes = [c for c in facts.parent.classes if c.name.startswith(parent_prefix)]  # others: nothing to rename
    tested = [c for c in classes if facts.probed[c.name].inputs is not None]
    inputs: list[str] = []  # distinct input sets, as source
    forward = []
    for registered in tested:
        probed = facts.probed[registered.name]
        text = "{" + ", ".join(f"{k!r}: {source_of(v)}" for k, v in probed.inputs.items()) + "}"
        if text not in inputs:
            inputs.append(text)
        forward.append(f"{names.new(registered.name)}: ({inputs.index(text)}, {probed.shapes!r})")
    generative = [names.new(c.name) for c in tested if facts.probed[c.name].generates]
    registrations = [(auto, names.new(c.name)) for c in classes for auto in c.auto_classes]
    constants = {
        "MODEL_TYPE": repr(model_type),
        "TINY_CONFIG": repr(facts.tiny.kwargs),
        "LAYER_FIELDS": _tuple([repr(f) for f in facts.layer_fields]),
        "MODEL_CLASSES": "{"
        + ", ".join(f"{names.new(c.name)}: ({c.config_key!r}, {names.old(c.name)})" for c in classes)
        + "}",
        "AUTO_CLASSES": _tuple([f"({auto}, {name})" for auto, name in registrations]),
        "INPUTS": "[" + ", ".join(inputs) + "]",
        "FORWARD": "{" + ", ".join(forward) + "}",
        "GENERATIVE_CLASSES": _tuple(generative),
    }
    module = set_constants(module, constants)
    module = module.visit(_ClassBody([names.new(c.name) for c in classes], tested, names, parent_prefix))
    if not generative:
        module = drop_definitions(module, {"test_generate", "GENERATIVE_CLASSES", "GENERATED_TOKENS"})
    config = f"{PLACEHOLDER_NEW[1]}Config"
    module = set_model_imports(
        module,
        list(dict.fromkeys(auto for auto, _ in registrations)),
        [config, *(names.new(c.name) for c in classes)],
        [f"{PLACEHOLDER_PARENT[1]}Config", *(names.old(c.name) for c in classes)],
        project_package,
    )
    renames = [
        Rename(PLACEHOLDER_NEW[0], new_name, PLACEHOLDER_NEW[1], new_prefix),
        Rename(PLACEHOLDER_PARENT[0], parent_folder, PLACEHOLDER_PARENT[1], parent_prefix),
    ]
    packages = {project_package} if project_package else set()
    return rename_module(module, renames, packages=packages).code


def _tuple(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


class _ClassBody(cst.CSTTransformer):
    """In the test class: `all_model_classes` lists every model class (what `utils/check_repo.py` reads), and
    `test_forward` becomes one test per tested class."""

    def __init__(self, all_classes: list[str], tested, names: Names, parent_prefix: str) -> None:
        super().__init__()
        self.all_classes = all_classes
        self.tested = tested
        self.names = names
        self.parent_prefix = parent_prefix

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        body = []
        for statement in updated.body.body:
            if _assigned_name(statement) == "all_model_classes":
                value = cst.parse_expression(_tuple(self.all_classes))
                statement = statement.with_changes(body=[statement.body[0].with_changes(value=value)])
            if isinstance(statement, cst.FunctionDef) and statement.name.value == "test_forward":
                body += [self._forward_test(statement, registered) for registered in self.tested]
                continue
            body.append(statement)
        return updated.with_changes(body=updated.body.with_changes(body=body))

    def _forward_test(self, prototype: cst.FunctionDef, registered) -> cst.FunctionDef:
        name = f"test_forward_{forward_test_suffix(registered.name, self.parent_prefix)}"
        call = cst.parse_statement(f"self.check_forward({self.names.new(registered.name)})\n")
        return prototype.with_changes(name=cst.Name(name), body=prototype.body.with_changes(body=[call]))


def _assigned_name(statement: cst.CSTNode) -> str | None:
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
        target = statement.body[0].targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    return None


def set_constants(module: cst.Module, values: dict[str, str]) -> cst.Module:
    """Top-level `NAME = ...` assignments given new values (Python source). Every name must be assigned."""
    missing = set(values)
    body = []
    for statement in module.body:
        name = _assigned_name(statement)
        if name in values:
            missing.discard(name)
            assign = statement.body[0].with_changes(value=cst.parse_expression(values[name]))
            statement = statement.with_changes(body=[assign])
        body.append(statement)
    if missing:
        raise ModgenError(f"the test template assigns no {', '.join(sorted(missing))}")
    return module.with_changes(body=body)


class _DropDefinitions(cst.CSTTransformer):
    def __init__(self, names: Collection[str]) -> None:
        super().__init__()
        self.names = names

    def leave_FunctionDef(self, original, updated):
        return cst.RemoveFromParent() if original.name.value in self.names else updated

    def leave_SimpleStatementLine(self, original, updated):
        return cst.RemoveFromParent() if _assigned_name(original) in self.names else updated


def drop_definitions(module: cst.Module, names: Collection[str]) -> cst.Module:
    """The module without the functions, methods and top-level assignments of `names`."""
    return module.visit(_DropDefinitions(names))


def _module_of(statement: cst.CSTNode) -> tuple[str, cst.ImportFrom] | None:
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.ImportFrom):
        node = statement.body[0]
        return ("." * len(node.relative)) + dotted_name(node.module), node
    return None


def set_model_imports(
    module: cst.Module,
    auto_classes: Sequence[str],
    new_names: Sequence[str],
    parent_names: Sequence[str],
    project_package: str | None,
) -> cst.Module:
    """Point the template's imports at the models at hand: the Auto classes and (inside transformers) the new
    model's classes from `transformers`, the new model's from `<package>.models.brand_new` in a project, the
    parent's from `transformers.models.llama` (still placeholder names: renaming comes after)."""
    parent_module = f"transformers.models.{PLACEHOLDER_PARENT[0]}"
    body = []
    for statement in module.body:
        found = _module_of(statement)
        if found and found[0] == "transformers":
            others = [
                dotted_name(alias.name)
                for alias in found[1].names
                if not dotted_name(alias.name).startswith(("Auto", PLACEHOLDER_NEW[1]))
            ]
            root = ["AutoConfig", *auto_classes, *others]
            if project_package is None:
                root += new_names
            body.append(_import_from("transformers", root))
            if project_package is not None:
                body.append(_import_from(f"{project_package}.models.{PLACEHOLDER_NEW[0]}", new_names))
        elif found and found[0] == parent_module:
            body.append(_import_from(parent_module, parent_names))
        else:
            body.append(statement)
    return module.with_changes(body=body)


def _import_from(module: str, names: Sequence[str]) -> cst.SimpleStatementLine:
    names = list(dict.fromkeys(names))
    return cst.parse_statement(f"from {module} import {', '.join(names)}\n")
