"""What a model class takes and gives, found by running it: its inputs, the shapes of its outputs, and whether it
generates.

Inputs come from the class's `forward` signature and `main_input_name`, read with the config: token ids of
ordinary tokens (no special token), image tokens in the number the vision tower gives features for (asked from
the model's `get_image_features`), `pixel_values` as images, as images per sample or as flattened patches with
their `image_grid_thw`, `input_features` and `input_values` from the config's feature sizes, decoder inputs for
encoder-decoders (one sequence per codebook when the decoder has `num_codebooks`). The candidates are tried in
turn on the real model built from the tiny config, the first that runs is kept. The generated tests never import
modgen: what is found here is written into them as Python source (`source_of`).
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from modgen.errors import ModgenError


BATCH = 2
SEQUENCE = 7
DECODER_SEQUENCE = 5
SAMPLES = 16_000  # raw audio: one second, enough frames after the usual strided convolutions (and x-vectors)
CHOICES = 2
IMAGE = 32
GENERATED = 3


# --------------------------------------------------------------------------------------------------------------
# Inputs.


def floats(*shape: int):
    """Random floats, the same on every call (the generated tests define the same function)."""
    import torch

    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


def _levels(config) -> Iterator[Any]:
    """The config and its sub-configs, depth first."""
    yield config
    for key in getattr(config, "sub_configs", {}) or {}:
        sub = getattr(config, key, None)
        if sub is not None and not isinstance(sub, dict):
            yield from _levels(sub)


def _find(config, *names: str) -> Any:
    """The first value of one of `names` in the config or its sub-configs."""
    for level in _levels(config):
        for name in names:
            value = getattr(level, name, None)
            if value is not None:
                return value
    return None


def _vision(config):
    """The level of the config that describes images: the one with an image size or patch size."""
    for level in _levels(config):
        if getattr(level, "image_size", None) is not None or getattr(level, "patch_size", None) is not None:
            return level
    return config


def special_ids(config) -> set[int]:
    ids = set()
    for level in _levels(config):
        for key, value in level.to_dict().items():
            if key.endswith(("_token_id", "_token_index", "token_ids")):
                for item in value if isinstance(value, list | tuple) else [value]:
                    if isinstance(item, int) and not isinstance(item, bool):
                        ids.add(item)
    return ids


def text_config(config):
    """The level of the config that token ids are for: its text config, else the first level with a vocabulary
    (musicgen's text encoder, before its decoder of audio codes)."""
    try:
        return config.get_text_config()
    except ValueError:  # several text configs
        return _find_level(config, "vocab_size") or config


def _vocab(config) -> int:
    """The vocabulary token ids come from; 100 ordinary ids for a model without one (canine reads characters)."""
    return getattr(text_config(config), "vocab_size", None) or _find(config, "vocab_size") or 100


def ordinary_ids(config, shape: tuple[int, ...], seed: int = 0, vocab: int | None = None):
    """Token ids of ordinary tokens (no special token of any level), the same on every call."""
    import torch

    special = special_ids(config)
    allowed = torch.tensor([i for i in range(vocab or _vocab(config)) if i not in special])
    generator = torch.Generator().manual_seed(seed)
    return allowed[torch.randint(len(allowed), shape, generator=generator)]


def _image_token(config) -> int | None:
    for name in ("image_token_id", "image_token_index"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    return None


def _size_pair(value) -> tuple[int, int]:
    if isinstance(value, list | tuple):
        return int(value[0]), int(value[-1])
    return (int(value), int(value)) if isinstance(value, int) else (IMAGE, IMAGE)


def pixel_candidates(config, parameters) -> list[dict]:
    """`pixel_values` as images, as images per sample, or as flattened patches with their grid."""
    vision = _vision(config)
    channels = getattr(vision, "num_channels", None) or getattr(vision, "in_channels", None) or 3
    height, width = _size_pair(getattr(vision, "image_size", None))
    candidates = [
        {"pixel_values": floats(BATCH, channels, height, width)},
        {"pixel_values": floats(BATCH, 1, channels, height, width)},
    ]
    grid = next((name for name in parameters if name.startswith("image_grid")), None)
    patch = getattr(vision, "patch_size", None)
    if grid and isinstance(patch, int):
        import torch

        temporal = getattr(vision, "temporal_patch_size", None) or 1
        side = 2 * (getattr(vision, "spatial_merge_size", None) or 1)
        thw = torch.tensor([[1, side, side]] * BATCH)
        patches = floats(BATCH * side * side, channels * temporal * patch * patch)
        candidates.insert(0, {"pixel_values": patches, grid: thw})
    return candidates


def audio_candidates(config, name: str) -> list[dict]:
    if name == "input_values":
        channels = _find(config, "audio_channels") or 1
        candidates = [{name: floats(BATCH, SAMPLES)}, {name: floats(BATCH, channels, SAMPLES)}]
        bins = _find(config, "num_mel_bins")
        if isinstance(bins, int):  # a spectrogram, frames by mel bins
            candidates.append({name: floats(BATCH, _find(config, "max_length") or 64, bins)})
        return candidates
    features = _find(config, "num_mel_bins", "feature_size", "input_feat_per_channel") or 80
    frames = 2 * (_find(config, "max_source_positions") or 32)
    return [{name: floats(BATCH, features, frames)}, {name: floats(BATCH, frames, features)}]


def text_candidates(config, model_class, image_tokens: int) -> list[dict]:
    """`input_ids` (with its attention mask), after the image tokens when there are some; one sequence per
    choice for multiple-choice heads, one per codebook for decoders of codebooks."""
    import torch

    ids = ordinary_ids(config, (BATCH, SEQUENCE))
    eos = getattr(text_config(config), "eos_token_id", None)
    if getattr(config, "is_encoder_decoder", False) and isinstance(eos, int):
        ids[:, -1] = eos  # encoder-decoders pool on it
    if image_tokens:
        token = _image_token(config)
        start, end = getattr(config, "vision_start_token_id", None), getattr(config, "vision_end_token_id", None)
        images = [torch.full((BATCH, image_tokens), token)]
        if isinstance(start, int) and isinstance(end, int):
            images = [torch.full((BATCH, 1), start), *images, torch.full((BATCH, 1), end)]
        ids = torch.cat([*images, ids], dim=1)
    shapes = [ids]
    if model_class.__name__.endswith("ForMultipleChoice"):
        shapes.insert(0, ids.unsqueeze(1).expand(-1, CHOICES, -1).contiguous())
    candidates = [{"input_ids": value, "attention_mask": torch.ones_like(value)} for value in shapes]
    if image_tokens:  # which tokens are image tokens (1) and which are text (0), for the models that ask
        for candidate in candidates:
            candidate["mm_token_type_ids"] = (candidate["input_ids"] == _image_token(config)).long()
    return candidates


def decoder_candidates(config) -> list[dict]:
    """Decoder inputs of an encoder-decoder, or none (heads that pool on the source build their own)."""
    codebooks = _find(config, "num_codebooks")
    vocab = getattr(_find_level(config, "num_codebooks"), "vocab_size", None) if codebooks else None
    candidates = [{"decoder_input_ids": ordinary_ids(config, (BATCH, DECODER_SEQUENCE), seed=1, vocab=vocab)}]
    if codebooks:
        shape = (BATCH * codebooks, DECODER_SEQUENCE)
        candidates.insert(0, {"decoder_input_ids": ordinary_ids(config, shape, seed=1, vocab=vocab)})
    return [*candidates, {}]


def _find_level(config, name: str):
    return next((level for level in _levels(config) if getattr(level, name, None) is not None), None)


def image_feature_count(model, pixels: dict) -> int | None:
    """How many image tokens one image becomes: the features `get_image_features` gives, per image."""
    import torch

    # The head's own, or its base model's (`Gemma3ForSequenceClassification.model`).
    get = next((m.get_image_features for m in model.modules() if hasattr(m, "get_image_features")), None)
    if get is None:
        return None
    parameters = inspect.signature(get).parameters
    with torch.no_grad():
        features = get(**{k: v for k, v in pixels.items() if k in parameters})
    if hasattr(features, "pooler_output") and features.pooler_output is not None:
        features = features.pooler_output
    elif hasattr(features, "last_hidden_state"):
        features = features.last_hidden_state
    if isinstance(features, list | tuple):
        features = torch.cat([f.reshape(-1, f.shape[-1]) for f in features])
    hidden = text_config(model.config).hidden_size
    total = features.numel() // hidden
    return total // BATCH if total % BATCH == 0 else None


def input_candidates(model, config, image_tokens: Sequence[int] = ()) -> Iterator[dict]:
    """Every candidate input set of a model, most specific first. `image_tokens`: how many tokens an image may
    become, for heads that cannot tell (found with the model's other classes)."""
    parameters = inspect.signature(model.forward).parameters
    main = getattr(model, "main_input_name", "input_ids")

    def needed(name: str) -> bool:
        return name == main or parameters[name].default is inspect.Parameter.empty

    groups: list[list] = []  # one list of alternatives per kind of input; `{}` leaves an optional input out
    image_token = _image_token(config) is not None
    if "pixel_values" in parameters:
        pixels = pixel_candidates(config, parameters)
        groups.append(pixels if needed("pixel_values") or image_token else [{}, *pixels])
    for name in ("input_features", "input_values"):
        if name in parameters:
            audio = audio_candidates(config, name)
            groups.append(audio if needed(name) else [{}, *audio])
    if "input_ids" in parameters:
        groups.append(["text"] if needed("input_ids") or not groups else [{}, "text"])
    if "decoder_input_ids" in parameters and getattr(config, "is_encoder_decoder", False):
        groups.append(decoder_candidates(config))
    embeds = [name for name, p in parameters.items() if name.endswith("embeds") and needed(name)]
    if embeds:  # `query_embeds` of a Q-Former: hidden states of its width
        groups.append([{name: floats(BATCH, SEQUENCE, _find(config, "hidden_size")) for name in embeds}])
    encoder_width = getattr(config, "encoder_hidden_size", None)
    if "encoder_hidden_states" in parameters and isinstance(encoder_width, int):  # what it cross-attends to
        groups.append([{}, {"encoder_hidden_states": floats(BATCH, SEQUENCE, encoder_width)}])
    for combination in itertools.product(*groups):
        inputs: dict = {}
        for part in combination:
            if part != "text":
                inputs.update(part)
        if "text" not in combination:
            yield inputs
            continue
        counts = [0]
        if "pixel_values" in inputs:
            own = _image_tokens(model, config, inputs)
            counts = [own] if own else list(image_tokens) or [0]
        for tokens in counts:
            for text in text_candidates(config, type(model), tokens):
                yield {**inputs, **{key: value for key, value in text.items() if key in parameters}}


def _image_tokens(model, config, inputs: dict) -> int | None:
    if _image_token(config) is None:
        return None
    try:
        return image_feature_count(model, inputs)
    except Exception:
        return None


# --------------------------------------------------------------------------------------------------------------
# Running the parent.


def count_image_tokens(model_class: type, config) -> int | None:
    """How many tokens one image becomes in a model: the features its `get_image_features` gives."""
    import torch

    if _image_token(config) is None:
        return None
    torch.manual_seed(0)
    model = model_class(config).eval()
    parameters = inspect.signature(model.forward).parameters
    for pixels in pixel_candidates(config, parameters):
        try:
            count = image_feature_count(model, pixels)
        except Exception:
            continue
        if count:
            return count
    return None


@dataclass
class Probed:
    """What one class of the parent takes and gives."""

    name: str
    inputs: dict | None = None  # None when no candidate ran
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    generates: bool = False
    untested: list[str] = field(default_factory=list)  # what its tests cannot check, and why


def output_tensors(output, prefix: str = "") -> dict:
    """Every tensor of a model output, nested outputs included, by dotted field name."""
    import torch

    found = {}
    items = output.items() if hasattr(output, "items") else enumerate(output)
    for key, value in items:
        if isinstance(value, torch.Tensor):
            found[f"{prefix}{key}"] = value
        elif hasattr(value, "items"):
            found.update(output_tensors(value, f"{prefix}{key}."))
    return found


def probe_class(model_class: type, config, *, generate: bool = True, image_tokens: Sequence[int] = ()) -> Probed:
    """Run `model_class` (built from `config` with weights from a fixed seed) on each input candidate."""
    import copy

    import torch

    probed = Probed(model_class.__name__)
    torch.manual_seed(0)
    try:
        model = model_class(copy.deepcopy(config)).eval()
    except Exception as error:
        probed.untested.append(f"{model_class.__name__}: does not build from the tiny config ({_first_line(error)})")
        return probed
    errors: list[str] = []
    for inputs in _while_buildable(input_candidates(model, config, image_tokens), errors):
        try:
            with torch.no_grad():
                tensors = output_tensors(model(**inputs))
        except Exception as error:
            errors.append(f"{type(error).__name__}: {_first_line(error)}")
            continue
        if tensors:
            probed.inputs = inputs
            probed.shapes = {key: tuple(value.shape) for key, value in tensors.items()}
            break
    if probed.inputs is None:
        reason = errors[0][:200] if errors else "its forward takes no input modgen knows how to build"
        if len(errors) > 1:
            reason += f"; {len(errors) - 1} other input candidates failed too"
        probed.untested.append(f"{model_class.__name__}: no generic input runs its forward ({reason})")
        return probed
    if generate and model_class.can_generate():
        probed.generates = _generates(model, probed)
    return probed


def _while_buildable(candidates: Iterator[dict], errors: list[str]) -> Iterator[dict]:
    """The candidates, until one cannot be built from the config (its error noted)."""
    while True:
        try:
            inputs = next(candidates)
        except StopIteration:
            return
        except Exception as error:
            errors.append(f"{type(error).__name__} while building inputs: {_first_line(error)}")
            return
        yield inputs


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def generation_inputs(inputs: dict) -> dict:
    """What `generate()` takes of the forward's inputs: no decoder inputs (it makes them)."""
    return {key: value for key, value in inputs.items() if not key.startswith("decoder_")}


def _generates(model, probed: Probed) -> bool:
    settings = {"max_new_tokens": GENERATED, "min_new_tokens": GENERATED, "do_sample": False}
    try:
        model.generate(**generation_inputs(probed.inputs), **settings)
    except Exception as error:
        probed.untested.append(
            f"{probed.name}.generate(): does not run on the generic inputs ({_first_line(error)[:200]})"
        )
        return False
    return True


# --------------------------------------------------------------------------------------------------------------
# Writing inputs into a test.


def source_of(value) -> str:
    """Python source that rebuilds an input tensor in the generated test (with its `floats` helper)."""
    import torch

    shape = ", ".join(str(size) for size in value.shape)
    if value.is_floating_point():
        if torch.equal(value, floats(*value.shape)):
            return f"floats({shape})"
        raise ModgenError("an input tensor of floats that `floats` does not rebuild")
    if value.numel() and bool((value == 1).all()):
        return f"torch.ones({shape}, dtype=torch.{str(value.dtype).removeprefix('torch.')})"
    return f"torch.tensor({value.tolist()})"


def forward_check(model_class: type):
    """A check for the tiny config search: `model_class` built from the config runs on some input candidate."""

    def check(config) -> None:
        probed = probe_class(model_class, config, generate=False)
        if probed.inputs is None:
            raise ModgenError(probed.untested[0])

    return check
