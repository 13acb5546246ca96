"""The tests `modgen like` writes for a new model: `tests/models/NEW/test_modeling_NEW.py`.

* When the repository has the parent's tests (`tests/models/PARENT/test_modeling_PARENT.py`, as a transformers
  checkout does), a renamed copy of them: classes, names and module paths renamed by scope, Hub ids and every
  other string left alone (`rename.py`).
* Otherwise modgen's own tests, rendered from `templates/`: the template module is filled in with the tiny config
  (`tiny.py`), the parent's model classes and Auto classes, the input builders of the parent's family, and then
  the template's placeholder pair (`BrandNew` made like `Llama`) is renamed to NEW and PARENT.

The generated tests never import modgen: in transformers they run in transformers' CI.
"""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from modgen.errors import ModgenError
from modgen.formatting import format_sources, ruff_config_for
from modgen.repo import ModelFiles, RepoKind, Repository
from modgen.scaffold.rename import Rename, dotted_name, rename_module
from modgen.transaction import Transaction


# The template's placeholder pair: the new model `BrandNew` (folder `brand_new`) made like `Llama`.
PLACEHOLDER_NEW = ("brand_new", "BrandNew")
PLACEHOLDER_PARENT = ("llama", "Llama")
TEMPLATE = "test_modeling.py"
# The template imports its family's input builders from here; rendering inlines them.
INPUTS_PACKAGE = "inputs"
TEMPLATE_FAMILY = "causal_lm"

# Auto classes whose mappings list model classes a test can build from the model's own config.
SKIPPED_AUTO_CLASSES = frozenset({"AutoBackbone"})


class NoTemplate(ModgenError):
    """modgen's templates cannot test this parent (no family fits, or no tiny config builds its models)."""


@dataclass
class TestsWritten:
    """What `write_tests` staged, for `modgen like`'s plan and checklist."""

    files: list[Path]
    source: str  # "copy of tests/models/llama/test_modeling_llama.py" or "template (causal_lm)"
    family: str | None = None
    notes: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)  # parts the tests cannot cover generically, and why


# --------------------------------------------------------------------------------------------------------------
# Where the tests come from.


def parent_tests_file(repo: Repository, parent: ModelFiles, parent_model_type: str) -> Path | None:
    """The parent's modeling tests in the repository, if it has them."""
    path = repo.tests_dir / "models" / parent.name / f"test_modeling_{parent_model_type.replace('-', '_')}.py"
    return path if path.is_file() else None


def planned_files(repo: Repository, new_name: str) -> list[Path]:
    folder = repo.tests_dir / "models" / new_name
    return [folder / "__init__.py", folder / f"test_modeling_{new_name}.py"]


def write_tests(
    transaction: Transaction,
    repo: Repository,
    parent: ModelFiles,
    *,
    parent_model_type: str,
    parent_prefix: str,
    new_name: str,
    new_prefix: str,
    reused_file_types: Collection[str] = ("tokenization",),
) -> TestsWritten:
    """Stage `tests/models/NEW/__init__.py` and `test_modeling_NEW.py` in `transaction`.

    `reused_file_types`: the parent's files NEW reuses instead of copying (its tokenizer): their classes keep
    the parent's names in a copied test. When no template fits the parent's kind of model (or no tiny config
    builds its models), nothing is written and the returned notes say why.
    """
    init_path, test_path = planned_files(repo, new_name)
    existing = parent_tests_file(repo, parent, parent_model_type)
    if existing is not None:
        keep = _classes_defined_in(f for t in reused_file_types for f in parent.of_type(t))
        text = copy_parent_tests(
            existing.read_text(encoding="utf-8"),
            Rename(parent_model_type.replace("-", "_"), new_name, parent_prefix, new_prefix),
            folder_rename=(parent.name, new_name),
            keep=keep,
            packages=_packages(repo),
        )
        written = TestsWritten([], f"copy of {existing.relative_to(repo.root)}")
        written.notes.append(
            f"the tests copied from {parent.name} still load its checkpoints: point the Hub ids of their "
            f"integration tests at {new_name}'s weights once they exist"
        )
    else:
        try:
            text, family = render_for_parent(
                repo, parent_model_type=parent_model_type, parent_prefix=parent_prefix, parent_folder=parent.name,
                new_name=new_name, new_prefix=new_prefix,
            )  # fmt: skip
        except NoTemplate as reason:
            # The model itself can still be scaffolded: its tests are left to the user, and the checklist says so.
            return TestsWritten([], "none", notes=[f"no tests written in tests/models/{new_name}: {reason.message}"])
        written = TestsWritten([], f"template ({family})", family=family)
    text = format_sources({test_path.name: text}, ruff_config_for(repo.root))[test_path.name]
    if not init_path.exists():
        transaction.write(init_path, "")
        written.files.append(init_path)
    transaction.write(test_path, text)
    written.files.append(test_path)
    return written


