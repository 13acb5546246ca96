"""The parts of `modgen port`, each on real code: the research fixtures, timm's ResNet, small modules written here."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from modgen.errors import UsageError
from modgen.port.example import constructor_arguments
from modgen.port.literals import hyper_parameter_literals
from modgen.port.probe import probe, tied_parameters
from modgen.port.signature import annotation_of, config_spec, is_config_value
from modgen.port.target import load_target
from modgen.port.tasks import infer_task
from tests.port.helpers import FIXTURES


CHECKED = """
import torch


class Checked(torch.nn.Module):
    def __init__(self, width=8, heads=2, norm="layer", scale=1.0, act=torch.nn.GELU):
        super().__init__()
        assert norm in ("layer", "rms"), "unknown norm"
        if width % heads != 0:
            raise ValueError("width must be divisible by heads")
        assert scale > 0
        assert act is not None  # over a parameter that is no config field: not a check of the config
        self.proj = torch.nn.Linear(width, width * 3)
        self.norm = torch.nn.LayerNorm(width, eps=1e-6)

    def forward(self, x):
        return self.norm(self.proj(x)[..., : x.shape[-1]])
"""


@pytest.fixture
def checked(tmp_path: Path):
    path = tmp_path / "checked.py"
    path.write_text(CHECKED)
    return load_target(f"{path}:Checked")


def test_fields_checks_and_what_stays_in_code(checked):
    spec = config_spec(checked, constructor_arguments(checked, ()))
    assert [(f.name, f.value, f.annotation) for f in spec.fields] == [
        ("width", 8, "int"),
        ("heads", 2, "int"),
        ("norm", "layer", "str"),
        ("scale", 1.0, "int | float"),
    ]
    assert spec.left_to_original == ["act"]
    assert [(c.violated, c.requirement, c.message) for c in spec.checks] == [
        ("self.norm not in ('layer', 'rms')", "norm in ('layer', 'rms')", "unknown norm"),
        ("self.width % self.heads != 0", "width % heads == 0", "width must be divisible by heads"),
        ("self.scale <= 0", "scale > 0", None),
    ]


def test_example_overrides_and_fixes_a_class(checked):
    arguments = constructor_arguments(checked, ("width=12", "act=torch.nn.ReLU"))
    spec = config_spec(checked, arguments)
    assert next(f for f in spec.fields if f.name == "width").origin == "example"
    (fixed,) = spec.fixed
    assert (fixed.parameter, fixed.expression, fixed.imports) == (
        "act",
        "ReLU",
        [("torch.nn.modules.activation", "ReLU")],
    )


def test_factory_example_records_the_constructor_call():
    target = load_target("timm.models.resnet:ResNet")
    arguments = constructor_arguments(target, ("timm.create_model('resnet18')",))
    from timm.models.resnet import BasicBlock

    assert arguments.values["block"] is BasicBlock
    assert list(arguments.values["layers"]) == [2, 2, 2, 2]
    assert arguments.origin["layers"] == "example" and arguments.origin["zero_init_last"] == "default"
    assert isinstance(arguments.built, target.cls)


def test_probe_infers_inputs_task_and_ties():
    target = load_target(f"{FIXTURES / 'gpt' / 'model.py'}:GPT")
    found = probe(target, constructor_arguments(target, ("vocab_size=50",)), (), None)
    (spec,) = found.inputs
    assert (spec.parameter, spec.kind, spec.dtype, spec.high) == ("idx", "tokens", "long", 50)
    assert found.task == "causal-lm" and found.output_path == "[0]"
    assert found.tied == {"lm_head.weight": "transformer.wte.weight"}


def test_probe_of_an_encoder_decoder():
    target = load_target(f"{FIXTURES / 'seq2seq' / 'translate.py'}:Seq2SeqTransformer")
    arguments = constructor_arguments(target, ("src_vocab_size=30", "tgt_vocab_size=20"))
    found = probe(target, arguments, (), None)
    assert [s.parameter for s in found.inputs] == ["src", "tgt"]
    assert found.task == "seq2seq-lm" and found.output_shape[-1] == 20


def test_given_input_and_task():
    target = load_target(f"{FIXTURES / 'gpt' / 'model.py'}:GPT")
    arguments = constructor_arguments(target, ("vocab_size=50",))
    found = probe(target, arguments, ("idx=torch.randint(0, 10, (3, 4))",), "feature-extraction")
    assert found.inputs[0].shape == (4,) and found.inputs[0].high <= 10
    assert found.task == "feature-extraction"


@pytest.mark.parametrize(
    ("kinds", "lengths", "shape", "task"),
    [
        (["image"], [None], (2, 1000), "image-classification"),
        (["tokens"], [7], (2, 7, 50), "causal-lm"),
        (["tokens"], [7], (2, 7, 64), "feature-extraction"),  # last dimension is no vocabulary
        (["tokens", "tokens"], [7, 5], (2, 5, 50), "seq2seq-lm"),
        (["tokens"], [7], (2, 3), "sequence-classification"),
        (["audio"], [None], (2, 10), "audio-classification"),
        (["image"], [None], (2, 64, 7, 7), "feature-extraction"),
    ],
)
def test_infer_task(kinds, lengths, shape, task):
    assert infer_task(kinds, lengths, shape, {50}) == task


def test_tied_parameters_follow_named_parameters():
    model = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.Linear(3, 5, bias=False))
    model[1].weight = model[0].weight
    assert tied_parameters(model) == {"1.weight": "0.weight"}


def test_literals_group_the_same_call(checked):
    model = checked.cls()
    lines = hyper_parameter_literals(model, checked.cls)
    assert len(lines) == 2
    assert lines[0].endswith("`torch.nn.Linear(width, width * 3)`")
    assert lines[1].endswith("`torch.nn.LayerNorm(width, eps=1e-06)`")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, True), ((1, [2, 3]), True), ({"a": None}, True), (float("nan"), False), (torch.nn.ReLU, False)],
)
def test_config_values(value, expected):
    assert is_config_value(value) is expected


def test_annotations():
    assert [annotation_of(v) for v in (True, 1, 0.5, "s", (1,), {}, None)] == [
        "bool",
        "int",
        "int | float",
        "str",
        "list | tuple",
        "dict",
        "Any",
    ]


def test_value_a_config_cannot_hold_nor_import(checked):
    arguments = constructor_arguments(checked, ("act=lambda x: x",))
    with pytest.raises(UsageError, match="neither a JSON value"):
        config_spec(checked, arguments)
