"""Tokenizer, image processor, feature extractor, video processor and processor of the folder.

Each one the model registers for its root config is saved into the folder as transformers saves it: made from
`--preprocessors DIR` (a folder their `save_pretrained` wrote: vocabularies, merges, ...) when given, else with
its defaults. One that cannot be made either way (a tokenizer with no vocabulary, a processor with no tokenizer)
is reported, and its `auto_map` entry is still written with its code, for the files a user adds later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from modgen.export.automap import PREPROCESSOR_FILES, AutoMapPlan, class_ref, is_carried
from modgen.export.registrations import Registration


# Saved first to last: a processor saves its tokenizer and image processor too, with its own files last.
ORDER = ("AutoTokenizer", "AutoFeatureExtractor", "AutoImageProcessor", "AutoVideoProcessor", "AutoProcessor")

# The key of a component's settings in processor_config.json.
NESTED = {
    "AutoImageProcessor": "image_processor",
    "AutoFeatureExtractor": "feature_extractor",
    "AutoVideoProcessor": "video_processor",
}


@dataclass
class PreprocessorResult:
    auto_map: dict[str, object] = field(default_factory=dict)  # entries for config.json
    saved: list[str] = field(default_factory=list)  # Auto classes whose files were written
    notes: list[str] = field(default_factory=list)


def auto_map_value(auto: str, registration: Registration, package_module: str) -> object | None:
    """The auto_map value of a preprocessor: None when its classes are transformers' own (no code to carry)."""
    carried = {k: c for k, c in registration.classes.items() if is_carried(c, package_module)}
    if not carried:
        return None
    if auto == "AutoTokenizer":
        return [class_ref(registration.main), None]
    if len(carried) > 1:
        return {backend: class_ref(c) for backend, c in carried.items()}
    return class_ref(next(iter(carried.values())))


def save_preprocessors(plan: AutoMapPlan, folder: Path, package_module: str, files: Path | None) -> PreprocessorResult:
    result = PreprocessorResult()
    for auto in sorted(plan.preprocessors, key=ORDER.index):
        registration = plan.preprocessors[auto]
        value = auto_map_value(auto, registration, package_module)
        if value is not None:
            result.auto_map[auto] = value
        cls = registration.main
        try:
            made_from = _make(cls, files, folder)
        except Exception as error:  # the class's own message says what it lacks (a vocabulary, a component)
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
            how = f"from {files}" if files is not None else "with its defaults or from the files saved before it"
            result.notes.append(
                f"{auto}: {cls.__name__} could not be made {how} ({type(error).__name__}: {first}); its files are "
                "not in the folder (pass --preprocessors DIR, a folder its save_pretrained wrote)"
            )
            continue
        if made_from == "defaults" and auto in ("AutoTokenizer", "AutoProcessor"):
            result.notes.append(
                f"{auto}: {cls.__name__} was made with its defaults (no trained vocabulary): pass --preprocessors DIR "
                "with the files of the real one"
            )
        result.saved.append(auto)
    for auto, value in result.auto_map.items():
        _add_auto_map(folder / PREPROCESSOR_FILES[auto], auto, value)
        if auto in NESTED:  # a processor's file holds its components' settings too, and is read first
            _add_auto_map(folder / PREPROCESSOR_FILES["AutoProcessor"], auto, value, key=NESTED[auto])
    return result


def _make(cls: type, files: Path | None, folder: Path) -> str:
    """Save an instance of `cls` into `folder`: from the user's files, else its defaults, else from the files of
    the preprocessors saved before it (a processor made of the tokenizer and image processor just saved)."""
    if files is not None:
        cls.from_pretrained(str(files)).save_pretrained(str(folder))
        return "files"
    try:
        instance, made_from = cls(), "defaults"
    except Exception:
        instance, made_from = cls.from_pretrained(str(folder)), "components"
    instance.save_pretrained(str(folder))
    return made_from


def _add_auto_map(path: Path, auto: str, value: object, key: str | None = None) -> None:
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    target = data if key is None else data.get(key)
    if not isinstance(target, dict):
        return
    target.setdefault("auto_map", {})[auto] = value
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
