"""Building the generated files: which class goes to which file, with which dependencies, in which order.

Each modular class, merged with its parent when it has one, goes to the file its name's suffix says
(`BobConfig` -> configuration, `BobModel` -> modeling), preceded by the parent objects it needs and that the file
does not hold yet. A class of another file is imported from it instead (`from .configuration_bob import BobConfig`).
"""

from __future__ import annotations

import ast
import difflib
from collections import defaultdict
from dataclasses import dataclass

import libcst as cst

from modgen.modular.class_body import ClassPieces
from modgen.modular.imports import loaded_names
from modgen.modular.mapper import EMPTY_MODULE, Entry, find_all_dependencies
from modgen.modular.merge import MergedClass, class_error, merge_class
from modgen.modular.modular_mapper import ModularMapper


# Kept at the top of a file, in this order.
VARIABLES_AT_THE_BEGINNING = ("logger", "_CHECKPOINT_FOR_DOC", "_CONFIG_FOR_DOC")


@dataclass
class Placed:
    position: float
    code: str
    loaded: set[str] | None = None  # the names the code reads, when known without parsing it

    def loaded_names(self) -> set[str]:
        return self.loaded if self.loaded is not None else loaded_names(self.code)


class GeneratedFiles:
    """The bodies of the files generated from one modular file, filled class by class."""

    def __init__(self, modular: ModularMapper):
        self.modular = modular
        self.files: dict[str, dict[str, Placed]] = defaultdict(dict)
        self.counters: dict[str, int] = defaultdict(int)
        self.cross_imports: list[cst.CSTNode] = []

    def place(self, file_type: str, name: str, node: cst.CSTNode | Entry | MergedClass) -> None:
        if isinstance(node, Entry):
            code, loaded = node.code, node.loaded_names()
        elif isinstance(node, MergedClass):
            code, loaded = node.code, node.loaded
        else:
            code, loaded = EMPTY_MODULE.code_for_node(node), None
        if name in VARIABLES_AT_THE_BEGINNING:
            position = -1000 + VARIABLES_AT_THE_BEGINNING.index(name)
        else:
            position = self.counters[file_type]
            self.counters[file_type] += 1
        self.files[file_type][name] = Placed(position, code, loaded)

    def add_class(self, name: str, entry: Entry) -> None:
        modular = self.modular
        file_type = modular.casing.file_type_of(name, modular.model_name)
        in_file = self.files[file_type]
        excluded = modular.sibling_imports[file_type]
        bases = modular.model_bases(name)
        if bases:
            parent_class = bases[0]
            key = modular.imported_from[parent_class]
            mapper = modular.parent_mappers[key]
            renamed = modular.renamers[key].replace(parent_class)
            error = class_error(modular.path, modular.line_of(name))
            if renamed not in mapper.classes:
                # The parent's classes as the user wrote them (the mapper holds them renamed to the new model).
                defined = [entry.original_name for entry in mapper.classes.values()]
                close = difflib.get_close_matches(parent_class, defined, n=3)
                listed = f"did you mean {', '.join(close)}?" if close else f"it defines {', '.join(defined[:8])}, ..."
                raise error(f"{parent_class} is not a class of {key}", hint=listed)
            merged = merge_class(
                ClassPieces.of_entry(entry),
                ClassPieces.of_entry(mapper.classes[renamed], mapper.rename),
                renamed,
                parent_class,
                modular.casing,
                error,
                modular.class_names[name],
            )
            node = merged
            dependencies = mapper.class_dependencies(name, merged.names, excluded)
            dependencies = self._import_other_files(file_type, dependencies, mapper)
            dependencies -= set(modular.classes)
            dependencies = find_all_dependencies(mapper.class_dependency_mapping, dependencies, in_file.keys())
            order = mapper.relative_order(dependencies)
            nodes = {dep: (order[dep], mapper.global_nodes[dep]) for dep in dependencies}
        else:
            node = entry
            dependencies = modular.class_dependencies(name, modular.class_names[name], excluded)
            dependencies = self._import_other_files(file_type, dependencies, modular)
            order = modular.relative_order(dependencies)
            nodes = {dep: (order[dep], modular.global_nodes[dep]) for dep in dependencies if dep not in in_file}
        position = max(order.values()) + 1 if order else 0
        nodes[name] = (position, node)
        for dep in _subclasses_of(name, nodes):
            # Upstream places these before their own base (a `NameError` at import); they go right after it.
            nodes[dep] = (position + 1 + nodes[dep][0], nodes[dep][1])
        for dep, (_, dep_node) in sorted(nodes.items(), key=lambda item: item[1][0]):
            self.place(file_type, dep, dep_node)

    def _import_other_files(self, file_type: str, dependencies: set[str], mapper) -> set[str]:
        """Classes of other file types become imports of those files; returns the remaining dependencies."""
        modular = self.modular
        kept = set(dependencies)
        for dep in dependencies:
            if not mapper.global_nodes[dep].is_class:
                continue
            dep_type = modular.casing.file_type_of(dep, modular.model_name)
            if dep_type != file_type:
                kept.discard(dep)
                self.cross_imports.append(cst.parse_statement(f"from .{dep_type}_{modular.model_name} import {dep}"))
                modular.sibling_imports[file_type].add(dep)
        return kept