def _packages(repo: Repository) -> set[str]:
    return {repo.package} if repo.kind is RepoKind.PROJECT else set()


def _classes_defined_in(paths) -> set[str]:
    names = set()
    for path in paths:
        module = cst.parse_module(Path(path).read_text(encoding="utf-8"))
        names |= {s.name.value for s in module.body if isinstance(s, cst.ClassDef)}
    return names


# --------------------------------------------------------------------------------------------------------------
# A renamed copy of the parent's tests.

COPYRIGHT_YEAR = re.compile(r"(#\s*Copyright\s+(?:\(c\)\s*)?)(\d{4})")


def copy_parent_tests(
    source: str,
    rename: Rename,
    *,
    folder_rename: tuple[str, str] | None = None,
    keep: Collection[str] = (),
    packages: Collection[str] = (),
    year: int | None = None,
) -> str:
    """The parent's test module renamed for NEW, with the copyright year of a new file."""
    renames = [rename]
    if folder_rename and folder_rename[0] != rename.old:
        # `data2vec/modeling_data2vec_audio.py`: the folder has its own name.
        renames.append(Rename(folder_rename[0], folder_rename[1], "", ""))
    module = rename_module(cst.parse_module(source), renames, keep=keep, packages=packages)
    year = year or datetime.date.today().year
    header = [
        line.with_changes(comment=cst.Comment(COPYRIGHT_YEAR.sub(rf"\g<1>{year}", line.comment.value, count=1)))
        if line.comment
        else line
        for line in module.header
    ]
    return module.with_changes(header=header).code


# --------------------------------------------------------------------------------------------------------------
# What the parent is: its model classes, Auto classes and family (needs transformers, imported here only).


@dataclass(frozen=True)
class ParentModel:
    """A parent model as its tests see it."""

    config_class: type
    auto_classes: dict[str, str]  # Auto class name -> parent model class name
    model_classes: list[str]  # every model class, in Auto-class order
    generative: list[str]  # the model classes that can generate()
    family: str | None


def describe_parent(model_type: str) -> ParentModel:
    """The parent's config class, the model classes its Auto classes build and its family, from the installed
    transformers (the tests import it: their parent must be importable there)."""
    import transformers
    from transformers.models.auto import configuration_auto, modeling_auto

    try:
        config_class = configuration_auto.CONFIG_MAPPING[model_type]
    except KeyError as error:
        raise ModgenError(f"transformers {transformers.__version__} has no model type {model_type!r}") from error
    auto_classes = {}
    for name, auto_class in vars(modeling_auto).items():
        mapping = getattr(getattr(auto_class, "_model_mapping", None), "_model_mapping", None)
        if not name.startswith("Auto") or name in SKIPPED_AUTO_CLASSES or not isinstance(mapping, dict):
            continue
        class_name = mapping.get(model_type)
        if isinstance(class_name, list | tuple):
            class_name = class_name[0] if class_name else None
        model_class = getattr(transformers, class_name, None) if class_name else None
        if model_class is not None and getattr(model_class, "config_class", None) is config_class:
            auto_classes[name] = class_name
    if "AutoModel" in auto_classes:  # the base model first
        auto_classes = {"AutoModel": auto_classes.pop("AutoModel"), **auto_classes}
    model_classes = list(dict.fromkeys(auto_classes.values()))
    generative = [name for name in model_classes if getattr(transformers, name).can_generate()]
    return ParentModel(config_class, auto_classes, model_classes, generative, family_of(config_class(), auto_classes))


def _has(config, *names: str) -> bool:
    return all(getattr(config, name, None) is not None for name in names)


