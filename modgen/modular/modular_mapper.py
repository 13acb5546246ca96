"""The modular file itself: what it imports from which parent, and the renamed, merged parent mappers.

Reading a modular file resolves every model-specific import to a parent module; once read, each parent module is
renamed (with the prefix `prefixes` infers) and mapped, the modular definitions are merged into it, and functions
imported explicitly from a parent (`from ..cohere.modeling_cohere import rotate_half`) become the modular file's
own and replace their namesakes in every other parent.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import libcst as cst

from modgen.errors import ModgenError
from modgen.modular.casing import Casing
from modgen.modular.mapper import ModuleMapper, Unit, parent_units, split_units, unit_first_line
from modgen.modular.parent_mapper import ParentMapper
from modgen.modular.prefixes import infer_prefixes
from modgen.modular.rename import NamePatterns, rename_source
from modgen.modular.sources import ParentModule, is_generated_file, is_model_specific, read_file, resolve_parent
from modgen.repo import TransformersTree


class ModularMapper(ModuleMapper):
    def __init__(self, source: str, model_name: str, path: Path, tree: TransformersTree, casing: Casing):
        self.model_name = model_name
        self.path = path
        self.tree = tree
        self.casing = casing
        self.parents: dict[str, ParentModule] = {}  # key -> parent module, in first-import order
        self.imported_from: dict[str, str] = {}  # imported name -> parent key
        # Outside a transformers tree (a project of one's own), the output imports transformers absolutely.
        self.absolute = TransformersTree.containing(path) is None
        try:
            syntax = ast.parse(source)
        except SyntaxError as error:
            raise ModgenError.from_syntax_error(error, path) from None
        # Statements are parsed with libcst only when they are merged; verbatim ones are copied as text.
        super().__init__(split_units(source, syntax, None))
        first = min((unit_first_line(stmt) for stmt in syntax.body), default=len(source.splitlines()) + 1)
        self.header = cst.parse_module("".join(source.splitlines(keepends=True)[: first - 1])).header
        self._check_bases()
        self._map_parents()

    def read_import(self, unit: Unit) -> None:
        statement = unit.stmts[0]
        if not isinstance(statement, ast.ImportFrom):
            return super().read_import(unit)
        module = "." * statement.level + (statement.module or "")
        if not is_model_specific(module):
            return super().read_import(unit)
        line = statement.lineno
        parent = resolve_parent(module, self.path, self.tree, line)
        if any(alias.name == "*" for alias in statement.names):
            raise ModgenError(
                f"`from {module} import *` is not supported",
                path=self.path,
                line=line,
                hint="import the classes you inherit from by name",
            )
        for alias in statement.names:
            name = alias.name
            if parent.file_type == "modeling" and "Config" in name:
                raise ModgenError(
                    f"{name} is imported from a modeling file",
                    path=self.path,
                    line=line,
                    hint=f"import it from {module.replace('.modeling_', '.configuration_')} instead",
                )
            self.imported_from[name] = parent.key
        self.parents.setdefault(parent.key, parent)

    def line_of(self, name: str) -> int | None:
        """The line of a class of the modular file."""
        entry = self.classes.get(name)
        if entry is None:
            return None
        for stmt in entry.unit.stmts:
            for node in ast.walk(stmt):
                if isinstance(node, ast.ClassDef) and node.name == name:
                    return node.lineno
        return entry.unit.stmts[0].lineno

    def model_bases(self, name: str) -> list[str]:
        """The bases of a modular class that are classes imported from a parent model."""
        return [
            base.id
            for base in self.class_asts[name].bases
            if isinstance(base, ast.Name) and base.id in self.imported_from
        ]

    def _check_bases(self) -> None:
        for name in self.classes:
            bases = self.model_bases(name)
            if len(bases) > 1:
                raise ModgenError(
                    f"class {name} inherits from more than one model class: {', '.join(bases)}",
                    path=self.path,
                    line=self.line_of(name),
                    hint="inherit from one model's class, and add the other one's methods by hand",
                )

    # -- parents --------------------------------------------------------------------------------------------------
    def _map_parents(self) -> None:
        sources = {key: read_file(parent.path) for key, parent in self.parents.items()}
        inheritance = [
            (name, bases[0], self.imported_from[bases[0]])
            for name, entry in self.classes.items()
            if (bases := self.model_bases(name))
        ]
        models = {key: parent.model for key, parent in self.parents.items()}
        prefixes = infer_prefixes(inheritance, models, sources, self.model_name, self.casing)
        self.parent_mappers: dict[str, ParentMapper] = {}
        self.renamers: dict[str, NamePatterns] = {}
        for key, parent in self.parents.items():
            patterns = NamePatterns(parent.model, prefixes[key], self.casing)
            mapper = parsed_parent(parent.path, patterns, self.model_name, self.absolute)
            mapper.merge_modular(self)
            self.parent_mappers[key] = mapper
            self.renamers[key] = patterns
        self._merge_imported_objects()
        self.compute_recursive_dependencies()
        # Names each file type imports from sibling files (never copied as dependencies), per file type.
        self.sibling_imports: dict[str, set[str]] = defaultdict(set)
        for key, mapper in self.parent_mappers.items():
            self.sibling_imports[self.parents[key].file_type] |= mapper.sibling_imports

    def _merge_imported_objects(self) -> None:
        """Functions and assignments imported by name from a parent become the modular file's own."""
        self.added_from: dict[str, str] = {}  # object -> parent key it was pulled from
        self.parent_positions: dict[str, dict[str, int]] = {}
        for name, key in self.imported_from.items():
            parent = self.parent_mappers[key]
            self.parent_positions[key] = parent.positions
            if name in parent.functions and name not in self.functions:
                table = self.functions
            elif name in parent.assignments and name not in self.assignments:
                table = self.assignments
            else:
                continue
            table[name] = parent.global_nodes[name]
            self.added_from[name] = key
            dependencies = parent.dependencies.get(name)
            if dependencies is not None:
                self.dependencies[name] = set(dependencies)
                for dep in dependencies:
                    if dep not in self.global_nodes:
                        self.added_from[dep] = key
                        table[dep] = parent.global_nodes[dep]
            if table is self.functions:
                # Switch or add the function in every other parent too.
                recursive = parent.recursive_dependencies.get(name, set())
                for other_key, other in self.parent_mappers.items():
                    if other_key != key:
                        other.global_nodes[name] = parent.functions[name]
                        if recursive:
                            other.recursive_dependencies[name] = recursive
                            other.global_nodes.update({dep: parent.global_nodes[dep] for dep in recursive})
        self.global_nodes = {**self.assignments, **self.classes, **self.functions}
        self.restrict_dependencies()

    def relative_order(self, missing: set[str]) -> dict[str, int]:
        """Order for objects of the modular file: those pulled from parents first, grouped by parent file, each
        group in that file's order; then the modular file's own, in modular order."""
        own = []
        pulled: dict[str, list[str]] = defaultdict(list)
        for dep in sorted(missing):
            if dep in self.added_from:
                pulled[self.added_from[dep]].append(dep)
            else:
                own.append(dep)
        ordered = []
        for key, deps in pulled.items():
            ordered += sorted(deps, key=lambda name: self.parent_positions[key].get(name, 1e10))
        ordered += sorted(own, key=lambda name: self.positions[name])
        return {name: index for index, name in enumerate(ordered)}


