"""The tiny config of a parent, read from its config class: field kinds, list rules, relations, and the limits of
transformers' own model tests, checked on real config classes and real models (built on the meta device)."""

from __future__ import annotations

import pytest
import transformers

from modgen.scaffold import tiny
from modgen.scaffold.parent_model import describe_parent
from modgen.scaffold.tiny import Scale, kind_of, shrink, tiny_config


# field name -> kind: read from the words of the name, whatever model the field belongs to.
KINDS = {
    "num_hidden_layers": "layers",
    "encoder_layers": "layers",
    "num_lstm_layers": "layers",
    "depth": "layers",
    "depths": "layers",
    "num_stages": "layers",
    "max_window_layers": "layers",
    "first_k_dense_replace": "dense_layers",
    "num_attention_heads": "heads",
    "decoder_attention_heads": "heads",
    "num_key_value_heads": "heads",
    "n_head": "heads",
    "head_dim": "head_dim",
    "qk_rope_head_dim": "head_dim",
    "d_kv": "head_dim",
    "q_lora_rank": "rank",
    "kv_lora_rank": "rank",
    "n_routed_experts": "experts",
    "num_experts_per_tok": "top_k",
    "n_group": "groups",
    "num_conv_pos_embedding_groups": "groups",
    "vocab_size": "vocab",
    "codebook_size": "vocab",
    "max_position_embeddings": "positions",
    "max_source_positions": "positions",
    "image_size": "image",
    "patch_size": "patch",
    "intermediate_size": "ffn",
    "decoder_ffn_dim": "ffn",
    "d_ff": "ffn",
    "mlp_dim": "ffn",
    "hidden_size": "width",
    "d_model": "width",
    "n_embd": "width",
    "embed_dim": "width",
    "hidden_sizes": "width",
    "conv_dim": "width",
    "output_channels": "width",
    "num_filters": "width",
    "channels": "width",  # a decode head's width (beit's `channels`, `auxiliary_channels`)
    "auxiliary_channels": "width",
    "mask_input_channels": None,
    "num_pos_feats": "half_width",
    # Input formats, geometry and limits keep their defaults.
    "num_channels": None,
    "num_mel_bins": None,
    "type_vocab_size": None,
    "temporal_patch_size": None,
    "spatial_merge_size": None,
    "window_size": None,
    "conv_kernel": None,
    "max_image_size": None,
    "pad_token_id": None,
    "global_attn_every_n_layers": None,
    "out_indices": "layer_indices",
    "global_attn_indexes": "layer_indices",
}


@pytest.mark.parametrize(("name", "kind"), KINDS.items())
def test_field_kinds(name: str, kind: str | None):
    assert kind_of(name) == kind


@pytest.mark.parametrize(
    ("kind", "value", "target", "expected"),
    [
        ("heads", (3, 6, 12, 24), 4, (1, 2, 4, 8)),  # each stage's width still divides by its heads
        ("width", [96, 192, 384, 768], 32, [16, 32, 64, 128]),  # per-stage widths keep their ratios
        ("width", (512,) * 7, 32, (16,) * 7),
        ("layers", [3, 3, 9, 3], 2, [1, 1, 1, 1]),  # per-stage depths: one layer each
        ("vocab", 2048, 99, 64),  # a power of two stays one (codebooks must be)
        ("vocab", 32000, 99, 99),
        ("width", 16, 32, 16),  # never grown
        ("image", [224, 224], 32, [32, 32]),
    ],
)
def test_shrinking_values(kind, value, target, expected):
    assert tiny._shrink_value(kind, value, target) == expected


def test_per_layer_lists_follow_their_layer_count():
    """convnext's `num_stages` sizes its per-stage lists: shrinking it shortens them."""
    from transformers import ConvNextConfig

    kwargs = shrink(ConvNextConfig(), Scale(32))
    assert kwargs["num_stages"] == 2 and len(kwargs["hidden_sizes"]) == len(kwargs["depths"]) == 2


def test_layer_indices_point_at_layers_that_exist():
    """sam's global-attention layers [2, 5, 8, 11] of 12 become layers of the 2 left; indices from the end stay."""
    from transformers import SamVisionConfig

    kwargs = shrink(SamVisionConfig(), Scale(32))
    assert kwargs["num_hidden_layers"] == 2
    assert list(kwargs["global_attn_indexes"]) == [0, 1]
    kwargs = {"num_hidden_layers": 2}
    tiny._fix_layer_indices(SamVisionConfig(global_attn_indexes=[-1, 11]), kwargs, 12, 2)
    assert list(kwargs["global_attn_indexes"]) == [-1, 1]


def test_rank_fields_are_shrunk():
    """deepseek_v3's low-rank attention was left at full size (3.6M parameters): its ranks and head sizes shrink."""
    from transformers import DeepseekV3Config

    kwargs = shrink(DeepseekV3Config(), Scale(32))
    assert kwargs["q_lora_rank"] <= 16 and kwargs["kv_lora_rank"] <= 16
    assert kwargs["qk_rope_head_dim"] == kwargs["qk_nope_head_dim"] == kwargs["v_head_dim"] == 8
    assert kwargs["n_routed_experts"] % kwargs["n_group"] == 0 and kwargs["topk_group"] <= kwargs["n_group"]


