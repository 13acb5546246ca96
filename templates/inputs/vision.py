"""Vision transformers (vit, deit...): a batch of images; the encoder sees one token per patch plus [CLS]."""

from inputs.common import BATCH_SIZE, random_floats


def make_inputs(config, model_class):
    return {"pixel_values": random_floats(BATCH_SIZE, config.num_channels, config.image_size, config.image_size)}


def expected_shapes(config):
    patches = (config.image_size // config.patch_size) ** 2
    return {
        "AutoModel": {"last_hidden_state": (BATCH_SIZE, patches + 1, config.hidden_size)},
        "AutoModelForImageClassification": {"logits": (BATCH_SIZE, config.num_labels)},
        "AutoModelForMaskedImageModeling": {
            "reconstruction": (BATCH_SIZE, config.num_channels, config.image_size, config.image_size)
        },
    }
