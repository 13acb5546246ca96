"""How the flattener spells model names: cased and snake forms, common suffixes, file types of class names.

Casing follows transformers' auto config mapping first (`gpt_neox` -> `GPTNeoX`, `clip` -> `CLIP`), then plain
title-casing, so the same model name is spelled the way transformers spells it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from modgen.repo import FILE_TYPES


# Class-name suffix -> the file type the class goes to. Anything else goes to `modeling`.
SUFFIX_TO_FILE_TYPE = {
    "Config": "configuration",
    "Tokenizer": "tokenization",
    "Processor": "processing",
    "ImageProcessor": "image_processing",
    "ImageProcessorPil": "image_processing_pil",
    "VideoProcessor": "video_processing",
    "VideoProcessorInitKwargs": "video_processing",
    # 5.23: video kwargs live with the video processor (upstream 5.16 sent them to `processing`).
    "VideoProcessorKwargs": "video_processing",
    "FeatureExtractor": "feature_extraction",
    "ProcessorKwargs": "processing",
    "ImagesKwargs": "processing",
    "VideosKwargs": "processing",
    "TextKwargs": "processing",
    "ImageProcessorKwargs": "image_processing",
}
_SUFFIX_PATTERN = re.compile(rf"({'|'.join(SUFFIX_TO_FILE_TYPE)})$")
FILE_TYPE_PATTERN = "|".join(FILE_TYPES)


class Casing:
    """Cased and snake spellings of model names, from a tree's model type -> config class mapping."""

    def __init__(self, config_mapping: Mapping[str, str]):
        self.config_mapping = config_mapping
        self.model_type_of_config = {config: model_type for model_type, config in config_mapping.items()}
        self._cased: dict[str, str] = {}

    def is_registered(self, snake: str) -> bool:
        return snake in self.config_mapping or snake.replace("_", "-") in self.config_mapping

    def with_model(self, snake: str, cased: str) -> Casing:
        """This casing, and `snake` spelt `cased` (a model the mapping does not hold yet)."""
        return Casing({**self.config_mapping, snake: f"{cased}Config"})

    def cased(self, snake: str) -> str:
        """`gpt_neox` -> `GPTNeoX`, `my_new_model` -> `MyNewModel`."""
        if snake not in self._cased:
            name = snake.replace("-", "_")
            config = self.config_mapping.get(name) or self.config_mapping.get(name.replace("_", "-"))
            if config:
                self._cased[snake] = config.replace("Config", "")
            else:
                self._cased[snake] = "".join(part.title() for part in name.split("_"))
        return self._cased[snake]

    def snake(self, cased: str) -> str:
        """`AriaText` -> `aria_text` (a model type when one exists, else split before capitals)."""
        if cased + "Config" in self.model_type_of_config:
            return self.model_type_of_config[cased + "Config"]
        return "_".join(part.lower() for part in re.findall(r"[A-Z][^A-Z]*", cased))

    def file_type_of(self, class_name: str, model_name: str) -> str:
        """The file type a class goes to, from its name's suffix once the model's own name is taken out of it.

        Taking the name out keeps `Sam2VideoProcessor` of model `sam2_video` a `Processor`, not a `VideoProcessor`.
        """
        match = _SUFFIX_PATTERN.search(class_name.replace(self.cased(model_name), ""))
        return SUFFIX_TO_FILE_TYPE[match.group(1)] if match else "modeling"


def common_partial_suffix(first: str, second: str) -> str:
    """The longest common suffix of two names, or "" when it is the whole of either."""
    suffix = ""
    for i in range(1, min(len(first), len(second)) + 1):
        if first[-i] != second[-i]:
            break
        suffix = first[-i] + suffix
    return "" if suffix in (first, second) else suffix