def test_rope_sections_the_modeling_code_defaults_follow_the_head_size():
    """qwen2_vl splits rotary dims in `mrope_section`, [16, 24, 24] by default in its modeling code (half its head
    size of 128): the tiny config states sections in the same proportions for its own head size."""
    import inspect

    from transformers import Qwen2VLConfig
    from transformers.models.qwen2_vl import modeling_qwen2_vl

    config = Qwen2VLConfig()
    kwargs = shrink(config, Scale(32))
    tiny.fix_rope_sections(config, kwargs, inspect.getsource(modeling_qwen2_vl))
    text = Qwen2VLConfig(**kwargs).text_config
    sections = text.rope_parameters["mrope_section"]
    assert sum(sections) == text.hidden_size // text.num_attention_heads // 2
    assert len(sections) == 3 and min(sections) >= 1
    assert tiny._proportional([16, 24, 24], 4) in ([1, 2, 1], [1, 1, 2])
    assert tiny._proportional([1, 1], 4) == [2, 2]


def test_a_timm_backbone_becomes_transformers_own():
    """detr's default backbone is timm's resnet50 (timm not installed; its size not in its config): the tests use
    transformers' ResNet, with the stages detr reads."""
    from transformers import DetrConfig

    backbone = shrink(DetrConfig(), Scale(32))["backbone_config"]
    assert backbone["model_type"] == "resnet" and backbone["out_indices"] == [1, 2, 3, 4]
    assert max(backbone["hidden_sizes"]) <= 128


def test_token_ids_stay_distinct_across_sub_configs():
    """llava's image token (32000) and its text model's missing pad token both need ids in the tiny vocabulary:
    different ones, or the model would take padding for images; blip_2 has no image token by default, and gets one
    (its checkpoints set it)."""
    from transformers import Blip2Config, LlavaConfig

    config = LlavaConfig(**_kwargs(LlavaConfig))
    assert config.image_token_id < config.text_config.vocab_size
    assert config.text_config.pad_token_id is not None
    assert config.image_token_id != config.text_config.pad_token_id
    blip = Blip2Config(**_kwargs(Blip2Config))
    assert isinstance(blip.image_token_id, int) and blip.image_token_id < blip.text_config.vocab_size


def test_attention_keeps_its_kind():
    from transformers import MixtralConfig, T5Config, WhisperConfig

    mixtral = MixtralConfig(**_kwargs(MixtralConfig))
    assert mixtral.num_attention_heads % mixtral.num_key_value_heads == 0
    assert mixtral.num_key_value_heads < mixtral.num_attention_heads  # grouped-query attention stays grouped
    assert mixtral.num_experts_per_tok <= mixtral.num_local_experts
    t5 = T5Config(**_kwargs(T5Config))
    assert t5.d_kv * t5.num_heads == t5.d_model
    assert t5.decoder_start_token_id == t5.pad_token_id
    whisper = WhisperConfig(**_kwargs(WhisperConfig))  # its `num_key_value_heads` is its encoder's heads
    assert whisper.d_model % whisper.encoder_attention_heads == 0


def _kwargs(config_class) -> dict:
    from modgen.scaffold.token_ids import fix_token_ids

    config = config_class()
    kwargs = shrink(config, Scale(32))
    fix_token_ids(config, kwargs)
    return kwargs


def _levels(config):
    yield config
    for key in getattr(config, "sub_configs", {}) or {}:
        sub = getattr(config, key, None)
        if sub is not None and not isinstance(sub, dict):
            yield from _levels(sub)


# Parents of many kinds, among them ones the 30-parent test of `modgen like` does not use.
PARENTS = [
    "llama", "mixtral", "qwen2_moe", "deepseek_v3", "gpt2", "bert", "t5", "bart", "vit", "swin", "convnext",
    "whisper", "wav2vec2", "llava", "clip", "sam", "musicgen", "detr", "qwen2_vl", "mamba",
]  # fmt: skip


@pytest.mark.parametrize("model_type", PARENTS)
def test_tiny_config_within_transformers_limits(model_type: str):
    """Within the limits of transformers' model tests, special tokens inside the vocabulary, and every model class
    of the parent built (for real, on the meta device) under 1M parameters, counted here independently."""
    import torch

    parent = describe_parent([model_type])
    classes = [getattr(transformers, c.name) for c in parent.classes if c.config_key is None]
    found = tiny_config(parent.config_class, classes)
    config = parent.config_class(**found.kwargs)
    assert all(count <= 2 for count in tiny.layer_counts(config).values()), tiny.layer_counts(config)
    for level in _levels(config):
        for field in {"hidden_size", "d_model"} & {*tiny.declared_fields(type(level))}:  # swin's is derived
            assert not isinstance(getattr(level, field, None), int) or getattr(level, field) <= 40
        if isinstance(getattr(level, "vocab_size", None), int):
            assert level.vocab_size <= 100
            for key, value in level.to_dict().items():
                if key.endswith(("_token_id", "_token_index")) and isinstance(value, int):
                    assert 0 <= value < level.vocab_size, (type(level).__name__, key, value)
        if isinstance(getattr(level, "max_position_embeddings", None), int):
            assert level.max_position_embeddings <= 128
    with torch.device("meta"):
        for model_class in classes:
            size = sum(p.numel() for p in model_class(parent.config_class(**found.kwargs)).parameters())
            assert 0 < size < 1_000_000, (model_class.__name__, size)
            assert found.sizes[model_class.__name__] == size
