"""Vision-language models that put image features in place of image tokens (llava...): one image per sequence,
as many image tokens as the vision tower gives features, then text."""

import torch
from inputs.common import BATCH_SIZE, SEQ_LENGTH, ordinary_token_ids, random_floats


def image_tokens(config):
    pooled = getattr(config, "mm_tokens_per_image", None)  # gemma3 pools the patches into this many tokens
    if pooled:
        return pooled
    vision = config.vision_config
    count = (vision.image_size // vision.patch_size) ** 2
    return count + 1 if getattr(config, "vision_feature_select_strategy", "default") == "full" else count


def image_token_id(config):
    token_id = getattr(config, "image_token_id", None)
    return config.image_token_index if token_id is None else token_id


def make_inputs(config, model_class):
    text = ordinary_token_ids(config)
    images = torch.full((BATCH_SIZE, image_tokens(config)), image_token_id(config))
    input_ids = torch.cat([images, text], dim=1)
    vision = config.vision_config
    return {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "pixel_values": random_floats(BATCH_SIZE, vision.num_channels, vision.image_size, vision.image_size),
    }


def expected_shapes(config):
    length = image_tokens(config) + SEQ_LENGTH
    text = config.get_text_config()
    return {
        "AutoModel": {"last_hidden_state": (BATCH_SIZE, length, text.hidden_size)},
        "AutoModelForImageTextToText": {"logits": (BATCH_SIZE, length, text.vocab_size)},
    }
