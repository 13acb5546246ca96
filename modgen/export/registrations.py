"""What a model registers with transformers' Auto classes, read by importing it as its users do.

`import PACKAGE.models.NAME` runs the model's registrations (`AutoModel.register(...)` and the like, however
they are written); the Auto mappings then hold classes of the model's modules. Importing is the only reading
that sees every registration of a hand-written model, so that is what this does, with the project's `src/` on
`sys.path` only for as long as it takes.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from modgen.errors import UsageError
from modgen.export.project import ModelSource


# Auto classes whose mapping is not `_model_mapping`: name -> (module of transformers.models.auto, mapping).
PREPROCESSOR_AUTOS = {
    "AutoTokenizer": ("tokenization_auto", "TOKENIZER_MAPPING"),
    "AutoImageProcessor": ("image_processing_auto", "IMAGE_PROCESSOR_MAPPING"),
    "AutoVideoProcessor": ("video_processing_auto", "VIDEO_PROCESSOR_MAPPING"),
    "AutoFeatureExtractor": ("feature_extraction_auto", "FEATURE_EXTRACTOR_MAPPING"),
    "AutoProcessor": ("processing_auto", "PROCESSOR_MAPPING"),
}


@dataclass(frozen=True)
class Registration:
    """`auto` maps `config` to `classes` (backend -> class; one entry "" but for image and video processors)."""

    auto: str
    config: type
    classes: dict[str, type]

    @property
    def main(self) -> type:
        return self.classes.get("") or self.classes.get("torchvision") or next(iter(self.classes.values()))


@dataclass
class Registrations:
    configs: dict[str, type]  # model_type -> config class
    entries: list[Registration]

    def for_config(self, config: type) -> list[Registration]:
        return [r for r in self.entries if r.config is config]


@contextmanager
def project_on_path(source: ModelSource) -> Iterator[None]:
    """The project importable, and forgotten afterwards (another project may use the same package name)."""
    sys.path.insert(0, str(source.src))
    _forget(source.package)
    try:
        yield
    finally:
        sys.path.remove(str(source.src))
        _forget(source.package)


def _forget(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


def import_model(source: ModelSource):
    """Import the model's package as a user does; its error, if any, as a clear message."""
    try:
        # transformers prints notices to stdout while decorating classes it does not know; stdout is --json's
        with contextlib.redirect_stdout(sys.stderr):
            return importlib.import_module(source.module)
    except Exception as error:  # the user's code: any error is theirs to see, with where it happened
        frame = traceback.extract_tb(error.__traceback__)[-1]
        raise UsageError(
            f"importing {source.module} failed: {type(error).__name__}: {error}",
            path=frame.filename,
            line=frame.lineno,
            hint="the model must import before it can be exported (python -c 'import " + source.module + "')",
        ) from error


def read_registrations(source: ModelSource) -> Registrations:
    """Every Auto registration of a class of the model's folder (call inside `project_on_path`)."""
    import_model(source)
    from transformers.models.auto import CONFIG_MAPPING

    configs = {key: cls for key, cls in CONFIG_MAPPING._extra_content.items() if _is_current(cls, source)}
    entries = [Registration("AutoConfig", cls, {"": cls}) for cls in configs.values()]
    for auto, mapping in _auto_mappings():
        for config, value in mapping._extra_content.items():
            if not (isinstance(config, type) and _is_current(config, source)):
                continue
            classes = _as_dict(value)
            if classes:
                entries.append(Registration(auto, config, classes))
    return Registrations(configs, entries)


def _auto_mappings() -> Iterator[tuple[str, object]]:
    import transformers.models.auto as auto_module

    for name in sorted(dir(auto_module)):
        mapping = getattr(getattr(auto_module, name), "_model_mapping", None)
        if name.startswith("Auto") and mapping is not None:
            yield name, mapping
    for name, (module, attribute) in PREPROCESSOR_AUTOS.items():
        yield name, getattr(importlib.import_module(f"transformers.models.auto.{module}"), attribute)


def _as_dict(value) -> dict[str, type]:
    """A mapping's value as backend -> class: a class, a (slow, fast) pair, or a {backend: class} dict."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(v, type)}
    if isinstance(value, tuple | list):
        classes = [v for v in value if isinstance(v, type)]
        return {"": classes[-1]} if classes else {}
    return {"": value} if isinstance(value, type) else {}


def _is_current(cls: type, source: ModelSource) -> bool:
    """A class of the model's folder as imported now (not one left registered by an earlier import)."""
    module = sys.modules.get(cls.__module__)
    return (
        cls.__module__.startswith(source.module + ".")
        and module is not None
        and getattr(module, cls.__name__, None) is cls
    )
