"""Which name each parent module is renamed to: the prefixes a target's class names suggest, and the one the
flattener will choose.

A multimodal model often takes its text part from one model and its vision part from another, under prefixes
of its own: `AriaTextDecoderLayer` is llama's `LlamaDecoderLayer` with llama renamed to `aria_text`. The
flattener renames each parent module to one prefix, the most frequent among the classes inheriting from it
(`modgen.modular.prefixes.infer_prefixes`). So modularize compares each target class with each parent module
renamed under every prefix the target's names suggest, then keeps, module by module, the prefix the flattener
will infer from the classes chosen.
"""

from __future__ import annotations

from collections import Counter

from modgen.modular.casing import Casing
from modgen.modular.prefixes import class_prefix, infer_prefixes
from modgen.modular.sources import read_file
from modgen.modularize.classes import ClassPlan
from modgen.modularize.parents import ParentModules


MAX_PREFIXES = 6  # per parent module, besides the model's own name


def prefix_options(class_names: list[str], parents: ParentModules, casing: Casing, model: str) -> dict[str, list[str]]:
    """Per parent module, the snake prefixes to rename it to: the model's name first, then those the target's
    class names suggest (`AriaTextMLP` against `LlamaMLP`: `aria_text`), most suggested first."""
    default = casing.cased(model)
    options = {}
    for key, module in parents.modules.items():
        cased_parent = casing.cased(module.model)
        suffixes = {
            entry.original_name[len(cased_parent) :]
            for entry in parents.mapper(key, model).classes.values()
            if entry.original_name.startswith(cased_parent)
        }
        found: Counter = Counter()  # prefix -> letters of the class names it explains
        for name in class_names:
            for suffix in suffixes:
                if suffix[:1].isupper() and name.endswith(suffix) and len(name) > len(suffix):
                    prefix = name[: -len(suffix)]
                    if (
                        prefix != default
                        and _related(prefix, default)
                        and casing.cased(casing.snake(prefix)) == prefix
                    ):
                        found[prefix] += len(suffix)
        extra = [casing.snake(p).replace("-", "_") for p, _ in found.most_common(MAX_PREFIXES)]
        options[key] = [model, *extra]
    return options


def _related(prefix: str, default: str) -> bool:
    """A prefix the target's own classes may carry: `AriaText` for `Aria`, `PaddleOCR` for `PaddleOCRVL`,
    `Nemotron3_5Transcribe` for `Nemotron35Transcribe`."""
    prefix, default = prefix.replace("_", "").lower(), default.replace("_", "").lower()
    return prefix.startswith(default) or default.startswith(prefix[: max(4, len(prefix) - 2)])


def vote(plan: ClassPlan, casing: Casing, model: str) -> str:
    """The prefix a class inheriting from its plan's parent class asks the flattener for (snake case)."""
    parent = plan.parent
    prefix = class_prefix(plan.name, parent.name, parent.module.model, casing.cased(model), casing)
    return casing.snake(prefix).replace("-", "_")


def flattener_prefixes(
    chosen: dict[str, ClassPlan], parents: ParentModules, casing: Casing, model: str
) -> dict[str, str]:
    """The prefix the flattener infers for each parent module from the classes inheriting from it."""
    inheritance = [
        (name, plan.parent.name, plan.parent.module.key) for name, plan in chosen.items() if plan.parent is not None
    ]
    models = {key: module.model for key, module in parents.modules.items()}
    used = {key for _, _, key in inheritance}
    sources = {key: read_file(parents.modules[key].path) for key in used}
    inferred = infer_prefixes(inheritance, {k: m for k, m in models.items() if k in used}, sources, model, casing)
    # (`unispeech-sat`, a model type, renames as `unispeech_sat`.)
    return {key: inferred.get(key, model).replace("-", "_") for key in parents.modules}
