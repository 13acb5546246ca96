"""Tests of PortedForTask, written by `modgen port` from modgen's template.

The port builds the original module (`OriginalModel`) from its config and keeps its state-dict keys. These tests
check it against the original: the original's state dict loads with no missing or unexpected key, the same outputs
on the same weights and inputs (one example and a batch), the loss from labels, save and load through
`from_pretrained`, and the Auto classes. ORIGINAL_ARGUMENTS are the arguments the original was built with when
it was ported; when the model is changed on purpose, update them and the inputs below.
"""

import tempfile

import pytest
import torch
from original_package.original_module import OriginalModel
from ported_package.models.ported import PortedConfig, PortedForTask
from transformers import AutoConfig, AutoModelForTask


ATOL = 1e-5
BATCH_SIZE = 2
GENERATED_TOKENS = 3
MODEL_TYPE = "ported"
# The arguments the original is built with: the config's defaults, and what a config cannot hold.
ORIGINAL_ARGUMENTS = {"vocab_size": 99}
# The inputs, in the order of the original forward's parameters: transformers' name -> (dtype, shape without
# the batch dimension, the bound of token ids).
INPUTS = {"input_ids": ("long", (7,), 99)}
# Where the original's forward puts the tensor the port returns (None: it returns that tensor).
OUTPUT_KEY = 0
# How the port computes its loss from labels: "classification", "shifted" (next token) or "aligned".
LOSS = "shifted"


def make_inputs(batch_size):
    """Random inputs, the same on every call."""
    generator = torch.Generator().manual_seed(0)
    inputs = {}
    for name, (dtype, shape, high) in INPUTS.items():
        if dtype == "long":
            inputs[name] = torch.randint(0, high, (batch_size, *shape), generator=generator)
        else:
            inputs[name] = torch.randn(batch_size, *shape, generator=generator)
    return inputs


def original_output(original, inputs):
    output = original(*inputs.values())
    return output if OUTPUT_KEY is None else output[OUTPUT_KEY]


@pytest.fixture(scope="module")
def original():
    torch.manual_seed(0)
    return OriginalModel(**ORIGINAL_ARGUMENTS).eval()


@pytest.fixture(scope="module")
def checkpoint(original, tmp_path_factory):
    """A folder as an original checkpoint becomes one: the port's config.json beside the original's state dict."""
    folder = tmp_path_factory.mktemp("original_checkpoint")
    PortedConfig().save_pretrained(folder)
    torch.save(original.state_dict(), folder / "pytorch_model.bin")
    return folder


@pytest.fixture(scope="module")
def model(checkpoint):
    return PortedForTask.from_pretrained(checkpoint).eval()


def test_original_state_dict_loads(checkpoint):
    _, info = PortedForTask.from_pretrained(checkpoint, output_loading_info=True)
    assert not info["missing_keys"], info["missing_keys"]
    assert not info["unexpected_keys"], info["unexpected_keys"]
    assert not info["mismatched_keys"], info["mismatched_keys"]


def test_state_dict_keys_are_the_originals(original):
    model = PortedForTask(PortedConfig())
    assert set(model.model.state_dict()) == set(original.state_dict())
    model.model.load_state_dict(original.state_dict(), strict=True)


@pytest.mark.parametrize("batch_size", [1, BATCH_SIZE])
def test_same_outputs_as_original(original, model, batch_size):
    inputs = {name: value[:batch_size] for name, value in make_inputs(BATCH_SIZE).items()}
    with torch.no_grad():
        expected = original_output(original, inputs)
        output = model(**inputs)
    torch.testing.assert_close(output[0], expected, atol=ATOL, rtol=0)


def test_batch_rows_match_single_examples(model):
    inputs = make_inputs(BATCH_SIZE)
    with torch.no_grad():
        batch = model(**inputs)[0]
        for row in range(BATCH_SIZE):
            single = model(**{name: value[row : row + 1] for name, value in inputs.items()})[0]
            torch.testing.assert_close(single[0], batch[row], atol=ATOL, rtol=1e-4)


def test_return_dict_false(model):
    inputs = make_inputs(BATCH_SIZE)
    with torch.no_grad():
        as_tuple = model(**inputs, return_dict=False)
        as_output = model(**inputs)
    assert isinstance(as_tuple, tuple)
    torch.testing.assert_close(as_tuple[0], as_output[0])


def test_loss_from_labels(original, model):
    inputs = make_inputs(BATCH_SIZE)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        logits = original_output(original, inputs)
        shape = logits.shape[:1] if LOSS == "classification" else logits.shape[:-1]
        labels = torch.randint(0, logits.shape[-1], shape, generator=generator)
        loss = model(**inputs, labels=labels).loss
    if LOSS == "shifted":
        logits, labels = logits[:, :-1], labels[:, 1:]
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    torch.testing.assert_close(loss, expected, atol=ATOL, rtol=1e-4)


def test_generate_matches_greedy_original(original, model):
    inputs = make_inputs(BATCH_SIZE)
    with torch.no_grad():
        generated = model.generate(**inputs, max_new_tokens=GENERATED_TOKENS, do_sample=False)
        expected = inputs["input_ids"]
        for _ in range(GENERATED_TOKENS):
            logits = original_output(original, {"input_ids": expected})
            expected = torch.cat([expected, logits[:, -1].argmax(-1, keepdim=True)], dim=-1)
    assert torch.equal(generated, expected)


def test_save_and_load(model):
    inputs = make_inputs(BATCH_SIZE)
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        loaded, info = PortedForTask.from_pretrained(folder, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(**inputs)[0], model(**inputs)[0], atol=ATOL, rtol=0)


def test_config_round_trip():
    config = PortedConfig()
    with tempfile.TemporaryDirectory() as folder:
        config.save_pretrained(folder)
        loaded = PortedConfig.from_pretrained(folder)
    assert loaded.to_dict() == config.to_dict()


def test_auto_classes(model):
    config = AutoConfig.for_model(MODEL_TYPE)
    assert type(config) is PortedConfig
    assert type(AutoModelForTask.from_config(config)) is PortedForTask
    inputs = make_inputs(BATCH_SIZE)
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        loaded = AutoModelForTask.from_pretrained(folder).eval()
    assert type(loaded) is PortedForTask
    with torch.no_grad():
        torch.testing.assert_close(loaded(**inputs)[0], model(**inputs)[0], atol=ATOL, rtol=0)
