"""The smallest config of a model that still builds it, read from what its config class declares.

transformers' configs are dataclasses: each field has a name, a type and a default, and sub-configs are fields
listed in `sub_configs`. The size of a model is in a few kinds of field, recognised by the words of their names
(`num_hidden_layers`, `encoder_attention_heads`, `q_lora_rank`, `hidden_sizes`, `depths`...), not by which model
they belong to. Each kind has a target at a given scale (a width of 32, 16 or 8); lists are shrunk element-wise
(per-stage widths keep their ratios, per-stage head counts too) and per-layer lists follow their layer count.
The first scale whose config builds every model class of the parent under `MAX_PARAMETERS` parameters (on the meta
device: nothing is allocated) wins; a field whose shrinking breaks the build is put back to its default.

Limits follow transformers' own test checks (`test_num_layers_is_small`, `test_model_is_small`,
`utils/check_model_tester.py`): at most 2 layers, `vocab_size` <= 100, `max_position_embeddings` <= 128,
hidden size <= 40, under 1M parameters per model class. The generated tests must not import modgen, so the result
is written into them as a literal: the keyword arguments that differ from the defaults, nested for sub-configs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modgen.errors import ModgenError
from modgen.scaffold.token_ids import fix_token_ids


LAYERS = 2
VOCAB = 99
POSITIONS = 64
IMAGE = 32
PATCH = 8
EXPERTS = 4
HEADS = 4
MAX_PARAMETERS = 1_000_000
SCALES = (32, 16, 8)  # the widths tried, largest first: the first that builds small enough wins


def _words(name: str) -> list[str]:
    return name.lower().split("_")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def kind_of(name: str) -> str | None:
    """What a config field sizes, from the words of its name; None for fields that keep their default."""
    words = _words(name)
    last = words[-1]
    if name.endswith(("token_id", "token_index", "token_ids")) or {"every", "interval", "period", "offset"} & {*words}:
        return None
    if {"indices", "indexes", "index"} & {*words}:
        return "layer_indices"  # which layers or stages do something (`out_indices`, `global_attn_indexes`)
    if name == "first_k_dense_replace":
        return "dense_layers"  # the first k layers are dense, the rest mixtures of experts: keep both kinds
    if last in ("layers", "depth", "depths") or name in ("n_layer", "num_stages"):
        return "layers"
    if "heads" in words or name == "n_head":
        return "heads"
    if name.endswith("head_dim") or name in ("d_kv", "dim_head", "d_head", "attention_head_size"):
        return "head_dim"
    if last == "rank":
        return "rank"
    if "experts" in words:
        return "top_k" if "per" in words else "experts"
    if name in ("top_k", "moe_topk", "moe_k", "topk_group"):
        return "top_k"
    if last in ("group", "groups"):
        return "groups"
    if (name.endswith("vocab_size") and name != "type_vocab_size") or name == "codebook_size":
        return "vocab"
    if "positions" in words or ("position" in words and "embeddings" in words) or name in ("n_positions", "n_ctx"):
        return "positions"
    if name.endswith(("image_size", "img_size")) and not name.startswith(("max_", "min_")):
        return "image"
    if name.endswith("patch_size") and "temporal" not in words:
        return "patch"
    if {"intermediate", "ffn", "ff", "feedforward", "inner"} & {*words} or name in ("mlp_dim", "dff"):
        return "ffn"
    if last == "filters":
        return "width"  # convolution channels (`num_filters`)
    if name.endswith("pos_feats"):
        return "half_width"  # sine positional features, half of each the width they embed
    if {"input", "in", "num", "max", "min"} & {*words}:
        return None  # input formats and limits (`num_channels`, `input_dim`, `max_image_size`)
    if (
        last in ("dim", "dims", "model", "embd", "channels")
        or name.endswith(("hidden_size", "hidden_sizes", "embedding_size", "embeddings_size", "proj_size"))
        or name.endswith(("out_channels", "output_channels", "hidden_channels", "embed_size", "output_size"))
    ):
        return "width"
    return None


@dataclass(frozen=True)
class Scale:
    """The targets of one try: widths, and the sizes that go with them."""

    width: int

    @property
    def targets(self) -> dict[str, int]:
        heads = HEADS if self.width >= 16 else 2
        return {
            "layers": LAYERS,
            "dense_layers": 1,
            "heads": heads,
            "head_dim": self.width // heads,
            "rank": self.width // 2,
            "experts": EXPERTS,
            "top_k": 2,
            "groups": 2,
            "vocab": VOCAB,
            "positions": POSITIONS,
            "image": IMAGE,
            "patch": PATCH,
            "ffn": 2 * self.width,
            "width": self.width,
            "half_width": self.width // 2,
        }


def _power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def _shrink_value(kind: str, value: Any, target: int) -> Any:
    if _is_int(value):
        if value > target and _power_of_two(value) and not _power_of_two(target):
            # Sizes that are powers of two often must be (codebooks, some kernels): keep them so.
            return 1 << (target.bit_length() - 1)
        return min(value, target)
    if not isinstance(value, list | tuple) or not value or not all(_is_int(v) for v in value):
        return value
    if kind == "layers":  # per-stage depths: one layer each
        return type(value)(min(v, 1) for v in value)
    if kind in ("heads", "width") and value[0] > 0:
        # Per-stage sizes keep their ratios (heads [3, 6, 12, 24] -> [1, 2, 4, 8], so each stage's width still
        # divides by its heads); widths start at half the target.
        start = 1 if kind == "heads" else max(1, target // 2)
        factor = max(1, value[0] // start)
        return type(value)(max(1, v // factor) for v in value)
    if kind in ("image", "patch") and len(value) == 2:
        return type(value)(min(v, target) for v in value)
    return type(value)(min(v, target) for v in value)


def declared_fields(config_class: type) -> list[str]:
    """The fields a config class declares beyond `PreTrainedConfig`'s own."""
    from transformers import PreTrainedConfig

    base = {f.name for f in dataclasses.fields(PreTrainedConfig)}
    return [f.name for f in dataclasses.fields(config_class) if f.name not in base]