# family -> (Auto class that marks it, what its config must have for the family's input builders), in the order
# they are tried: a speech encoder-decoder also has a causal LM head, a VLM a base model.
FAMILIES: dict[str, tuple[str, Any]] = {
    "vlm": (
        "AutoModelForImageTextToText",
        lambda c: _has(c, "text_config", "vision_config")
        and _has(c.vision_config, "image_size", "patch_size")
        and (_has(c, "image_token_id") or _has(c, "image_token_index")),
    ),
    "dual_encoder": (
        "AutoModelForZeroShotImageClassification",
        lambda c: _has(c, "text_config", "vision_config", "projection_dim") and _has(c.vision_config, "image_size"),
    ),
    "speech_seq2seq": (
        "AutoModelForSpeechSeq2Seq",
        lambda c: _has(c, "num_mel_bins", "max_source_positions", "d_model"),
    ),
    "speech": ("AutoModelForCTC", lambda c: _has(c, "conv_kernel", "conv_stride", "conv_dim", "hidden_size")),
    "seq2seq": ("AutoModelForSeq2SeqLM", lambda c: c.is_encoder_decoder and _has(c, "d_model", "vocab_size")),
    "encoder": ("AutoModelForMaskedLM", lambda c: not c.is_encoder_decoder and _has(c, "hidden_size", "vocab_size")),
    "causal_lm": (
        "AutoModelForCausalLM",
        lambda c: _has(c, "vocab_size") and _has(c.get_text_config(), "hidden_size"),
    ),
    "vision": ("AutoModel", lambda c: _has(c, "image_size", "patch_size", "hidden_size", "num_channels")),
}


def family_of(config, auto_classes: Collection[str]) -> str | None:
    """The family of test inputs a model takes, from the Auto classes it is registered with and its config."""
    for family, (auto_class, fits) in FAMILIES.items():
        if auto_class in auto_classes and fits(config):
            return family
    return None


# --------------------------------------------------------------------------------------------------------------
# Rendering the template.


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


def render_for_parent(
    repo: Repository, *, parent_model_type: str, parent_prefix: str, parent_folder: str, new_name: str, new_prefix: str
) -> tuple[str, str]:
    """The template rendered for NEW made like PARENT, and the family used. Raises NoTemplate."""
    import transformers

    from modgen.scaffold.tiny import tiny_config_kwargs, verify_tiny_config

    parent = describe_parent(parent_model_type)
    if parent.family is None or not parent.model_classes:
        raise NoTemplate(
            f"no test template fits {parent_model_type!r} (its Auto classes: {', '.join(parent.auto_classes)})"
        )
    try:
        tiny = tiny_config_kwargs(parent.config_class)
        verify_tiny_config(parent.config_class, tiny, [getattr(transformers, name) for name in parent.model_classes])
    except Exception as error:  # a config class modgen cannot shrink: the scaffold goes on without tests
        raise NoTemplate(str(error)) from error
    spec = TemplateSpec(
        family=parent.family,
        model_type=new_name,
        tiny_config=tiny,
        parent=parent,
        parent_prefix=parent_prefix,
        project_package=repo.package if repo.kind is RepoKind.PROJECT else None,
    )
    try:
        module = render_template(spec)
    except ModgenError as error:  # e.g. a model class without the parent's prefix: nothing to rename it to
        raise NoTemplate(error.message) from error
    renames = [
        Rename(PLACEHOLDER_NEW[0], new_name, PLACEHOLDER_NEW[1], new_prefix),
        Rename(PLACEHOLDER_PARENT[0], parent_folder, PLACEHOLDER_PARENT[1], parent_prefix),
    ]
    module = rename_module(module, renames, packages=_packages(repo))
    return module.code, parent.family


