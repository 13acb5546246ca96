"""Renaming a model in code, by scope and never in strings: `Llama` -> `Bob` in names, attributes and imports.

Used on test files: a renamed copy of a parent's tests, and modgen's own test templates (written against a
placeholder pair of models). Unlike transformers' add-new-model-like (plain text replacement, which rewrites
Hub ids such as `"meta-llama/Llama-3.1-8B"` and misses lower-case module paths), this renames:

* every identifier that names the model: `LlamaModel`, `LLAMA_CONSTANT`, `test_llama_3_1_hard`,
  `create_and_check_llama_model`, attribute names (`model.bert` -> `model.bob`, as the modular converter
  renames them in model code) and keyword names;
* module paths of model code: `transformers.models.llama.modeling_llama` -> `transformers.models.bob.modeling_bob`,
  relative ones too (`..llama.test_modeling_llama`);

and never string literals, docstrings or comments. Names imported from other packages (`from mamba_ssm import
mamba_chunk_scan`, `from transformers.utils import is_mamba_ssm_available`) keep their names, and so does every
use of them in the file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property

import libcst as cst


@dataclass(frozen=True)
class Rename:
    """One model renamed: its snake name (folder, module suffix) and its CamelCase class prefix."""

    old: str  # `llama`, `xlm_roberta`
    new: str  # `bob`
    old_prefix: str  # `Llama`, `XLMRoberta`, `CLIP`
    new_prefix: str  # `Bob`

    def forms(self) -> list[tuple[str, str, str]]:
        """(kind, old spelling, new spelling) for each way an identifier spells the model."""
        return [
            ("upper", self.old.upper(), self.new.upper()),
            ("camel", self.old_prefix, self.new_prefix),
            ("snake", self.old, self.new),
        ]


# What may follow each spelling for it to be the whole model name and not the start of a longer word: `Llama` in
# `LlamaModel` but not in `Llamas`; `llama` in `test_llama_3` but not in `llama2`; `LLAMA` in `LLAMA_INPUTS`.
# Before it: the start of the identifier, an underscore or a dot (never a letter or digit: `TFLlama`, `roberta`).
_FOLLOWS = {"upper": r"(?![A-Za-z0-9])", "camel": r"(?![a-z])", "snake": r"(?![a-z0-9])"}
_PRECEDES = r"(?<![A-Za-z0-9])"


@dataclass(frozen=True)
class Renamer:
    """Renames identifiers for several models at once (one pass: `A`->`B` and `B`->`C` do not chain)."""

    renames: tuple[Rename, ...]
    keep: frozenset[str] = frozenset()  # identifiers that stay as they are (e.g. reused tokenizer classes)

    @cached_property
    def _pattern(self) -> tuple[re.Pattern, dict[str, str]]:
        alternatives, replacements = [], {}
        forms = [(kind, old, new) for rename in self.renames for kind, old, new in rename.forms() if old]
        # Longer spellings first, so `xlm_roberta` wins over `roberta` when both are renamed.
        forms.sort(key=lambda form: -len(form[1]))
        for index, (kind, old, new) in enumerate(forms):
            group = f"g{index}"
            alternatives.append(f"(?P<{group}>{_PRECEDES}{re.escape(old)}{_FOLLOWS[kind]})")
            replacements[group] = new
        return re.compile("|".join(alternatives)), replacements

    def identifier(self, name: str) -> str:
        """The renamed identifier: `LlamaForCausalLM` -> `BobForCausalLM`, `test_llama_3_1` -> `test_bob_3_1`."""
        if name in self.keep or not self.renames:
            return name
        pattern, replacements = self._pattern
        return pattern.sub(lambda match: replacements[match.lastgroup], name)

    def dotted(self, dotted: str) -> str:
        """A module path, part by part: `transformers.models.llama.modeling_llama` -> `...bob.modeling_bob`."""
        return ".".join(self.identifier(part) for part in dotted.split("."))


def dotted_name(node: cst.BaseExpression | None) -> str:
    """`a.b.c` for a Name/Attribute chain; "" for None."""
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    raise TypeError(f"not a dotted name: {node!r}")


def model_code_module(module: str, relative: int, packages: Collection[str]) -> bool:
    """Is an imported module model code, whose path is renamed? Relative imports (within the tests or the
    package) and `<package>.models.*` are; every other module belongs to another package and keeps its names."""
    if relative:
        return True
    head, _, rest = module.partition(".")
    return head in packages and (rest == "models" or rest.startswith("models."))


def external_imported_names(module: cst.Module, packages: Collection[str]) -> set[str]:
    """Names the file binds by importing them from other packages: they keep their names everywhere.

    From a package's top level (`from transformers import LlamaConfig, is_torch_available`) only model classes
    are renamed: names that are not CamelCase (functions, constants) are kept.
    """
    kept: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            for alias in node.names:
                if not model_code_module(dotted_name(alias.name), 0, packages):
                    bound = alias.asname.name if alias.asname else alias.name
                    kept.add(dotted_name(bound).split(".")[0])

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if isinstance(node.names, cst.ImportStar):
                return
            source = dotted_name(node.module)
            if model_code_module(source, len(node.relative), packages):
                return
            top_level = source in packages
            for alias in node.names:
                name = dotted_name(alias.name)
                if top_level and name[:1].isupper() and not name.isupper():
                    continue  # a model class exported at the top level: renamed
                kept.add(dotted_name(alias.asname.name) if alias.asname else name)

    module.visit(Collect())
    return kept


class RenameTransformer(cst.CSTTransformer):
    """Renames every `Name` (identifiers, attributes, keywords, parameters, names inside f-string braces) and
    model-code import paths; leaves strings, comments and the names in `kept` alone."""

    def __init__(self, renamer: Renamer, kept: set[str], packages: Collection[str]) -> None:
        super().__init__()
        self.renamer = renamer
        self.kept = kept
        self.packages = packages

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        # Another package's path stays (its imported names are in `kept` unless they are top-level model classes).
        if not model_code_module(dotted_name(original.module), len(original.relative), self.packages):
            return updated.with_changes(module=original.module)
        return updated

    def visit_Import(self, node: cst.Import) -> bool:
        return any(model_code_module(dotted_name(alias.name), 0, self.packages) for alias in node.names)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value in self.kept:
            return updated
        renamed = self.renamer.identifier(original.value)
        return updated.with_changes(value=renamed) if renamed != original.value else updated


def rename_module(
    module: cst.Module, renames: Sequence[Rename], *, keep: Collection[str] = (), packages: Collection[str] = ()
) -> cst.Module:
    """`module` with the models of `renames` renamed. `packages` are the top-level packages whose `models.*`
    subpackages hold model code (transformers always; a project's own package too)."""
    packages = {"transformers", *packages}
    renamer = Renamer(tuple(renames), frozenset(keep))
    kept = external_imported_names(module, packages) | set(keep)
    return module.visit(RenameTransformer(renamer, kept, packages))


def rename_source(
    source: str, renames: Sequence[Rename], *, keep: Collection[str] = (), packages: Collection[str] = ()
) -> str:
    return rename_module(cst.parse_module(source), renames, keep=keep, packages=packages).code
