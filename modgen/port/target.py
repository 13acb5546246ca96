"""TARGET of `modgen port`: `path/to/file.py:ClassName` or `package.module:ClassName`, imported as the user's
code imports it; every way it can fail is a `UsageError` that says why (with the import error itself)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from modgen.errors import UsageError


@dataclass
class Target:
    spec: str  # as the user wrote it
    cls: type
    module: ModuleType
    file: Path | None  # the source file, when TARGET names one
    module_name: str  # importable name (`timm.models.resnet`), or the file's stem for a file

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def source_file(self) -> Path:
        return self.file or Path(inspect.getsourcefile(self.cls))

    def line_of(self, obj) -> int | None:
        try:
            return inspect.getsourcelines(obj)[1]
        except (OSError, TypeError):
            return None


def load_target(spec: str) -> Target:
    where, _, class_name = spec.rpartition(":")
    if not where or not class_name.isidentifier():
        raise UsageError(
            f"TARGET {spec!r} names no class",
            hint="write path/to/model.py:ClassName or package.module:ClassName",
        )
    if where.endswith(".py") or "/" in where:
        file = Path(where).resolve()
        module, module_name = _import_file(file, spec), file.stem
    else:
        file, module_name = None, where
        module = _import_module(where, spec)
    cls = getattr(module, class_name, None)
    source = file or where
    if cls is None:
        modules = sorted(n for n, v in vars(module).items() if _is_module_class(v) and v.__module__ == module.__name__)
        raise UsageError(
            f"{source} defines no {class_name}",
            hint=f"its nn.Module classes: {', '.join(modules)}" if modules else "check the class name",
        )
    if not _is_module_class(cls):
        line = _line(cls)
        kind = "a class" if inspect.isclass(cls) else f"a {type(cls).__name__}"
        raise UsageError(
            f"{class_name} is {kind}, not a torch.nn.Module subclass: modgen port ports the root nn.Module of a model",
            path=file or (inspect.getsourcefile(cls) if inspect.isclass(cls) else None),
            line=line,
            hint="name the class whose forward runs the whole model (e.g. the class you instantiate to train)",
        )
    return Target(spec, cls, module, file, module_name)


def _is_module_class(value) -> bool:
    import torch

    return inspect.isclass(value) and issubclass(value, torch.nn.Module)


def _line(obj) -> int | None:
    try:
        return inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        return None


def _import_module(name: str, spec: str):
    try:
        return importlib.import_module(name)
    except Exception as error:  # the user's code may raise anything while importing
        raise _import_error(error, spec, None) from error


def _import_file(file: Path, spec: str):
    if not file.is_file():
        raise UsageError(f"{file} does not exist", hint="TARGET is path/to/model.py:ClassName")
    # the file imports its siblings as the repository's scripts do: with its folder on the path
    name = f"_modgen_port_{file.stem}_{uuid.uuid4().hex[:8]}"
    module_spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(file.parent))
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(name, None)
        raise _import_error(error, spec, file) from error
    finally:
        sys.path.remove(str(file.parent))
    return module


def _import_error(error: Exception, spec: str, file: Path | None) -> UsageError:
    """The import error as the user would see it, at the innermost line of their own code (or the file's)."""
    frames = traceback.extract_tb(error.__traceback__)
    modgen = Path(__file__).resolve().parents[1]
    own = [f for f in frames if file is not None and Path(f.filename).resolve() == file]
    users = [f for f in frames if "importlib" not in f.filename and modgen not in Path(f.filename).resolve().parents]
    frame = (own or users or [None])[-1]
    if isinstance(error, SyntaxError):
        return UsageError(
            f"cannot import {spec}: SyntaxError: {error.msg}",
            path=error.filename,
            line=error.lineno,
            hint="fix the syntax error; python -m py_compile FILE shows it too",
        )
    hint = "install what it imports in this environment, or fix the import"
    if isinstance(error, ModuleNotFoundError):
        hint = f"`{error.name}` is not installed here (pip install it), or the import is wrong"
    return UsageError(
        f"cannot import {spec}: {type(error).__name__}: {error}",
        path=frame.filename if frame else file,
        line=frame.lineno if frame else None,
        hint=hint,
    )
