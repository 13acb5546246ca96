"""Tests of the model in this folder, written by `modgen like` from modgen's templates.

A tiny config, the output shapes of every model class, a save/load round trip, the Auto classes, `generate()`
for the classes that generate, and the same outputs as the parent model it was made from, given the same weights.
"""

import copy
import inspect
import tempfile
import unittest

import torch
from inputs.causal_lm import expected_shapes, make_inputs
from inputs.common import BATCH_SIZE
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    BrandNewConfig,
    BrandNewForCausalLM,
    BrandNewModel,
)
from transformers.models.llama import LlamaConfig, LlamaForCausalLM, LlamaModel


MODEL_TYPE = "brand_new"
# The keyword arguments that make the config tiny, computed from the parent's config class.
TINY_CONFIG = {
    "vocab_size": 99,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "max_position_embeddings": 64,
    "num_key_value_heads": 4,
    "head_dim": 8,
    "pad_token_id": 98,
}
# Every model class, and the parent class it was made from.
MODEL_CLASSES = {BrandNewModel: LlamaModel, BrandNewForCausalLM: LlamaForCausalLM}
# The Auto classes the model is registered with, and the class each one builds.
AUTO_CLASSES = {AutoModel: BrandNewModel, AutoModelForCausalLM: BrandNewForCausalLM}
GENERATIVE_CLASSES = (BrandNewForCausalLM,)
LAYER_FIELDS = (
    "num_hidden_layers",
    "num_layers",
    "n_layer",
    "n_layers",
    "encoder_layers",
    "decoder_layers",
    "num_decoder_layers",
)
MAX_LAYERS = 2
MAX_PARAMETERS = 1_000_000
ATOL = 1e-5


def build(model_class, config):
    """A model in eval mode, with weights drawn from a fixed seed, on its own copy of the config (some heads
    change the config they are given: a standalone decoder sets `is_encoder_decoder = False`)."""
    torch.manual_seed(0)
    return model_class(copy.deepcopy(config)).eval()


def inputs_for(model, config):
    """The inputs of the model's family that its `forward` takes (the heads of one model take different ones)."""
    parameters = inspect.signature(model.forward).parameters
    return {key: value for key, value in make_inputs(config, type(model)).items() if key in parameters}


def run(model, config):
    with torch.no_grad():
        return model(**inputs_for(model, config))


def tensors(output, prefix=""):
    """Every tensor of a model output, nested outputs included, by dotted field name."""
    found = {}
    for key, value in output.items():
        if isinstance(value, torch.Tensor):
            found[prefix + key] = value
        elif hasattr(value, "items"):
            found.update(tensors(value, f"{prefix}{key}."))
    return found


def parent_weights(parent, model):
    """The parent's weights under the new model's names: the attribute holding the base model is named after the
    model (`self.bert` becomes `self.bob` when bob is made like bert), and so are its weights' keys."""
    old, new = parent.base_model_prefix, model.base_model_prefix
    return {
        (new + key[len(old) :] if old and key.startswith(old + ".") else key): value
        for key, value in parent.state_dict().items()
    }


def layer_counts(config, prefix=""):
    counts = {}
    for key, value in config.to_dict().items():
        if key in LAYER_FIELDS and isinstance(value, int):
            counts[prefix + key] = value
        elif isinstance(value, dict):
            counts.update({f"{key}.{k}": v for k, v in value.items() if k in LAYER_FIELDS and isinstance(v, int)})
    return counts


class BrandNewModelTest(unittest.TestCase):
    all_model_classes = tuple(MODEL_CLASSES)

    def setUp(self):
        self.config = BrandNewConfig(**TINY_CONFIG)

    def assert_same_outputs(self, actual, expected, atol=0.0):
        actual, expected = tensors(actual), tensors(expected)
        self.assertEqual(sorted(actual), sorted(expected))
        for key in expected:
            torch.testing.assert_close(actual[key], expected[key], atol=atol, rtol=0, msg=lambda m, k=key: f"{k}: {m}")

    def test_config_is_tiny(self):
        self.assertTrue(layer_counts(self.config))
        for field, count in layer_counts(self.config).items():
            self.assertLessEqual(count, MAX_LAYERS, field)
        for model_class in MODEL_CLASSES:
            size = sum(parameter.numel() for parameter in build(model_class, self.config).parameters())
            self.assertLess(size, MAX_PARAMETERS, model_class.__name__)

    def test_forward_shapes(self):
        shapes = expected_shapes(self.config)
        checked = [auto_class for auto_class in AUTO_CLASSES if auto_class.__name__ in shapes]
        self.assertIn(AutoModel, checked)
        for auto_class in checked:
            model_class = AUTO_CLASSES[auto_class]
            output = run(build(model_class, self.config), self.config)
            for field, shape in shapes[auto_class.__name__].items():
                self.assertEqual(tuple(output[field].shape), shape, f"{model_class.__name__}.{field}")

    def test_save_and_load(self):
        for model_class in MODEL_CLASSES:
            model = build(model_class, self.config)
            with tempfile.TemporaryDirectory() as folder:
                model.save_pretrained(folder)
                loaded = model_class.from_pretrained(folder).eval()
            self.assertIs(type(loaded), model_class)
            self.assertIs(type(loaded.config), BrandNewConfig)
            self.assert_same_outputs(run(loaded, self.config), run(model, self.config), atol=ATOL)

    def test_auto_classes(self):
        config = AutoConfig.for_model(MODEL_TYPE, **TINY_CONFIG)
        self.assertIs(type(config), BrandNewConfig)
        self.assertEqual(config.to_dict(), self.config.to_dict())
        for auto_class, model_class in AUTO_CLASSES.items():
            self.assertIs(type(auto_class.from_config(config)), model_class, auto_class.__name__)

    def test_generate(self):
        for model_class in GENERATIVE_CLASSES:
            model = build(model_class, self.config)
            parent = build(MODEL_CLASSES[model_class], LlamaConfig(**TINY_CONFIG))
            model.load_state_dict(parent_weights(parent, model))
            inputs = {k: v for k, v in inputs_for(model, self.config).items() if not k.startswith("decoder_")}
            settings = {"max_new_tokens": 3, "min_new_tokens": 3, "do_sample": False}
            generated = model.generate(**inputs, **settings)
            # An encoder-decoder starts from one decoder start token (some, like whisper, return only what they
            # generated); a decoder-only model continues its prompt.
            prompt = 1 if model.config.is_encoder_decoder else inputs["input_ids"].shape[-1]
            self.assertEqual(generated.shape[0], BATCH_SIZE)
            self.assertIn(generated.shape[-1], (3, prompt + 3))
            torch.testing.assert_close(generated, parent.generate(**inputs, **settings), atol=0, rtol=0)

    def test_same_outputs_as_parent(self):
        parent_config = LlamaConfig(**TINY_CONFIG)
        for model_class, parent_class in MODEL_CLASSES.items():
            parent = build(parent_class, parent_config)
            model = build(model_class, self.config)
            model.load_state_dict(parent_weights(parent, model))
            self.assert_same_outputs(run(model, self.config), run(parent, parent_config), atol=ATOL)
