"""Dual encoders of images and text (clip, siglip...): a batch of texts ending with the end-of-text token
(their text tower pools on it) and a batch of images, scored against each other."""

import torch
from inputs.common import BATCH_SIZE, ordinary_token_ids, random_floats


def make_inputs(config, model_class):
    text, vision = config.text_config, config.vision_config
    input_ids = ordinary_token_ids(config)
    if isinstance(text.eos_token_id, int):
        input_ids[:, -1] = text.eos_token_id
    return {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "pixel_values": random_floats(BATCH_SIZE, vision.num_channels, vision.image_size, vision.image_size),
    }


def expected_shapes(config):
    return {
        "AutoModel": {
            "logits_per_image": (BATCH_SIZE, BATCH_SIZE),
            "logits_per_text": (BATCH_SIZE, BATCH_SIZE),
            "text_embeds": (BATCH_SIZE, config.projection_dim),
            "image_embeds": (BATCH_SIZE, config.projection_dim),
        },
        "AutoModelForImageClassification": {"logits": (BATCH_SIZE, config.num_labels)},
    }
