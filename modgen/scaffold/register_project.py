"""Registering a new model in a project of one's own: `src/NAME/models/NEW/__init__.py` imports the model's classes
and registers them with transformers' Auto classes, so `import NAME.models.NEW` is all a user needs.

The registrations mirror the parent's auto-mapping entries (config, base model, every head, processors, the
reused tokenizer). Image and video processors need Pillow/torchvision; their imports and registrations are
guarded, as transformers guards them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from modgen.repo import TransformersTree
from modgen.scaffold.context import LikeContext
from modgen.scaffold.mappings import MappingEntry, NewEntry
from modgen.scaffold.modular_writer import CopiedClass


# Backends a generated file needs, as (transformers.utils check, ...): guarded imports and registrations.
GUARDS = {
    "image_processing": ("is_vision_available", "is_torchvision_available"),
    "image_processing_pil": ("is_vision_available",),
    "video_processing": ("is_vision_available", "is_torchvision_available"),
}
AUTO_GUARDS = {
    "AutoImageProcessor": ("is_vision_available",),
    "AutoVideoProcessor": ("is_vision_available", "is_torchvision_available"),
}


@dataclass
class ProjectInit:
    """The registrations of one model, grouped by the backends they need."""

    imports: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    calls: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    autos: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)

    def add(self, guard: tuple[str, ...], *, imports: list[str] = (), calls: list[str] = ()) -> None:
        guard = tuple(sorted(set(guard)))
        self.imports.setdefault(guard, []).extend(i for i in imports if i not in self.imports.get(guard, []))
        self.calls.setdefault(guard, []).extend(calls)


def find_class_module(tree: TransformersTree, name: str) -> str | None:
    """The module of transformers that defines class `name` (for a reused tokenizer or processor)."""
    needle = f"\nclass {name}("
    prefixes = ("tokenization", "image_processing", "video_processing", "feature_extraction", "processing")
    for path in tree.iter_python_files():
        if path.name.startswith(prefixes) and needle in path.read_text(encoding="utf-8"):
            return tree.module_name(path)
    return None


def project_init(
    context: LikeContext,
    classes: list[CopiedClass],
    entries: list[NewEntry],
    auto_classes: dict[str, str],
    header: str,
) -> tuple[str, list[str]]:
    """The text of `src/NAME/models/NEW/__init__.py`, and the parent registrations it could not mirror."""
    init = ProjectInit()
    own = {c.name: c for c in classes}
    configs = {c.model_type: c.name for c in classes if c.model_type}
    for file_type in dict.fromkeys(c.file_type for c in classes):
        names = [c.name for c in classes if c.file_type == file_type]
        module = f"{file_type}_{context.new_name}"
        init.add(GUARDS.get(file_type, ()), imports=[f"from .{module} import {', '.join(names)}"])
    for entry in entries:
        config = configs.get(entry.key)
        auto = auto_classes.get(entry.mapping)
        if entry.mapping == "SPECIAL_MODEL_TYPE_TO_MODULE_NAME":
            continue  # where a model type's code lives: only transformers' own lazy imports need it
        if config is None or auto is None:
            why = "no config class of the new model for it" if config is None else "no Auto class serves it"
            init.skipped.append(f"{entry.mapping}[{entry.key!r}] ({why})")
            continue
        if entry.mapping == "CONFIG_MAPPING_NAMES":
            init.add((), calls=[f'AutoConfig.register("{entry.key}", {config}, exist_ok=True)'])
            init.autos.add(auto)
            continue
        names = [n for n in _strings(entry) if n]
        imports = []
        for name in names:
            if name not in own:
                module = find_class_module(context.tree, name)
                if module is None:
                    init.skipped.append(f"{entry.mapping}[{entry.key!r}] ({name} not found in transformers)")
                    break
                imports.append(f"from {module} import {name}")
        else:
            guard = {g for n in names if n in own for g in GUARDS.get(own[n].file_type, ())}
            guard |= {*AUTO_GUARDS.get(auto, ()), *_availability_checks(entry.value)}
            init.add(guard, imports=imports, calls=[_register_call(auto, config, entry, names)])
            init.autos.add(auto)
    return render_init(init, header), init.skipped


def _availability_checks(value: cst.BaseExpression) -> set[str]:
    """`is_sentencepiece_available` for a mapping value `"X" if is_sentencepiece_available() else None`."""
    if isinstance(value, cst.IfExp) and isinstance(value.test, cst.Call) and isinstance(value.test.func, cst.Name):
        name = value.test.func.value
        if name.startswith("is_") and name.endswith("_available"):
            return {name}
    return set()


def _strings(entry: NewEntry) -> list[str]:
    """The class names of an entry's value: the string, the values of a `{backend: class}` dict."""
    values = [e.value for e in entry.value.elements] if isinstance(entry.value, cst.Dict) else [entry.value]
    return [s for value in values for s in MappingEntry(entry.file, entry.mapping, entry.key, value).strings()]


def _register_call(auto: str, config: str, entry: NewEntry, names: list[str]) -> str:
    if auto == "AutoImageProcessor" or auto == "AutoVideoProcessor":
        keys = _dict_keys(entry)
        if keys:
            backends = ", ".join(f'"{k}": {n}' for k, n in zip(keys, names, strict=True))
            argument = "image_processor_classes" if auto == "AutoImageProcessor" else "video_processor_classes"
            return f"{auto}.register({config}, {argument}={{{backends}}}, exist_ok=True)"
    if auto == "AutoTokenizer":
        return f"{auto}.register({config}, tokenizer_class={names[0]}, exist_ok=True)"
    return f"{auto}.register({config}, {names[0]}, exist_ok=True)"


def _dict_keys(entry: NewEntry) -> list[str]:
    if isinstance(entry.value, cst.Dict):
        return [e.key.evaluated_value for e in entry.value.elements if isinstance(e.key, cst.SimpleString)]
    return []


def render_init(init: ProjectInit, header: str) -> str:
    """The text of a model's `__init__.py` in a project: its imports and Auto registrations, guarded by backend."""
    guards = sorted({g for guard in (*init.imports, *init.calls) for g in guard})
    lines = [header, f"from transformers import {', '.join(sorted(init.autos | {'AutoConfig'}))}"]
    if guards:
        lines.append(f"from transformers.utils import {', '.join(guards)}")
    lines.append("")
    lines.extend(init.imports.get((), []))
    lines.append("")
    lines.extend(init.calls.get((), []))
    public = []
    for guard in sorted(set(init.imports) | set(init.calls), key=lambda g: (len(g), g)):
        if not guard:
            continue
        lines.append("")
        lines.append(f"if {' and '.join(f'{g}()' for g in guard)}:")
        lines.extend(f"    {line}" for line in (*init.imports.get(guard, []), *init.calls.get(guard, [])))
    for statement in init.imports.get((), []):
        if statement.startswith("from ."):
            public.extend(n.strip() for n in statement.split(" import ")[1].split(","))
    lines.append("")
    lines.append(f"__all__ = {public!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"
