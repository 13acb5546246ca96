"""What a parent model is, for the tests `modgen like` writes: the classes it registers with the Auto classes,
its smallest config, and what each class takes and gives (`probe`), found by reading and running the installed
transformers' parent (the tests import it: it must be importable there)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from modgen.errors import ModgenError
from modgen.scaffold.probe import Probed, count_image_tokens, forward_check, probe_class
from modgen.scaffold.tiny import MAX_PARAMETERS, TinyConfig, build_sizes, layer_counts, tiny_config


@dataclass(frozen=True)
class RegisteredClass:
    """A model class of the parent registered with an Auto class, and where its config is."""

    name: str
    config_key: str | None  # None: the model's config; else the attribute holding its sub-config
    auto_classes: tuple[str, ...]


@dataclass(frozen=True)
class ParentModel:
    config_class: type
    classes: list[RegisteredClass]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]


def describe_parent(model_types: list[str]) -> ParentModel:
    """The parent's config class (of `model_types[0]`) and every model class the Auto classes build for one of
    `model_types` (the parent's and its sub-configs' own types, `clip_text_model`), from the installed
    transformers, base models first."""
    import transformers
    from transformers.models.auto import configuration_auto, modeling_auto

    try:
        config_class = configuration_auto.CONFIG_MAPPING[model_types[0]]
    except KeyError as error:
        raise ModgenError(f"transformers {transformers.__version__} has no model type {model_types[0]!r}") from error
    sub_keys = {sub: key for key, sub in (getattr(config_class, "sub_configs", {}) or {}).items()}
    registered: dict[str, tuple[str | None, list[str]]] = {}
    for model_type in model_types:
        type_config = configuration_auto.CONFIG_MAPPING[model_type]  # a lazy mapping: `.get` finds nothing
        if type_config is not config_class and type_config not in sub_keys:
            continue  # a sub-config the model's config does not hold
        key = None if type_config is config_class else sub_keys[type_config]
        for auto_name, auto_class in vars(modeling_auto).items():
            mapping = getattr(getattr(auto_class, "_model_mapping", None), "_model_mapping", None)
            if not auto_name.startswith("Auto") or auto_name == "AutoBackbone" or not isinstance(mapping, dict):
                continue
            names = mapping.get(model_type)
            for name in names if isinstance(names, list | tuple) else [names]:
                model_class = getattr(transformers, name, None) if name else None
                if model_class is not None and getattr(model_class, "config_class", None) is type_config:
                    registered.setdefault(name, (key, []))[1].append(auto_name)
    classes = [RegisteredClass(name, key, tuple(autos)) for name, (key, autos) in registered.items()]
    classes.sort(key=lambda c: (c.config_key is not None, "AutoModel" not in c.auto_classes))
    return ParentModel(config_class, classes)


@dataclass
class ParentFacts:
    """Everything the template is filled in with, in the parent's names."""

    parent: ParentModel
    tiny: TinyConfig
    layer_fields: list[str]
    probed: dict[str, Probed]  # by class name, every registered class
    untested: list[str] = field(default_factory=list)


def probe_parent(model_types: list[str]) -> ParentFacts:
    """Describe the parent of `model_types` (its own first), find its tiny config, and probe each class."""
    import transformers

    parent = describe_parent(model_types)
    main = [getattr(transformers, c.name) for c in parent.classes if c.config_key is None]
    if not main:
        raise ModgenError(f"{parent.config_class.__name__} has no model class registered with an Auto class")
    source = inspect.getsource(inspect.getmodule(main[0]))
    check = forward_check(main[0])
    unbuilt: dict[str, str] = {}
    try:
        tiny = tiny_config(parent.config_class, main, check=check, modeling_source=source)
    except ModgenError:
        # The smallest config of the base model; the heads it does not build small are left untested, said why.
        tiny = tiny_config(parent.config_class, main[:1], check=check, modeling_source=source)
        for model_class in main[1:]:
            try:
                sizes = build_sizes(parent.config_class, tiny.kwargs, [model_class])
            except ModgenError as error:
                unbuilt[model_class.__name__] = error.message
                continue
            if sizes[model_class.__name__] >= MAX_PARAMETERS:
                unbuilt[model_class.__name__] = f"not tiny from the base model's tiny config ({sizes})"
    config = parent.config_class(**tiny.kwargs)
    built = [model_class for model_class in main if model_class.__name__ not in unbuilt]
    counts = [n for n in dict.fromkeys(count_image_tokens(model_class, config) for model_class in built) if n]
    probed = {}
    for registered in parent.classes:
        if registered.name in unbuilt:
            probed[registered.name] = Probed(
                registered.name, untested=[f"{registered.name}: {unbuilt[registered.name]}"]
            )
            continue
        own = config if registered.config_key is None else getattr(config, registered.config_key)
        hint = counts if registered.config_key is None else ()
        probed[registered.name] = probe_class(getattr(transformers, registered.name), own, image_tokens=hint)
    untested = [part for result in probed.values() for part in result.untested]
    return ParentFacts(parent, tiny, list(layer_counts(config)), probed, untested)
