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


def title_case(snake: str) -> str:
    """`my_new_model` -> `MyNewModel`, each part title-cased as transformers' converter spells a model that is not
    registered (`wav2vec2` -> `Wav2Vec2`: a letter after a digit starts a word)."""
    return "".join(part.title() for part in snake.split("_") if part)


def cased_name(snake: str, parent: str, parent_prefix: str) -> str:
    """The CamelCase prefix of a new model `snake` made like the model `parent` (a folder name, `gpt_neox`) whose
    classes are prefixed `parent_prefix` (`GPTNeoX`): where the new name contains the parent's, that part keeps the
    parent's casing (`zz_gpt_neox` -> `ZzGPTNeoX`, `llama_2` -> `Llama2`); every other part is title-cased."""
    parts, old = snake.split("_"), parent.split("_")
    for start in range(len(parts) - len(old) + 1):
        if parts[start : start + len(old)] == old:
            before, after = "_".join(parts[:start]), "_".join(parts[start + len(old) :])
            return title_case(before) + parent_prefix + title_case(after)
    return title_case(snake)


def is_valid_model_name(name: str) -> bool:
    """A new model name must be snake_case and usable as a Python module name."""
    return bool(SNAKE_NAME.match(name)) and not keyword.iskeyword(name)


def prefix_of_config(config_class: str) -> str:
    """The CamelCase prefix of a model from its config class: `LlamaConfig` -> `Llama`."""
    return config_class[: -len("Config")] if config_class.endswith("Config") else config_class
