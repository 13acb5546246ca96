"""transformers' auto mappings, read statically: which entries a parent has, and which Auto class serves each.

`CONFIG_MAPPING_NAMES`, `MODEL_FOR_CAUSAL_LM_MAPPING_NAMES`, ... are `NAME = OrderedDict([("llama", "LlamaModel"),
...])` literals in `models/auto/`. A new model made like a parent gets a renamed copy of every entry the parent
has: inside transformers as new lines of those files, in a project as `Auto*.register(...)` calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from modgen.repo import TransformersTree


# The files of `models/auto/` that hold the mappings a model is registered in.
AUTO_FILES = ("auto_mappings.py", "modeling_auto.py", "tokenization_auto.py")

# Mappings that stay pointed at the parent's classes: a new model reuses its parent's tokenizer.
REUSED_MAPPINGS = frozenset({"TOKENIZER_MAPPING_NAMES"})

# Auto classes of mappings that are not found through `_model_mapping = ...` in modeling_auto.py.
OTHER_AUTO_CLASSES = {
    "CONFIG_MAPPING_NAMES": "AutoConfig",
    "TOKENIZER_MAPPING_NAMES": "AutoTokenizer",
    "PROCESSOR_MAPPING_NAMES": "AutoProcessor",
    "IMAGE_PROCESSOR_MAPPING_NAMES": "AutoImageProcessor",
    "VIDEO_PROCESSOR_MAPPING_NAMES": "AutoVideoProcessor",
    "FEATURE_EXTRACTOR_MAPPING_NAMES": "AutoFeatureExtractor",
}


@dataclass(frozen=True)
class MappingEntry:
    file: str  # `modeling_auto.py`
    mapping: str  # `MODEL_FOR_CAUSAL_LM_MAPPING_NAMES`
    key: str  # the model type: `llama`
    value: cst.BaseExpression  # `"LlamaForCausalLM"`, `{"pil": ..., "torchvision": ...}`, `"X" if ... else None`

    def strings(self) -> list[str]:
        """The string literals of the value: class names (or a folder name)."""
        found = []

        class Collect(cst.CSTVisitor):
            def visit_SimpleString(self, node: cst.SimpleString) -> None:
                found.append(node.evaluated_value)

        cst.Module([cst.SimpleStatementLine([cst.Expr(self.value)])]).visit(Collect())
        return found


def mapping_list(statement: cst.BaseStatement) -> tuple[str, cst.List] | None:
    """(`NAME`, its list) for a top-level `NAME = OrderedDict([...])` statement, else None."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if (
        not isinstance(assign, cst.Assign)
        or len(assign.targets) != 1
        or not isinstance(assign.targets[0].target, cst.Name)
    ):
        return None
    value = assign.value
    if isinstance(value, cst.Call) and value.args and isinstance(value.args[0].value, cst.List):
        return assign.targets[0].target.value, value.args[0].value
    return None


def entry_key(element: cst.BaseElement) -> str | None:
    value = element.value
    if (
        isinstance(value, cst.Tuple)
        and len(value.elements) == 2
        and isinstance(value.elements[0].value, cst.SimpleString)
    ):
        return value.elements[0].value.evaluated_value
    return None


def parse_auto_file(tree: TransformersTree, name: str) -> cst.Module | None:
    path = tree.models_dir / "auto" / name
    return cst.parse_module(path.read_text(encoding="utf-8")) if path.is_file() else None


def find_entries(tree: TransformersTree, model_types: set[str]) -> list[MappingEntry]:
    """Every auto-mapping entry whose key is one of `model_types`, in file and mapping order."""
    entries = []
    for name in AUTO_FILES:
        module = parse_auto_file(tree, name)
        if module is None:
            continue
        for statement in module.body:
            found = mapping_list(statement)
            if found is None:
                continue
            mapping, elements = found
            for element in elements.elements:
                key = entry_key(element)
                if key in model_types:
                    entries.append(MappingEntry(name, mapping, key, element.value.elements[1].value))
    return entries


def auto_classes(tree: TransformersTree) -> dict[str, str]:
    """mapping name -> the Auto class that serves it (`MODEL_FOR_CAUSAL_LM_MAPPING_NAMES` -> `AutoModelForCausalLM`)."""
    module = parse_auto_file(tree, "modeling_auto.py")
    lazy: dict[str, str] = {}  # MODEL_FOR_X_MAPPING -> MODEL_FOR_X_MAPPING_NAMES
    served: dict[str, str] = {}  # MODEL_FOR_X_MAPPING -> AutoModelForX
    for statement in module.body if module else ():
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(assign := statement.body[0], cst.Assign):
            call = assign.value
            target = assign.targets[0].target
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value == "_LazyAutoMapping"
                and len(call.args) == 2
                and isinstance(call.args[1].value, cst.Name)
                and isinstance(target, cst.Name)
            ):
                lazy[target.value] = call.args[1].value.value
        elif isinstance(statement, cst.ClassDef):
            for line in statement.body.body:
                if isinstance(line, cst.SimpleStatementLine) and isinstance(assign := line.body[0], cst.Assign):
                    target = assign.targets[0].target
                    if (
                        isinstance(target, cst.Name)
                        and target.value == "_model_mapping"
                        and isinstance(assign.value, cst.Name)
                    ):
                        served.setdefault(assign.value.value, statement.name.value)
    classes = dict(OTHER_AUTO_CLASSES)
    for mapping, names in lazy.items():
        if mapping in served:
            classes.setdefault(names, served[mapping])
    return classes


def rename_strings(value: cst.BaseExpression, names: dict[str, str]) -> cst.BaseExpression:
    """`value` with every string literal found in `names` replaced (class names, folder names)."""

    class Rename(cst.CSTTransformer):
        def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
            new = names.get(original.evaluated_value)
            return updated.with_changes(value=f'"{new}"') if new is not None else updated

    return value.visit(Rename())


@dataclass(frozen=True)
class NewEntry:
    """An entry the new model gets: a renamed copy of one of the parent's."""

    parent: MappingEntry
    key: str
    value: cst.BaseExpression

    @property
    def file(self) -> str:
        return self.parent.file

    @property
    def mapping(self) -> str:
        return self.parent.mapping


def new_entries(
    tree: TransformersTree, model_types: dict[str, str], class_names: dict[str, str], folders: dict[str, str]
) -> list[NewEntry]:
    """The new model's entries: the parent's, with model types, class names and folders renamed.

    `model_types`, `class_names` and `folders` map the parent's names to the new model's. Classes the new model
    does not define (another model's image processor, the reused tokenizer) stay as they are.
    """
    entries = []
    for entry in find_entries(tree, set(model_types)):
        if entry.mapping in REUSED_MAPPINGS:
            value = entry.value
        elif entry.mapping == "SPECIAL_MODEL_TYPE_TO_MODULE_NAME":
            value = rename_strings(entry.value, folders)
        else:
            value = rename_strings(entry.value, class_names)
        entries.append(NewEntry(entry, model_types[entry.key], value))
    return entries