def kept_imported_names(units: list[Unit], absolute: bool) -> frozenset[str]:
    """In a project of one's own, names a parent imports from modules that are not renamed with the model:
    transformers' own modules (`from ...image_utils import OPENAI_CLIP_MEAN`) and the parent's helper files
    (`from .generation_whisper import WhisperGenerationMixin`), which the new model does not have.

    Inside transformers, upstream renames them too (`Wav2Vec2BaseModelOutput` from `...modeling_outputs` becomes
    `Data2VecAudioBaseModelOutput`, which data2vec then defines), and the output must match upstream's."""
    kept: set[str] = set()
    if not absolute:
        return frozenset()
    for unit in units:
        statement = unit.stmts[0]
        if not isinstance(statement, ast.ImportFrom) or not statement.level:
            continue
        module = statement.module or ""
        sibling_helper = statement.level == 1 and not is_generated_file(module)
        if (statement.level >= 3 and not module.startswith("models.")) or sibling_helper:
            kept.update(alias.asname or alias.name for alias in statement.names)
    return frozenset(kept)


def parsed_parent(path: Path, patterns: NamePatterns, original_new_name: str, absolute: bool) -> ParentMapper:
    """A parent module mapped under the new model's names; statements are renamed only when emitted."""
    source = read_file(path)
    try:
        units = parent_units(str(path.resolve()), source)
    except SyntaxError as error:
        raise ModgenError.from_syntax_error(error, path, what="the parent module does not parse") from None
    patterns.keep = kept_imported_names(units, absolute)
    renamed_texts: dict[str, str] = {}

    def rename_text(text: str) -> str:
        if text not in renamed_texts:
            renamed_texts[text] = rename_source(text, patterns, original_new_name)
        return renamed_texts[text]

    return ParentMapper(units, patterns.replace, rename_text)
