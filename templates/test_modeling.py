"""Tests of the model in this folder, written by `modgen like` from modgen's template.

The tiny config, the inputs of each model class and the shapes of their outputs were worked out from the model
this one was made from: its config class, the `forward` signature of each class, and a forward of the parent on
these inputs. The tests check that every model class builds small, runs, saves and loads, is found by the Auto
classes, generates like its parent, and gives the parent's outputs when given the parent's weights. When the
model is changed on purpose, update the config, the inputs or the shapes below.
"""

import copy
import tempfile
import unittest

import torch
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    BrandNewConfig,
    BrandNewForCausalLM,
    BrandNewModel,
)
from transformers.models.llama import LlamaConfig, LlamaForCausalLM, LlamaModel


BATCH_SIZE = 2
MAX_LAYERS = 2
MAX_PARAMETERS = 1_000_000
GENERATED_TOKENS = 3
ATOL = 1e-5


def floats(*shape):
    """Random floats, the same on every call."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


MODEL_TYPE = "brand_new"
# The keyword arguments that make the config tiny.
TINY_CONFIG = {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4}
# The config's layer counts, each at most MAX_LAYERS.
LAYER_FIELDS = ("num_hidden_layers",)
# Each model class: the attribute of the config holding its own config (None: the config itself), and its parent.
MODEL_CLASSES = {BrandNewModel: (None, LlamaModel), BrandNewForCausalLM: (None, LlamaForCausalLM)}
# Each Auto class registration: (Auto class, the model class it builds from that class's config).
AUTO_CLASSES = ((AutoModel, BrandNewModel), (AutoModelForCausalLM, BrandNewForCausalLM))
# The inputs the model classes are tested on.
INPUTS = [{"input_ids": torch.tensor([[1, 2, 3], [4, 5, 6]])}]
# Each tested model class: its inputs (an index into INPUTS), and the shapes of the outputs its parent gives.
FORWARD = {
    BrandNewModel: (0, {"last_hidden_state": (2, 3, 32)}),
    BrandNewForCausalLM: (0, {"logits": (2, 3, 99)}),
}
# The model classes whose `generate()` runs on their inputs.
GENERATIVE_CLASSES = (BrandNewForCausalLM,)


def config_for(model_class, config):
    """The config a model class is built from: the model's, or the sub-config it holds for that class."""
    key = MODEL_CLASSES[model_class][0]
    return copy.deepcopy(config if key is None else getattr(config, key))


def build(model_class, config, built_like=None):
    """A model in eval mode, with weights drawn from a fixed seed, on its own copy of its config (some heads
    change the config they are given). `built_like`: the model class whose config it takes (for a parent)."""
    torch.manual_seed(0)
    return model_class(config_for(built_like or model_class, config)).eval()


def inputs_for(model_class):
    return dict(INPUTS[FORWARD[model_class][0]])


def run(model, model_class=None):
    with torch.no_grad():
        return model(**inputs_for(model_class or type(model)))


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
    """The parent's weights under the new model's names. The new model's modules are the parent's, renamed
    (`self.bert` is `self.bob` when bob is made like bert), so their weights come in the same order."""
    ours, theirs = model.state_dict(), parent.state_dict()
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    weights = {}
    for (key, value), (their_key, their_value) in zip(ours.items(), theirs.items(), strict=True):
        assert key.rsplit(".", 1)[-1] == their_key.rsplit(".", 1)[-1] and value.shape == their_value.shape, key
        weights[key] = their_value
    return weights


def with_parent_weights(model_class):
    """The model and its parent, both built from the tiny config, the model holding the parent's weights."""
    parent_class = MODEL_CLASSES[model_class][1]
    parent = build(parent_class, LlamaConfig(**TINY_CONFIG), built_like=model_class)
    model = build(model_class, BrandNewConfig(**TINY_CONFIG))
    model.load_state_dict(parent_weights(parent, model))
    return model, parent


class BrandNewModelTest(unittest.TestCase):
    all_model_classes = (BrandNewModel, BrandNewForCausalLM)

    def setUp(self):
        self.config = BrandNewConfig(**TINY_CONFIG)

    def assert_same_outputs(self, actual, expected, atol=0.0):
        actual, expected = tensors(actual), tensors(expected)
        self.assertEqual(sorted(actual), sorted(expected))
        for key in expected:
            torch.testing.assert_close(actual[key], expected[key], atol=atol, rtol=0, msg=lambda m, k=key: f"{k}: {m}")

    def check_forward(self, model_class):
        """The model runs on its inputs and gives finite outputs of the parent's shapes."""
        outputs = tensors(run(build(model_class, self.config)))
        for field, shape in FORWARD[model_class][1].items():
            self.assertIn(field, outputs, model_class.__name__)
            self.assertEqual(tuple(outputs[field].shape), shape, f"{model_class.__name__}.{field}")
            if outputs[field].is_floating_point():
                self.assertTrue(torch.isfinite(outputs[field]).all(), f"{model_class.__name__}.{field}")

    def test_config_is_tiny(self):
        for field in LAYER_FIELDS:
            value = self.config
            for part in field.split("."):
                value = getattr(value, part)
            self.assertLessEqual(value, MAX_LAYERS, field)
        for model_class in MODEL_CLASSES:
            size = sum(parameter.numel() for parameter in build(model_class, self.config).parameters())
            self.assertLess(size, MAX_PARAMETERS, model_class.__name__)

    def test_forward(self):
        self.check_forward(BrandNewModel)

    def test_save_and_load(self):
        for model_class in FORWARD:
            model = build(model_class, self.config)
            with tempfile.TemporaryDirectory() as folder:
                model.save_pretrained(folder)
                loaded = model_class.from_pretrained(folder).eval()
            self.assertIs(type(loaded), model_class)
            self.assertIs(type(loaded.config), type(model.config))
            self.assert_same_outputs(run(loaded, model_class), run(model), atol=ATOL)

    def test_auto_classes(self):
        config = AutoConfig.for_model(MODEL_TYPE, **TINY_CONFIG)
        self.assertIs(type(config), BrandNewConfig)
        self.assertEqual(config.to_dict(), self.config.to_dict())
        for auto_class, model_class in AUTO_CLASSES:
            # As in a checkpoint: where an Auto class maps the model type to several classes, this picks one.
            own = config_for(model_class, config)
            own.architectures = [model_class.__name__]
            self.assertIs(type(auto_class.from_config(own)), model_class, auto_class.__name__)

    def test_generate(self):
        settings = {"max_new_tokens": GENERATED_TOKENS, "min_new_tokens": GENERATED_TOKENS, "do_sample": False}
        for model_class in GENERATIVE_CLASSES:
            model, parent = with_parent_weights(model_class)
            inputs = {key: value for key, value in inputs_for(model_class).items() if not key.startswith("decoder_")}
            generated = model.generate(**inputs, **settings)
            self.assertEqual(generated.shape[0] % BATCH_SIZE, 0, model_class.__name__)
            torch.testing.assert_close(generated, parent.generate(**inputs, **settings), atol=0, rtol=0)

    def test_same_outputs_as_parent(self):
        for model_class in FORWARD:
            model, parent = with_parent_weights(model_class)
            self.assert_same_outputs(run(model), run(parent, model_class), atol=ATOL)