def _subclasses_of(name: str, nodes: dict[str, tuple[float, object]]) -> list[str]:
    """The dependencies pulled in for class `name` that inherit from it (`BobEncoder(BobPreTrainedModel)`, needed by
    `BobPreTrainedModel._init_weights`): a class must come after its bases, whatever its other uses."""
    subclasses = []
    for dep, (_, dep_node) in nodes.items():
        if not (isinstance(dep_node, Entry) and dep_node.is_class and dep != name and name in (code := dep_node.code)):
            continue
        classes = [node for node in ast.parse(code).body if isinstance(node, ast.ClassDef)]
        if classes and name in {ast.unparse(base) for base in classes[0].bases}:
            subclasses.append(dep)
    return subclasses


def split_all(modular: ModularMapper) -> dict[str, cst.SimpleStatementLine]:
    """`__all__` split per file type, each name going where its class goes. Only a list literal is read."""
    if modular.all_unit is None or not isinstance(modular.all_unit.node.body[0].value, cst.List):
        return {}
    node = modular.all_unit.node
    names: dict[str, list[str]] = defaultdict(list)
    for element in node.body[0].value.elements:
        if isinstance(element.value, cst.SimpleString):
            file_type = modular.casing.file_type_of(element.value.evaluated_value, modular.model_name)
            names[file_type].append(element.value.value)
    assign = node.body[0]
    return {
        file_type: node.with_changes(
            body=[assign.with_changes(value=cst.List([cst.Element(cst.SimpleString(v)) for v in values]))]
        )
        for file_type, values in names.items()
    }


def getattr_file_type(node: cst.SimpleStatementLine, modular: ModularMapper) -> str:
    """A `__getattr__ = deprecate_attr(...)` shim goes where the names it deprecates went (5.23)."""
    for string in _strings(node):
        return modular.casing.file_type_of(string, modular.model_name)
    return "processing"


def _strings(node: cst.CSTNode):
    for child in node.children:
        if isinstance(child, cst.DictElement) and isinstance(child.key, cst.SimpleString):
            yield child.key.evaluated_value
        yield from _strings(child)


class _DropTrailingCommas(cst.CSTTransformer):
    """Remove magic trailing commas, so that ruff lays the shim out afresh (as upstream's output shows)."""

    def leave_Call(self, original_node, updated_node):
        if updated_node.args:
            last = updated_node.args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(args=[*updated_node.args[:-1], last])
        return updated_node

    def leave_Dict(self, original_node, updated_node):
        if updated_node.elements:
            last = updated_node.elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(elements=[*updated_node.elements[:-1], last])
        return updated_node


def fill_files(modular: ModularMapper) -> GeneratedFiles:
    files = GeneratedFiles(modular)
    for name, node in modular.classes.items():
        files.add_class(name, node)
    if modular.getattr_unit is not None:
        getattr_node = modular.getattr_unit.node.visit(_DropTrailingCommas())
        file_type = getattr_file_type(getattr_node, modular)
        in_file = files.files[file_type]
        deps = modular.augment(modular.dependencies.get("__getattr__", set()) & modular.global_nodes.keys())
        deps = files._import_other_files(file_type, deps, modular)
        order = modular.relative_order({dep for dep in deps if dep not in in_file})
        for dep in sorted(order, key=order.get):
            files.place(file_type, dep, modular.global_nodes[dep])
        files.place(file_type, "__getattr__", getattr_node)
    for file_type, node in split_all(modular).items():
        files.files[file_type]["__all__"] = Placed(files.counters[file_type], EMPTY_MODULE.code_for_node(node))
    return files
