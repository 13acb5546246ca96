"""Names of models: model types, folders, CamelCase prefixes.

transformers names one model in several ways: its `model_type` (`xlm-roberta`), its folder (`xlm_roberta`)
and the prefix of its classes (`XLMRoberta`). These helpers move between them.
"""

from __future__ import annotations

import keyword
import re


SNAKE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def folder_of(model_type: str) -> str:
    """The folder (and module) name of a model type: hyphens become underscores."""
    return model_type.replace("-", "_")


def camel_case(snake: str) -> str:
    """`my_new_model` -> `MyNewModel`; digits stay where they are (`qwen2_moe` -> `Qwen2Moe`)."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


def is_valid_model_name(name: str) -> bool:
    """A new model name must be snake_case and usable as a Python module name."""
    return bool(SNAKE_NAME.match(name)) and not keyword.iskeyword(name)


def prefix_of_config(config_class: str) -> str:
    """The CamelCase prefix of a model from its config class: `LlamaConfig` -> `Llama`."""
    return config_class[: -len("Config")] if config_class.endswith("Config") else config_class
