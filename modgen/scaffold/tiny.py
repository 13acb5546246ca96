"""A tiny config for a model's tests, computed from its config class: every size shrunk, the whole still valid.

The generated tests must not import modgen, so modgen works the tiny config out at scaffold time and writes it
into the test file as a literal: the keyword arguments that differ from the config class's defaults, with nested
dicts for sub-configs (`text_config`, `vision_config`, ...). Limits follow transformers' own test checks
(`test_num_layers_is_small`, `test_model_is_small`, `utils/check_model_tester.py`): at most 2 layers,
`vocab_size` <= 100, `max_position_embeddings` <= 128, hidden size <= 40, under 1M parameters per model class.

Each rule below handles one kind of field; `_fix_token_ids` then keeps special token ids inside the shrunk
vocabulary. `verify_tiny_config` builds real models from the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from modgen.errors import ModgenError


HIDDEN = 32
HEADS = 4
FFN = 64
LAYERS = 2
VOCAB = 99
POSITIONS = 64
IMAGE = 32
PATCH = 8
EXPERTS = 4
MAX_PARAMETERS = 1_000_000


def _at_most(limit: int) -> Callable[[Any], Any]:
    return lambda value: min(value, limit) if isinstance(value, int) and not isinstance(value, bool) else value


def _set_to(size: int) -> Callable[[Any], Any]:
    return lambda value: size if isinstance(value, int) and not isinstance(value, bool) and value > size else value


def _each_set_to(size: int) -> Callable[[Any], Any]:
    """Per-layer sizes (`conv_dim = (512,) * 7`): same number of layers, each one small."""
    return lambda value: type(value)(min(v, size) for v in value) if isinstance(value, list | tuple) else value


def _square(size: int) -> Callable[[Any], Any]:
    """An image or patch size: an int, or a (height, width) pair."""

    def shrink(value):
        if isinstance(value, int) and not isinstance(value, bool):
            return min(value, size)
        if isinstance(value, list | tuple) and len(value) == 2:
            return type(value)([min(v, size) for v in value])
        return value

    return shrink


# field name -> how to shrink it. Fields not listed keep their defaults.
RULES: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(
        ("hidden_size", "d_model", "n_embd", "embed_dim", "dim", "hidden_dim", "projection_dim"), _set_to(HIDDEN)
    ),
    **dict.fromkeys(
        ("output_hidden_size", "pooler_output_size", "text_embed_dim", "vision_embed_dim"), _set_to(HIDDEN)
    ),
    **dict.fromkeys(
        (
            "intermediate_size",
            "d_ff",
            "ffn_dim",
            "encoder_ffn_dim",
            "decoder_ffn_dim",
            "n_inner",
            "moe_intermediate_size",
            "shared_expert_intermediate_size",
        ),
        _set_to(FFN),
    ),
    **dict.fromkeys(
        ("classifier_proj_size", "codevector_dim", "proj_codevector_dim", "xvector_output_dim", "adapter_attn_dim"),
        _set_to(HIDDEN),
    ),
    **dict.fromkeys(
        (
            "num_attention_heads",
            "num_heads",
            "n_heads",
            "encoder_attention_heads",
            "decoder_attention_heads",
            "n_head",
        ),
        _set_to(HEADS),
    ),
    **dict.fromkeys(
        (
            "num_hidden_layers",
            "num_layers",
            "n_layer",
            "n_layers",
            "encoder_layers",
            "decoder_layers",
            "num_encoder_layers",
            "num_decoder_layers",
            "max_window_layers",
            "num_adapter_layers",
        ),
        _at_most(LAYERS),
    ),
    "first_k_dense_replace": _at_most(1),
    "vocab_size": _set_to(VOCAB),
    **dict.fromkeys(("max_position_embeddings", "n_positions", "max_target_positions"), _set_to(POSITIONS)),
    # Whisper-like encoders take exactly 2 * max_source_positions input frames.
    "max_source_positions": _set_to(30),
    "image_size": _square(IMAGE),
    "patch_size": _square(PATCH),
    **dict.fromkeys(("num_local_experts", "num_experts", "n_routed_experts"), _set_to(EXPERTS)),
    **dict.fromkeys(("num_experts_per_tok", "top_k", "moe_topk"), _at_most(2)),
    **dict.fromkeys(("conv_dim", "tdnn_dim"), _each_set_to(HIDDEN)),
    "num_conv_pos_embeddings": _set_to(16),
    "num_conv_pos_embedding_groups": _set_to(2),
    "num_codevectors_per_group": _set_to(16),
}


def tiny_config_kwargs(config_class: type) -> dict[str, Any]:
    """The keyword arguments that make `config_class` tiny (only the ones that differ from its defaults)."""
    config = config_class()
    kwargs = _shrink(config)
    _fix_token_ids(config, kwargs, TokenIds(_used_token_ids(config)))
    return kwargs


def _shrink(config) -> dict[str, Any]:
    defaults = config.to_dict()
    sub_configs = getattr(config, "sub_configs", {}) or {}
    kwargs: dict[str, Any] = {}
    for key, value in defaults.items():
        if key in sub_configs and getattr(config, key, None) is not None:
            sub_config = getattr(config, key)
            nested = _shrink(sub_config)
            if _is_auto(sub_configs[key]):
                # The parent picks the sub-config class from `model_type`: keep it explicit.
                nested = {"model_type": sub_config.model_type, **nested}
            kwargs[key] = nested
        elif key in RULES:
            shrunk = RULES[key](value)
            if shrunk != value:
                kwargs[key] = shrunk
    _fix_heads(config, defaults, kwargs)
    _fix_vision(defaults, kwargs)
    _fix_image_tokens(defaults, kwargs)
    return kwargs


def _is_auto(config_class: type) -> bool:
    return config_class.__name__ == "AutoConfig"


def _fix_heads(config, defaults: dict, kwargs: dict) -> None:
    """Keep attention valid: heads divide the hidden size, key/value heads divide the heads, head_dim fits."""
    value = lambda key: kwargs.get(key, defaults.get(key))  # noqa: E731
    heads = next(
        (value(k) for k in ("num_attention_heads", "num_heads", "n_heads", "encoder_attention_heads") if value(k)),
        None,
    )
    hidden = next((value(k) for k in ("hidden_size", "d_model", "n_embd", "embed_dim", "dim") if value(k)), None)
    if not isinstance(heads, int) or not isinstance(hidden, int):
        return
    kv_heads = defaults.get("num_key_value_heads")
    if isinstance(kv_heads, int) and heads:
        # Multi-head attention stays multi-head, multi-query stays multi-query, grouped-query stays grouped.
        original_heads = defaults.get("num_attention_heads") or kv_heads
        if kv_heads >= original_heads:
            kwargs["num_key_value_heads"] = heads
        else:
            kwargs["num_key_value_heads"] = 1 if kv_heads == 1 else max(1, heads // 2)
    if isinstance(defaults.get("head_dim"), int):
        kwargs["head_dim"] = hidden // heads
    if isinstance(defaults.get("d_kv"), int):
        kwargs["d_kv"] = hidden // heads
    for key in ("num_conv_pos_embedding_groups",):
        if key in kwargs and hidden % kwargs[key]:
            kwargs[key] = 1


def _fix_vision(defaults: dict, kwargs: dict) -> None:
    """A masked-image-modeling decoder upsamples by `encoder_stride`: it must equal the (shrunk) patch size."""
    patch = kwargs.get("patch_size", defaults.get("patch_size"))
    if "encoder_stride" in defaults and isinstance(patch, int):
        kwargs["encoder_stride"] = patch


def _fix_image_tokens(defaults: dict, kwargs: dict) -> None:
    """A VLM that pools its vision tower's patches into `mm_tokens_per_image` tokens (gemma3): pool the shrunk
    grid of patches 2 by 2."""
    vision = {**(defaults.get("vision_config") or {}), **(kwargs.get("vision_config") or {})}
    if isinstance(defaults.get("mm_tokens_per_image"), int) and isinstance(vision.get("image_size"), int):
        per_side = vision["image_size"] // vision["patch_size"]
        kwargs["mm_tokens_per_image"] = max(1, per_side // 2) ** 2


def _token_keys(config: dict) -> list[str]:
    return [
        key
        for key, value in config.items()
        if (key.endswith(("_token_id", "_token_index", "_token_ids")) or key.endswith("suppress_tokens"))
        and value is not None
    ]


def _vocab_of(defaults: dict, kwargs: dict) -> int | None:
    """The vocabulary token ids of this level refer to: its own, else its text sub-config's."""
    for level, shrunk in ((defaults, kwargs), (defaults.get("text_config"), kwargs.get("text_config"))):
        if isinstance(level, dict):
            vocab = (shrunk or {}).get("vocab_size", level.get("vocab_size"))
            if isinstance(vocab, int):
                return vocab
    return None