def shrink(config, scale: Scale) -> dict[str, Any]:
    """The keyword arguments that shrink `config` (an instance with its defaults) to `scale`."""
    sub_configs = getattr(config, "sub_configs", {}) or {}
    targets = scale.targets
    kwargs: dict[str, Any] = {}
    counts: dict[int, int] = {}  # a layer count before -> after, for the lists with one entry per layer
    for name in declared_fields(type(config)):
        value = getattr(config, name, None)
        if name in sub_configs:
            if value is not None and not isinstance(value, dict):
                value = own_backbone(value) or value
                nested = shrink(value, scale)
                if sub_configs[name].__name__ == "AutoConfig":  # the parent picks the class from `model_type`
                    nested = {"model_type": value.model_type, **_backbone_outputs(value), **nested}
                kwargs[name] = nested
            continue
        kind = kind_of(name)
        if kind is None or kind == "layer_indices":
            continue
        shrunk = _shrink_value(kind, value, targets[kind])
        if shrunk != value:
            kwargs[name] = shrunk
            if kind == "layers" and _is_int(value):
                counts[value] = shrunk
    for name in declared_fields(type(config)):
        value = kwargs.get(name, getattr(config, name, None))
        if isinstance(value, list | tuple) and len(value) in counts and len(value) > 1:
            kwargs[name] = type(value)(value[: counts[len(value)]])  # `layer_types`, `hidden_sizes`: one per layer
    if counts:
        _fix_layer_indices(config, kwargs, *max(counts.items()))
    _fix_attention(config, kwargs)
    _fix_strides(config, kwargs)
    _fix_image_tokens(config, kwargs)
    return kwargs


def own_backbone(config):
    """transformers' own config of the architecture a timm backbone names (`resnet50` -> a `ResNetConfig` with the
    same outputs), or None: a timm backbone needs timm, and its size is not in its config."""
    import re

    from transformers import CONFIG_MAPPING

    if getattr(config, "model_type", None) != "timm_backbone" or not isinstance(config.backbone, str):
        return None
    architecture = re.match(r"[a-z]*", config.backbone.lower()).group()
    if architecture not in CONFIG_MAPPING:
        return None
    return CONFIG_MAPPING[architecture](out_indices=list(config.out_indices or [])[-4:] or None)


def _backbone_outputs(config) -> dict:
    """The stages a backbone config outputs, stated explicitly (they are what its user reads)."""
    indices = getattr(config, "out_indices", None)
    return {"out_indices": list(indices)} if indices and getattr(config, "model_type", "") != "timm_backbone" else {}


