"""The model run once, as the user's code runs it: built from the constructor's arguments, given example inputs
(inferred from the first layer that holds weights, or from `--input NAME=EXPR`), its output read for the task."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import torch

from modgen.errors import UsageError
from modgen.port.example import Arguments, namespace
from modgen.port.target import Target
from modgen.port.tasks import infer_task


BATCH = 2
TOKEN_LENGTHS = (7, 5, 6, 4)  # distinct per input, so that an output's length says which input it follows
IMAGE_SIZE = 224
AUDIO_LENGTH = 1600


@dataclass
class InputSpec:
    parameter: str  # the original forward's parameter
    kind: str  # "tokens", "image", "audio", "features"
    shape: tuple[int, ...]  # without the batch dimension
    dtype: str  # "long" or "float"
    high: int | None = None  # token ids are below it

    def example(self, batch: int = BATCH) -> torch.Tensor:
        generator = torch.Generator().manual_seed(0)
        if self.dtype == "long":
            return torch.randint(0, self.high, (batch, *self.shape), generator=generator)
        return torch.randn(batch, *self.shape, generator=generator)


@dataclass
class Probe:
    model: torch.nn.Module
    inputs: list[InputSpec]
    output_shape: tuple[int, ...]
    output_path: str  # how the first tensor is found in the output: "", "[0]", "['logits']"
    task: str
    tied: dict[str, str] = field(default_factory=dict)  # target parameter -> source parameter (same tensor)
    parameters: int = 0


def build(target: Target, arguments: Arguments) -> torch.nn.Module:
    if arguments.built is not None:
        return arguments.built
    try:
        return target.cls(**arguments.values)
    except Exception as error:
        raise UsageError(
            f"building {target.name}(**arguments) failed: {type(error).__name__}: {error}",
            path=target.source_file,
            line=target.line_of(target.cls.__init__),
            hint="give the arguments it needs with --example NAME=VALUE",
        ) from error


def probe(target: Target, arguments: Arguments, given_inputs: tuple[str, ...], task: str | None) -> Probe:
    model = build(target, arguments).eval()
    inputs = forward_inputs(target, model, given_inputs)
    tensors = [spec.example() for spec in inputs]
    try:
        with torch.no_grad():
            output = model(*tensors)
    except Exception as error:
        shapes = ", ".join(f"{s.parameter}={tuple(t.shape)} {t.dtype}" for s, t in zip(inputs, tensors, strict=True))
        raise UsageError(
            f"{target.name}.forward failed on the inputs modgen inferred ({shapes}): {type(error).__name__}: {error}",
            path=target.source_file,
            line=target.line_of(target.cls.forward),
            hint='give example inputs: --input "NAME=torch.randn(2, 3, 32, 32)" for each forward parameter',
        ) from error
    path, tensor = first_tensor(output)
    if tensor is None:
        raise UsageError(f"{target.name}.forward returned no tensor ({type(output).__name__})")
    vocab_sizes = {m.num_embeddings for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    lengths = [spec.shape[0] if spec.kind == "tokens" else None for spec in inputs]
    inferred = infer_task([s.kind for s in inputs], lengths, tuple(tensor.shape), vocab_sizes)
    return Probe(
        model,
        inputs,
        tuple(tensor.shape),
        path,
        task or inferred,
        tied_parameters(model),
        sum(p.numel() for p in model.parameters()),
    )


def first_tensor(output) -> tuple[str, torch.Tensor | None]:
    if isinstance(output, torch.Tensor):
        return "", output
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return "[0]", output[0]
    if isinstance(output, dict):
        key = "logits" if "logits" in output else next(iter(output), None)
        if key is not None and isinstance(output[key], torch.Tensor):
            return f"[{key!r}]", output[key]
    return "", None


def required_parameters(cls: type) -> list[str]:
    signature = inspect.signature(cls.forward)
    return [
        p.name
        for p in list(signature.parameters.values())[1:]
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def forward_inputs(target: Target, model: torch.nn.Module, given: tuple[str, ...]) -> list[InputSpec]:
    names = required_parameters(target.cls)
    explicit = dict(_given_input(target, text) for text in given)
    for name in explicit:
        if name not in names:
            names.append(name)  # an optional parameter the user wants tested too
    inferred = _inferred_kind(model)
    specs = []
    for index, name in enumerate(names):
        if name in explicit:
            specs.append(_spec_of(name, explicit[name]))
        elif inferred is None:
            raise UsageError(
                f"cannot infer an example input for {target.name}.forward's `{name}` (its first layer with weights "
                "is no embedding, convolution or linear layer)",
                path=target.source_file,
                line=target.line_of(target.cls.forward),
                hint=f'give one: --input "{name}=torch.randn(2, ...)"',
            )
        else:
            kind, shape, high = inferred
            if kind == "tokens":
                shape = (TOKEN_LENGTHS[index % len(TOKEN_LENGTHS)],)
            specs.append(InputSpec(name, kind, shape, "long" if kind == "tokens" else "float", high))
    return specs


def _inferred_kind(model: torch.nn.Module) -> tuple[str, tuple[int, ...], int | None] | None:
    for module in model.modules():
        if not list(module.parameters(recurse=False)):
            continue
        if isinstance(module, torch.nn.Embedding):
            # every Embedding (positions too) must accept the ids: below the smallest
            high = min(m.num_embeddings for m in model.modules() if isinstance(m, torch.nn.Embedding))
            return "tokens", (), high
        if isinstance(module, torch.nn.Conv2d):
            return "image", (module.in_channels, IMAGE_SIZE, IMAGE_SIZE), None
        if isinstance(module, torch.nn.Conv1d):
            return "audio", (module.in_channels, AUDIO_LENGTH), None
        if isinstance(module, torch.nn.Linear):
            return "features", (module.in_features,), None
        return None
    return None


def _given_input(target: Target, text: str) -> tuple[str, torch.Tensor]:
    name, _, expression = text.partition("=")
    name = name.strip()
    if not name.isidentifier() or not expression.strip():
        raise UsageError(f"--input {text!r} is not NAME=EXPR", hint='e.g. --input "x=torch.randn(2, 3, 32, 32)"')
    try:
        value = eval(compile(expression, "<--input>", "eval"), namespace(target))  # the user's own expression
    except Exception as error:
        raise UsageError(f"--input {text!r} failed: {type(error).__name__}: {error}") from error
    if not isinstance(value, torch.Tensor) or value.dim() == 0:
        raise UsageError(f"--input {text!r} is not a batched tensor", hint="the first dimension is the batch")
    return name, value


def _spec_of(name: str, tensor: torch.Tensor) -> InputSpec:
    shape = tuple(tensor.shape[1:])
    if tensor.dtype in (torch.long, torch.int, torch.int32, torch.int64):
        return InputSpec(name, "tokens", shape, "long", int(tensor.max()) + 1)
    kind = "image" if len(shape) == 3 else "audio" if len(shape) in (1, 2) else "features"
    return InputSpec(name, kind, shape, "float")


def tied_parameters(model: torch.nn.Module) -> dict[str, str]:
    """Parameters shared under two names (tied weights): each later name -> the first, as transformers ties."""
    first: dict[int, str] = {}
    tied = {}
    for name, parameter in model.named_parameters(remove_duplicate=False):
        if id(parameter) in first:
            tied[name] = first[id(parameter)]
        else:
            first[id(parameter)] = name
    return tied