class TokenIds:
    """Moves special token ids into a shrunk vocabulary, consistently across a config and its sub-configs: one
    new id per old id (so `bos == eos` stays true, `pad != image token` too), taken from the top of the
    vocabulary and never one that some level already uses."""

    def __init__(self, used: set[int]) -> None:
        self.used = set(used)
        self.new_ids: dict[int, int] = {}

    def remap(self, token_id, vocab: int):
        if not isinstance(token_id, int) or isinstance(token_id, bool) or token_id < vocab:
            return token_id
        if token_id not in self.new_ids:
            self.new_ids[token_id] = self.fresh(vocab)
        return self.new_ids[token_id]

    def fresh(self, vocab: int) -> int:
        new = next(i for i in range(vocab - 1, -1, -1) if i not in self.used)
        self.used.add(new)
        return new


def _used_token_ids(config) -> set[int]:
    values = config.to_dict()
    used = set()
    for key in _token_keys(values):
        value = values[key]
        used.update(v for v in (value if isinstance(value, list | tuple) else [value]) if isinstance(v, int))
    for key in getattr(config, "sub_configs", {}) or {}:
        if getattr(config, key, None) is not None:
            used |= _used_token_ids(getattr(config, key))
    return used


def _fix_token_ids(config, kwargs: dict, ids: TokenIds) -> None:
    """Keep special token ids inside the shrunk vocabulary, level by level; a missing pad id gets one, since
    sequence-classification heads need it for batches."""
    sub_configs = getattr(config, "sub_configs", {}) or {}
    for key in sub_configs:
        if isinstance(kwargs.get(key), dict):
            _fix_token_ids(getattr(config, key), kwargs[key], ids)
    defaults = {key: value for key, value in config.to_dict().items() if key not in sub_configs}
    vocab = _vocab_of(config.to_dict(), kwargs)
    if vocab is None:
        return
    for key in _token_keys(defaults):
        value = kwargs.get(key, defaults[key])
        if isinstance(value, list | tuple):
            shrunk = type(value)(ids.remap(v, vocab) for v in value)
        else:
            shrunk = ids.remap(value, vocab)
        if shrunk != value:
            kwargs[key] = shrunk
    if "pad_token_id" in defaults and defaults["pad_token_id"] is None and "vocab_size" in defaults:
        kwargs["pad_token_id"] = ids.fresh(vocab)
    if defaults.get("is_encoder_decoder") and defaults.get("decoder_start_token_id") is None:
        # Decoders start from it (T5 leaves it to each checkpoint): the pad token, as T5's own tests do.
        kwargs["decoder_start_token_id"] = kwargs.get("pad_token_id", defaults.get("pad_token_id")) or 0


