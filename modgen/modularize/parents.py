"""The parent modules a modular file may inherit from, renamed to the new model as the flattener renames them.

A parent module is a model file (`transformers.models.llama.modeling_llama`). The flattener renames it from its
folder's name to one prefix per module (the new model's name, or `aria_text` when the classes inheriting from it
say so), then merges the modular classes into its classes. `ParentModules` gives each module under any prefix,
through the flattener's own reading (`parsed_parent`), so that what modularize compares with is exactly what
the flattener will merge into.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from modgen.modular.casing import Casing
from modgen.modular.class_body import ClassPieces
from modgen.modular.modular_mapper import parsed_parent
from modgen.modular.parent_mapper import ParentMapper
from modgen.modular.rename import NamePatterns
from modgen.modular.sources import ParentModule, resolve_parent
from modgen.repo import TransformersTree, split_file_name


# How much of two classes' words must be shared (weighted Jaccard) for one to be tried as the other's parent.
SIMILAR = 0.5
_WORD = re.compile(r"\w+")


def _words(text: str) -> Counter:
    return Counter(_WORD.findall(text))


def similarity(first: str, second: str) -> float:
    """The share of words two pieces of code have in common (weighted Jaccard)."""
    one, other = _words(first), _words(second)
    return sum((one & other).values()) / max(sum((one | other).values()), 1)


@dataclass(frozen=True)
class ParentClass:
    """A class of a parent module, renamed under the module's prefix."""

    module: ParentModule
    prefix: str  # the snake prefix the module is renamed to
    name: str  # as the parent spells it: `LlamaMLP`
    renamed: str  # `MistralMLP`
    mapper: ParentMapper

    @cached_property
    def pieces(self) -> ClassPieces:
        return ClassPieces.of_entry(self.mapper.classes[self.renamed], self.mapper.rename)

    @property
    def text(self) -> str:
        return self.mapper.classes[self.renamed].code


def parent_module(path: Path, tree: TransformersTree) -> ParentModule:
    """A model file as a parent module (key, path, model folder, file type)."""
    path = Path(path).resolve()
    try:
        key = tree.module_name(path)
    except ValueError:
        key = ".".join(path.with_suffix("").parts[-4:])
    return ParentModule(key=key, path=path, model=path.parent.name, file_type=split_file_name(path)[0])


class ParentModules:
    """The candidate parent modules of one target model, each renamed under the prefixes asked for."""

    def __init__(self, modules: list[ParentModule], model_name: str, casing: Casing, absolute: bool):
        self.modules = {module.key: module for module in modules}
        self.model_name = model_name
        self.casing = casing
        self.absolute = absolute
        self._mappers: dict[tuple[str, str], ParentMapper] = {}
        self._words: dict[tuple[str, str], dict[str, Counter]] = {}

    def mapper(self, key: str, prefix: str) -> ParentMapper:
        if (key, prefix) not in self._mappers:
            module = self.modules[key]
            patterns = NamePatterns(module.model, prefix, self.casing)
            self._mappers[key, prefix] = parsed_parent(module.path, patterns, self.model_name, self.absolute)
        return self._mappers[key, prefix]

    def original_name(self, key: str, prefix: str, renamed: str) -> str:
        return self.mapper(key, prefix).classes[renamed].original_name

    def class_of(self, key: str, prefix: str, renamed: str) -> ParentClass | None:
        mapper = self.mapper(key, prefix)
        entry = mapper.classes.get(renamed)
        if entry is None or not entry._is_whole_unit():
            return None
        return ParentClass(self.modules[key], prefix, entry.original_name, renamed, mapper)

    def class_named(self, key: str, prefix: str, original: str) -> ParentClass | None:
        """The class the parent module spells `original`, with the module renamed under `prefix`."""
        mapper = self.mapper(key, prefix)
        for renamed, entry in mapper.classes.items():
            if entry.original_name == original and entry._is_whole_unit():
                return ParentClass(self.modules[key], prefix, original, renamed, mapper)
        return None

    def similar_classes(self, text: str, prefix_of: dict[str, str], count: int = 3) -> list[ParentClass]:
        """The parent classes (any name) whose code shares the most words with `text`: candidates for a class
        of the target that no parent class of its name matches (`NemotronHMamba2Mixer` and `Zamba2MambaMixer`)."""
        words = _words(text)
        scored = []
        for key, prefix in prefix_of.items():
            for renamed, their_words in self._class_words(key, prefix).items():
                shared = sum((words & their_words).values())
                score = shared / max(sum((words | their_words).values()), 1)
                if score >= SIMILAR:
                    scored.append((score, key, prefix, renamed))
        scored.sort(key=lambda item: -item[0])
        found = [self.class_of(key, prefix, renamed) for _, key, prefix, renamed in scored[:count]]
        return [parent for parent in found if parent is not None]

    def _class_words(self, key: str, prefix: str) -> dict[str, Counter]:
        if (key, prefix) not in self._words:
            mapper = self.mapper(key, prefix)
            self._words[key, prefix] = {name: _words(entry.code) for name, entry in mapper.classes.items()}
        return self._words[key, prefix]

    def import_module(self, key: str, modular_path: Path, tree: TransformersTree) -> str:
        """How the modular file at `modular_path` imports the module: relatively inside the same `models`
        folder (`..llama.modeling_llama`), else absolutely."""
        module = self.modules[key]
        if module.path.parent.parent == modular_path.parent.parent:
            return f"..{module.path.parent.name}.{module.path.stem}"
        return key


def resolve(module: str, modular_path: Path, tree: TransformersTree) -> ParentModule:
    """A parent module from an import as a modular file writes it (`..llama.modeling_llama`)."""
    return resolve_parent(module, modular_path, tree, None)
