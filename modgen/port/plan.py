"""What one port is, once everything about the original is known: shared by the renderers and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from modgen.naming import title_case
from modgen.port.layout import Layout
from modgen.port.probe import InputSpec, Probe
from modgen.port.signature import ConfigSpec
from modgen.port.target import Target
from modgen.port.tasks import Task


@dataclass
class Port:
    target: Target
    new_name: str
    task: Task
    config: ConfigSpec
    probe: Probe
    layout: Layout
    literals: list[str] = field(default_factory=list)
    command: str = ""

    @property
    def prefix(self) -> str:
        return title_case(self.new_name)

    @property
    def config_class(self) -> str:
        return f"{self.prefix}Config"

    @property
    def pretrained_class(self) -> str:
        return f"{self.prefix}PreTrainedModel"

    @property
    def model_class(self) -> str:
        return f"{self.prefix}{self.task.suffix}"

    @property
    def inputs(self) -> list[tuple[str, InputSpec]]:
        """(transformers' name, the original's input) in the original forward's order."""
        names = self.task.inputs
        return [(names[i] if i < len(names) else s.parameter, s) for i, s in enumerate(self.probe.inputs)]

    @property
    def ties(self) -> bool:
        return bool(self.probe.tied)

    @property
    def files(self) -> dict[str, Path]:
        folder, name = self.layout.model_dir, self.new_name
        files = {
            "config": folder / f"configuration_{name}.py",
            "modeling": folder / f"modeling_{name}.py",
            "init": folder / "__init__.py",
            "card": folder / "MODEL_CARD.md",
            "tests": self.layout.tests_file,
        }
        if self.layout.copy is not None:
            files["original"] = self.layout.copy
        return files

    def where(self) -> str:
        """The original as the user named it, for docstrings: `GPT` of `model.py`."""
        source = self.target.file.name if self.target.file else self.target.module_name
        return f"`{self.target.name}` of `{source}`"

    def as_dict(self) -> dict:
        return {
            "target": self.target.spec,
            "name": self.new_name,
            "task": self.task.name,
            "auto_class": self.task.auto,
            "classes": [self.config_class, self.pretrained_class, self.model_class],
            "layout": self.layout.kind,
            "root": str(self.layout.root),
            "model_dir": self.layout.relative(self.layout.model_dir),
            "config_fields": {f.name: _json(f.value) for f in self.config.fields},
            "fixed_arguments": {f.parameter: f.expression for f in self.config.fixed},
            "defaults_kept_in_code": self.config.left_to_original,
            "renamed_fields": self.config.renamed,
            "checks": [c.requirement for c in self.config.checks],
            "inputs": {name: {"kind": s.kind, "shape": ["batch", *s.shape]} for name, s in self.inputs},
            "output_shape": list(self.probe.output_shape),
            "tied_weights": self.probe.tied,
            "parameters": self.probe.parameters,
            "hyper_parameters_in_code": self.literals,
            "files": {k: self.layout.relative(v) for k, v in self.files.items()},
        }


def _json(value):
    return list(value) if isinstance(value, tuple) else value