def count_layers(config) -> dict[str, int]:
    """Every layer count of a config and its sub-configs, by dotted field name (for size checks)."""
    counts = {}
    layer_keys = [key for key, rule in RULES.items() if key.endswith("layers") and key != "max_window_layers"]
    for key in layer_keys:
        value = getattr(config, key, None)
        if isinstance(value, int) and not isinstance(value, bool):
            counts[key] = value
    for key in getattr(config, "sub_configs", {}) or {}:
        sub_config = getattr(config, key, None)
        if sub_config is not None:
            counts.update({f"{key}.{k}": v for k, v in count_layers(sub_config).items()})
    return counts


def verify_tiny_config(config_class: type, kwargs: dict, model_classes: Sequence[type]) -> dict[str, int]:
    """Build every model class from the tiny config, for real; the parameter count of each, by class name.

    Raises ModgenError when the config does not build, a model does not, or one is not tiny.
    """
    import torch

    try:
        config = config_class(**kwargs)
    except Exception as error:
        raise ModgenError(
            f"the tiny config computed for {config_class.__name__} is not valid: {error}",
            hint="report this parent to modgen; meanwhile write the tests' config by hand",
        ) from error
    too_deep = {key: value for key, value in count_layers(config).items() if value > LAYERS}
    if too_deep:
        raise ModgenError(f"the tiny config of {config_class.__name__} keeps more than {LAYERS} layers: {too_deep}")
    sizes = {}
    with torch.device("meta"):
        for model_class in model_classes:
            try:
                model = model_class(config)
            except Exception as error:
                raise ModgenError(
                    f"{model_class.__name__} does not build from the tiny config computed for "
                    f"{config_class.__name__}: {error}",
                    hint="report this parent to modgen; meanwhile write the tests' config by hand",
                ) from error
            sizes[model_class.__name__] = sum(p.numel() for p in model.parameters())
    too_big = {name: size for name, size in sizes.items() if size >= MAX_PARAMETERS}
    if too_big:
        raise ModgenError(f"models built from the tiny config of {config_class.__name__} are not tiny: {too_big}")
    return sizes
