"""Which name each parent module is renamed to.

Usually the modular model's own name, but a multimodal model may inherit its text part from llama as
`AriaTextDecoderLayer(LlamaDecoderLayer)`: then llama is renamed to `aria_text`. One prefix per parent module: the
most frequent among the classes inheriting from it.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from modgen.modular.casing import Casing, common_partial_suffix


logger = logging.getLogger(__name__)


def class_prefix(class_name: str, parent_class: str, parent_model: str, default: str, casing: Casing) -> str:
    """The cased prefix `class_name` implies when it inherits `parent_class` (`AriaText` for AriaTextMLP(LlamaMLP))."""
    suffix = common_partial_suffix(class_name, parent_class)
    if suffix and suffix[0].isupper():
        prefix = class_name.replace(suffix, "")
        # Old and new names ending alike (`TestDetr` vs `DeformableDetr`) share more than the class suffix.
        if len(prefix) < len(default) and default in class_name:
            return default
        return prefix
    if class_name.replace(default, "") == parent_class:
        # `TestSuffixLlamaDecoderLayer(LlamaDecoderLayer)`: the new name carries the old one.
        return default + casing.cased(parent_model)
    return default


def infer_prefixes(
    inheritance: list[tuple[str, str, str]],
    parent_models: dict[str, str],
    parent_sources: dict[str, str],
    model_name: str,
    casing: Casing,
) -> dict[str, str]:
    """Snake prefix per parent module key. `inheritance`: (class name, parent class, parent key) triples."""
    default = casing.cased(model_name)
    counters: dict[str, Counter] = defaultdict(Counter)
    for class_name, parent_class, key in inheritance:
        counters[key].update([class_prefix(class_name, parent_class, parent_models[key], default, casing)])
    prefixes = {}
    for key, counter in counters.items():
        if len(counter) > 1:
            _, top = counter.most_common(1)[0]
            tied = [name for name, count in counter.most_common() if count == top]
            chosen = default if default in tied else tied[-1]
            logger.info("multiple prefixes for %s: %s, using %s", key, dict(counter), chosen)
        else:
            chosen = next(iter(counter))
        # A prefix that already names classes of the parent would collide with them once renamed.
        old_prefix = chosen.replace(default, casing.cased(parent_models[key]))
        if chosen != default and f"\nclass {old_prefix}" in parent_sources[key]:
            chosen = default
        prefixes[key] = casing.snake(chosen)
    for key in parent_models:
        prefixes.setdefault(key, model_name)
    return prefixes
