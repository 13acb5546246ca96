"""`modgen export`, step by step: read the model, plan the folder, build it in a staging folder, load it in a
clean process, and only then move it into place (all or nothing; an existing folder is replaced only with
`force`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import UsageError
from modgen.export.automap import AutoMapPlan, class_ref, is_carried, plan_auto_map
from modgen.export.card import model_card
from modgen.export.carry import Problem, carry, raise_problems
from modgen.export.preprocessors import save_preprocessors
from modgen.export.project import ModelSource
from modgen.export.push_script import push_script
from modgen.export.registrations import project_on_path, read_registrations
from modgen.export.verify import verify_folder
from modgen.export.weights import build_model, check_memory, choose_model_class, make_config, read_state_dict


STEPS = 5


@dataclass
class ExportOptions:
    out: Path
    weights: Path | None = None
    config: Path | None = None
    preprocessors: Path | None = None
    push_script: bool = False
    force: bool = False
    seed: int = 0
    license: str = "apache-2.0"
    repo_id: str | None = None


@dataclass
class ExportResult:
    out: Path
    model_class: str
    main_auto: str
    auto_map: dict[str, object]
    weights: str
    parameters: int
    files: list[str] = field(default_factory=list)
    loaded: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "out": str(self.out),
            "model_class": self.model_class,
            "main_auto_class": self.main_auto,
            "auto_map": self.auto_map,
            "weights": self.weights,
            "parameters": self.parameters,
            "files": self.files,
            "loaded_in_clean_process": dict(self.loaded),
            "notes": self.notes,
        }


def export_model(
    source: ModelSource, options: ExportOptions, progress: Callable[[str], None] = lambda line: None
) -> ExportResult:
    out = options.out.resolve()
    check_out(out, options.force)
    step = _counter(progress)
    with project_on_path(source):
        step(f"import {source.module} and read what it registers with the Auto classes")
        plan = plan_auto_map(read_registrations(source), source.name)
        step("carry its code: imports made flat, each checked to resolve in the folder or to an installed package")
        texts = carried_code(source, plan)
        model = _model(plan, options, step)
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.modgen-export-", dir=out.parent))
        try:
            folder = staging / out.name
            result, saved = _write(folder, source, plan, model, texts, options, step)
            del model
            step("load every auto_map entry from the folder in a clean process (no modgen, no project)")
            result.loaded = verify_folder(folder, result.main_auto, list(plan.models), saved)
            move_in(folder, out, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    result.out = out
    result.files = sorted(p.name for p in out.iterdir())
    return result


def _model(plan: AutoMapPlan, options: ExportOptions, step: Callable[[str], None]):
    """The model the weights are for, with its config and weights (random or converted)."""
    config = make_config(plan.config, options.config)
    state_dict = read_state_dict(options.weights) if options.weights else None
    model_class = choose_model_class(list(plan.models.values()), config, state_dict)
    check_memory(model_class, config, options.weights)
    step(f"build {model_class.__name__}: " + (f"weights from {options.weights}" if state_dict else "random weights"))
    return build_model(model_class, config, state_dict, options.weights, options.seed)


def _write(folder, source, plan, model, texts, options, step) -> tuple[ExportResult, list[str]]:
    """Everything into `folder`: weights and config, preprocessors, code, auto_map, card, upload script. The
    result so far, and the preprocessors whose files were saved."""
    model.save_pretrained(folder)
    preprocessors = save_preprocessors(plan, folder, source.module, options.preprocessors)
    model_class = type(model)
    result = ExportResult(
        out=folder,
        model_class=model_class.__name__,
        main_auto=_main_auto(plan, model_class),
        auto_map={"AutoConfig": class_ref(plan.config)}
        | {auto: class_ref(cls) for auto, cls in plan.models.items()}
        | preprocessors.auto_map,
        weights=str(options.weights) if options.weights else f"random, seed {options.seed}",
        parameters=sum(p.numel() for p in model.parameters()),
        notes=plan.not_served + preprocessors.notes,
    )
    step(
        "write the code, config.json with auto_map, the model card"
        + (", push_to_hub.py" if options.push_script else "")
    )
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    _set_auto_map(folder / "config.json", result.auto_map)
    card = model_card(
        source.folder,
        title=plan.config.__name__.removesuffix("Config") or source.name,
        main_auto=result.main_auto,
        main_class=result.model_class,
        auto_map=result.auto_map,
        weights=result.weights,
        license=options.license,
    )
    (folder / "README.md").write_text(card, encoding="utf-8")
    if options.push_script:
        (folder / "push_to_hub.py").write_text(push_script(options.repo_id or source.name), encoding="utf-8")
    return result, preprocessors.saved


def check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder", hint="--out takes a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(
            f"{out} is not empty; modgen export writes a new folder",
            hint="choose another --out, or pass --force to replace the folder",
        )


def carried_code(source: ModelSource, plan: AutoMapPlan) -> dict[str, str]:
    """The rewritten code files; the import problems of every file at once, as one error."""
    classes = plan.classes()
    outside = [c for c in classes if c.__module__.split(".")[0] == source.package and not is_carried(c, source.module)]
    problems = [
        Problem(
            source.folder / "__init__.py",
            0,
            f"registers {c.__module__}.{c.__name__}, which is not in the model's folder",
        )
        for c in outside
    ]
    carried = carry(source, [c.__module__ for c in classes if is_carried(c, source.module)])
    raise_problems(problems + carried.problems, source)
    return carried.texts


def move_in(folder: Path, out: Path, staging: Path) -> None:
    """Replace `out` by `folder` (same filesystem); the old `out` is removed only once the new one is in place."""
    if out.exists():
        old = staging / ".replaced"
        os.replace(out, old)
        try:
            os.replace(folder, out)
        except BaseException:
            os.replace(old, out)
            raise
    else:
        os.replace(folder, out)


def _set_auto_map(path: Path, auto_map: dict) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["auto_map"] = auto_map
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _main_auto(plan: AutoMapPlan, model_class: type) -> str:
    autos = [auto for auto, cls in plan.models.items() if cls is model_class]
    return next((a for a in autos if a != "AutoModel"), autos[0])


def _counter(progress: Callable[[str], None]) -> Callable[[str], None]:
    count = iter(range(1, STEPS + 1))
    return lambda text: progress(f"[{next(count)}/{STEPS}] {text}")
