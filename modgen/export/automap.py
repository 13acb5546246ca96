"""The `auto_map` of the folder: for each Auto class the model registers for its root config, the class to load.

The root config is the registered config that is no other registered config's sub-config (CLIP's config, not its
text or vision config). A Hub folder has one `config.json`, so registrations made for a sub-config alone (CLIP's
`AutoModelForTextEncoding` for its text config) cannot be served from it: they are reported, not written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modgen.errors import UsageError
from modgen.export.registrations import Registration, Registrations


PREPROCESSOR_FILES = {
    # Auto class -> the file its saved instance writes (where transformers looks for its auto_map first)
    "AutoTokenizer": "tokenizer_config.json",
    "AutoImageProcessor": "preprocessor_config.json",
    "AutoFeatureExtractor": "preprocessor_config.json",
    "AutoVideoProcessor": "video_preprocessor_config.json",
    "AutoProcessor": "processor_config.json",
}


@dataclass
class AutoMapPlan:
    config: type  # the root config class
    models: dict[str, type] = field(default_factory=dict)  # Auto class -> model class
    preprocessors: dict[str, Registration] = field(default_factory=dict)  # Auto class -> registration
    not_served: list[str] = field(default_factory=list)

    def classes(self) -> list[type]:
        """Every class the folder's auto_map names (their modules are the code the folder carries)."""
        found = [self.config, *self.models.values()]
        for registration in self.preprocessors.values():
            found.extend(registration.classes.values())
        return list(dict.fromkeys(found))


def plan_auto_map(registrations: Registrations, model_name: str) -> AutoMapPlan:
    configs = list(registrations.configs.values())
    if not configs:
        raise UsageError(
            f"{model_name} registers no config with AutoConfig, so no Auto class can load it from a folder",
            hint=f'register it in models/{model_name}/__init__.py: AutoConfig.register("{model_name}", Config)',
        )
    nested = {sub for config in configs for sub in _sub_configs(config)}
    roots = [c for c in configs if c not in nested]
    if len(roots) != 1:
        names = ", ".join(c.__name__ for c in roots or configs)
        raise UsageError(
            f"{model_name} registers {len(roots) or len(configs)} configs that are no other's sub-config ({names}); "
            "a Hub folder has one config.json",
            hint="export one model per folder: move the other models to folders of their own",
        )
    plan = AutoMapPlan(roots[0])
    for registration in registrations.entries:
        if registration.auto == "AutoConfig":
            continue
        if registration.config is not plan.config:
            plan.not_served.append(
                f"{registration.auto} -> {registration.main.__name__} (registered for {registration.config.__name__}, "
                f"a sub-config; the folder's config.json is a {plan.config.__name__})"
            )
        elif registration.auto in PREPROCESSOR_FILES:
            plan.preprocessors[registration.auto] = registration
        else:
            plan.models[registration.auto] = registration.main
    if not plan.models:
        raise UsageError(
            f"{model_name} registers no model class for {plan.config.__name__} with an Auto class",
            hint=f"register one in models/{model_name}/__init__.py: AutoModel.register(Config, Model)",
        )
    return plan


def class_ref(cls: type) -> str:
    """`module_in_folder.ClassName`, as auto_map writes it."""
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}"


def is_carried(cls: type, package_module: str) -> bool:
    return cls.__module__.startswith(package_module + ".")


def _sub_configs(config: type) -> list[type]:
    return [c for c in (getattr(config, "sub_configs", None) or {}).values() if isinstance(c, type)]