@dataclass(frozen=True)
class TemplateSpec:
    """What the template is filled in with, in the placeholder pair's names."""

    family: str
    model_type: str  # NEW's model type, written as a string (strings are never renamed)
    tiny_config: dict
    parent: ParentModel
    parent_prefix: str
    project_package: str | None = None  # import NEW from `<package>.models.NEW` (a project), else `transformers`

    def placeholder(self, parent_class: str, prefix: str) -> str:
        """`LlamaForCausalLM` -> `BrandNewForCausalLM` (prefix `BrandNew`) or `LlamaForCausalLM` (`Llama`)."""
        if not parent_class.startswith(self.parent_prefix):
            raise ModgenError(f"{parent_class} does not start with the parent's prefix {self.parent_prefix}")
        return prefix + parent_class[len(self.parent_prefix) :]

    def new(self, parent_class: str) -> str:
        return self.placeholder(parent_class, PLACEHOLDER_NEW[1])

    def old(self, parent_class: str) -> str:
        return self.placeholder(parent_class, PLACEHOLDER_PARENT[1])


def render_template(spec: TemplateSpec, folder: Path | None = None) -> cst.Module:
    """The template with the family's input builders inlined and its constants and imports filled in (still in
    the placeholder pair's names)."""
    folder = folder or templates_dir()
    module = cst.parse_module((folder / TEMPLATE).read_text(encoding="utf-8"))
    module = inline_inputs(module, folder, {TEMPLATE_FAMILY: spec.family})
    parent = spec.parent
    generative = [spec.new(name) for name in parent.generative]
    constants = {
        "MODEL_TYPE": repr(spec.model_type),
        "TINY_CONFIG": repr(spec.tiny_config),
        "MODEL_CLASSES": "{" + ", ".join(f"{spec.new(n)}: {spec.old(n)}" for n in parent.model_classes) + "}",
        "AUTO_CLASSES": "{" + ", ".join(f"{a}: {spec.new(n)}" for a, n in parent.auto_classes.items()) + "}",
        "GENERATIVE_CLASSES": f"({', '.join(generative)},)" if generative else "()",
    }
    module = set_constants(module, constants)
    if not generative:
        module = drop_definitions(module, {"test_generate", "GENERATIVE_CLASSES"})
    new_names = [f"{PLACEHOLDER_NEW[1]}Config", *(spec.new(n) for n in parent.model_classes)]
    old_names = [f"{PLACEHOLDER_PARENT[1]}Config", *(spec.old(n) for n in parent.model_classes)]
    return set_model_imports(module, list(parent.auto_classes), new_names, old_names, spec.project_package)


def _module_of(statement: cst.CSTNode) -> tuple[str, cst.ImportFrom] | None:
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.ImportFrom):
        node = statement.body[0]
        return ("." * len(node.relative)) + dotted_name(node.module), node
    return None


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(
        statement.body[0], cst.Import | cst.ImportFrom
    )


def inline_inputs(module: cst.Module, folder: Path, substitutions: dict[str, str]) -> cst.Module:
    """Replace `from inputs.X import ...` by the definitions of `templates/inputs/X.py` (recursively, each module
    once), hoisting their imports next to the template's. `substitutions` swaps module names (`causal_lm` ->
    the parent's family)."""
    imports: dict[str, cst.BaseStatement] = {}  # code -> statement, to drop duplicates
    definitions: list[cst.BaseStatement] = []
    inlined: set[str] = set()

    def collect(body: Sequence[cst.BaseStatement], top: bool) -> list[cst.BaseStatement]:
        rest = []
        for statement in body:
            found = _module_of(statement)
            if found and found[0].split(".")[0] == INPUTS_PACKAGE:
                name = found[0].split(".", 1)[1]
                name = substitutions.get(name, name)
                if name not in inlined:
                    inlined.add(name)
                    path = folder / INPUTS_PACKAGE / f"{name}.py"
                    if not path.is_file():
                        raise ModgenError(f"no input builders for family {name!r}", path=path)
                    inputs = cst.parse_module(path.read_text(encoding="utf-8"))
                    definitions.extend(collect(_without_docstring(inputs.body), top=False))
            elif _is_import(statement):
                imports.setdefault(cst.Module([statement]).code.strip(), statement)
            elif top:
                rest.append(statement)
            else:
                definitions.append(statement)
        return rest

    body = list(module.body)
    docstring = body[: len(body) - len(_without_docstring(body))]
    rest = collect(body[len(docstring) :], top=True)
    return module.with_changes(body=[*docstring, *imports.values(), *definitions, *rest])


def _without_docstring(body: Sequence[cst.BaseStatement]) -> Sequence[cst.BaseStatement]:
    first = body[0] if body else None
    if (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        return body[1:]
    return body


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