def _fix_layer_indices(config, kwargs: dict, old: int, new: int) -> None:
    """Lists of layer (or stage) indices keep pointing at layers that exist: `out_indices` [6, 12, 18, 24] of 24
    layers become [0, 1, 2] of 2, each index scaled down (those counted from the end stay)."""
    for name in declared_fields(type(config)):
        value = getattr(config, name, None)
        if kind_of(name) != "layer_indices" or not isinstance(value, list | tuple) or not all(map(_is_int, value)):
            continue
        scaled = list(dict.fromkeys(v if v < 0 else v * new // old for v in value))
        if scaled != list(value):
            kwargs[name] = type(value)(scaled)


def _fix_attention(config, kwargs: dict) -> None:
    """Key/value heads keep their relation to the heads: multi-head stays multi-head, multi-query stays
    multi-query, grouped-query stays grouped."""
    declared = declared_fields(type(config))
    if "num_attention_heads" not in declared or "num_key_value_heads" not in declared:
        return  # whisper's `num_key_value_heads` is another name of its encoder's heads
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    new_heads = kwargs.get("num_attention_heads", heads)
    if _is_int(heads) and _is_int(kv_heads) and _is_int(new_heads):
        if kv_heads >= heads:
            kwargs["num_key_value_heads"] = new_heads
        else:
            kwargs["num_key_value_heads"] = 1 if kv_heads == 1 else max(1, new_heads // 2)


def _fix_strides(config, kwargs: dict) -> None:
    """A masked-image-modeling decoder upsamples by `encoder_stride`, the patch size times the stages' own
    downsampling: it shrinks with the patch size."""
    stride, patch = getattr(config, "encoder_stride", None), getattr(config, "patch_size", None)
    if _is_int(stride) and _is_int(patch) and _is_int(kwargs.get("patch_size")):
        kwargs["encoder_stride"] = max(1, stride * kwargs["patch_size"] // patch)


def _fix_image_tokens(config, kwargs: dict) -> None:
    """A VLM that pools its vision tower's patches into `mm_tokens_per_image` tokens (gemma3): pool the shrunk
    grid of patches 2 by 2."""
    vision = getattr(config, "vision_config", None)
    shrunk = kwargs.get("vision_config") or {}
    if _is_int(getattr(config, "mm_tokens_per_image", None)) and vision is not None:
        size = shrunk.get("image_size", getattr(vision, "image_size", None))
        patch = shrunk.get("patch_size", getattr(vision, "patch_size", None))
        if _is_int(size) and _is_int(patch):
            kwargs["mm_tokens_per_image"] = max(1, (size // patch) // 2) ** 2


@dataclass
class TinyConfig:
    """The tiny config found for a parent: its keyword arguments, and each model class's parameter count."""

    kwargs: dict[str, Any]
    sizes: dict[str, int]
    restored: list[str]  # fields kept at their defaults because shrinking them broke the model


def tiny_config(
    config_class: type,
    model_classes: Sequence[type],
    check: Callable[[Any], None] | None = None,
    modeling_source: str = "",
) -> TinyConfig:
    """The smallest config of `config_class` from which every one of `model_classes` builds under
    `MAX_PARAMETERS` parameters and `check(config)` (a forward of the model, say) raises no ModgenError.
    `modeling_source`: the parent's modeling code, for the defaults it gives fields the config does not hold.
    Raises ModgenError (with the last reason) when no scale gives one."""
    config = config_class()
    reason = "no scale tried"
    for scale in (Scale(width) for width in SCALES):
        kwargs = shrink(config, scale)
        fix_rope_sections(config, kwargs, modeling_source)
        fix_token_ids(config, kwargs)
        restored: list[str] = []
        while True:
            try:
                return TinyConfig(kwargs, _sizes_if_tiny(config_class, kwargs, model_classes, check), restored)
            except TooBig as error:
                reason = error.message
                break  # putting a default back only makes it bigger: try the next scale
            except ModgenError as error:
                reason = error.message
            field = _restorable(config_class, kwargs, model_classes, check)
            if field is None:
                break
            restored.append(field)
            _pop(kwargs, field)
    raise ModgenError(reason, hint="report this parent to modgen; meanwhile write the tests' config by hand")


class TooBig(ModgenError):
    """The models build, but not under `MAX_PARAMETERS` parameters."""


def _sizes_if_tiny(config_class, kwargs, model_classes, check) -> dict[str, int]:
    """The sizes of the models built from `kwargs`; raises TooBig, or a ModgenError saying what else is wrong."""
    sizes = build_sizes(config_class, kwargs, model_classes)
    too_big = {name: size for name, size in sizes.items() if size >= MAX_PARAMETERS}
    if too_big:
        raise TooBig(f"models built from the smallest config of {config_class.__name__} are not tiny: {too_big}")
    if check is not None:
        check(config_class(**kwargs))
    return sizes


def fix_rope_sections(config, kwargs: dict, modeling_source: str) -> None:
    """Rotary embeddings split in sections the modeling code defaults (qwen2_vl's
    `config.rope_parameters.get("mrope_section", [16, 24, 24])`, half its default head size): sections in the
    same proportions for the shrunk head size, stated in the config's `rope_parameters`."""
    import re

    defaults = {
        name: [int(v) for v in values.split(",") if v.strip()]
        for name, values in re.findall(
            r"rope_parameters\.get\(\s*[\"'](\w+)[\"']\s*,\s*\[([\d,\s]+)\]", modeling_source
        )
    }
    if not defaults:
        return
    for level, shrunk in _levels_with_kwargs(config, kwargs):
        rope = getattr(level, "rope_parameters", None)
        heads, width = getattr(level, "num_attention_heads", None), getattr(level, "hidden_size", None)
        if not isinstance(rope, dict) or not _is_int(heads) or not _is_int(width) or not heads:
            continue
        old_half = (getattr(level, "head_dim", None) or width // heads) // 2
        new_head = shrunk.get("head_dim") or shrunk.get("hidden_size", width) // shrunk.get(
            "num_attention_heads", heads
        )
        sections = {
            name: _proportional(values, new_head // 2)
            for name, values in defaults.items()
            if name not in rope and sum(values) == old_half
        }
        if sections:
            shrunk["rope_parameters"] = {**rope, **sections}


def _proportional(values: list[int], total: int) -> list[int]:
    """`values` scaled to sum to `total` (largest remainders get the rounding), none below 1."""
    exact = [v * total / sum(values) for v in values]
    result = [max(1, int(x)) for x in exact]
    by_remainder = sorted(range(len(values)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for index in by_remainder[: max(0, total - sum(result))]:
        result[index] += 1
    return result


def _levels_with_kwargs(config, kwargs: dict):
    """(config level, its keyword arguments) for the config and each sub-config it shrinks."""
    yield config, kwargs
    for key in getattr(config, "sub_configs", {}) or {}:
        sub = getattr(config, key, None)
        if sub is not None and isinstance(kwargs.get(key), dict):
            yield from _levels_with_kwargs(sub, kwargs[key])


def build_sizes(config_class: type, kwargs: dict, model_classes: Sequence[type]) -> dict[str, int]:
    """Build every model class from the config, for real but on the meta device; the parameter count of each."""
    import torch

    try:
        config = config_class(**kwargs)
    except Exception as error:
        raise ModgenError(f"{config_class.__name__}(**tiny) is not valid: {error}") from error
    sizes = {}
    with torch.device("meta"):
        for model_class in model_classes:
            try:
                model = model_class(config)
            except Exception as error:
                raise ModgenError(f"{model_class.__name__} does not build from the tiny config: {error}") from error
            sizes[model_class.__name__] = sum(p.numel() for p in model.parameters())
    return sizes


def _paths(kwargs: dict, prefix: str = "") -> list[str]:
    """Every shrunk field, as a dotted path (`text_config.hidden_size`)."""
    paths = []
    for key, value in kwargs.items():
        if isinstance(value, dict):
            paths += _paths(value, f"{prefix}{key}.")
        elif key != "model_type":
            paths.append(prefix + key)
    return paths


def _pop(kwargs: dict, path: str) -> None:
    *parents, last = path.split(".")
    for key in parents:
        kwargs = kwargs[key]
    kwargs.pop(last)


def _restorable(config_class: type, kwargs: dict, model_classes: Sequence[type], check) -> str | None:
    """The first shrunk field whose default, put back, makes the models build small and pass `check`."""
    import copy

    for path in _paths(kwargs):
        trial = copy.deepcopy(kwargs)
        _pop(trial, path)
        try:
            _sizes_if_tiny(config_class, trial, model_classes, check)
        except ModgenError:
            continue
        return path
    return None


def layer_counts(config, is_count: Callable[[str], bool] | None = None, prefix: str = "") -> dict[str, int]:
    """Every layer count a config and its sub-configs declare, by dotted field name."""
    counts = {}
    sub_configs = getattr(config, "sub_configs", {}) or {}
    for name in declared_fields(type(config)):
        value = getattr(config, name, None)
        if name in sub_configs and value is not None and not isinstance(value, dict):
            counts.update(layer_counts(value, is_count, f"{prefix}{name}."))
        elif _is_int(value) and kind_of(name) == "layers" and (is_count is None or is_count(name)):
            counts[prefix + name] = value
    return counts
