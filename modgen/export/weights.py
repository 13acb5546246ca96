"""The config and weights of the folder: the config's defaults (or a config.json given), and the weights of the
model class the folder is for, random or converted from a state dict (`.safetensors`, `.bin`, `.pt`).

Weights are loaded with transformers' own `from_pretrained` (base-model prefixes, tied weights and the model's
key renames handled as they will be when the folder is loaded), and every key must match: a state dict with
missing or unexpected keys is an error, not a half-initialised model.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modgen.errors import UsageError


STATE_DICT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")
# Keys a training script wraps a state dict in.
WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")


@dataclass
class Weights:
    model_class: type
    source: str  # "random (seed N)" or the state dict's path
    parameters: int


def make_config(config_class: type, config_path: Path | None):
    """The root config: its defaults, or a config.json (a file, or a folder save_pretrained wrote)."""
    if config_path is None:
        return config_class()
    path = config_path / "config.json" if config_path.is_dir() else config_path
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the config: {error}", path=path, hint="--config takes a config.json") from error
    expected = getattr(config_class, "model_type", None)
    if values.get("model_type", expected) != expected:
        raise UsageError(
            f"the config is a {values['model_type']!r} config, not {expected!r}",
            path=path,
            hint=f"give a config.json of {config_class.__name__}",
        )
    values.pop("auto_map", None)
    try:
        return config_class.from_dict(values)
    except Exception as error:  # the config's own validation: its message is the user's to read
        raise UsageError(f"{config_class.__name__} rejects this config: {error}", path=path) from error


def read_state_dict(path: Path) -> dict:
    import torch

    if not path.is_file():
        raise UsageError(f"{path} does not exist", hint="--weights takes a state dict: .safetensors, .bin or .pt")
    if path.suffix not in STATE_DICT_SUFFIXES:
        raise UsageError(f"{path}: not a state dict file ({', '.join(STATE_DICT_SUFFIXES)})")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a corrupt file, or a pickled object that is not a plain state dict
        raise UsageError(
            f"cannot read the state dict: {type(error).__name__}: {str(error).splitlines()[0]}",
            path=path,
            hint="save the weights with torch.save(model.state_dict(), PATH) or safetensors",
        ) from error
    for key in WRAPPER_KEYS:
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise UsageError(f"{path} holds no state dict (a dict of tensors)", path=path)
    return loaded


def check_memory(model_class: type, config, weights_path: Path | None) -> int:
    """The model's parameter count; an error if it cannot fit in half the memory available (the default config
    of a `like llama` model is Llama's 7B: random weights of that size are rarely what one wants)."""
    import torch

    with torch.device("meta"):
        model = model_class(config)
    parameters = sum(p.numel() for p in model.parameters())
    needed = sum(p.numel() * p.element_size() for p in model.parameters())
    available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if needed > available / 2:
        raise UsageError(
            f"{model_class.__name__} with this config has {parameters / 1e9:.1f}B parameters ({needed / 1e9:.1f} GB); "
            f"this machine has {available / 1e9:.1f} GB available",
            hint="pass --config with the sizes you want (a config.json)"
            + ("" if weights_path else ", or --weights with trained weights"),
        )
    return parameters


def choose_model_class(candidates: list[type], config, state_dict: dict | None) -> type:
    """The class the weights are for: the one whose keys match the state dict best, else the largest model
    (the one with a head: LlamaForCausalLM rather than LlamaModel), built on the meta device to count."""
    import torch

    scores = []
    for order, cls in enumerate(dict.fromkeys(candidates)):
        with torch.device("meta"):
            model = cls(config)
        keys = set(model.state_dict())
        size = sum(p.numel() for p in model.parameters())
        mismatch = _mismatch(keys, set(state_dict), model.base_model_prefix) if state_dict is not None else 0
        scores.append((mismatch, -size, order, cls))
    return min(scores, key=lambda s: s[:3])[3]


def _mismatch(model_keys: set[str], given: set[str], prefix: str) -> int:
    def strip(key: str) -> str:
        return key.removeprefix(prefix + ".") if prefix else key

    ours = {strip(k) for k in model_keys}
    theirs = {strip(k) for k in given}
    return len(ours ^ theirs)


def build_model(model_class: type, config, state_dict: dict | None, weights_path: Path | None, seed: int):
    """The model to save: random (seeded), or with the state dict loaded; every key must match."""
    import torch

    if state_dict is None:
        torch.manual_seed(seed)
        return model_class(config).eval()
    with tempfile.TemporaryDirectory(prefix="modgen-weights-") as folder:
        config.save_pretrained(folder)
        torch.save(state_dict, Path(folder) / "pytorch_model.bin")
        model, info = model_class.from_pretrained(folder, config=config, output_loading_info=True)
    problems = {k: info.get(k) for k in ("missing_keys", "unexpected_keys", "mismatched_keys") if info.get(k)}
    if problems:
        lines = [
            f"{k.replace('_', ' ')}: {', '.join(map(str, sorted(v)[:8]))}{' ...' if len(v) > 8 else ''}"
            for k, v in problems.items()
        ]
        raise UsageError(
            f"the state dict does not match {model_class.__name__}:\n  " + "\n  ".join(lines),
            path=weights_path,
            hint="give the weights of this model (and --config with the sizes they were trained with)",
        )
    return model.eval()
